"""Pictures of trained runs for the lessons: the loss at each noise level, and one noise seed across the ten classes.

    python tools/lesson_pictures.py levels nbs/results/cpu_seeds/cpu_cond_s{0,1,2} nbs/results/cpu_seeds/cpu_uncond_s{0,1,2} \
        --out nbs/results/cpu_seeds/loss_by_level.json
    python tools/lesson_pictures.py same-noise nbs/results/cpu_seeds/cpu_cond_s0 --out nbs/results/cpu_seeds/same_noise.png

`levels` scores each run's EMA model on the first 1,000 test images at 20 noise levels with 11's `loss_by_level`
(a conditional run twice: with the true labels, and with the "no label" of guidance). `same-noise` samples 8 noise
seeds (rows) for each of the ten classes (columns), every class from the same noise, with `miniai sample`'s defaults.
"""
import argparse, json
from pathlib import Path

import torch
from miniai.datasets import load_fashion_tensors, images_to_model, image_grid, fashion_classes
from miniai.diffusion_training import loss_by_level
from miniai.runs import load_run_model
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

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('what', choices=['levels', 'same-noise'])
    p.add_argument('runs', nargs='+', help="run folders")
    p.add_argument('--out', required=True)
    a = p.parse_args()
    if a.what == 'levels': levels(a.runs, Path(a.out))
    else: same_noise(a.runs[0], Path(a.out))
