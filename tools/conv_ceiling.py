"""How close the UNet's 3x3 convolutions run to this CPU's peak, and what the alternatives cost.

At identical shapes miniai's UNet and diffusers' UNet2DModel run the same oneDNN convolutions, which take about
three quarters of a training step (13_bench). This script measures, at the course model's shapes (batch 64,
channels-last): a large matrix product (the practical peak), the forward convolution, its input gradient and its
weight gradient, and two exact rewrites that could beat them:

- the weight gradient as nine matrix products over shifted views of the padded input;
- PyTorch's own convolution, with oneDNN switched off;
- nearest 2x upsampling followed by a 3x3 convolution, computed as four 2x2 convolutions at the low resolution
  (2.25 times fewer multiply-adds), forward and backward.

    python tools/conv_ceiling.py
"""
import time

import torch
import torch.nn.functional as F

cl = torch.channels_last

def ms(f, n:int=10)->float:
    "Milliseconds per call of `f`, after two warm-up calls."
    f(); f()
    start = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - start) / n * 1000

def conv_grads(g, x, w, which):
    "oneDNN's backward of a 3x3, padding-1 convolution: the input gradient, the weight gradient, or both."
    return torch.ops.aten.convolution_backward(g, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, which)

def weight_grad_gemm(x, g):
    "The same weight gradient as nine GEMMs: flat views of the zero-padded NHWC input, shifted per kernel tap."
    N, C, H, W = x.shape; O = g.shape[1]
    X = F.pad(x, (1, 1, 1, 1)).permute(0, 2, 3, 1).contiguous().view(-1, C)
    gp = g.new_zeros(N, H + 2, W + 2, O); gp[:, :H, :W] = g.permute(0, 2, 3, 1)
    G, P = gp.view(-1, O), X.shape[0]
    out = torch.empty(3, 3, O, C)
    for ky in range(3):
        for kx in range(3):
            s = ky * (W + 2) + kx
            torch.mm(G[:P - s].t(), X[s:], out=out[ky, kx])
    return out.permute(2, 3, 0, 1)

def conv_step(x, w):
    "Forward and backward of a 3x3 convolution through autograd."
    x, w = x.detach().requires_grad_(), w.detach().requires_grad_()
    F.conv2d(x, w, padding=1).sum().backward()

def native_conv_step(x, w):
    "`conv_step` with oneDNN switched off: PyTorch's own CPU convolution."
    with torch.backends.mkldnn.flags(enabled=False): conv_step(x.contiguous(), w.contiguous())

# rows of the 3x3 kernel that land on each input row, for output rows 2i (phase 0) and 2i+1 (phase 1)
phase_taps = torch.tensor([[[1., 0, 0], [0, 1, 1]], [[1, 1, 0], [0, 0, 1]]])

def upsample_conv(x, w, b):
    "Nearest 2x upsampling then a 3x3 convolution, the plain way."
    return F.conv2d(F.interpolate(x, scale_factor=2.), w, b, padding=1)

def upsample_conv_subpixel(x, w, b):
    "The same function as four 2x2 convolutions at the input's resolution, interleaved."
    N, C, H, W = x.shape
    k = torch.einsum('apk,oikl,bql->aboipq', phase_taps, w, phase_taps)
    xp = F.pad(x, (1, 1, 1, 1))
    ys = [[F.conv2d(xp[:, :, a:a + H + 1, c:c + W + 1], k[a, c], b).permute(0, 2, 3, 1) for c in (0, 1)] for a in (0, 1)]
    return torch.stack([torch.stack(r, 3) for r in ys], 2).reshape(N, 2 * H, 2 * W, -1).permute(0, 3, 1, 2)

def main():
    torch.manual_seed(0)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    print(f"{torch.get_num_threads()} threads; 2048x2048 matrix product: {2 * 2048**3 / ms(lambda: a @ b) / 1e6:.0f} GFLOP/s")
    print("3x3 convolutions, batch 64, channels-last (ms; forward GFLOP/s):")
    for ci, co, r in [(32, 32, 32), (64, 64, 16), (128, 128, 8), (256, 256, 4), (96, 32, 32), (192, 64, 16)]:
        x, w = torch.randn(64, ci, r, r).to(memory_format=cl), torch.randn(co, ci, 3, 3).to(memory_format=cl)
        g = torch.randn(64, co, r, r).to(memory_format=cl)
        ref, alt = conv_grads(g, x, w, [False, True, False])[1], weight_grad_gemm(x, g)
        assert (ref - alt).abs().max() <= 1e-4 * ref.abs().max()
        fwd = ms(lambda: F.conv2d(x, w, padding=1))
        print(f"  {ci:>3}->{co:<3} at {r:>2}x{r:<2}: forward {fwd:5.1f} ({2 * 64 * r * r * co * ci * 9 / fwd / 1e6:3.0f} GFLOP/s), "
              f"input grad {ms(lambda: conv_grads(g, x, w, [True, False, False])):5.1f}, weight grad {ms(lambda: conv_grads(g, x, w, [False, True, False])):5.1f}, "
              f"weight grad as 9 GEMMs {ms(lambda: weight_grad_gemm(x, g)):5.1f}, "
              f"forward and both gradients without oneDNN {ms(lambda: native_conv_step(x, w)):5.1f} (with: {ms(lambda: conv_step(x, w)):5.1f})")
    print("upsample 2x + 3x3 conv, batch 64, channels-last, forward and backward (ms):")
    for c, r in [(256, 4), (128, 8), (64, 16)]:
        x = torch.randn(64, c, r, r).to(memory_format=cl).requires_grad_()
        w, bias = torch.randn(c, c, 3, 3, requires_grad=True), torch.randn(c, requires_grad=True)
        y = upsample_conv(x, w, bias)
        assert (y - upsample_conv_subpixel(x, w, bias)).abs().max() <= 1e-4 * y.abs().max()
        g = torch.randn_like(y).contiguous(memory_format=cl)
        print(f"  {c} channels, {r}x{r} -> {2 * r}x{2 * r}: plain {ms(lambda: upsample_conv(x, w, bias).backward(g)):5.1f}, "
              f"four 2x2 convolutions {ms(lambda: upsample_conv_subpixel(x, w, bias).backward(g)):5.1f}")

if __name__ == '__main__': main()
