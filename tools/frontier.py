"""`frontier`: quality per CPU-minute, FID and accuracy against the training budget, for the pixel, latent and diffusers runs.

`frontier run` trains the budgets asked for (`run`, and `baseline` for diffusers' network), each into
nbs/results/PREFIX_Mmin, one run per seed, alone on the machine (`--minutes` runs count the steps that fit, so load
changes the result). `frontier collect` reads every budgeted run of the results folders below into
nbs/results/frontier/frontier.json (one row per model, machine and budget: the seeds, steps, FID, KID, accuracy and
sampling time as mean, min and max) and draws frontier.png, one line per model and machine: solid for the AMD EPYC VM
with today's defaults, dashed for the Intel Xeon VM (sampled with the sampler's last level at 0.002), faded and dotted
for AMD EPYC runs with older defaults (before the pixel preset clipped its gradients and the EMA was capped).

    python -m tools frontier run --minutes 1,2 --seeds 0,1,2
    python -m tools frontier run --minutes 10,3,1 --prefix amd
    python -m tools frontier run --minutes 1,3 --only diffusers_unet_miniai_recipe --prefix amd
    python -m tools frontier run --minutes 10,3,1,2,5 --only cpu_latent_lr1e-3 --prefix lr
    python -m tools frontier collect
"""
import argparse, json
from pathlib import Path

from miniai.results import seed_summary, frontier_table, markdown_table
from .rows import root
from .experiments import run_all, train_experiment
from . import baseline

results = root/'nbs'/'results'
out = results/'frontier'
# model: (label, the experiment names in results.json, the folders its budgeted runs are in). Rows are grouped by machine
# too (`machine`): amd_*min and lr_*min ran on an AMD EPYC VM with today's defaults, xeon_*min on an Intel Xeon VM with the
# sampler's last level at 0.002, the `older` folders on the AMD EPYC VM with older defaults. The latent `cpu` preset's peak
# learning rate is 1e-3: its runs are `cpu_latent_lr1e-3` in lr_*min; amd_*min's latent runs trained at 4e-3, a model of their own.
models = {
    'pixel': ("miniai, pixels (`miniai train --cond`)", ['cpu_cond'], ['budget_*min', 'latent_3min', 'baseline_10min', 'xeon_*min', 'amd_*min']),
    'latent': ("miniai, VAE latents (`miniai train --cond --latent`)", ['cpu_latent_cond', 'cpu_latent_lr1e-3'],
               ['budget_*min', 'latent_3min', 'latent_10min', 'xeon_*min', 'lr_*min']),
    'diffusers': ("diffusers' UNet2DModel, miniai's recipe", ['diffusers_unet_miniai_recipe'], ['baseline_10min', 'amd_*min']),
    'diffusers_recipe': ("diffusers' UNet2DModel and recipe", ['diffusers_unet_diffusers_recipe'], ['baseline_10min']),
    'latent_lr4e-3': ("miniai, VAE latents, peak learning rate 4e-3", ['cpu_latent_cond'], ['amd_*min']),
}
metrics = ('steps', 'fid', 'kid', 'accuracy', 'sample_seconds')
diffusers_recipes = {baseline.experiment(r): r for r in baseline.recipes} # experiment name: its `baseline --recipe`

def budget_minutes(row:dict)->float|None:
    "The training budget of a result row in minutes (None for runs of a fixed number of epochs)."
    n, unit = row['budget'].split()
    return float(n) if unit.startswith('minute') else None

older = ('budget_', 'latent_3min', 'latent_10min', 'baseline_10min') # folders of runs trained with older defaults
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

def write(rows:list[dict], folder:Path=out):
    "frontier.json and frontier.png in `folder`, and the table on stdout."
    from miniai.core import atomic_write
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_write(folder/'frontier.json', 'w') as f: f.write(json.dumps(rows, indent=1))
    plot(rows, folder/'frontier.png')
    print(markdown_table(frontier_table(rows)))

def train_budgets(a):
    "Train the experiments of `--only` at each budget and seed into nbs/results/PREFIX_Mmin."
    names = a.only.split(',')
    ours = [n for n in names if n not in diffusers_recipes]
    for m in map(float, a.minutes.split(',')):
        folder, seeds = results/f'{a.prefix}_{m:g}min', [int(s) for s in a.seeds.split(',')]
        if ours: run_all(folder, ours, seeds, lambda x, s: train_experiment(x, folder, dict(minutes=m), 'cpu', 1000, seed=s))
        for n in names:
            if n in diffusers_recipes:
                for s in seeds: baseline.baseline(folder, diffusers_recipes[n], m, s)

def main(a):
    if a.step == 'run': train_budgets(a)
    write(collect())

def register(sub):
    p = sub.add_parser('frontier', help="the quality-per-minute table and plot (collect), after training budgets (run)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = p.add_subparsers(dest='step', required=True)
    r = steps.add_parser('run', help="train and score runs at these budgets, then collect")
    r.add_argument('--minutes', required=True, help="comma-separated budgets, e.g. 1,2,5")
    r.add_argument('--seeds', default='0,1,2')
    r.add_argument('--only', default='cpu_cond,cpu_latent_cond', help="experiments of tools/experiments.json or diffusers' "
                   f"({', '.join(diffusers_recipes)})")
    r.add_argument('--prefix', default='budget', help="results folders are nbs/results/PREFIX_Mmin (default: budget)")
    steps.add_parser('collect', help="write frontier.json and frontier.png from the results folders")
    p.set_defaults(func=main)
