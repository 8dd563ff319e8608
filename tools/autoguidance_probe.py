"""A first look at autoguidance (Karras et al. 2024, https://arxiv.org/abs/2406.02507) on a latent run: the guided branch's
unconditional call is replaced by a weaker conditional model, here the same preset trained for a quarter of the steps.

    python tools/autoguidance_probe.py train-guide /tmp/ag/guide_470 --steps 470 --seed 7
    python tools/autoguidance_probe.py sweep nbs/results/screen/cpu_latent_cond_s0 /tmp/ag/guide_470 --out nbs/results/screen/autoguidance_s0.json

Each setting samples the same 1,000 labels from the same noise as `miniai sample --seed 0`, scored as `miniai eval` does.
"""
import argparse, json, os, time
import torch
from torch import nn
import miniai.runs as runs
from miniai.diffusion_training import default_sampling
from miniai.datasets import class_labels
from miniai.fid import evaluate_samples

class AutoGuided(nn.Module):
    "`main`, except that the unconditional half of a guided call goes to `guide` with the real labels."
    def __init__(self, main, guide):
        super().__init__(); self.main, self.guide, self.null_label, self.config = main, guide, main.null_label, main.config
    def forward(self, x, t, labels=None):
        n = len(x) // 2
        if labels is not None and len(x) % 2 == 0 and (labels[n:] == self.null_label).all() and (labels[:n] != self.null_label).all():
            return torch.cat([self.main(x[:n], t[:n], labels[:n]), self.guide(x[n:], t[n:], labels[:n])])
        return self.main(x, t, labels)

def train_guide(out:str, steps:int, seed:int):
    "A conditional latent `cpu` run of exactly `steps` steps (a one-minute budget whose step time is set, not measured)."
    runs.seconds_per_step = lambda *a, **k: 60. / steps
    runs.train(out, runs.new_run('cpu', cond=True, minutes=1., seed=seed, latent=True), os.environ.get('MINIAI_DATA'), 'cpu', progress=False)

def sweep(main_dir:str, guide_dir:str, out:str):
    "FID, KID and accuracy of autoguided samples at a few weights, and of the default classifier-free guidance."
    main, run = runs.load_run_model(main_dir, 'cpu'); guide, grun = runs.load_run_model(guide_dir, 'cpu')
    vae, labels, rows = runs.run_vae(run), class_labels(1000), []
    for name, model, opts in [('ag w1 interval', AutoGuided(main, guide), dict(guidance=1.)),
                              ('ag w2 interval', AutoGuided(main, guide), dict(guidance=2.)),
                              ('ag w1 all', AutoGuided(main, guide), dict(guidance=1., guidance_interval=None)),
                              ('ag w3 interval', AutoGuided(main, guide), dict(guidance=3.)),
                              ('cfg default', main, {})]:
        start = time.perf_counter()
        x = runs.draw_samples(model, run, vae, labels, 1000, torch.Generator().manual_seed(0), **default_sampling(True) | opts)
        r = dict(setting=name, main=main_dir, guide=guide_dir, guide_steps=grun.n_steps, main_steps=run.n_steps,
                 seconds=round(time.perf_counter() - start, 1), **{k: round(float(v), 4) for k, v in evaluate_samples(x, labels).items()})
        print(json.dumps(r), flush=True); rows.append(r)
        json.dump(rows, open(out, 'w'), indent=1)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('train-guide'); t.add_argument('out'); t.add_argument('--steps', type=int, default=470); t.add_argument('--seed', type=int, default=7)
    s = sub.add_parser('sweep'); s.add_argument('main'); s.add_argument('guide'); s.add_argument('--out', required=True)
    a = p.parse_args()
    if a.cmd == 'train-guide': train_guide(a.out, a.steps, a.seed)
    else: sweep(a.main, a.guide, a.out)
