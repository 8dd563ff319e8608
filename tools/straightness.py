"""`straightness`: how far a run's few-step Euler samples land from its many-step ones, from the same noise.

16's `euler_gaps` on run folders. Each run samples as `miniai sample` samples it (its labels, guidance and its interval,
sigma_min; a latent run's samples decoded by its VAE), but with Euler at each number of `--steps`; a row's `gap` is the
RMS distance over pixels in [-1, 1] from the `--reference`-step samples of the same noise (0: straight paths). Rows, one
per run and number of steps, go to OUT (a JSON list; a run's earlier rows at the same settings are replaced).

    python -m tools straightness runs/objectives/cpu_cond_objective_v_s0 runs/objectives/cpu_cond_objective_flow_s0 \\
        --out nbs/results/flow_straightness/results.json --steps 1,2,4,8 --reference 50
"""
import argparse, json
from pathlib import Path

import torch
from miniai.datasets import class_labels
from miniai.flow import euler_gaps
from miniai.generation import run_sampling, draw_samples
from miniai.text import class_name_prompts, prompt_tokens
from .rows import add_rows
from .scoring import load

def run_gaps(
    model, run, vae, # a loaded run (`load`)
    steps=(1, 2, 4, 8), # Euler steps to measure
    reference:int=50, # Euler steps of the reference samples
    n:int=1000, # samples: the ten classes in turn for a conditional run
    seed:int=0, # seed of the noise
    bs:int=500, # images per batch
    **changes, # sampler settings that differ from the run's defaults, e.g. guidance=0.
)->list[dict]:
    "One row per number of `steps`: the run, its objective and the Euler gap of its samples from the reference ones."
    opts = run_sampling(run) | changes | dict(sampler='euler')
    labels = class_labels(n) if run.cond else None
    cond = prompt_tokens(model, class_name_prompts(labels)) if run.text else labels
    draw = lambda k: draw_samples(model, run, vae, cond, n, torch.Generator().manual_seed(seed), bs, **opts | dict(steps=k))
    gaps = euler_gaps(draw, steps, reference)
    about = dict(objective=run.recipe.objective or run.model.pred, pred=run.model.pred, latent=run.latent is not None,
                 steps=run.n_steps, seed=seed, n=n, sampler='euler', guidance=opts['guidance'],
                 sigma_min=opts['sigma_min'], reference_steps=reference)
    return [about | dict(sampler_steps=k, gap=round(g, 5)) for k, g in gaps.items()]

def straightness(a):
    steps = [int(s) for s in a.steps.split(',')]
    changes = {} if a.guidance is None else dict(guidance=a.guidance)
    for folder in a.runs:
        rows = [dict(run=str(folder)) | r for r in run_gaps(*load(folder), steps, a.reference, a.n, a.seed, **changes)]
        add_rows(a.out, rows, same=('run', 'seed', 'n', 'guidance', 'reference_steps', 'sampler_steps'))
        for r in rows: print(json.dumps({k: r[k] for k in ('run', 'objective', 'sampler_steps', 'gap')}), flush=True)

def register(sub):
    p = sub.add_parser('straightness', help="Euler gaps of few-step samples from many-step ones (16's euler_gaps)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', nargs='+', type=Path, help="run folders (pixels or latents)")
    p.add_argument('--out', required=True, type=Path, help="JSON file the rows go to")
    p.add_argument('--steps', default='1,2,4,8', help="comma-separated Euler steps to measure (default 1,2,4,8)")
    p.add_argument('--reference', type=int, default=50, help="Euler steps of the reference samples (default 50)")
    p.add_argument('--n', type=int, default=1000, help="samples per run (default 1000)")
    p.add_argument('--seed', type=int, default=0, help="seed of the noise (default 0)")
    p.add_argument('--guidance', type=float, help="guidance weight (default: the run's, as `miniai sample` uses)")
    p.set_defaults(func=straightness)
