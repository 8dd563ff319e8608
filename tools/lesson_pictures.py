"""Pictures of trained runs for the lessons: the loss at each noise level, one noise seed across the ten classes,
one class across guidance weights, and the estimate x̂0 at each sampler step.

    python tools/lesson_pictures.py levels nbs/results/cpu_seeds/cpu_cond_s{0,1,2} nbs/results/cpu_seeds/cpu_uncond_s{0,1,2} \
        --out nbs/results/cpu_seeds/loss_by_level.json
    python tools/lesson_pictures.py same-noise nbs/results/cpu_seeds/cpu_cond_s0 --out nbs/results/cpu_seeds/same_noise.png
    python tools/lesson_pictures.py guidance runs/cond10 --label 5 --weights 0,1,2,3,4,5 --out nbs/results/pictures/guidance.png
    python tools/lesson_pictures.py path runs/cond10 --out nbs/results/pictures/x0_path.png

`levels` scores each run's EMA model on the first 1,000 test images at 20 noise levels with 11's `loss_by_level`
(a conditional run twice: with the true labels, and with the "no label" of guidance). `same-noise` samples 8 noise
seeds (rows) for each of the ten classes (columns), every class from the same noise, with `miniai sample`'s defaults.
`guidance` draws one class at each weight (rows), every row from the same noise (`--n` seeds, columns), with the
run's other sampling defaults (`run_sampling`). `path` shows the estimate x̂0 at each step of the run's default
sampler (columns), one class per row, every row from the same noise.
"""
import argparse, json
from pathlib import Path

import torch
from miniai.datasets import load_fashion_tensors, images_to_model, image_grid, fashion_classes
from miniai.diffusion_training import loss_by_level
from miniai.runs import load_run_model, run_sampling
from miniai.diffusion_training import default_sampling
from miniai.sampling import sample

def levels(runs, out:Path, n:int=1000):
    "Rows of the loss at each noise level for each run, written to `out`."
    x, y = load_fashion_tensors()['test']
    x0, labels = images_to_model(x[:n]), y[:n]
    rows = []
    for folder in runs:
        model, run = load_run_model(folder)
        for kind, lab in ([('label', labels), ('no label', None)] if run.cond else [('unconditional', None)]):
            sigmas, losses = loss_by_level(model, x0, lab)
            rows.append(dict(run=str(folder), seed=run.seed, cond=run.cond, kind=kind, steps=run.n_steps, n_images=n,
                             sigma=[round(s, 5) for s in sigmas.tolist()], loss=[round(l, 5) for l in losses.tolist()]))
            print(folder, kind, f"mean loss {losses.mean():.4f}", flush=True)
    out.write_text(json.dumps(rows, indent=1))

def same_noise(run_dir, out:Path, n_seeds:int=8):
    "A grid with one column per class and one row per noise seed: each row starts every class from the same noise."
    model, run = load_run_model(run_dir)
    opts = default_sampling(True)
    cols = [torch.cat([sample(model, (1, 1, 32, 32), labels=c, generator=torch.Generator().manual_seed(s), **opts)[0]
                       for s in range(n_seeds)]) for c in range(len(fashion_classes))]
    images = torch.stack(cols, 1).flatten(0, 1)  # row-major: seed, then class
    image_grid(images, len(fashion_classes)).save(out)
    print(f"wrote {out}")

def _figure(rows, row_names, col_names, out:Path, title:str, size:float=0.62):
    "Save a grid of 1-channel images `rows` (a list of lists of (h, w) tensors in [-1, 1]) with named rows and columns, as a small PNG."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
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
    import io
    from PIL import Image
    buf = io.BytesIO()
    fig.savefig(buf, dpi=80); plt.close(fig)
    Image.open(buf).convert('L').save(out, optimize=True) # grey levels only: a small file
    print(f"wrote {out}")

def guidance(run_dir, out:Path, label:int=5, weights=(0, 1, 2, 3, 4, 5), n:int=8, seed:int=0):
    "One class at each guidance weight (rows), `n` samples each (columns), every row from the same noise."
    model, run = load_run_model(run_dir)
    opts = run_sampling(run)
    rows = [sample(model, (n, 1, 32, 32), labels=label, generator=torch.Generator().manual_seed(seed), **opts | dict(guidance=float(w)))[0][:, 0]
            for w in weights]
    _figure(rows, [f'weight {w:g}' for w in weights], None, out,
            f"{fashion_classes[label]}: {run.n_steps:,} training steps, {opts['sampler']}, {opts['steps']} steps")

def path(run_dir, out:Path, labels=(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), seed:int=0):
    "The estimate x̂0 at each step of the run's default sampler (columns), one class per row, all from the same noise."
    model, run = load_run_model(run_dir)
    opts = run_sampling(run)
    steps = []
    sample(model, (len(labels), 1, 32, 32), labels=torch.tensor(labels), generator=torch.Generator().manual_seed(seed),
           callback=lambda d: steps.append((d['sigma'].item(), d['denoised'].cpu())), **opts)
    rows = [[denoised[i, 0].clamp(-1, 1) for _, denoised in steps] for i in range(len(labels))]
    _figure(rows, [fashion_classes[l] for l in labels], [f'σ={s:.2g}' for s, _ in steps], out,
            f"x̂0 at each step: {run.n_steps:,} training steps, {opts['sampler']}, guidance {opts['guidance']:g}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('what', choices=['levels', 'same-noise', 'guidance', 'path'])
    p.add_argument('runs', nargs='+', help="run folders")
    p.add_argument('--out', required=True)
    p.add_argument('--label', type=int, default=5, help="guidance: the class drawn (default 5)")
    p.add_argument('--weights', default='0,1,2,3,4,5', help="guidance: the weights, one row each (default 0,1,2,3,4,5)")
    p.add_argument('--n', type=int, default=8, help="guidance: samples per weight (default 8)")
    p.add_argument('--seed', type=int, default=0, help="seed of the noise (default 0)")
    a = p.parse_args()
    if a.what == 'levels': levels(a.runs, Path(a.out))
    elif a.what == 'same-noise': same_noise(a.runs[0], Path(a.out))
    elif a.what == 'guidance': guidance(a.runs[0], Path(a.out), a.label, [float(w) for w in a.weights.split(',')], a.n, a.seed)
    else: path(a.runs[0], Path(a.out), seed=a.seed)
