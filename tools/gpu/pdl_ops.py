"""Every op's public call at decode shapes, replayed plainly and as a programmatic
dependent launch (PDL), in one run.

    python tools/gpu/pdl_ops.py

For each op (fp16 and fp32 where it applies): the call on torch CUDA tensors is made
once (compiled, recorded for the fast path), then timed with the benchmark's timer
(CUDA events around back-to-back calls; r20 ran this tool's first form, 200 calls a
sample, median of 5), first with dependent launches switched off
(``op.dependent_launches`` replaced, the fast path cleared: every kernel compiled
with PDL False and replayed by cuLaunchKernel), then on (the package's default on sm_90).
Each result is checked against the other setting's (bit for bit).
"""

from __future__ import annotations

import torch

import numba_causal as nc
from numba_causal import fastpath, op
from numba_causal.benchkit import TorchTimer


def timed(call) -> float:
    """µs a call: the package's benchmark timer (benchkit.TorchTimer: CUDA events
    around enough back-to-back calls to span 10 ms, median of 5 samples)."""
    return TorchTimer(repeats=5)(call) * 1e3


def cases():
    """(name, make) pairs: make() returns (call, result) on fresh random inputs."""
    def mask(dtype, shape):
        x = torch.randn(shape, device="cuda", dtype=dtype)
        return lambda: nc.apply_causal_mask(x, backend="cuda"), x

    def softmax(dtype, shape):
        x = torch.randn(shape, device="cuda", dtype=dtype)
        out = torch.empty_like(x)
        return lambda: nc.causal_softmax(x, out=out, backend="cuda"), out

    def backward(dtype, shape):
        p = torch.softmax(torch.randn(shape, device="cuda"), -1).to(dtype)
        g = torch.randn(shape, device="cuda", dtype=dtype)
        out = torch.empty_like(g)
        return lambda: nc.causal_softmax_backward(p, g, out=out, backend="cuda"), out

    def rotary(dtype, shape):
        b, s, hq, hk, d = shape
        q = torch.randn(b, s, hq, d, device="cuda", dtype=dtype)
        k = torch.randn(b, s, hk, d, device="cuda", dtype=dtype)
        return lambda: nc.apply_rotary(q, k, offset=4095, layout="bshd", backend="cuda"), q

    def attention(dtype, shape):
        b, hq, hkv, s, n = shape
        q = torch.randn(b, hq, s, 128, device="cuda", dtype=dtype)
        k = torch.randn(b, hkv, n, 128, device="cuda", dtype=dtype)
        v = torch.randn(b, hkv, n, 128, device="cuda", dtype=dtype)
        out = torch.empty_like(q)
        return lambda: nc.causal_attention(q, k, v, out=out, backend="cuda"), out

    for dtype in (torch.float16, torch.float32):
        name = str(dtype)[6:]
        yield f"apply_causal_mask 8x32x1x4096 {name}", lambda d=dtype: mask(d, (8, 32, 1, 4096))
        yield f"causal_softmax 8x32x1x4096 {name}", lambda d=dtype: softmax(d, (8, 32, 1, 4096))
        yield (f"causal_softmax_backward 8x32x1x4096 {name}",
               lambda d=dtype: backward(d, (8, 32, 1, 4096)))
        yield (f"apply_rotary bshd 8x1x32(q)x8(k)x128 {name}",
               lambda d=dtype: rotary(d, (8, 1, 32, 8, 128)))
    yield ("causal_attention 8x32x8x1x4096 float16",
           lambda: attention(torch.float16, (8, 32, 8, 1, 4096)))


def main():
    device = torch.cuda.current_device()
    print(f"{torch.cuda.get_device_name(device)}; us per call (benchkit.TorchTimer, 5 samples)")
    decides = op.dependent_launches
    print("| call | plain | dependent (PDL) | saved |")
    print("|---|---|---|---|")
    for name, make in cases():
        results, times = [], []
        for dependent in (False, True):
            op.dependent_launches = lambda backend, on=dependent: on and decides(backend)
            fastpath.clear()
            torch.manual_seed(0)
            call, result = make()
            times.append(timed(call))
            results.append(result.clone())
        op.dependent_launches = decides
        same = torch.equal(results[0], results[1]) or torch.equal(
            results[0].isnan(), results[1].isnan())
        print(f"| {name} | {times[0]:.1f} | {times[1]:.1f} | {times[0] - times[1]:.1f}"
              f"{'' if same else ' (results differ!)'} |", flush=True)


if __name__ == "__main__":
    main()
