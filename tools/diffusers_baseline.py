"""diffusers' own class-conditional recipe on Fashion-MNIST, for a time budget, scored like a miniai run.

The reference for issue 6: `UNet2DModel` (32-64-64, attention at the lowest level) with `num_class_embeds`, the
`DDPMScheduler` with the cosine schedule, AdamW with the defaults of diffusers' `train_unconditional.py` example
(lr 1e-4, 500 warm-up steps then cosine decay, weight decay 1e-6) and its EMA (`EMAModel`, decay up to 0.9999 with
warm-up). It trains for `--minutes`, then samples `--n` images with DDIM at `--steps` steps (labels cycling through the
classes) into an `.npz` that `miniai eval` scores.

    python tools/diffusers_baseline.py --minutes 10 --out /tmp/diffusers.npz && miniai eval /tmp/diffusers.npz
"""
import argparse, math, time, warnings
import numpy as np
import torch
import torch.nn.functional as F
from diffusers import UNet2DModel, DDPMScheduler, DDIMScheduler
from diffusers.optimization import get_cosine_schedule_with_warmup
from diffusers.training_utils import EMAModel
from miniai.datasets import load_fashion_tensors, images_to_model

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--minutes', type=float, default=10.)
p.add_argument('--out', required=True, help="the .npz of samples to write")
p.add_argument('--n', type=int, default=1000)
p.add_argument('--steps', type=int, default=50)
p.add_argument('--bs', type=int, default=64)
p.add_argument('--lr', type=float, default=1e-4)
p.add_argument('--seed', type=int, default=0)
a = p.parse_args()
torch.manual_seed(a.seed)

model = UNet2DModel(sample_size=32, in_channels=1, out_channels=1, block_out_channels=(32, 64, 64), layers_per_block=2,
                    down_block_types=('DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D'), up_block_types=('AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D'),
                    num_class_embeds=10, norm_num_groups=8)
ema = EMAModel(model.parameters(), decay=0.9999, use_ema_warmup=True, inv_gamma=1.0, power=3 / 4)
sched = DDPMScheduler(num_train_timesteps=1000, beta_schedule='squaredcos_cap_v2')
opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-6)
x_train, y_train = load_fashion_tensors()['train']
x_train = images_to_model(x_train)
est_steps = 10_000  # the cosine decay needs a length; we stop on time, like `miniai train --minutes`
lr_sched = get_cosine_schedule_with_warmup(opt, 500, est_steps)

start, step = time.perf_counter(), 0
while time.perf_counter() - start < a.minutes * 60:
    idx = torch.randint(0, len(x_train), (a.bs,))
    x0, y = x_train[idx], y_train[idx]
    noise, t = torch.randn_like(x0), torch.randint(0, 1000, (a.bs,))
    loss = F.mse_loss(model(sched.add_noise(x0, noise, t), t, class_labels=y).sample, noise)
    loss.backward(); opt.step(); lr_sched.step(); opt.zero_grad(); ema.step(model.parameters())
    step += 1
    if step % 50 == 0: print(f"step {step} {time.perf_counter() - start:.0f}s loss {loss.item():.4f}", flush=True)
train_s = time.perf_counter() - start
ema.copy_to(model.parameters())
model.eval()

ddim = DDIMScheduler.from_config(sched.config)
ddim.set_timesteps(a.steps)
labels = torch.arange(a.n) % 10
g = torch.Generator().manual_seed(a.seed)
start = time.perf_counter()
out = []
with torch.no_grad():
    for i in torch.arange(a.n).split(500):
        x = torch.randn(len(i), 1, 32, 32, generator=g)
        for t in ddim.timesteps: x = ddim.step(model(x, t, class_labels=labels[i]).sample, t, x).prev_sample
        out.append(x.clamp(-1, 1))
sample_s = time.perf_counter() - start
np.savez(a.out, images=torch.cat(out).numpy().astype(np.float32), labels=labels.numpy())
print(f"trained {step} steps ({step * a.bs} images) in {train_s:.0f} s; sampled {a.n} in {sample_s:.0f} s at {a.steps} steps -> {a.out}")
