"""Probe sampling ideas that the library does not offer, on trained pixel runs: FID, KID, accuracy and seconds for 1,000 samples.

Each probe changes one thing in 05's sampler for the length of a setting, by replacing a function of `miniai.sampling`;
everything else is the run's default sampling (`run_sampling`) at the guidance weight W, with the same labels and noise
as `tools/sampling_sweep.py` (seed S for run `..._sS`), so rows pair with that tool's rows. Settings are `W:PROBE`:

- `W:cfg`: plain classifier-free guidance, through the probe's code path (a check: it must give `sampling_sweep.py`'s numbers).
- `W:orthogonal`: adaptive projected guidance without its parallel part (Sadat et al. 2024, https://arxiv.org/abs/2410.02416):
  the guidance update of the clean-image estimate, D(cond) - D(uncond), loses its component along D(cond).
- `W:clamp`: static thresholding (Ho et al. 2020, Saharia et al. 2022): every clean-image estimate clamped to [-1, 1].
- `W:rhoR`: the Karras et al. (2022) noise levels with spacing exponent R instead of 7.

    python tools/sampling_probes.py nbs/results/width_10min/cpu_cond --seeds 0,1,2 --out nbs/results/width_10min/probes.json 2.5:clamp 3:clamp
"""
import argparse, json, re
from functools import partial
from pathlib import Path

import torch
import miniai.sampling as S
from miniai.runs import load_run_model, run_sampling
from sampling_sweep import score

_call, _karras = S.Denoiser.__call__, S.sigmas_karras

def orthogonal_call(self, x, sigma):
    "`Denoiser.__call__` whose guidance update keeps only its part orthogonal to the conditional estimate."
    self.nfe += 1
    sigma = torch.as_tensor(sigma, device=x.device, dtype=x.dtype).expand(x.shape[0])
    sig, w = S._bcast(sigma, x), self.guidance_weights(sigma)
    xt, t = x / (1 + sig**2).sqrt(), S.sigma_to_t(sigma).float()
    if not w.any(): return self.to_x0(x, sig, self.predict(xt, t, w))
    c, u = (self.to_x0(x, sig, out) for out in self.cond_uncond(xt, t))
    d = c - u
    along = (d * c).flatten(1).sum(1) / (c * c).flatten(1).sum(1).clamp_min(1e-8)
    return c + S._bcast(w, c) * (d - S._bcast(along, c) * c)

def clamped_call(self, x, sigma):
    "`Denoiser.__call__` with its clean-image estimate clamped to [-1, 1]."
    return _call(self, x, sigma).clamp(-1, 1)

def probe(name:str):
    "Put the probe `name` in place (and take any other out)."
    S.Denoiser.__call__, S.schedules['karras'] = _call, _karras
    if name == 'orthogonal': S.Denoiser.__call__ = orthogonal_call
    elif name == 'clamp': S.Denoiser.__call__ = clamped_call
    elif m := re.fullmatch(r'rho([\d.]+)', name): S.schedules['karras'] = partial(_karras, rho=float(m[1]))
    elif name != 'cfg': raise SystemExit(f"unknown probe {name!r}: cfg, orthogonal, clamp or rhoR")

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', help="run folder without its seed: RUNS_sS for each seed")
    p.add_argument('settings', nargs='+', help="W:PROBE, e.g. 2.5:clamp")
    p.add_argument('--seeds', default='0,1,2', help="comma-separated seeds (default 0,1,2)")
    p.add_argument('--out', required=True, help="JSON file the rows are appended to")
    a = p.parse_args()
    out = Path(a.out)
    rows = json.loads(out.read_text()) if out.exists() else []
    for seed in map(int, a.seeds.split(',')):
        run_dir = f'{a.runs}_s{seed}'
        model, run = load_run_model(run_dir, 'cpu')
        for spec in a.settings:
            w, name = spec.split(':')
            probe(name)
            opts = run_sampling(run) | dict(guidance=float(w))
            row = dict(run=run_dir, probe=name, guidance=float(w), seed=seed, **score(model, run, None, opts, seed=seed))
            print(json.dumps(row), flush=True)
            rows.append(row); out.write_text(json.dumps(rows, indent=1))
    probe('cfg')

if __name__ == '__main__': main()
