"""`ema`: the EMA's length, chosen after training: one run keeps several averages of its weights side by side, and each is scored.

Karras et al. 2024 (arXiv:2312.02696) show that the EMA's length matters and is best chosen after training, by
reconstructing any length from snapshots of the weights. With a handful of lengths to compare, keeping them all at
once during one run answers the same question more simply: extra `EMACB`s (03) hold averages with other decays next to
the run's own `ema_model`, so every length sees the same training steps. Each average, and the raw final weights, is
sampled with the command's defaults and scored like `miniai eval` (1,000 samples); the run itself is an ordinary
`miniai train --cond` run (its length is timed without the extra averages, so it trains the steps a plain run would),
and `miniai sample RUN --n N` is timed end to end on it (`sample_command_seconds`).

    python -m tools ema --out nbs/results/ema_10min --minutes 10 --seeds 0,1,2
    python -m tools ema --out nbs/results/ema_10min --minutes 10 --seeds 0,1,2 --latent
    python -m tools ema --out nbs/results/ema_3min --minutes 3 --seeds 0,1,2 --decays 0.95,0.98,0.99,0.995
"""
import argparse, json, shutil, subprocess, sys, time
from pathlib import Path

from miniai.learner import Callback
from miniai.training import EMACB, save_weights, load_weights, weights_file
from miniai.runs import new_run, train
from .rows import add_rows
from .scoring import load, score_run

default_decays = (0.99, 0.995, 0.998, 0.999, 0.9995) # 0.995 is the presets' `ema_decay` (before `ema_span` caps it)

class SaveAveragesCB(Callback):
    "Write the extra averages to the run folder when training ends."
    order = EMACB.order + 1
    def __init__(self, folder:Path, decays:tuple): self.folder, self.decays = folder, decays
    def after_fit(self, learn):
        for d in self.decays: save_weights(getattr(learn, f'ema_{d}'), self.folder/f'ema_{d}.safetensors')

def one_run(out:Path, latent:bool, minutes:float|None, epochs:int|None, seed:int, decays:tuple=default_decays,
            data:str|None=None, n:int=1000)->list[dict]:
    "Train one run with the extra averages, then score the raw weights and every average."
    folder = out/f"{'latent' if latent else 'pixel'}_s{seed}"
    if folder.exists(): shutil.rmtree(folder)
    run = new_run('cpu', cond=True, epochs=epochs, minutes=minutes, seed=seed, latent=latent)
    start = time.perf_counter()
    averages = [EMACB(d, validate=False, attr=f'ema_{d}') for d in decays]
    train(folder, run, data, progress=False, cbs=[*averages, SaveAveragesCB(folder, decays)])
    train_minutes = (time.perf_counter() - start) / 60
    start = time.perf_counter()
    subprocess.run([sys.executable, '-m', 'miniai', 'sample', str(folder), '--n', str(n), '--out', str(folder/'timing.npz'),
                    '--seed', str(seed)], check=True, capture_output=True)
    sample_command_seconds = time.perf_counter() - start
    (folder/'timing.npz').unlink()
    model, run, vae = load(folder)
    base = dict(space='latent' if latent else 'pixel', seed=seed, steps=run.n_steps, batch=run.recipe.bs,
                budget=', '.join(f'{v} {k}' for k, v in run.budget.items()), train_minutes=round(train_minutes, 2),
                sample_command_seconds=round(sample_command_seconds, 1))
    rows = []
    for name, path in [('raw', folder/weights_file), *((str(d), folder/f'ema_{d}.safetensors') for d in decays)]:
        load_weights(model, path)
        what = f"{base['space']}, {'the raw final weights' if name == 'raw' else f'EMA decay {name}'}"
        rows.append(dict(name=f"{base['space']}_ema_{name}", what=what) | base | dict(ema=name) | score_run(model, run, vae, n, seed))
        print(json.dumps(rows[-1]), flush=True)
    return rows

def main(a):
    Path(a.out).mkdir(parents=True, exist_ok=True)
    for seed in map(int, a.seeds.split(',')):
        rows = one_run(Path(a.out), a.latent, a.minutes, a.epochs, seed, tuple(map(float, a.decays.split(','))), a.data, a.n)
        add_rows(Path(a.out)/'results.json', rows, same=('space', 'seed'))

def register(sub):
    p = sub.add_parser('ema', help="score several EMA lengths kept side by side in one run",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True, help="folder for the runs and results.json")
    length = p.add_mutually_exclusive_group()
    length.add_argument('--minutes', type=float, help="training budget of each run (default 10, as `miniai train`)")
    length.add_argument('--epochs', type=int, help="or this many epochs")
    p.add_argument('--seeds', default='0', help="comma-separated seeds, one run each")
    p.add_argument('--latent', action='store_true', help="the latent model (default: pixels)")
    p.add_argument('--decays', default=','.join(map(str, default_decays)), help="comma-separated EMA decays to keep")
    p.add_argument('--data', help="Fashion-MNIST folder (default $MINIAI_DATA)")
    p.add_argument('--n', type=int, default=1000, help="samples scored per average (default 1000)")
    p.set_defaults(func=main)
