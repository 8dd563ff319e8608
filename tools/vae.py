"""`vae`: train VAEs with different settings on Fashion-MNIST and score their reconstructions.

Each experiment trains a `VAE` (nbs/12_vae.ipynb) for the same number of steps and scores the reconstructions of 1,000
test images (100 per class) like `miniai eval` (FID, KID, accuracy). Rows are added to OUT/results.json, replacing
earlier rows of the same name, seed and steps.

    python -m tools vae --out nbs/results/vae --epochs 3 --names mse,features_0.1
"""
import argparse, json, math, time
from pathlib import Path

import torch, torch.nn.functional as F
from miniai.core import set_seed
from miniai.datasets import fashion_dls, load_fashion_tensors, images_to_model
from miniai.vae import VAE, VAEConfig, VAERecipe, vae_learner
from .rows import add_rows
from .scoring import score

experiments = {  # name: (VAEConfig fields, VAERecipe fields)
    'mse': ({}, {'feature_weight': 0.}),
    'features_0.01': ({}, {'feature_weight': 0.01}),
    'features_0.1': ({}, {'feature_weight': 0.1}),
    'features_1': ({}, {'feature_weight': 1.}),
    'latent_2x8x8': ({'latent_channels': 2}, {'feature_weight': 0.}),
    'latent_8x8x8': ({'latent_channels': 8}, {'feature_weight': 0.}),
    'latent_4x4x4': ({'widths': (32, 64, 128)}, {'feature_weight': 0.}),
}

def test_set(n_per_class:int=100, data:str|None=None):
    "The first `n_per_class` test images of each class, as the model sees them, and their labels."
    x, y = load_fashion_tensors(data)['test']
    idx = torch.cat([torch.nonzero(y == c)[:n_per_class, 0] for c in range(10)])
    return images_to_model(x[idx]), y[idx]

def train_and_score(name:str, epochs:float, seed:int, x, y, data:str|None=None)->dict:
    "Train experiment `name` for `epochs` and score its reconstructions of `x`: the row."
    cfg, rec = experiments[name]
    set_seed(seed)
    recipe = VAERecipe(**rec)
    dls = fashion_dls(recipe.bs, n_valid=1000, seed=seed, path=data)
    n_steps = int(epochs * len(dls.train))
    vae = VAE(VAEConfig(**cfg))
    learn = vae_learner(vae, dls, n_steps, recipe, device='cpu')
    start = time.perf_counter()
    learn.fit(math.ceil(n_steps / len(dls.train)), valid=False)
    secs = time.perf_counter() - start
    vae.eval()
    with torch.no_grad(): recon = torch.cat([vae(b)[0] for b in x.split(500)]).clamp(-1, 1)
    scores = score(lambda: recon, y, {})
    return dict(name=name, seed=seed, steps=n_steps, bs=recipe.bs, epochs=epochs, train_seconds=round(secs),
                latent_shape=list(vae.config.latent_shape), mse=round(F.mse_loss(recon, x).item(), 5),
                **{k: scores[k] for k in ('fid', 'kid', 'accuracy')}, config=cfg, recipe=rec)

def main(a):
    names = a.names.split(',')
    unknown = [n for n in names if n not in experiments]
    if unknown: raise SystemExit(f"unknown VAE experiments: {', '.join(unknown)} (known: {', '.join(experiments)})")
    x, y = test_set(data=a.data)
    for name in names:
        row = train_and_score(name, a.epochs, a.seed, x, y, a.data)
        add_rows(Path(a.out)/'results.json', [row], same=('name', 'seed', 'steps'))
        print(json.dumps(row), flush=True)

def register(sub):
    p = sub.add_parser('vae', help="train VAEs with different settings and score their reconstructions",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True, help="folder for results.json")
    p.add_argument('--epochs', type=float, default=3, help="training length of each VAE (default 3)")
    p.add_argument('--names', default=','.join(experiments), help=f"comma-separated experiments (default all): {', '.join(experiments)}")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--data', help="Fashion-MNIST folder (default $MINIAI_DATA)")
    p.set_defaults(func=main)
