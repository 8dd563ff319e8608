"""`run` and `rescore`: train, sample and score the named experiments of experiments.json, each with the `miniai` command.

Every experiment is a `miniai train` run (a preset, conditional or not, `--model` changes and more train arguments),
sampled with the command's defaults (`run_sampling`: the sampler, steps and guidance for the run's space and length) and
scored like `miniai eval` on 1,000 samples. With `--seeds` each experiment trains once per seed into OUT/NAME_sS, sampled
with the same seed; without, into OUT/NAME. Rows go to OUT/results.json (a row per run, replacing that run's earlier
rows); OUT/TAG.png is each run's grid of samples, OUT/TAG_losses.csv its loss log (with --seeds), OUT/logs/TAG.log the
command's output. `steps` in a row is the optimizer steps the run trained (batches of `batch` images).

    python -m tools run --out runs/table --minutes 10 --only cpu_cond,cpu_cond_transformer
    python -m tools run --out nbs/results/cpu_seeds --epochs 1 --seeds 0,1,2 --only cpu_cond,cpu_uncond
    python -m tools run --out runs/gpu --minutes 5 --device cuda --jobs 7 --only gpu_uncond,gpu_cond
    python -m tools rescore --out nbs/results/lr_20min --seeds 0,1,2 --only cpu_latent_lr1e-3 --guidance 2.5
"""
import argparse, json, shutil, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from miniai.core import num_params
from miniai.generation import run_sampling, draw_samples
from miniai.runs import Run, build_model
from miniai.text import attribute_gaps, held_out_gaps, prompt_tokens
from .rows import add_rows, read_rows
from .scoring import load, score_run, final_loss

catalogue_file = Path(__file__).with_name('experiments.json')
experiment_fields = {'what', 'preset', 'cond', 'model', 'train', 'samplers'}
scoring_fields = ('sampler', 'sampler_steps', 'sigma_min', 'guidance', 'guidance_interval', 'bf16', 'sample_seconds',
                  'fid', 'kid', 'accuracy', 'adherence', 'gaps', 'held_out')

def catalogue(path:Path=catalogue_file)->dict:
    "The experiments by name: `what` they show, `preset`, `cond`, `model` settings, more `train` arguments, extra `samplers`."
    table = json.loads(Path(path).read_text())
    for name, e in table.items():
        unknown = set(e) - experiment_fields
        if unknown: raise ValueError(f"{path}: experiment {name} has unknown fields {sorted(unknown)} (known: {sorted(experiment_fields)})")
    return table

def tag(name:str, seed:int|None)->str: return name if seed is None else f'{name}_s{seed}'

def train_args(name:str, out:Path, budget:dict, device:str, data:str|None=None, seed:int|None=None)->list[str]:
    "The `miniai train` arguments of experiment `name` into run folder `out` for `budget` ({'epochs': E} or {'minutes': M})."
    e = catalogue()[name]
    args = ['train', '--out', str(out), '--preset', e['preset'], '--device', device]
    (length, value), = budget.items()
    args += [f'--{length}', f'{value:g}']
    if seed is not None: args += ['--seed', str(seed)]
    if e['cond']: args.append('--cond')
    if data: args += ['--data', data]
    for s in e.get('model', []): args += ['--model', s]
    return args + e.get('train', [])

def miniai(args:list[str], log:Path)->float:
    "Run `python -m miniai *args`, appending its output to `log`; the seconds it took."
    start = time.perf_counter()
    r = subprocess.run([sys.executable, '-m', 'miniai', *args], capture_output=True, text=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, 'a') as f: f.write(f"$ miniai {' '.join(args)}\n{r.stderr}{r.stdout}\n")
    if r.returncode: raise RuntimeError(f"miniai {args[0]} failed (exit {r.returncode}): {r.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - start

def text_adherence(model, run, vae, n:int=20, seed:int=0)->dict:
    "15's attribute gaps of a text run: per property, the share of classes whose 'a {high} X' samples measure above 'a {low} X'."
    draw = lambda prompts: draw_samples(model, run, vae, prompt_tokens(model, prompts), len(prompts),
                                        torch.Generator().manual_seed(seed), **run_sampling(run))
    gaps = attribute_gaps(draw, n)
    props = sorted({p for _, p in gaps})
    return dict(adherence={p: sum(v > 0 for (_, q), v in gaps.items() if q == p) / 10 for p in props},
                gaps={f'{k[0]}|{k[1]}': round(v, 4) for k, v in gaps.items()},
                held_out={f'{k[0]}|{k[1]}': round(v, 4) for k, v in held_out_gaps(gaps).items()})

def evaluate(folder:Path, name:str, n:int, device:str, seed:int|None, guidance:float|None=None)->list[dict]:
    "The scoring fields of a trained run: its default sampling (at `guidance` if given), text adherence, the extra samplers."
    model, run, vae = load(folder, device)
    changes = {} if guidance is None else dict(guidance=guidance)
    first = score_run(model, run, vae, n, seed or 0, device, **changes)
    rows = [first | (text_adherence(model, run, vae, seed=seed or 0) if run.text else {})]
    for sampler, steps in catalogue()[name].get('samplers', []):
        rows.append(score_run(model, run, vae, n, seed or 0, device, sampler=sampler, steps=steps, **changes) | {'sampler_run': True})
    return rows

def train_experiment(name:str, out:Path, budget:dict, device:str, n:int, data:str|None=None, seed:int|None=None,
                     guidance:float|None=None)->list[dict]:
    "Train, sample and score one experiment (with `seed`, if given): its rows."
    e, t = catalogue()[name], tag(name, seed)
    folder = out/t
    if folder.exists(): shutil.rmtree(folder)
    args = train_args(name, folder, budget, device, data, seed)
    train_seconds = miniai(args, out/'logs'/f'{t}.log')
    run = Run.load(folder)
    model = build_model(run)
    params = num_params(model) - (num_params(model.text_encoder) if run.text else 0)
    (length, value), = budget.items()
    base = dict(name=name, what=e['what'], preset=e['preset'], cond=e['cond'], settings=e.get('model', []), params=params,
                steps=run.n_steps, batch=run.recipe.bs, **({'bs_start': run.recipe.bs_start} if run.recipe.bs_start else {}),
                budget=f"{value:g} {'epoch' if budget == {'epochs': 1} else length}", train_minutes=round(train_seconds / 60, 2),
                final_loss=final_loss(folder/'losses.csv'), train_command=f"miniai {' '.join(args)}")
    if seed is not None: base['seed'] = seed; shutil.copy(folder/'losses.csv', out/f'{t}_losses.csv')
    shutil.copy(folder/'samples.png', out/f'{t}.png')
    return [base | r for r in evaluate(folder, name, n, device, seed, guidance)]

def rescore_experiment(row:dict|None, name:str, out:Path, n:int, device:str, seed:int|None=None,
                       guidance:float|None=None)->list[dict]:
    "Sample and score a trained run again with today's defaults (at `guidance`, if given); `row`'s training fields stay."
    folder = out/tag(name, seed)
    if row is None or not folder.is_dir(): raise RuntimeError(f"no trained run {folder} with a row in {out/'results.json'}")
    base = {k: v for k, v in row.items() if k not in scoring_fields and k != 'sampler_run'}
    if 'train_command' not in row: # rows written before the tools recorded provenance: `command` and `hardware` were the training's
        base |= dict(train_command=row.get('command'), train_hardware=row.get('hardware'))
    return [base | r for r in evaluate(folder, name, n, device, seed, guidance)]

def names_and_seeds(a)->tuple[list[str], list[int|None]]:
    "The experiments (`--only`, default all) and seeds (`--seeds`, default none) a command asks for; exits on unknown names."
    table = catalogue()
    names = a.only.split(',') if a.only else [x for x in table if not x.startswith('tiny')]
    unknown = [x for x in names if x not in table]
    if unknown: sys.exit(f"unknown experiments: {', '.join(unknown)} (see {catalogue_file})")
    return names, [int(s) for s in a.seeds.split(',')] if a.seeds else [None]

def run_all(out:Path, names:list, seeds:list, work, jobs:int=1, device:str='cpu')->list[dict]:
    "`work(name, seed)` for every experiment and seed on `jobs` threads, each one's rows written to OUT/results.json as it ends."
    out.mkdir(parents=True, exist_ok=True)
    rows, failed = [], 0
    with ThreadPoolExecutor(jobs) as ex:
        futures = {(x, s): ex.submit(work, x, s) for s in seeds for x in names}
        for (x, s), f in futures.items():
            try: new = f.result()
            except Exception as e: print(f"{x} (seed {s}): {e}", file=sys.stderr); failed += 1; continue
            rows += add_rows(out/'results.json', new, same=('name', 'seed'), device=device)
    for r in rows: print(json.dumps({k: r.get(k) for k in ('name', 'seed', 'steps', 'sampler', 'final_loss', 'fid', 'kid', 'accuracy')}))
    if failed: sys.exit(f"{failed} of {len(futures)} runs failed")
    return rows

def run(a):
    names, seeds = names_and_seeds(a)
    budget = dict(epochs=a.epochs) if a.epochs else dict(minutes=a.minutes)
    run_all(Path(a.out), names, seeds, lambda x, s: train_experiment(x, Path(a.out), budget, a.device, a.n, a.data, s, a.guidance),
            a.jobs, a.device)

def rescore(a):
    names, seeds = names_and_seeds(a)
    out = Path(a.out)
    trained = {(r['name'], r.get('seed')): r for r in read_rows(out/'results.json') if not r.get('sampler_run')}
    run_all(out, names, seeds, lambda x, s: rescore_experiment(trained.get((x, s)), x, out, a.n, a.device, s, a.guidance),
            a.jobs, a.device)

def common(p, what:str):
    p.add_argument('--out', required=True, help=f"folder {what}")
    p.add_argument('--only', help="comma-separated experiments of tools/experiments.json (default: all but the tiny check)")
    p.add_argument('--seeds', help="comma-separated seeds: each experiment once per seed, in OUT/NAME_sS")
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda', 'mps'])
    p.add_argument('--jobs', type=int, default=1, help="runs at the same time (for a GPU)")
    p.add_argument('--n', type=int, default=1000, help="samples scored per run")
    p.add_argument('--guidance', type=float, help="sample at this guidance weight instead of the default")

def register(sub):
    p = sub.add_parser('run', help="train, sample and score named experiments over seeds",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common(p, "for the runs and results.json")
    length = p.add_mutually_exclusive_group()
    length.add_argument('--minutes', type=float, default=10., help="training budget of each run (default 10)")
    length.add_argument('--epochs', type=int, help="train each run for this many epochs instead (equal steps)")
    p.add_argument('--data', help="Fashion-MNIST folder (default $MINIAI_DATA)")
    p.set_defaults(func=run)
    r = sub.add_parser('rescore', help="sample and score trained runs again with today's defaults",
                       description="Train nothing: sample and score the runs in OUT again with today's default sampling "
                                   "(at --guidance, if given); each row keeps its training fields.")
    common(r, "that `run` trained into (its results.json names the runs)")
    r.set_defaults(func=rescore)
