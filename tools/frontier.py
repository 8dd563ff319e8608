"""Quality per CPU-minute: FID and accuracy against the training budget, for the pixel, latent and diffusers runs.

`run` trains the missing budgets with `tools/experiments.py`, diffusers' network with `tools/diffusers_baseline.py` (each budget into nbs/results/PREFIX_Mmin, one run per
seed, alone on the machine: `--minutes` runs count the steps that fit, so load changes the result); `collect` gathers
every budgeted run from the results folders below into nbs/results/frontier/frontier.json (one row per model, machine
and budget: the seeds, steps, FID, KID, accuracy and sampling time as mean, min and max) and draws frontier.png, one
line per model and machine: solid for the AMD EPYC VM with today's defaults, dashed for the Intel Xeon VM (sessions 13-15,
sampled before the sampler's last level moved to 0.02), dotted for the AMD EPYC runs of sessions 6-9 (before the pixel
preset clipped its gradients and the EMA was capped, too).

    python tools/frontier.py run --minutes 1,2 --seeds 0,1,2
    python tools/frontier.py run --minutes 5,1 --prefix xeon
    python tools/frontier.py run --minutes 10,3 --prefix amd
    python tools/frontier.py run --minutes 1,3 --only diffusers_unet_miniai_recipe --prefix amd  # `tools/diffusers_baseline.py`
    python tools/frontier.py run --minutes 10,3,1,2,5 --only cpu_latent_lr1e-3 --prefix lr  # the latent preset's learning rate since session 21
    python tools/frontier.py collect
"""
import argparse, json, subprocess, sys
from pathlib import Path

from miniai.fid import seed_summary, frontier_table, markdown_table

root = Path(__file__).resolve().parent.parent
results = root/'nbs'/'results'
out = results/'frontier'
# model: (label, the experiment names in results.json, the folders its budgeted runs are in); rows are grouped by machine too:
# amd_*min ran on an AMD EPYC VM with today's defaults (sessions 17-20), xeon_*min on an Intel Xeon VM in sessions 13-15 (the sampler's
# last level still at 0.002), the others on the AMD EPYC VM in sessions 6-9. Since session 21 the latent `cpu` preset's peak learning
# rate is 1e-3: its runs are `cpu_latent_lr1e-3` in lr_*min (the same as `cpu_latent_cond` now), and amd_*min's latent runs (4e-3) are a model of their own
models = {
    'pixel': ("miniai, pixels (`miniai train --cond`)", ['cpu_cond'], ['budget_*min', 'latent_3min', 'baseline_10min', 'xeon_*min', 'amd_*min']),
    'latent': ("miniai, VAE latents (`miniai train --cond --latent`)", ['cpu_latent_cond', 'cpu_latent_lr1e-3'],
               ['budget_*min', 'latent_3min', 'latent_10min', 'xeon_*min', 'lr_*min']),
    'diffusers': ("diffusers' UNet2DModel, miniai's recipe", ['diffusers_unet_miniai_recipe'], ['baseline_10min', 'amd_*min']),
    'diffusers_recipe': ("diffusers' UNet2DModel and recipe", ['diffusers_unet_diffusers_recipe'], ['baseline_10min']),
    'latent_lr4e-3': ("miniai, VAE latents, peak learning rate 4e-3 (sessions 17-20)", ['cpu_latent_cond'], ['amd_*min']),
}
metrics = ('steps', 'fid', 'kid', 'accuracy', 'sample_seconds')
diffusers_recipes = {'diffusers_unet_miniai_recipe': 'miniai', 'diffusers_unet_diffusers_recipe': 'diffusers'} # experiment: its --recipe of `tools/diffusers_baseline.py`

def budget_minutes(row:dict)->float|None:
    "The training budget of a result row in minutes (None for runs of a fixed number of epochs)."
    n, unit = row['budget'].split()
    return float(n) if unit == 'minutes' else None

older = ('budget_', 'latent_3min', 'latent_10min', 'baseline_10min') # folders of sessions 6-9, trained with older defaults
styles = {'AMD EPYC': ('-', 1), 'Intel Xeon': ('--', 1), 'AMD EPYC, older defaults': (':', 0.45)} # machine: line style, opacity

def machine(hardware:str, folder:str='')->str:
    "A short name for a row's `hardware` ('AMD EPYC' or 'Intel Xeon'), marked when its `folder` holds runs with older defaults."
    name = hardware.split(',')[0].replace('(R)', '').replace(' Processor', '')
    return f'{name}, older defaults' if folder.startswith(older) else name

def collect()->list[dict]:
    "One row per model, machine and budget, each metric as mean, min and max over the seeds."
    rows = []
    for key, (label, names, folders) in models.items():
        runs = {}
        for pattern in folders:
            for f in sorted(results.glob(f'{pattern}/results.json')):
                for r in json.loads(f.read_text()):
                    m = budget_minutes(r)
                    if r['name'] in names and r.get('seed') is not None and m is not None:
                        runs[(machine(r['hardware'], f.parent.name), m, r['seed'])] = r | dict(name=names[0], source=str(f.parent.relative_to(root)))
        for mach, m in sorted({(mach, m) for mach, m, _ in runs}):
            rs = [r for (mc, mm, _), r in sorted(runs.items()) if (mc, mm) == (mach, m)]
            summary = seed_summary(rs, names[:1], metrics)[0]  # the default sampler's rows; `steps` as mean, min and max too
            rows.append(dict(model=key, label=label, machine=mach, minutes=m, seeds=[r['seed'] for r in rs], sources=sorted({r['source'] for r in rs}),
                             hardware=sorted({r['hardware'] for r in rs})) | {k: summary[k] for k in metrics if k in summary})
    return rows

def plot(rows:list[dict], path:Path):
    "FID (log scale) and accuracy against training minutes, each point the mean over seeds with the range as a bar."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, 2, figsize=(11, 5))
    for i, (key, (label, *_)) in enumerate(models.items()):
        if key == 'diffusers_recipe': continue  # at chance (FID ~150, accuracy 0.11): noted, not drawn
        for mach, (style, alpha) in styles.items():
            rs = [r for r in rows if r['model'] == key and r['machine'] == mach]
            if not rs: continue
            x = [r['minutes'] for r in rs]
            for ax, k in zip(axs, ('fid', 'accuracy')):
                y = [r[k]['mean'] for r in rs]
                err = [[r[k]['mean'] - r[k]['min'] for r in rs], [r[k]['max'] - r[k]['mean'] for r in rs]]
                ax.errorbar(x, y, yerr=err, marker='o', ls=style, color=f'C{i}', capsize=3, alpha=alpha,
                            label=f"{label}, {mach} ({'/'.join(str(len(r['seeds'])) for r in rs)} seeds)")
    axs[0].axhline(0.72, ls=':', c='gray', label='real against real (1,000 samples)')
    axs[0].plot([3, 10], [2.8, 1.2], 'k*', ms=10, label='targets (3 min: 2.8, 10 min: 1.2)')
    axs[0].set(xscale='log', yscale='log', xlabel='training CPU-minutes (2 cores)', ylabel='FID (1,000 samples)')
    low = 0.65  # the accuracy axis starts here, so that the curves near 1 stay apart; lower points are named in its title
    axs[1].set(xscale='log', xlabel='training CPU-minutes (2 cores)', ylabel='accuracy of the class asked for', ylim=(low, 1.0))
    below = [r for r in rows if r['accuracy']['mean'] < low and r['model'] != 'diffusers_recipe']
    if below: axs[1].set_title('below the axis: ' + ', '.join(f"{r['model']} ({r['machine']}) {r['accuracy']['mean']:.2f} at {r['minutes']:g} min"
                                                             for r in below), fontsize=8)
    ticks = [m for m in (1, 2, 3, 5, 10, 20) if m <= max(r['minutes'] for r in rows)]
    for ax in axs: ax.set_xticks(ticks, [str(m) for m in ticks]); ax.minorticks_off(); ax.grid(alpha=0.3)
    off = [r for r in rows if r['model'] == 'diffusers_recipe']
    if off: axs[0].set_title(f"diffusers' own recipe, off the scale: FID {off[0]['fid']['mean']:.0f} at {off[0]['minutes']:g} min", fontsize=8)
    fig.tight_layout(rect=(0, 0.2, 1, 1))
    fig.legend(*axs[0].get_legend_handles_labels(), loc='lower center', ncol=2, fontsize=7)
    fig.savefig(path, dpi=100); plt.close(fig)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run', help="train and score the pixel, latent or diffusers runs at these budgets")
    r.add_argument('--minutes', required=True, help="comma-separated budgets, e.g. 1,2,5")
    r.add_argument('--seeds', default='0,1,2')
    r.add_argument('--only', default='cpu_cond,cpu_latent_cond', help="experiments of `tools/experiments.py`, or of `diffusers_recipes`")
    r.add_argument('--prefix', default='budget', help="results folders are nbs/results/PREFIX_Mmin (default: budget)")
    sub.add_parser('collect', help="write frontier.json and frontier.png from the results folders")
    a = p.parse_args()
    if a.cmd == 'run':
        ours = [n for n in a.only.split(',') if n not in diffusers_recipes]
        theirs = [diffusers_recipes[n] for n in a.only.split(',') if n in diffusers_recipes]
        for m in a.minutes.split(','):
            folder = str(results/f'{a.prefix}_{float(m):g}min')
            if ours: subprocess.run([sys.executable, str(root/'tools'/'experiments.py'), '--out', folder, '--only', ','.join(ours),
                                     '--minutes', m, '--seeds', a.seeds], check=True)
            for recipe in theirs:
                for seed in a.seeds.split(','):
                    subprocess.run([sys.executable, str(root/'tools'/'diffusers_baseline.py'), '--out', folder, '--recipe', recipe,
                                    '--minutes', m, '--seed', seed], check=True)
    rows = collect()
    out.mkdir(parents=True, exist_ok=True)
    (out/'frontier.json').write_text(json.dumps(rows, indent=1))
    plot(rows, out/'frontier.png')
    print(markdown_table(frontier_table(rows)))

if __name__ == '__main__': main()
