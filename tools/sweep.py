"""`sweep`: score sampling settings on one trained run: FID, KID, accuracy and seconds for 1,000 samples each.

Every setting samples the same labels (the ten classes in turn) from the same noise, so rows differ only by the
setting; `sampler_steps` is the sampler's steps (not training steps). Rows are appended to OUT (a JSON list), so
separate invocations build one table.

    python -m tools sweep runs/cpu_cond --out nbs/results/cpu3/sampling.json
    python -m tools sweep nbs/results/amd_10min/cpu_cond_s0 --seed 0 --out nbs/results/amd_10min/guidance.json --only 'default,guidance 2.5'
    python -m tools sweep runs/objectives/cpu_cond_objective_flow_s0 --out runs/objectives/nfe.json --only 'euler 4,euler 8,dpmpp_2m 4,dpmpp_2m 8'
"""
import argparse, json, re
from pathlib import Path

from miniai.sampling import samplers
from .rows import add_rows
from .scoring import load, score_run

# name: changes to the run's default settings (`run_sampling`); `bf16` samples under bfloat16 autocast
settings = {
    'default': {},
    'every level': dict(guidance_interval=None),
    'interval 0.2-10': dict(guidance_interval=(0.2, 10.)),
    'interval 0.5-10': dict(guidance_interval=(0.5, 10.)),
    'interval 0.2-30': dict(guidance_interval=(0.2, 30.)),
    'interval 0-10': dict(guidance_interval=(0., 10.)),
    'interval 0.2-10 guidance 4': dict(guidance_interval=(0.2, 10.), guidance=4.),
    'interval 0.2-10 guidance 5': dict(guidance_interval=(0.2, 10.), guidance=5.),
    'steps 20': dict(steps=20),
    'steps 20 guidance 4': dict(steps=20, guidance=4.),
    'steps 16': dict(steps=16),
    'steps 10': dict(steps=10),
    'steps 8': dict(steps=8),
    'sigma_min 0.002': dict(sigma_min=0.002, steps=12),
    'sigma_min 0.01': dict(sigma_min=0.01, steps=12),
    'sigma_min 0.02': dict(sigma_min=0.02, steps=12),
    'sigma_min 0.05': dict(sigma_min=0.05, steps=12),
    'sigma_min 0.02 steps 10': dict(sigma_min=0.02, steps=10),
    'bf16': dict(bf16=True),
    'bf16 steps 10': dict(bf16=True, steps=10),
    'ddim': dict(sampler='ddim'),
    'euler': dict(sampler='euler'),
    'ddpm': dict(sampler='ddpm'),
    'heun 6': dict(sampler='heun', steps=6),
}

def setting(name:str)->dict:
    "The changes a setting's name asks for: a key of `settings`, 'SAMPLER K' (K steps), 'guidance W', or 'guidance W interval LO-HI' (guide where LO < sigma <= HI)."
    if name in settings: return settings[name]
    if (m := re.fullmatch(r'(\w+) (\d+)', name)) and m[1] in samplers: return dict(sampler=m[1], steps=int(m[2]))
    m = re.fullmatch(r'guidance ([\d.]+)(?: interval ([\d.]+)-([\d.]+))?', name)
    if m is None: raise SystemExit(f"unknown setting {name!r}: choose one of {', '.join(settings)}, 'SAMPLER K', 'guidance W', or 'guidance W interval LO-HI'")
    w, lo, hi = m.groups()
    return dict(guidance=float(w)) | ({} if lo is None else dict(guidance_interval=(float(lo), float(hi))))

def sweep(a):
    names = a.only.split(',') if a.only else list(settings)
    changes = {name: setting(name) for name in names} # every name checked before any sampling
    model, run, vae = load(a.run)
    for name, c in changes.items():
        row = dict(run=str(a.run), setting=name, seed=a.seed) | score_run(model, run, vae, a.n, a.seed, **c)
        add_rows(a.out, [row])
        print(json.dumps(row), flush=True)

def register(sub):
    p = sub.add_parser('sweep', help="score sampling settings on a trained run", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('run', help="a run folder of a conditional model (pixels or latents)")
    p.add_argument('--out', required=True, type=Path, help="JSON file the rows are appended to")
    p.add_argument('--only', help="comma-separated names of settings, 'SAMPLER K', 'guidance W', or 'guidance W interval LO-HI' (default: every named setting)")
    p.add_argument('--seed', type=int, default=0, help="seed of the noise (default 0)")
    p.add_argument('--n', type=int, default=1000, help="samples per setting (default 1000)")
    p.set_defaults(func=sweep)
