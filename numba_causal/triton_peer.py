"""The Triton code a user would otherwise write for a causal softmax: one program
per row, the whole row in registers, masked loads of the kept keys. A benchmark
peer only (bench.py); needs triton and a CUDA torch."""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def _causal_softmax_row(x_ptr, y_ptr, seq_len, cache_len, offset, scale,
                        BLOCK: tl.constexpr):
    row = tl.program_id(0)
    q = row % seq_len
    keys = tl.arange(0, BLOCK)
    kept = (keys <= q + offset) & (keys < cache_len)
    x = tl.load(x_ptr + row.to(tl.int64) * cache_len + keys, mask=kept, other=-float("inf"))
    x = x.to(tl.float32) * scale
    e = tl.where(kept, tl.exp(x - tl.max(x, axis=0)), 0.0)
    y = e / tl.sum(e, axis=0)
    tl.store(y_ptr + row.to(tl.int64) * cache_len + keys, y.to(y_ptr.dtype.element_ty),
             mask=keys < cache_len)


def causal_softmax_triton(x, scale, out):
    """softmax(scale * x) with the bottom-right causal mask, into ``out`` (contiguous
    [..., seq_len, cache_len] CUDA tensors)."""
    seq_len, cache_len = x.shape[-2:]
    block = triton.next_power_of_2(cache_len)
    _causal_softmax_row[(x.numel() // cache_len,)](
        x, out, seq_len, cache_len, cache_len - seq_len, scale, BLOCK=block,
        num_warps=8 if block >= 2048 else 4)
    return out
