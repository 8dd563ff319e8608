"""Train VAEs with different settings on Fashion-MNIST and score their reconstructions.

Each experiment trains a `VAE` (nbs/12_vae.ipynb) for the same number of steps and scores the reconstructions of
1,000 test images (100 per class) with `miniai eval`'s FID, KID and accuracy. Rows are appended to OUT/results.json.

    python tools/vae_experiments.py --out nbs/results/vae --epochs 3 --names mse,features_0.1
"""
import argparse, json, math, time
from pathlib import Path
import torch, torch.nn.functional as F
from miniai.core import set_seed
from miniai.datasets import fashion_dls, load_fashion_tensors, images_to_model
from miniai.fid import evaluate_samples
from miniai.vae import VAE, VAEConfig, VAERecipe, vae_learner

experiments = {  # name: (VAEConfig fields, VAERecipe fields)
    'mse': ({}, {'feature_weight': 0.}),
    'features_0.01': ({}, {'feature_weight': 0.01}),
    'features_0.1': ({}, {'feature_weight': 0.1}),
    'features_1': ({}, {'feature_weight': 1.}),
    'latent_2x8x8': ({'latent_channels': 2}, {'feature_weight': 0.}),
    'latent_8x8x8': ({'latent_channels': 8}, {'feature_weight': 0.}),
    'latent_4x4x4': ({'widths': (32, 64, 128)}, {'feature_weight': 0.}),
}

def test_set(n_per_class=100):
    x, y = load_fashion_tensors()['test']
    idx = torch.cat([torch.nonzero(y == c)[:n_per_class, 0] for c in range(10)])
    return images_to_model(x[idx]), y[idx]

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', required=True); p.add_argument('--epochs', type=float, default=3)
    p.add_argument('--names', default=','.join(experiments)); p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    res_file = out/'results.json'
    rows = json.loads(res_file.read_text()) if res_file.exists() else []
    x, y = test_set()
    for name in a.names.split(','):
        cfg, rec = experiments[name]
        set_seed(a.seed)
        recipe = VAERecipe(**rec)
        dls = fashion_dls(recipe.bs, n_valid=1000, seed=a.seed)
        n_steps = int(a.epochs * len(dls.train))
        vae = VAE(VAEConfig(**cfg))
        learn = vae_learner(vae, dls, n_steps, recipe, device='cpu')
        start = time.perf_counter()
        learn.fit(math.ceil(n_steps / len(dls.train)), valid=False)
        secs = time.perf_counter() - start
        vae.eval()
        with torch.no_grad(): r = torch.cat([vae(b)[0] for b in x.split(500)]).clamp(-1, 1)
        row = dict(name=name, seed=a.seed, steps=n_steps, bs=recipe.bs, epochs=a.epochs, train_seconds=round(secs),
                   latent_shape=list(vae.config.latent_shape), mse=round(F.mse_loss(r, x).item(), 5),
                   **{k: round(float(v), 4) for k, v in evaluate_samples(r, y, 'cpu').items()},
                   config=cfg, recipe=rec, threads=torch.get_num_threads())
        print(json.dumps(row), flush=True)
        rows = [q for q in rows if (q['name'], q['seed'], q['steps']) != (name, a.seed, n_steps)] + [row]
        res_file.write_text(json.dumps(rows, indent=1))

if __name__ == '__main__': main()
