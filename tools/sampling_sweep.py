"""Score sampling settings on one trained run: FID, KID, accuracy and seconds for 1,000 samples each.

`sampler_steps` is the sampler's steps (not training steps). Every setting samples the same labels (the ten classes in turn) from the same noise, so rows differ only by the
setting. Rows are appended to OUT (JSON lines' list), so separate invocations build one table.

    python tools/sampling_sweep.py runs/cpu_cond --out nbs/results/cpu3/sampling.json
"""
import argparse, json, re, time
from pathlib import Path

import torch
from miniai.datasets import class_labels
from miniai.runs import load_run_model, run_vae, run_sampling, draw_samples
from miniai.fid import evaluate_samples

# name: changes to the run's default settings (`run_sampling`)
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
    "The changes a setting's name asks for: a key of `settings`, 'guidance W', or 'guidance W interval LO-HI' (guide at W where LO < sigma <= HI)."
    if name in settings: return settings[name]
    m = re.fullmatch(r'guidance ([\d.]+)(?: interval ([\d.]+)-([\d.]+))?', name)
    if m is None: raise SystemExit(f"unknown setting {name!r}: choose one of {', '.join(settings)}, 'guidance W', or 'guidance W interval LO-HI'")
    w, lo, hi = m.groups()
    return dict(guidance=float(w)) | ({} if lo is None else dict(guidance_interval=(float(lo), float(hi))))

def score(model, run, vae, opts:dict, n:int=1000, bs:int=500, seed:int=0)->dict:
    "Sample `n` images with `opts` in batches of `bs` (decoded by `vae` for a latent run); their scores and the seconds sampling took."
    labels = class_labels(n)
    start = time.perf_counter()
    images = draw_samples(model, run, vae, labels, n, torch.Generator().manual_seed(seed), bs, **opts)
    secs = time.perf_counter() - start
    return dict(seconds=round(secs, 1), **{k: round(float(v), 4) for k, v in evaluate_samples(images, labels).items()})

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('run', help="a run folder of a conditional model (pixels or latents)")
    p.add_argument('--out', required=True, help="JSON file the rows are appended to")
    p.add_argument('--only', help="comma-separated names of settings, 'guidance W', or 'guidance W interval LO-HI' (default: every named setting)")
    p.add_argument('--seed', type=int, default=0, help="seed of the noise (default 0)")
    a = p.parse_args()
    model, run = load_run_model(a.run, 'cpu')
    vae = run_vae(run)
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(out.read_text()) if out.exists() else []
    for name in (a.only.split(',') if a.only else settings):
        opts = run_sampling(run) | setting(name)
        row = dict(run=str(a.run), setting=name, **{'sampler_steps' if k == 'steps' else k: list(v) if isinstance(v, tuple) else v for k, v in opts.items()}, seed=a.seed,
                   **score(model, run, vae, opts, seed=a.seed), threads=torch.get_num_threads())
        print(json.dumps(row), flush=True)
        rows.append(row); out.write_text(json.dumps(rows, indent=1))

if __name__ == '__main__': main()
