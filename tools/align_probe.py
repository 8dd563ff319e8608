"""Representation alignment (REPA; Yu et al. 2024, https://arxiv.org/abs/2410.06940) on the default pixel model: a probe.

REPA adds a second loss while a diffusion model trains: a small head maps the model's hidden state at a middle layer,
computed from the noisy image, to what a frozen, pretrained encoder makes of the clean image, and the loss is one minus
their cosine similarity. The paper aligns an early transformer layer with DINOv2's patch features. Here the UNet's middle
block output (4x4x128 for the `cpu` preset) is aligned, location by location, with the shipped CLIP's image encoder after
its third stride-2 convolution (4x4x128 for a 32x32 image): a network trained on captions, not the classifier behind FID.
With `--layers 7` the target is instead the encoder's whole output, its 64-number image vector, and the head reads the
middle block's output averaged over its 4x4 positions.

This trains the default conditional pixel run in this process with `AlignCB` added, then samples and scores it exactly like
`tools/experiments.py` (`miniai sample --n 1000`, `miniai eval`), appending a row to OUT/results.json, so rows pair with that
tool's runs of the same seed and length (e.g. `nbs/results/amd_2epochs`). The head lives in the callback, not in the run's
weights, so sampling is unchanged; a resumed run would start a new head (this is a probe: it never resumes).

    python tools/align_probe.py --out nbs/results/align_2epochs --epochs 2 --seed 0 --weight 0.1
    python tools/align_probe.py --out nbs/results/align_2epochs --epochs 2 --seed 0 --weight 0.1 --layers 7
"""
import argparse, json, sys
from pathlib import Path

import torch, torch.nn as nn, torch.nn.functional as F
from miniai.learner import Callback
from miniai.training import unwrap
from miniai.clip import load_clip
sys.path.insert(0, str(Path(__file__).parent))
from experiments import train_probe

class AlignCB(Callback):
    "Add `weight` x (1 - cosine similarity) between `head(middle block output)` and `encoder(clean images)`, per location."
    order = -0.5 # before_fit: before the scheduler is built (so it schedules the head too); before_batch: before the noise is added
    def __init__(self, encoder:nn.Module, weight:float=0.1, hidden:int=256):
        self.encoder, self.weight, self.hidden = encoder.requires_grad_(False).eval(), weight, hidden
    def before_fit(self, learn):
        model = unwrap(learn.model)
        dev = next(model.parameters()).device
        self.encoder.to(dev)
        with torch.no_grad(): dim = self.encoder(torch.zeros(1, 1, 32, 32, device=dev)).shape[1]
        nf = model.config.widths[-1]
        with torch.random.fork_rng(devices=[]): # the head's draws leave the run's random state (data order, noise) as without it
            torch.manual_seed(0)
            self.head = nn.Sequential(nn.Conv2d(nf, self.hidden, 1), nn.SiLU(), nn.Conv2d(self.hidden, self.hidden, 1), nn.SiLU(),
                                      nn.Conv2d(self.hidden, dim, 1)).to(dev)
        group = {k: v for k, v in learn.opt.param_groups[0].items() if k != 'params'}
        learn.opt.add_param_group({**group, 'params': list(self.head.parameters())})
        self.hook = model.mid.register_forward_hook(lambda m, i, o: setattr(self, 'feats', o))
        self.log = []
    def before_batch(self, learn): self.x0 = learn.batch[0]
    def after_loss(self, learn):
        if not learn.training: return
        with torch.no_grad(): target = self.encoder(self.x0.to(self.feats.device).float())
        feats = self.feats if target.ndim == 4 else self.feats.mean((2, 3), keepdim=True) # a vector target: the pooled middle
        align = 1 - F.cosine_similarity(self.head(feats).float().flatten(2), target.flatten(1).view(*target.shape[:2], -1), dim=1).mean()
        self.diffusion_loss = learn.loss.detach()
        self.log.append(align.item())
        learn.loss = learn.loss + self.weight * align
    def after_backward(self, learn): learn.loss = self.diffusion_loss # loss logs and metrics keep the diffusion loss
    def cleanup_fit(self, learn): self.hook.remove()

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', required=True); p.add_argument('--epochs', type=int, default=2); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--weight', type=float, default=0.1); p.add_argument('--layers', type=int, default=3, help="CLIP image encoder layers whose output is the target")
    a = p.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    name = f"cpu_cond_align{a.weight:g}" + ('' if a.layers == 3 else f"_l{a.layers}")
    cb = AlignCB(nn.Sequential(*list(load_clip(device='cpu').image)[:a.layers]), a.weight)
    def align_loss(): n = len(cb.log) // 10; return dict(final_align_loss=round(sum(cb.log[-n:]) / n, 4))
    row = train_probe(out, name, f"pixels, REPA: the middle block aligned with the shipped CLIP's image features (layers 1-{a.layers}), weight {a.weight:g}",
                      f"python tools/align_probe.py --out {a.out} --epochs {a.epochs} --seed {a.seed} --weight {a.weight:g}" + ('' if a.layers == 3 else f" --layers {a.layers}"),
                      a.epochs, a.seed, [cb], align_loss)
    print(json.dumps({k: row.get(k) for k in ('name', 'seed', 'steps', 'final_loss', 'final_align_loss', 'fid', 'kid', 'accuracy')}))

if __name__ == '__main__': main()
