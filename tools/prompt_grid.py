"""A picture of a text run's samples: one row per prompt, the same noise in every row, the prompt beside its row.

    python tools/prompt_grid.py RUN OUT.png [--n 8] [--seed 0] [--prompts 'a dark ankle boot' 'a light ankle boot' ...]

Sampled with the run's defaults (`runs.run_sampling`: its space and length choose the steps and the guidance), as `miniai sample --prompt` does.
"""
import argparse

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import torch

from miniai.runs import load_run_model, run_vae, run_sampling, draw_samples
from miniai.text import prompt_tokens

default_prompts = ['a dark ankle boot', 'a light ankle boot', 'trousers', 'a pair of trousers', 'a small bag', 'a large bag',
                   'a plain shirt', 'a patterned shirt', 'a dark sandal', 'a light coat', 'footwear', 'a top']

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run'); p.add_argument('out')
    p.add_argument('--n', type=int, default=8, help="samples per prompt")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--prompts', nargs='+', default=default_prompts)
    a = p.parse_args()
    model, run = load_run_model(a.run)
    vae = run_vae(run)
    noise = torch.Generator().manual_seed(a.seed)
    rows = []
    for prompt in a.prompts:
        noise.manual_seed(a.seed) # the same noise for every prompt
        rows.append(draw_samples(model, run, vae, prompt_tokens(model, prompt, a.n), a.n, noise, **run_sampling(run)))
    fig, axs = plt.subplots(len(rows), 1, figsize=(a.n * 0.55 + 2.2, len(rows) * 0.6))
    for ax, prompt, x in zip(axs, a.prompts, rows):
        ax.imshow(torch.cat(list(x[:, 0]), dim=1), cmap='gray', vmin=-1, vmax=1)
        ax.set_xticks([]); ax.set_yticks([]); ax.set_ylabel(prompt, rotation=0, ha='right', va='center', fontsize=8)
    plt.subplots_adjust(left=0.25, right=0.99, top=0.99, bottom=0.01, hspace=0.1)
    fig.savefig(a.out, dpi=110)

if __name__ == '__main__': main()
