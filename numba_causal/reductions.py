"""Row reductions and the online softmax (max, sum) fold: device helpers for every
kernel family that normalises over keys (softmax, its backward, attention).

softmax(scale * x) is computed as exp(magnitude * (u - max u)) / sum, with
magnitude = |scale| and u = x or -x (the sign of scale): the row max is taken
over exact input values.

Compile-time constants (compile.build): ``SUM`` (the numba type sums
accumulate in); for ``row_reduce``, ``LANES`` (lanes per row) and ``SPAN``
(lanes per row within one warp: min(LANES, WARP)); ``row_reduce`` calls the
backend's ``lane_xor`` (primitives.py).
"""

from __future__ import annotations

import math

import numpy as np

from .compile import GPU, compile_time
from .elements import FLOAT64

gpu = GPU
SUM, LANES, SPAN = compile_time("SUM", "LANES", "SPAN")
#: pow2_host's: the element format and compute type (elements.format_constants) and
#: the backend's bit cast (intrinsics.py)
FORMAT, COMPUTE, as_f32 = compile_time("FORMAT", "COMPUTE", "as_f32")
lane_xor = compile_time("lane_xor")  # the backend's primitive (primitives.py), bound per backend
NEG_INF = -math.inf
INF = math.inf
LN2 = math.log(2.0)
#: the host kernels' fast-math flags (compile.build's HOST_FASTMATH): sums in any order
#: (vectorised) and fused multiply-adds; no flag that assumes finite values or ignores NaN
CPU_FASTMATH = ("contract", "reassoc")
#: 2**f on [-0.5, 0.5] as 1 + f P(f) (Cephes' exp2f, relative error below 2e-7)
POW2_POLY = (1.535336188319500e-4, 1.339887440266574e-3, 9.618437357674640e-3,
             5.550332471162809e-2, 2.402264791363012e-1, 6.931472028550421e-1)


def nan_max(a, b):
    """max(a, b), NaN if either is NaN."""
    return a if (a >= b or a != a) else b


def rescaled(total, old_max, new_max, magnitude):
    """A sum of exp(magnitude * (u - old_max)) re-based on ``new_max``; an empty
    (zero) sum stays zero, a NaN stays NaN."""
    if total == 0:
        return total
    return total * SUM(math.exp(magnitude * (old_max - new_max)))


def online_add(row_max, total, u, magnitude):
    """Fold oriented score ``u`` into a running (max, sum of exp(magnitude * (u - max))).

    -inf adds nothing (a masked key); a NaN poisons the sum; so does a +inf
    (inf - inf, as in any softmax): every path gives such a row NaN.
    """
    if u > row_max:
        one = SUM(1) if u != INF else SUM(math.nan)
        return u, rescaled(total, row_max, u, magnitude) + one
    if u != NEG_INF:
        return row_max, total + SUM(math.exp(magnitude * (u - row_max)))
    return row_max, total


def combine(a, b, is_max):
    """One step of a row reduction: NaN-propagating max, or sum."""
    return nan_max(a, b) if is_max else a + b


def row_reduce(exchange, partial, slot, lane, value, is_max):
    """The max (``is_max``) or sum of ``value`` over the LANES lanes of a row, on
    every lane. Within a warp: a butterfly of lane_xor steps (no barrier on a
    GPU); rows wider than a warp add one shared-memory step (``partial``: [ROWS,
    LANES // WARP]) between two barriers. Every lane of the block must call it.
    Butterfly sums are bit-identical on every lane (each step adds a pair both
    ways), and ``partial`` is read in one order by all."""
    mask = SPAN // 2
    while mask > 0:
        value = combine(value, lane_xor(exchange, slot, lane, value, mask), is_max)
        mask //= 2
    if LANES > SPAN:
        if lane % SPAN == 0:
            partial[slot, lane // SPAN] = value
        gpu.syncthreads()
        value = partial[slot, 0]
        for w in range(1, LANES // SPAN):
            value = combine(value, partial[slot, w], is_max)
        gpu.syncthreads()  # every lane has read ``partial`` before it is reused
    return value


def row_reduce_alternating(exchange, partial, slot, lane, value, is_max):
    """row_reduce without its trailing barrier: for a caller that alternates two
    ``partial`` buffers (a softmax row's max, then its sum, then the next row's
    max...): the barrier of the other buffer's reduction separates a read of
    ``partial`` from its next write. One barrier per reduction instead of two."""
    mask = SPAN // 2
    while mask > 0:
        value = combine(value, lane_xor(exchange, slot, lane, value, mask), is_max)
        mask //= 2
    if LANES > SPAN:
        if lane % SPAN == 0:
            partial[slot, lane // SPAN] = value
        gpu.syncthreads()
        value = partial[slot, 0]
        for w in range(1, LANES // SPAN):
            value = combine(value, partial[slot, w], is_max)
    return value


def pow2_host(x):
    """2**x in the compute type for x <= 0 in a host loop, in plain arithmetic
    inlined into the loop (no libm call per element, so the loop vectorises):
    float32 by Cephes' polynomial and the exponent's bits, exactly 0 below -126 (and
    for -inf), NaN for NaN; float64 by math.exp."""
    if FORMAT == FLOAT64:
        return math.exp(x * LN2)
    low = x < COMPUTE(-126)
    t = COMPUTE(-126) if low else x
    n = np.floor(t + COMPUTE(0.5))  # a float: math.floor's integer would not vectorise
    f = t - n
    c0, c1, c2, c3, c4, c5 = POW2_POLY
    poly = ((((COMPUTE(c0) * f + COMPUTE(c1)) * f + COMPUTE(c2)) * f + COMPUTE(c3)) * f
            + COMPUTE(c4)) * f + COMPUTE(c5)
    value = (COMPUTE(1) + f * poly) * as_f32(np.int32(n + COMPUTE(127)) << np.int32(23))
    return COMPUTE(0) if low else value


#: the helpers every backend compiles (row_reduce is the GPU kernels')
HELPERS = (nan_max, rescaled, online_add, combine)
#: the host kernels' own (the CPU softmax's and attention's)
HOST_HELPERS = (pow2_host,)
