"""`pictures` and `prompts`: pictures of trained runs for the lessons.

    python -m tools pictures levels nbs/results/cpu_seeds/cpu_cond_s{0,1,2} nbs/results/cpu_seeds/cpu_uncond_s{0,1,2} \\
        --out nbs/results/cpu_seeds/loss_by_level.json
    python -m tools pictures same-noise nbs/results/cpu_seeds/cpu_cond_s0 --out nbs/results/cpu_seeds/same_noise.png
    python -m tools pictures guidance runs/cond10 --label 5 --weights 0,1,2,3,4,5 --out nbs/results/pictures/guidance.png
    python -m tools pictures path runs/cond10 --out nbs/results/pictures/x0_path.png
    python -m tools prompts RUN prompts.png [--n 8] [--seed 0] [--prompts 'a dark ankle boot' 'a light ankle boot' ...]

`levels` scores each run's EMA model on the first 1,000 test images at 20 noise levels with 11's `loss_by_level`
(a conditional run twice: with the true labels, and with the "no label" of guidance). `same-noise` samples 8 noise
seeds (rows) for each of the ten classes (columns), every class from the same noise, with `miniai sample`'s defaults.
`guidance` draws one class at each weight (rows), every row from the same noise (`--n` seeds, columns), with the
run's other sampling defaults (`run_sampling`). `path` shows the estimate x̂0 at each step of the run's default
sampler (columns), one class per row, every row from the same noise. `prompts` draws a text run's samples, one row
per prompt, the same noise in every row, the prompt beside its row, with the run's defaults (as `miniai sample --prompt`).
"""
import argparse, io
from pathlib import Path

import torch
from miniai.core import atomic_write
from miniai.datasets import load_fashion_tensors, images_to_model, image_grid, fashion_classes
from miniai.diffusion_training import loss_by_level, default_sampling
from miniai.generation import run_sampling, draw_samples
from miniai.runs import load_run_model, run_vae
from miniai.sampling import sample
from miniai.text import prompt_tokens
from .rows import add_rows

def levels(runs, out:Path, n:int=1000, data:str|None=None):
    "Rows of the loss at each noise level for each run, added to `out` (replacing earlier rows of the same run and kind)."
    x, y = load_fashion_tensors(data)['test']
    x0, labels = images_to_model(x[:n]), y[:n]
    rows = []
    for folder in runs:
        model, run = load_run_model(folder)
        for kind, lab in ([('label', labels), ('no label', None)] if run.cond else [('unconditional', None)]):
            sigmas, losses = loss_by_level(model, x0, lab)
            rows.append(dict(run=str(folder), seed=run.seed, cond=run.cond, kind=kind, steps=run.n_steps, n_images=n,
                             sigma=[round(s, 5) for s in sigmas.tolist()], loss=[round(l, 5) for l in losses.tolist()]))
            print(folder, kind, f"mean loss {losses.mean():.4f}", flush=True)
    add_rows(out, rows, same=('run', 'kind'))

def same_noise(run_dir, out:Path, n_seeds:int=8):
    "A grid with one column per class and one row per noise seed: each row starts every class from the same noise."
    model, run = load_run_model(run_dir)
    opts = default_sampling(True)
    cols = [torch.cat([sample(model, (1, 1, 32, 32), labels=c, generator=torch.Generator().manual_seed(s), **opts)[0]
                       for s in range(n_seeds)]) for c in range(len(fashion_classes))]
    images = torch.stack(cols, 1).flatten(0, 1)  # row-major: seed, then class
    with atomic_write(out) as f: image_grid(images, len(fashion_classes)).save(f, format='png')

def _figure(rows, row_names, col_names, out:Path, title:str, size:float=0.62):
    "Save a grid of 1-channel images `rows` (a list of lists of (h, w) tensors in [-1, 1]) with named rows and columns, as a small PNG."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from PIL import Image
    nr, nc = len(rows), len(rows[0])
    fig, axs = plt.subplots(nr, nc, figsize=(nc * size + 1.1, nr * size + 0.45), squeeze=False)
    for r, row in enumerate(rows):
        for c, im in enumerate(row):
            ax = axs[r, c]
            ax.imshow(im, cmap='gray', vmin=-1, vmax=1); ax.set_xticks([]); ax.set_yticks([])
            for side in ax.spines.values(): side.set_visible(False)
            if c == 0: ax.set_ylabel(row_names[r], fontsize=7, rotation=0, ha='right', va='center')
            if r == 0 and col_names: ax.set_title(col_names[c], fontsize=7)
    fig.suptitle(title, fontsize=8)
    fig.subplots_adjust(left=1.0 / (nc * size + 1.1), right=0.99, bottom=0.01, top=1 - 0.4 / (nr * size + 0.45), wspace=0.04, hspace=0.04)
    buf = io.BytesIO()
    fig.savefig(buf, dpi=80); plt.close(fig)
    with atomic_write(out) as f: Image.open(buf).convert('L').save(f, format='png', optimize=True) # grey levels only: a small file

def guidance(run_dir, out:Path, label:int=5, weights=(0, 1, 2, 3, 4, 5), n:int=8, seed:int=0):
    "One class at each guidance weight (rows), `n` samples each (columns), every row from the same noise."
    model, run = load_run_model(run_dir)
    opts = run_sampling(run)
    rows = [sample(model, (n, 1, 32, 32), labels=label, generator=torch.Generator().manual_seed(seed), **opts | dict(guidance=float(w)))[0][:, 0]
            for w in weights]
    _figure(rows, [f'weight {w:g}' for w in weights], None, out,
            f"{fashion_classes[label]}: {run.n_steps:,} training steps, {opts['sampler']}, {opts['steps']} steps")

def path(run_dir, out:Path, labels=tuple(range(10)), seed:int=0):
    "The estimate x̂0 at each step of the run's default sampler (columns), one class per row, all from the same noise."
    model, run = load_run_model(run_dir)
    opts = run_sampling(run)
    steps = []
    sample(model, (len(labels), 1, 32, 32), labels=torch.tensor(labels), generator=torch.Generator().manual_seed(seed),
           callback=lambda d: steps.append((d['sigma'].item(), d['denoised'].cpu())), **opts)
    rows = [[denoised[i, 0].clamp(-1, 1) for _, denoised in steps] for i in range(len(labels))]
    _figure(rows, [fashion_classes[l] for l in labels], [f'σ={s:.2g}' for s, _ in steps], out,
            f"x̂0 at each step: {run.n_steps:,} training steps, {opts['sampler']}, guidance {opts['guidance']:g}")

default_prompts = ['a dark ankle boot', 'a light ankle boot', 'trousers', 'a pair of trousers', 'a small bag', 'a large bag',
                   'a plain shirt', 'a patterned shirt', 'a dark sandal', 'a light coat', 'footwear', 'a top']

def prompt_grid(run_dir, out:Path, prompts=default_prompts, n:int=8, seed:int=0):
    "A text run's samples: one row per prompt, every row from the same noise, the prompt beside its row."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    model, run = load_run_model(run_dir)
    vae = run_vae(run)
    rows = [draw_samples(model, run, vae, prompt_tokens(model, prompt, n), n, torch.Generator().manual_seed(seed), **run_sampling(run))
            for prompt in prompts]
    fig, axs = plt.subplots(len(rows), 1, figsize=(n * 0.55 + 2.2, len(rows) * 0.6), squeeze=False)
    for ax, prompt, x in zip(axs[:, 0], prompts, rows):
        ax.imshow(torch.cat(list(x[:, 0]), dim=1), cmap='gray', vmin=-1, vmax=1)
        ax.set_xticks([]); ax.set_yticks([]); ax.set_ylabel(prompt, rotation=0, ha='right', va='center', fontsize=8)
    plt.subplots_adjust(left=0.25, right=0.99, top=0.99, bottom=0.01, hspace=0.1)
    buf = io.BytesIO()
    fig.savefig(buf, dpi=110, format='png'); plt.close(fig)
    with atomic_write(out) as f: f.write(buf.getvalue())

def pictures(a):
    out = Path(a.out)
    if a.what == 'levels': levels(a.runs, out, data=a.data)
    elif a.what == 'same-noise': same_noise(a.runs[0], out)
    elif a.what == 'guidance': guidance(a.runs[0], out, a.label, [float(w) for w in a.weights.split(',')], a.n, a.seed)
    else: path(a.runs[0], out, seed=a.seed)
    print(f"wrote {out}")

def prompts(a):
    prompt_grid(a.run, Path(a.out), a.prompts, a.n, a.seed)
    print(f"wrote {a.out}")

def register(sub):
    p = sub.add_parser('pictures', help="pictures of trained runs for the lessons: levels, same-noise, guidance, path",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('what', choices=['levels', 'same-noise', 'guidance', 'path'])
    p.add_argument('runs', nargs='+', help="run folders (levels: any number; the others: one)")
    p.add_argument('--out', required=True, help="the picture (.png), or for levels the rows (.json)")
    p.add_argument('--label', type=int, default=5, help="guidance: the class drawn (default 5)")
    p.add_argument('--weights', default='0,1,2,3,4,5', help="guidance: the weights, one row each (default 0,1,2,3,4,5)")
    p.add_argument('--n', type=int, default=8, help="guidance: samples per weight (default 8)")
    p.add_argument('--seed', type=int, default=0, help="seed of the noise (default 0)")
    p.add_argument('--data', help="levels: Fashion-MNIST folder (default $MINIAI_DATA)")
    p.set_defaults(func=pictures)
    q = sub.add_parser('prompts', help="a text run's samples, one row per prompt, from the same noise",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument('run', help="a run folder trained with --text")
    q.add_argument('out', help="the picture (.png)")
    q.add_argument('--n', type=int, default=8, help="samples per prompt (default 8)")
    q.add_argument('--seed', type=int, default=0, help="seed of the noise (default 0)")
    q.add_argument('--prompts', nargs='+', default=default_prompts)
    q.set_defaults(func=prompts)
