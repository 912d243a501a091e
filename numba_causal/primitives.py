"""The device primitive whose spelling differs per backend: exchanging a value
between the lanes of a row.

``lane_xor(exchange, slot, lane, value, mask)`` returns ``value`` as held by lane
``lane ^ mask`` of the same row (``mask`` below the warp width); every lane of
the block must call it together:

* cuda: a warp shuffle, ``shfl_xor_sync`` (``exchange`` unused);
* hip: ``shfl_xor`` over the wavefront (``exchange`` unused);
* sim: numba-cuda's simulator has no shuffles, so the value goes through
  ``exchange`` (shared memory, [rows, lanes] of the value's type) between two
  barriers: the same data flow, spelled with what the simulator runs.

``warp_mma(exchange, lane, bf16, a0, a1, a2, a3, b0, b1, c0, c1, c2, c3)`` is one
warp's 16x8x16 matrix product on 16-bit inputs with float32 accumulation, in
the fragment layout of PTX's ``mma.m16n8k16`` (intrinsics.mma_f16 states it),
returning ``(d0, d1, d2, d3)``; ``bf16`` picks bfloat16 over float16. Every lane
of a 32-lane warp calls it together:

* cuda: the tensor cores, ``mma.sync`` (``exchange`` unused);
* sim: the fragments go through ``exchange`` (shared memory, uint32 [2, 6, 32],
  its halves in turn) with one barrier, and each lane sums its four outputs;
* hip: none (AMD's matrix cores take other fragments; no kernel of the hip
  backend calls it).

``gpu_primitives(backend_name)`` lists them as (name, function) helpers for
``compile.build``, which binds them into the kernel's namespace with the
variant's ``WARP`` (the backend's warp or wavefront width).
"""

from __future__ import annotations

import threading

import numpy as np
from numba import int32

from .compile import GPU, compile_time

gpu = GPU
WARP = compile_time("WARP")
# intrinsics bound per backend (intrinsics.py)
mma_f16, mma_bf16 = compile_time("mma_f16", "mma_bf16")


def lane_xor_cuda(exchange, slot, lane, value, mask):
    """``value`` of lane ``lane ^ mask``: a warp shuffle (numba-cuda)."""
    return gpu.shfl_xor_sync(0xFFFFFFFF, value, int32(mask))


def lane_xor_hip(exchange, slot, lane, value, mask):
    """``value`` of lane ``lane ^ mask``: a wavefront shuffle (numba-hip)."""
    return gpu.shfl_xor(value, int32(mask), int32(WARP))


def lane_xor_shared(exchange, slot, lane, value, mask):
    """``value`` of lane ``lane ^ mask``: through shared memory, between barriers."""
    exchange[slot, lane] = value
    gpu.syncthreads()
    other = exchange[slot, lane ^ mask]
    gpu.syncthreads()
    return other


def warp_mma_cuda(exchange, lane, bf16, a0, a1, a2, a3, b0, b1, c0, c1, c2, c3):
    """One warp's m16n8k16 product on the tensor cores (intrinsics.mma_f16/bf16)."""
    if bf16:
        return mma_bf16(a0, a1, a2, a3, b0, b1, c0, c1, c2, c3)
    return mma_f16(a0, a1, a2, a3, b0, b1, c0, c1, c2, c3)


def _fragment_index():
    """Where PTX's m16n8k16 layout keeps each element, as (register, position in the
    uint16 view of a register row [2 * lane + half]) index arrays: A [16, 16] in
    registers 0-3, B [16, 8] in registers 4-5."""
    a_reg, a_at = np.zeros((16, 16), np.intp), np.zeros((16, 16), np.intp)
    for r in range(16):
        for c in range(16):
            a_reg[r, c] = (0 if c < 8 else 2) + (r >= 8)
            a_at[r, c] = 2 * (4 * (r % 8) + (c % 8) // 2) + c % 2
    b_reg, b_at = np.zeros((16, 8), np.intp), np.zeros((16, 8), np.intp)
    for k in range(16):
        for n in range(8):
            b_reg[k, n] = 4 if k < 8 else 5
            b_at[k, n] = 2 * (4 * n + (k % 8) // 2) + k % 2
    return a_reg, a_at, b_reg, b_at


_FRAGMENTS = _fragment_index()
_PARITY = threading.local()


def _as_float(halves, bf16):
    if bf16:
        return (halves.astype(np.uint32) << 16).view(np.float32)
    return halves.view(np.float16).astype(np.float32)


def warp_mma_shared(exchange, lane, bf16, a0, a1, a2, a3, b0, b1, c0, c1, c2, c3):
    """The same product through shared memory: every lane's six fragment words go to
    ``exchange`` [2, 6, 32] (the two halves in turn, so one barrier a product
    suffices: a half is written again only after the next barrier, when every lane
    has read it), and each lane multiplies the whole A and B (float64 sums) for its
    rows l/4 and l/4 + 8 and columns 2(l%4) and 2(l%4) + 1."""
    parity = getattr(_PARITY, "value", 0)
    _PARITY.value = parity ^ 1
    for i, word in enumerate((a0, a1, a2, a3, b0, b1)):
        exchange[parity, i, lane] = word
    gpu.syncthreads()
    halves = np.ascontiguousarray(exchange[parity]).view(np.uint16)  # [6, 64]
    a_reg, a_at, b_reg, b_at = _FRAGMENTS
    a = _as_float(halves[a_reg, a_at], bf16).astype(np.float64)
    b = _as_float(halves[b_reg, b_at], bf16).astype(np.float64)
    g, col = lane // 4, 2 * (lane % 4)
    rows = a[[g, g + 8]] @ b[:, col:col + 2]
    return (np.float32(c0 + rows[0, 0]), np.float32(c1 + rows[0, 1]),
            np.float32(c2 + rows[1, 0]), np.float32(c3 + rows[1, 1]))


_LANE_XOR = {"cuda": lane_xor_cuda, "hip": lane_xor_hip, "sim": lane_xor_shared}
_WARP_MMA = {"cuda": warp_mma_cuda, "sim": warp_mma_shared}


def gpu_primitives(backend_name: str) -> tuple:
    """(name, function) pairs: the backend's spelling of each primitive."""
    pairs = (("lane_xor", _LANE_XOR[backend_name]),)
    if backend_name in _WARP_MMA:
        pairs += (("warp_mma", _WARP_MMA[backend_name]),)
    return pairs


def uses_shared_exchange(backend_name: str) -> bool:
    """True where ``lane_xor`` needs its shared ``exchange`` buffer (the simulator)."""
    return _LANE_XOR[backend_name] is lane_xor_shared
