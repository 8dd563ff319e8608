"""`baseline`: diffusers' `UNet2DModel` on Fashion-MNIST for a time budget, trained by diffusers' recipe or by miniai's, scored like a miniai run.

The fair baseline of the results table. Both recipes train the same `UNet2DModel` (32-64-64, two ResNet blocks per
level, attention at the lowest level, `num_class_embeds` with an 11th "no label" class for guidance):

- `--recipe diffusers`: diffusers' `train_unconditional.py` example (noise prediction on the `DDPMScheduler`'s 1,000
  cosine timesteps, AdamW lr 1e-4 with weight decay 1e-6, batch 64, `EMAModel` with warm-up up to 0.9999), with its
  warm-up (500 of 10,000 steps there, 5%) and cosine decay scaled to the steps the budget buys, and labels dropped
  at rate 0.1 so it can be guided.
- `--recipe miniai`: miniai's `diffusion_learner` and the `cpu` preset's recipe (v-prediction, batch 32, one-cycle to
  4e-3, EMA 0.995 capped at 5% of the run, label dropout 0.1, gradients clipped to norm 1), so the row differs from
  miniai's default run by the architecture alone. (The rows of nbs/results/baseline_10min trained without the clipping
  and the cap, and sampled with guidance 3 at every length.)

Like `miniai train --minutes`, it times 12 training steps first and trains for the steps that fit the budget, so load
on the machine later changes the wall time, not the result. Samples are drawn as a miniai pixel run of the same length
would be (`default_sampling`, labels cycling through the classes) and scored like `miniai eval`; the row is added to
OUT/results.json in the format of `run`'s rows.

    python -m tools baseline --out nbs/results/baseline_10min --recipe diffusers --minutes 10 --seed 0
    python -m tools baseline --out nbs/results/baseline_10min --recipe miniai --minutes 10 --seed 0
    python -m tools frontier run --minutes 1,3 --only diffusers_unet_miniai_recipe --prefix amd  # the frontier's diffusers curve
"""
import argparse, copy, json, math, time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from miniai.budgets import learner_step_seconds, quiet_metrics
from miniai.core import num_params, set_seed
from miniai.datasets import load_fashion_tensors, images_to_model, class_labels, fashion_dls
from miniai.diffusion_training import diffusion_learner, preset_recipe, default_sampling
from miniai.learner import Callback
from miniai.sampling import sample_batched
from .rows import add_rows
from .scoring import score

recipes = {'diffusers': "diffusers' UNet2DModel (32-64-64) with diffusers' recipe (eps, batch 64, lr 1e-4, warm-up and decay scaled to the steps)",
           'miniai': "diffusers' UNet2DModel (32-64-64) with miniai's recipe (v, batch 32, one-cycle 4e-3, gradients clipped to 1)"}

def experiment(recipe:str)->str: return f'diffusers_unet_{recipe}_recipe'

class DiffusersUNet(nn.Module):
    "A `UNet2DModel` behind miniai's model interface: `model(x_t, t, labels)` with times in [0, 1], `config.pred`, `null_label`."
    null_label = 10
    def __init__(self, pred:str):
        super().__init__()
        from diffusers import UNet2DModel
        self.unet = UNet2DModel(sample_size=32, in_channels=1, out_channels=1, block_out_channels=(32, 64, 64), layers_per_block=2,
                                down_block_types=('DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D'),
                                up_block_types=('AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D'), num_class_embeds=11, norm_num_groups=8)
        self.config = argparse.Namespace(pred=pred)
    def forward(self, x, t, labels=None):
        # the DDPM scheduler's timestep k has miniai's cosine ᾱ at t = (k + 1) / 1000 (the same schedule, s = 0.008)
        k = (torch.as_tensor(t, device=x.device) * 1000 - 1).clamp(0, 999).expand(x.shape[0])
        if labels is None: labels = torch.full((x.shape[0],), self.null_label, dtype=torch.long, device=x.device)
        return self.unet(x, k, class_labels=labels).sample

def train_diffusers(model:DiffusersUNet, minutes:float, seed:int, data:str|None=None, bs:int=64, lr:float=1e-4, p_uncond:float=0.1):
    "diffusers' example recipe with its warm-up and cosine decay scaled to the steps that fit in `minutes`; steps, batch and losses."
    from diffusers import DDPMScheduler
    from diffusers.optimization import get_cosine_schedule_with_warmup
    from diffusers.training_utils import EMAModel
    x_train, y_train = load_fashion_tensors(data)['train']
    x_train = images_to_model(x_train)
    sched = DDPMScheduler(num_train_timesteps=1000, beta_schedule='squaredcos_cap_v2')
    g = torch.Generator().manual_seed(seed)
    def step(m, opt):
        idx = torch.randint(0, len(x_train), (bs,), generator=g)
        x0, y = x_train[idx], y_train[idx].clone()
        y[torch.rand(bs, generator=g) < p_uncond] = model.null_label
        noise, t = torch.randn(x0.shape, generator=g), torch.randint(0, 1000, (bs,), generator=g)
        loss = F.mse_loss(m.unet(sched.add_noise(x0, noise, t), t, class_labels=y).sample, noise)
        loss.backward(); opt.step(); opt.zero_grad()
        return loss.item()
    probe = copy.deepcopy(model); probe_opt = torch.optim.AdamW(probe.parameters(), lr=lr)
    for i in range(14):
        if i == 2: start = time.perf_counter()
        step(probe, probe_opt)
    n_steps = max(1, int(minutes * 60 / ((time.perf_counter() - start) / 12)))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-6)
    lr_sched = get_cosine_schedule_with_warmup(opt, max(1, round(0.05 * n_steps)), n_steps)
    ema = EMAModel(model.parameters(), decay=0.9999, use_ema_warmup=True, inv_gamma=1.0, power=3 / 4)
    losses = []
    for i in range(n_steps):
        losses.append(step(model, opt)); lr_sched.step(); ema.step(model.parameters())
        if i % 200 == 0: print(f"step {i}/{n_steps} loss {losses[-1]:.4f}", flush=True)
    ema.copy_to(model.parameters())
    return n_steps, bs, losses

def train_miniai(model:DiffusersUNet, minutes:float, seed:int, data:str|None=None):
    "miniai's default pixel recipe (the `cpu` preset's, as `miniai train --cond`) for the steps that fit in `minutes`; steps, batch and losses."
    r = preset_recipe('cpu')
    dls = fashion_dls(r.bs, data, seed=seed)
    timing = diffusion_learner(copy.deepcopy(model), dls, 14, r, True, 'cpu', cbs=[quiet_metrics()], seed=seed)
    n_steps = max(1, int(minutes * 60 / learner_step_seconds(timing)))
    losses = []
    class Losses(Callback):
        def after_step(self, learn): losses.append(learn.loss.item())
    learn = diffusion_learner(model, dls, n_steps, r, True, 'cpu', cbs=[quiet_metrics(), Losses()], seed=seed)
    learn.fit(math.ceil(n_steps / len(dls.train)), valid=False)
    model.load_state_dict(learn.ema_model.state_dict())
    return n_steps, r.bs, losses

def baseline(out:Path, recipe:str, minutes:float, seed:int=0, n:int=1000, data:str|None=None)->dict:
    "Train diffusers' UNet by `recipe` for `minutes`, sample and score it; its row, added to OUT/results.json."
    set_seed(seed)
    model = DiffusersUNet('eps' if recipe == 'diffusers' else 'v')
    start = time.perf_counter()
    n_steps, bs, losses = (train_diffusers if recipe == 'diffusers' else train_miniai)(model, minutes, seed, data)
    train_seconds = time.perf_counter() - start
    model.eval()
    opts, labels = default_sampling(True, n_steps=n_steps), class_labels(n)
    draw = lambda: sample_batched(model, (n, 1, 32, 32), labels, torch.Generator().manual_seed(seed), **opts)
    last = losses[-max(1, len(losses) // 10):]
    row = dict(name=experiment(recipe), what=recipes[recipe], preset='-', cond=True, settings=[], params=num_params(model),
               steps=n_steps, batch=bs, budget=f'{minutes:g} minutes', train_minutes=round(train_seconds / 60, 2),
               final_loss=round(sum(last) / len(last), 4), seed=seed) | score(draw, labels, opts)
    return add_rows(Path(out)/'results.json', [row], same=('name', 'seed'))[0]

def main(a):
    row = baseline(a.out, a.recipe, a.minutes, a.seed, a.n, a.data)
    print(json.dumps({k: row[k] for k in ('name', 'seed', 'steps', 'final_loss', 'fid', 'kid', 'accuracy', 'sample_seconds')}))

def register(sub):
    p = sub.add_parser('baseline', help="diffusers' UNet2DModel by diffusers' recipe or miniai's, scored like a run",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True, type=Path, help="folder for results.json")
    p.add_argument('--recipe', choices=list(recipes), required=True)
    p.add_argument('--minutes', type=float, default=10., help="training budget (default 10)")
    p.add_argument('--n', type=int, default=1000, help="samples scored (default 1000)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--data', help="Fashion-MNIST folder (default $MINIAI_DATA)")
    p.set_defaults(func=main)
