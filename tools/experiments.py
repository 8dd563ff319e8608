"""Train, sample and score the runs behind the results table, each with the `miniai` command.

Every experiment is a `miniai train` run (a preset, conditional or not, and `--model` changes), sampled with the
command's defaults (DPM-Solver++(2M), Euler for a conditional pixel run of under 2,000 training steps; 12 steps (10 for latent runs) down to sigma 0.02, and for conditional runs guidance at noise levels in (0.2, 10]: 3 for pixel runs and 2.5 for latent runs; pixel runs 2.5 from 3,000 training steps and 2 from 4,000, latent runs 2 from 3,000; 1.5 from 10,000) and scored by `miniai eval` on
1,000 samples. Runs go to OUT/NAME; OUT/results.json gets one row per run (appended, so separate invocations
build one table); OUT/NAME.png is each run's grid of samples. Runs can share one GPU (--jobs).

    python tools/experiments.py --out runs/table --minutes 10 --only cpu_cond,cpu_cond_transformer
    python tools/experiments.py --out runs/gpu --minutes 5 --device cuda --jobs 7 --only gpu_uncond,gpu_cond
    python tools/experiments.py --out nbs/results/cpu_seeds --epochs 1 --seeds 0,1,2 --only cpu_cond,cpu_uncond
    python tools/experiments.py --out nbs/results/amd_10min --seeds 0 --only cpu_cond --rescore  # after the default sampler changed
    python tools/experiments.py --out nbs/results/lr_20min --seeds 0,1,2 --only cpu_latent_lr1e-3 --rescore --guidance 2.5  # at the frontier's weight

With --seeds each experiment trains once per seed (`miniai train --seed S`, sampled with `--seed S`), into
OUT/NAME_sS, and its rows carry `seed`; OUT/NAME_sS_losses.csv keeps each run's loss log.
`steps` in every row is the number of optimizer steps the run trained (batches of `batch` images).
"""
import argparse, csv, json, platform, shutil, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from miniai.runs import Run, run_sampling, build_model, load_run_model, run_vae, draw_samples, new_run, train
from miniai.text import attribute_gaps, held_out_gaps, prompt_tokens
from miniai.core import num_params

# name: (what it shows, preset, conditional, --model settings[, more train arguments])
experiments = {
    'cpu_cond': ("conditional, ResNet middle with attention (the default run)", 'cpu', True, []),
    'cpu_cond_transformer': ("conditional, transformer middle (2 blocks)", 'cpu', True, ['mid=transformer']),
    'cpu_cond_noattn': ("conditional, no attention", 'cpu', True, ['mid_attn=false']),
    'cpu_uncond': ("unconditional", 'cpu', False, []),
    'gpu_cond': ("conditional, attention at 8x8, 4x4 and the middle", 'gpu', True, []),
    'gpu_cond_noattn': ("conditional, no attention", 'gpu', True, ['attn_levels=[false,false,false,false]', 'mid_attn=false']),
    'gpu_cond_transformer': ("conditional, transformer middle (2 blocks)", 'gpu', True, ['mid=transformer']),
    'gpu_uncond': ("unconditional; time embedding of t*1000, max_period 1000 (the default)", 'gpu', False, []),
    'gpu_uncond_mp10k': ("unconditional; time embedding of t*1000, max_period 10,000 (DDPM's)", 'gpu', False, ['max_period=10000']),
    'gpu_uncond_raw_t': ("unconditional; time embedding of t in [0, 1], max_period 10,000", 'gpu', False, ['t_scale=1', 'max_period=10000']),
    'gpu_uncond_no_t': ("unconditional; no time information (t_scale 0: a constant embedding)", 'gpu', False, ['t_scale=0']),
    'cpu_uncond_mp10k': ("unconditional; time embedding of t*1000, max_period 10,000 (DDPM's)", 'cpu', False, ['max_period=10000']),
    'cpu_uncond_raw_t': ("unconditional; time embedding of t in [0, 1], max_period 10,000", 'cpu', False, ['t_scale=1', 'max_period=10000']),
    'cpu_uncond_no_t': ("unconditional; no time information (t_scale 0: a constant embedding)", 'cpu', False, ['t_scale=0']),
    'cpu_latent_cond': ("conditional, on the shipped VAE's 4x8x8 latents (notebook 13)", 'cpu', True, [], ['--latent']),
    'cpu_text': ("text: cross-attention to the shipped CLIP's token states (15)", 'cpu', True, [], ['--text']),
    'cpu_text_pooled': ("text: the pooled CLIP vector added to the time embedding (15)", 'cpu', True, [], ['--text', '--text-mode', 'pooled']),
    'cpu_latent_text': ("text on the shipped VAE's latents, cross-attention", 'cpu', True, [], ['--text', '--latent']),
    'cpu_latent_text_pooled': ("text on the shipped VAE's latents, pooled vector", 'cpu', True, [], ['--text', '--latent', '--text-mode', 'pooled']),
    'cpu_cond_eps': ("ablation: predict the noise (eps) instead of v", 'cpu', True, ['pred=eps']),
    'cpu_cond_lr1e-3': ("ablation: peak learning rate 1e-3 instead of 4e-3", 'cpu', True, [], ['--lr', '1e-3']),
    'cpu_cond_bs128': ("ablation: batches of 128 instead of 32 (a quarter of the steps)", 'cpu', True, [], ['--bs', '128']),
    'cpu_cond_nopatch': ("no 2x2 patches: widths 16-32-64 on the full 32x32 image (a quarter of the weights, a dearer step)", 'cpu', True, ['patch_size=1', 'widths=[16,32,64]']),
    'cpu_latent_minsnr': ("latent, min-SNR-5 loss weighting (Hang et al. 2023)", 'cpu', True, [], ['--latent', '--recipe', 'snr_gamma=5']),
    'cpu_latent_lognormal': ("latent, EDM's log-normal noise levels, ln sigma ~ N(-0.5, 1.2^2) (unit-std data)", 'cpu', True, [], ['--latent', '--recipe', 'log_sigma=[-0.5,1.2]']),
    'cpu_latent_clip': ("latent, gradients clipped to norm 1; EMA 0.995 uncapped, as screen's cpu_latent_cond rows", 'cpu', True, [],
                        ['--latent', '--recipe', 'grad_clip=1', '--recipe', 'ema_span=null']),
    'cpu_latent_ema999': ("latent, EMA decay 0.999 instead of 0.995 (an average over about 1,000 steps)", 'cpu', True, [], ['--latent', '--recipe', 'ema_decay=0.999']),
    'cpu_cond_flip': ("pixels, a random half of the training images mirrored; EMA 0.995 uncapped, as screen's cpu_cond_clip rows", 'cpu', True, [],
                      ['--recipe', 'flip=true', '--recipe', 'ema_span=null']),
    'cpu_cond_clip': ("pixels, gradients clipped to norm 1 before each step", 'cpu', True, [], ['--recipe', 'grad_clip=1']),
    'cpu_cond_grow': ("pixels, a batch growing linearly from 16 to 48 images (a mean of 32)", 'cpu', True, [],
                      ['--bs', '48', '--recipe', 'bs_start=16']),
    'cpu_latent_grow': ("latent, a batch growing linearly from 16 to 48 images (a mean of 32)", 'cpu', True, [],
                        ['--latent', '--bs', '48', '--recipe', 'bs_start=16']),
    'cpu_latent_lr8e-3': ("latent, peak learning rate 8e-3 instead of 4e-3", 'cpu', True, [], ['--latent', '--lr', '8e-3']),
    'cpu_latent_lr2e-3': ("latent, peak learning rate 2e-3 instead of 4e-3", 'cpu', True, [], ['--latent', '--lr', '2e-3']),
    'cpu_latent_lr1e-3': ("latent, peak learning rate 1e-3 (the latent preset's since session 21; 4e-3 before)", 'cpu', True, [], ['--latent', '--lr', '1e-3']),
    'cpu_latent_lr5e-4': ("latent, peak learning rate 5e-4 instead of 4e-3", 'cpu', True, [], ['--latent', '--lr', '5e-4']),
    'cpu_latent_w96': ("latent, widths 96-192 instead of 64-128 (about twice the cost per step)", 'cpu', True, ['widths=[96,192]'], ['--latent']),
    'cpu_cond_lr2e-3': ("pixels, peak learning rate 2e-3 instead of 4e-3", 'cpu', True, [], ['--lr', '2e-3']),
    'cpu_cond_lr8e-3': ("pixels, peak learning rate 8e-3 instead of 4e-3", 'cpu', True, [], ['--lr', '8e-3']),
    'cpu_cond_minsnr': ("pixels, min-SNR-5 loss weighting (Hang et al. 2023)", 'cpu', True, [], ['--recipe', 'snr_gamma=5']),
    'cpu_cond_lognormal': ("pixels, EDM's log-normal noise levels, ln sigma ~ N(-0.9, 1.2^2) (EDM's -1.2 moved by ln(0.66/0.5) for the pixels' std)", 'cpu', True, [], ['--recipe', 'log_sigma=[-0.9,1.2]']),
    'cpu_cond_beta99': ("pixels, AdamW's beta2 0.99 instead of 0.999 (a second-moment average over about 100 steps, EDM2's)", 'cpu', True, [], ['--recipe', 'beta2=0.99']),
    'cpu_cond_p4': ("pixels in 4x4 patches: an 8x8 UNet of widths 64-128 (the latent model's shape), 1.5x cheaper steps", 'cpu', True, ['patch_size=4', 'widths=[64,128]', 'attn_levels=[false,false]']),
    'cpu_cond_w24': ("pixels, widths 24-48-96 instead of 32-64-128 (about 0.65 of the cost per training step, 1.5x faster sampling)", 'cpu', True, ['widths=[24,48,96]']),
    'cpu_cond_zero': ("pixels, every residual branch's last layer and the output conv started at zero (zero_init)", 'cpu', True, ['zero_init=true']),
    'cpu_cond_uncond20': ("pixels, label dropout 0.2 instead of 0.1 (twice the unconditional training that guidance relies on)", 'cpu', True, [], ['--recipe', 'p_uncond=0.2']),
    'cpu_cond_strat': ("pixels, each batch's noise levels stratified (one in each of 32 equal slices of t)", 'cpu', True, [], ['--recipe', 'stratified=true']),
    'cpu_cond_linear': ("pixels, the one-cycle schedule in straight lines (a linear fall to zero) instead of half cosines", 'cpu', True, [], ['--recipe', 'anneal=linear']),
    'gpu_cond_lr1e-3': ("conditional, peak learning rate 1e-3", 'gpu', True, [], ['--lr', '1e-3']),
    'gpu_cond_lr5e-4': ("conditional, peak learning rate 5e-4", 'gpu', True, [], ['--lr', '5e-4']),
    'gpu_cond_lr2e-4': ("conditional, peak learning rate 2e-4", 'gpu', True, [], ['--lr', '2e-4']),
}
# extra sampler settings scored on a run: (sampler, steps), about 12 model evaluations each
sampler_runs = {'gpu_cond': [('ddpm', 12), ('ddim', 12), ('euler_a', 12), ('heun', 6)]}

def miniai(*args, log):
    "Run `python -m miniai *args`, appending its output to `log`; returns stdout and the seconds it took."
    start = time.perf_counter()
    r = subprocess.run([sys.executable, '-m', 'miniai', *map(str, args)], capture_output=True, text=True)
    with open(log, 'a') as f: f.write(f"$ miniai {' '.join(map(str, args))}\n{r.stderr}{r.stdout}\n")
    if r.returncode: raise RuntimeError(f"miniai {args[0]} failed (exit {r.returncode}): {r.stderr.strip().splitlines()[-1:]}")
    return r.stdout, time.perf_counter() - start

def hardware(device:str)->str:
    "A short description of where the run trained."
    if device == 'cuda': return torch.cuda.get_device_name()
    info = Path('/proc/cpuinfo')
    names = [l.split(':', 1)[1].strip() for l in info.read_text().splitlines() if l.startswith('model name')] if info.exists() else []
    return f"{names[0] if names else platform.machine()}, {torch.get_num_threads()} threads"

def final_loss(run:Path, frac:float=0.1)->float:
    "Mean training loss over the last `frac` of the steps."
    losses = [float(r['loss']) for r in csv.DictReader(open(run/'losses.csv'))]
    last = losses[-max(1, int(len(losses) * frac)):]
    return sum(last) / len(last)

def score(run:Path, log:Path, n:int, device:str, config:Run, sampler=None, steps=None, seed:int=0, guidance:float|None=None)->dict:
    "Sample `n` images from the run in folder `run` (`config` is its `Run`; the command's default sampler and guidance unless given) and score them with `miniai eval`."
    npz = run/f"samples_{sampler or 'default'}.npz"
    opts = ['--seed', seed] + ([] if sampler is None else ['--sampler', sampler, '--steps', steps]) + ([] if guidance is None else ['--guidance', guidance])
    _, secs = miniai('sample', run, '--out', npz, '--n', n, '--device', device, *opts, log=log)
    scores = json.loads(miniai('eval', npz, '--device', device, log=log)[0].strip().splitlines()[-1])
    npz.unlink()
    default = run_sampling(config)
    return dict(sampler=sampler or default['sampler'], sampler_steps=steps or default['steps'], sigma_min=default['sigma_min'], guidance=default['guidance'] if guidance is None else guidance,
                guidance_interval=default['guidance_interval'], sample_seconds=round(secs, 1), **scores)

def train_probe(out:Path, # folder for the run and results.json
                name:str, what:str, # the row's experiment name and description
                command:str, # the probe's own command line, for the row
                epochs:int, seed:int, # the run's length and seed
                cbs:list, # the probe's callbacks, added to the run's `Learner`
                extra=dict, # called after training: more fields for the row (e.g. what a callback logged)
               )->dict:
    "Train the default conditional pixel run in this process with `cbs` added, then sample and score it like `run_experiment`; appends and returns its row."
    tag = f"{name}_s{seed}"
    run_dir, log = out/tag, out/f'{tag}.log'
    if run_dir.exists(): shutil.rmtree(run_dir)
    start = time.perf_counter()
    train(run_dir, new_run('cpu', cond=True, epochs=epochs, seed=seed), device='cpu', progress=False, cbs=cbs)
    secs = time.perf_counter() - start
    c = Run.load(run_dir)
    base = dict(name=name, what=what, preset='cpu', cond=True, settings=[], params=num_params(build_model(c)), steps=c.n_steps, batch=c.recipe.bs,
                budget=f"{epochs} epoch{'s' * (epochs > 1)}", train_minutes=round(secs / 60, 2), final_loss=round(final_loss(run_dir), 4),
                **extra(), hardware=hardware('cpu'), command=command, seed=seed)
    shutil.copy(run_dir/'losses.csv', out/f'{tag}_losses.csv'); shutil.copy(run_dir/'samples.png', out/f'{tag}.png')
    row = base | score(run_dir, log, 1000, 'cpu', c, seed=seed)
    results = out/'results.json'
    old = [r for r in json.loads(results.read_text()) if (r['name'], r.get('seed')) != (name, seed)] if results.exists() else []
    results.write_text(json.dumps(old + [row], indent=1))
    return row

def text_adherence(run:Path, n:int=20, seed:int=0)->dict:
    "15's attribute gaps of a text run: per property, the classes whose 'a {high} X' samples measure above 'a {low} X'."
    model, r = load_run_model(run)
    vae = run_vae(r)
    fn = lambda prompts: draw_samples(model, r, vae, prompt_tokens(model, prompts), len(prompts), torch.Generator().manual_seed(seed),
                                      **run_sampling(r))
    gaps = attribute_gaps(fn, n)
    props = sorted({p for _, p in gaps})
    return dict(adherence={p: sum(v > 0 for (_, q), v in gaps.items() if q == p) / 10 for p in props},
                gaps={f'{k[0]}|{k[1]}': round(v, 4) for k, v in gaps.items()},
                held_out={f'{k[0]}|{k[1]}': round(v, 4) for k, v in held_out_gaps(gaps).items()})

def rescore(row:dict|None, name:str, out:Path, n:int, device:str, seed:int|None=None, guidance:float|None=None)->list[dict]:
    "Sample and score an experiment's trained run again with today's default sampler (and `guidance`, if given); its `row` keeps the training fields."
    tag = name if seed is None else f'{name}_s{seed}'
    if row is None or not (out/tag).is_dir(): raise RuntimeError(f"no trained run {out/tag} with a row in {out/'results.json'}")
    return [row | score(out/tag, out/f'{tag}.log', n, device, Run.load(out/tag), seed=seed or 0, guidance=guidance)]

def run_experiment(name:str, out:Path, minutes:float|None, epochs:int|None, device:str, n:int, data:str|None,
                   seed:int|None=None, guidance:float|None=None)->list[dict]:
    "Train, sample and score one experiment (with `seed`, if given); its rows for the table."
    what, preset, cond, settings, train_args = (*experiments[name], [])[:5]
    tag = name if seed is None else f'{name}_s{seed}'
    run, log = out/tag, out/f'{tag}.log'
    if run.exists(): shutil.rmtree(run)
    args = ['train', '--out', run, '--preset', preset, '--device', device] + (['--epochs', epochs] if epochs else ['--minutes', minutes])
    if seed is not None: args += ['--seed', seed]
    if cond: args.append('--cond')
    if data: args += ['--data', data]
    for s in settings: args += ['--model', s]
    args += train_args
    _, train_secs = miniai(*args, log=log)
    c = Run.load(run)
    base = dict(name=name, what=what, preset=preset, cond=cond, settings=settings, params=num_params(build_model(c)) - (num_params(build_model(c).text_encoder) if c.text else 0), steps=c.n_steps,
                batch=c.recipe.bs, **({'bs_start': c.recipe.bs_start} if c.recipe.bs_start else {}), budget=f"{epochs} epoch{'s' * (epochs > 1)}" if epochs else f'{minutes} minutes', train_minutes=round(train_secs / 60, 2), final_loss=round(final_loss(run), 4),
                hardware=hardware(device), command=f"miniai train {' '.join(map(str, args[1:]))}")
    if seed is not None: base['seed'] = seed; shutil.copy(run/'losses.csv', out/f'{tag}_losses.csv')
    shutil.copy(run/'samples.png', out/f'{tag}.png')
    rows = [base | score(run, log, n, device, c, seed=seed or 0, guidance=guidance) | (text_adherence(run, seed=seed or 0) if c.text else {})]
    for sampler, steps in sampler_runs.get(name, []): rows.append(base | score(run, log, n, device, c, sampler, steps, seed or 0, guidance) | {'sampler_run': True})
    return rows

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', required=True, help="folder for the runs and results.json")
    p.add_argument('--only', help=f"comma-separated experiments (default all): {', '.join(experiments)}")
    p.add_argument('--minutes', type=float, default=10., help="training budget of each run")
    p.add_argument('--epochs', type=int, help="train each run for this many epochs instead (equal steps, for runs that share a machine)")
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda', 'mps'])
    p.add_argument('--jobs', type=int, default=1, help="runs at the same time (for a GPU)")
    p.add_argument('--n', type=int, default=1000, help="samples scored per run")
    p.add_argument('--data', help="Fashion-MNIST folder (default $MINIAI_DATA)")
    p.add_argument('--seeds', help="comma-separated training seeds: each experiment runs once per seed")
    p.add_argument('--rescore', action='store_true', help="train nothing: sample and score the runs in OUT again with today's default sampler")
    p.add_argument('--guidance', type=float, help="sample at this guidance weight instead of the default (e.g. with --rescore, to compare with rows sampled before the default changed)")
    a = p.parse_args()
    names = a.only.split(',') if a.only else list(experiments)
    unknown = [x for x in names if x not in experiments]
    if unknown: sys.exit(f"unknown experiments: {', '.join(unknown)}")
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in a.seeds.split(',')] if a.seeds else [None]
    results = out/'results.json'
    with ThreadPoolExecutor(a.jobs) as ex:
        trained = {(r['name'], r.get('seed')): r for r in json.loads(results.read_text())} if a.rescore and results.exists() else {}
        futures = {(x, s): ex.submit(rescore, trained.get((x, s)), x, out, a.n, a.device, s, a.guidance) if a.rescore else
                           ex.submit(run_experiment, x, out, a.minutes, a.epochs, a.device, a.n, a.data, s, a.guidance) for s in seeds for x in names}
        rows = []
        for (x, s), f in futures.items():
            try: rows += f.result()
            except Exception as e: print(f"{x} (seed {s}): {e}", file=sys.stderr); continue
            old = [r for r in json.loads(results.read_text()) if (r['name'], r.get('seed')) not in {(r2['name'], r2.get('seed')) for r2 in rows}] if results.exists() else []
            results.write_text(json.dumps(old + rows, indent=1)) # after every run, so a long sweep keeps what it finished
    for r in rows: print(json.dumps({k: r.get(k) for k in ('name', 'seed', 'steps', 'sampler', 'final_loss', 'fid', 'kid', 'accuracy')}))

if __name__ == '__main__': main()
