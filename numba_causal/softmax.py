"""Causal softmax: the mask fused into softmax over the keys, in one kernel.

``causal_softmax(scores)`` returns ``softmax(scale * scores)`` over the key axis,
every key the mask drops counting as -inf. The mask is apply_causal_mask's (see
mask.py's docstring: offset, window, kv_lens, q_offsets, mask_fn, causal); a
row's kept keys ``[lo, hi)`` come from the same ``kept_keys``.

What is read and written: each row reads only its kept elements (whatever a
masked element holds, NaN included, is never read) and writes the whole row:
exact +0.0 for the masked keys, probabilities for the kept ones. ``out`` may be
``scores`` itself (in place), a separate array of the same shape and dtype, or
None (a new array like ``scores``).

Numerics. float16 and bfloat16 scores are decoded to float32 and their rows
computed and summed in float32; float32 rows compute in float32 and sum in
float64; float64 rows compute and sum in float64. ``exp(scale * x - max)`` is
evaluated as ``exp(|scale| * (u - max u))`` with ``u = x`` or ``-x``: ``u`` and
its max are exact input values, so the exponent's error does not grow with the
size of the logits. Measured against float64 (tests/test_softmax.py), the error
is below 1e-6 (float32) or 1e-3 (float16, bfloat16) of the row's largest
probability, plus half an ulp of the output dtype (its own rounding). Special
values:

* a scaled score of -inf counts as masked: a row with no kept key, or only
  -inf ones, is all zeros (not NaN);
* a NaN or +inf scaled score among a row's kept keys makes every kept output of
  that row NaN (inf - inf, as in any softmax); its masked outputs stay 0.

Kernels, side by side as in mask.py:

* GPU (hip, cuda, sim): a block of LANES lanes per query row, grid (seq_len,
  heads, batch) folded by compile.fold_grid. Pass 1 reads each kept score
  once, every lane keeping a running (max, sum of exponentials) - the online
  softmax - and one shared-memory tree (``hip.shared.array``, a
  ``hip.syncthreads()`` per level) merges the lanes' pairs. Pass 2 writes the
  whole row once. A row whose kept keys fit the shared-memory row cache
  (ROW_CACHE_BYTES: 16 KiB, 4096 float32 or 2048 float64 scores) is kept there
  by pass 1 and read back by pass 2: one read of the kept elements, one write
  of the row. A longer row is read from global memory again in pass 2.
  Trade-off: the online pass spends an exp per kept key in each pass (plus a
  rescale when a lane's max grows) where max-then-sum passes would spend one,
  but it needs a single block reduction per row instead of two (half the
  barriers, which dominate short rows) and, beyond the cache, two reads of
  the kept elements instead of three; the kernel is memory-bound, so the
  extra exp is cheap.
* CPU (``@njit(parallel=True)``): rows in parallel; per row the online (max,
  sum) pass over the kept keys, then one pass writing the row.
* reference (``@njit``): element by element: a max pass, a sum pass, and an
  exact division; no lanes, no cache, no online rescaling.

float16 and bfloat16 elements are raw uint16 bits in the kernels (dtypes.py);
their conversions to and from float32 are the device helpers below, written
once for every backend with integer arithmetic, ``math.ldexp`` and
``math.log2`` (the GPU kernel has no bit-cast, numba-hip has no float16 type
and its ``math.frexp`` does not compile). float32 and float64 elements reach
the kernels as float views.
"""

from __future__ import annotations

import contextlib
import math
import numbers

import numpy as np
from numba import float32, float64, int64, prange, uint16

from . import compile as kc
from . import dtypes
from .arrays import inspect_scores, scores_on
from .backends import get_backend
from .mask import host_row, kept_keys
from .options import mask_options

# Compile-time constants of the kernel source; build() rebinds them per variant.
hip = None
LANES = 32
ROW_CACHE = 4096
FORMAT = 2  # FLOAT32
COMPUTE = float32
SUM = float64
CAUSAL = True
USE_KV_LENS = False
USE_Q_OFFSETS = False
HAS_MASK_FN = False
MASK_FN = kc.keep_all

#: element formats: how a kernel reads and writes an element
FLOAT16, BFLOAT16, FLOAT32, FLOAT64 = 0, 1, 2, 3
#: dtype name -> (format, compute type, sum type)
FORMATS = {
    "float16": (FLOAT16, float32, float32),
    "bfloat16": (BFLOAT16, float32, float32),
    "float32": (FLOAT32, float32, float64),
    "float64": (FLOAT64, float64, float64),
}

NEG_INF = -math.inf
INF = math.inf
HALF_UNIT = 2.0 ** -24  # the float16 subnormal step


# --- element conversions (device helpers, every backend) ---------------------------

def half_bits_to_float32(bits):
    """IEEE float16 bits -> float32, exactly (integer arithmetic and one exact multiply)."""
    h = int64(bits)
    exponent = (h >> 10) & 0x1F
    fraction = h & 0x3FF
    if exponent == 0x1F:
        value = float32(INF) if fraction == 0 else float32(math.nan)
    else:
        # (1.fraction or 0.fraction) * 2**(exponent - 15) in steps of 2**-24
        significand = (fraction | 0x400) if exponent else fraction
        value = float32(significand << max(exponent - 1, 0)) * float32(HALF_UNIT)
    return -value if h & 0x8000 else value


def bfloat16_bits_to_float32(bits):
    """bfloat16 bits -> float32, exactly (integer arithmetic and ldexp)."""
    h = int64(bits)
    exponent = (h >> 7) & 0xFF
    fraction = h & 0x7F
    if exponent == 0xFF:
        value = float32(INF) if fraction == 0 else float32(math.nan)
    else:
        significand = (fraction | 0x80) if exponent else fraction
        value = float32(math.ldexp(float32(significand), int(max(exponent, 1) - 134)))
    return -value if h & 0x8000 else value


def float32_to_bits16(x, fraction_bits, bias):
    """float32 -> the bits of a 16-bit IEEE-style float with ``fraction_bits`` and
    exponent ``bias`` (float16: 10, 15; bfloat16: 7, 127), rounded to nearest even.

    NaN becomes the quiet NaN, -0.0 becomes +0.0, overflow becomes inf.
    """
    inf_bits = (2 * bias + 1) << fraction_bits
    if x != x:
        return inf_bits | (1 << (fraction_bits - 1))
    sign = 0x8000 if x < 0 else 0
    a = abs(float32(x))
    if a == 0:
        return 0
    if a == float32(INF):
        return sign | inf_bits
    exponent = int64(math.floor(math.log2(a)))
    # log2 may round across a power of two: make 1 <= a * 2**-exponent < 2
    t = math.ldexp(a, int(-exponent))
    if t >= 2:
        exponent += 1
    elif t < 1:
        exponent -= 1
    exponent = max(exponent, 1 - bias)  # below the normal range: the subnormal step
    scaled = float32(math.ldexp(a, int(fraction_bits - exponent)))  # exact
    units = int64(scaled)
    rest = scaled - float32(units)
    if rest > 0.5 or (rest == 0.5 and units & 1):
        units += 1  # a carry into the exponent is the right next float
    bits = ((exponent + bias - 1) << fraction_bits) + units
    return sign | min(bits, inf_bits)


def element_to_float(element):
    """An element as the compute type: decoded bits, or the float view's value."""
    if FORMAT == FLOAT16:
        return half_bits_to_float32(element)
    if FORMAT == BFLOAT16:
        return bfloat16_bits_to_float32(element)
    return element


def float_to_element(p):
    """A compute-type value as the element the output array holds."""
    if FORMAT == FLOAT16:
        return uint16(float32_to_bits16(p, 10, 15))
    if FORMAT == BFLOAT16:
        return uint16(float32_to_bits16(p, 7, 127))
    return COMPUTE(p)


# --- reductions (device helpers) ------------------------------------------------------
#
# softmax(scale * x) is computed as exp(magnitude * (u - max u)) / sum, with
# magnitude = |scale| and u = x or -x (the sign of scale): u and its max are
# exact input values, so their difference is rounded once and the error does
# not grow with the size of the logits (scale * x - max(scale * x) would).

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


def merge_totals(max_a, total_a, max_b, total_b, magnitude):
    """Two (max, sum) pairs of online_add as one."""
    row_max = max(max_a, max_b)
    return row_max, (rescaled(total_a, max_a, row_max, magnitude)
                     + rescaled(total_b, max_b, row_max, magnitude))


def block_totals(maxima, totals, lane, row_max, total, magnitude):
    """The row's (max, sum) pair from every lane's: a shared-memory tree over the
    block's LANES lanes (a power of two), one barrier per level."""
    maxima[lane] = row_max
    totals[lane] = total
    hip.syncthreads()
    width = LANES // 2
    while width > 0:
        if lane < width:
            maxima[lane], totals[lane] = merge_totals(
                maxima[lane], totals[lane], maxima[lane + width], totals[lane + width],
                magnitude)
        hip.syncthreads()
        width //= 2
    row_max, total = maxima[0], totals[0]
    hip.syncthreads()  # every lane has read slot 0 before the next row reuses it
    return row_max, total


HELPERS = (kept_keys, host_row, half_bits_to_float32, bfloat16_bits_to_float32,
           float32_to_bits16, element_to_float, float_to_element, nan_max, rescaled, online_add,
           merge_totals, block_totals)


# --- the three kernels ------------------------------------------------------------------

def causal_softmax_kernel(s, out, scale, offset, window, kv_lens, q_offsets):
    """GPU kernel. ``s``, ``out``: [batch, heads, seq_len, cache_len] elements
    (uint16 bits, or float32/float64); ``scale``: the compute type.

    Launch: grid (seq_len, heads, batch), block (LANES,): a block per query row,
    its lanes striding over the keys. Grid dimensions clipped to the device
    limit fold into the strided loops. Pass 1 reads the kept scores once, each
    lane keeping a running (max, sum); a row of at most ROW_CACHE kept keys is
    also kept in shared memory, where pass 2 reads it back (a longer row is read
    again from global memory). Lane ``i`` only ever touches row_cache slots
    ``i, i + LANES, ...``, so the cache needs no barrier of its own.
    """
    maxima = hip.shared.array(LANES, COMPUTE)
    totals = hip.shared.array(LANES, SUM)
    row_cache = hip.shared.array(ROW_CACHE, COMPUTE)
    batch, heads, seq_len, cache_len = s.shape
    lane = int64(hip.threadIdx.x)
    direction = COMPUTE(-1) if scale < 0 else COMPUTE(1)
    magnitude = abs(scale)
    zero = float_to_element(COMPUTE(0))
    # grid-stride while loops: a range() with a runtime step costs a 64-bit division
    b = int64(hip.blockIdx.z)
    while b < batch:
        row_offset = q_offsets[b] if USE_Q_OFFSETS else offset
        kv_len = kv_lens[b] if USE_KV_LENS else cache_len
        h = int64(hip.blockIdx.y)
        while h < heads:
            q = int64(hip.blockIdx.x)
            while q < seq_len:
                pos = q + row_offset
                lo, hi = kept_keys(pos, window, kv_len, cache_len)
                cached = hi - lo <= ROW_CACHE
                row = s[b, h, q]
                out_row = out[b, h, q]
                # pass 1: every kept score read once
                lane_max = COMPUTE(NEG_INF)
                lane_total = SUM(0)
                for k in range(lo + lane, hi, LANES):
                    if not HAS_MASK_FN or MASK_FN(b, h, pos, k):
                        u = direction * element_to_float(row[k])
                        if cached:
                            row_cache[k - lo] = u
                        lane_max, lane_total = online_add(lane_max, lane_total, u, magnitude)
                row_max, total = block_totals(maxima, totals, lane, lane_max, lane_total,
                                              magnitude)
                # all kept scores -inf (or none kept): zeros; a NaN anywhere: NaN
                live = row_max != NEG_INF or total != total
                inverse = COMPUTE(SUM(1) / total if total != 0 else SUM(0))
                # pass 2: the whole row written once
                for k in range(lane, cache_len, LANES):
                    p = zero
                    if live and lo <= k < hi and (not HAS_MASK_FN or MASK_FN(b, h, pos, k)):
                        if cached:
                            u = row_cache[k - lo]
                        else:
                            u = direction * element_to_float(row[k])
                        if u != NEG_INF:  # a kept -inf is exactly 0, even in a NaN row
                            p = float_to_element(COMPUTE(math.exp(magnitude * (u - row_max)))
                                                 * inverse)
                    out_row[k] = p
                q += int64(hip.gridDim.x)
            h += int64(hip.gridDim.y)
        b += int64(hip.gridDim.z)


def causal_softmax_cpu(s, out, scale, offset, window, kv_lens, q_offsets):
    """CPU kernel (``@njit(parallel=True)``): rows in parallel; per row an online
    (max, sum) pass over the kept keys, then one pass writing the row."""
    batch, heads, seq_len, cache_len = s.shape
    direction = COMPUTE(-1) if scale < 0 else COMPUTE(1)
    magnitude = abs(scale)
    zero = float_to_element(COMPUTE(0))
    for r in prange(batch * heads * seq_len):
        b, h, q, pos, lo, hi = host_row(r, heads, seq_len, cache_len, offset, window, kv_lens,
                                        q_offsets)
        row = s[b, h, q]
        out_row = out[b, h, q]
        row_max = COMPUTE(NEG_INF)
        total = SUM(0)
        for k in range(lo, hi):
            if not HAS_MASK_FN or MASK_FN(b, h, pos, k):
                u = direction * element_to_float(row[k])
                row_max, total = online_add(row_max, total, u, magnitude)
        live = row_max != NEG_INF or total != total  # as in the GPU kernel
        inverse = COMPUTE(SUM(1) / total if total != 0 else SUM(0))
        out_row[:lo] = zero
        out_row[hi:] = zero
        for k in range(lo, hi):
            p = zero
            if live and (not HAS_MASK_FN or MASK_FN(b, h, pos, k)):
                u = direction * element_to_float(row[k])
                if u != NEG_INF:
                    p = float_to_element(COMPUTE(math.exp(magnitude * (u - row_max))) * inverse)
            out_row[k] = p


def causal_softmax_definition(s, out, scale, offset, window, kv_lens, q_offsets):
    """The reference: every element of every row, one at a time; a max pass, a sum
    pass and an exact division."""
    batch, heads, seq_len, cache_len = s.shape
    direction = COMPUTE(-1) if scale < 0 else COMPUTE(1)
    magnitude = abs(scale)
    for b in range(batch):
        for h in range(heads):
            for q in range(seq_len):
                pos = q + (q_offsets[b] if USE_Q_OFFSETS else offset)
                lo, hi = kept_keys(pos, window, kv_lens[b] if USE_KV_LENS else cache_len,
                                   cache_len)
                row_max = COMPUTE(NEG_INF)
                for k in range(cache_len):
                    if lo <= k < hi and (not HAS_MASK_FN or MASK_FN(b, h, pos, k)):
                        row_max = nan_max(row_max, direction * element_to_float(s[b, h, q, k]))
                total = SUM(0)
                for k in range(cache_len):
                    if row_max != NEG_INF and lo <= k < hi and (
                            not HAS_MASK_FN or MASK_FN(b, h, pos, k)):
                        u = direction * element_to_float(s[b, h, q, k])
                        if u != NEG_INF:
                            total += math.exp(magnitude * (u - row_max))
                for k in range(cache_len):
                    p = SUM(0)
                    if row_max != NEG_INF and lo <= k < hi and (
                            not HAS_MASK_FN or MASK_FN(b, h, pos, k)):
                        u = direction * element_to_float(s[b, h, q, k])
                        if u != NEG_INF:
                            p = math.exp(magnitude * (u - row_max)) / total
                    out[b, h, q, k] = float_to_element(p)


# --- launcher --------------------------------------------------------------------------

#: lanes per row (a power of two, a multiple of the warp) per GPU backend
LANES_PER_ROW = {"cuda": 128, "hip": 128, "sim": 32}
#: shared memory for a row's kept scores; a longer row takes the online route
ROW_CACHE_BYTES = 16384


def _row_cache(dtype_name: str) -> int:
    return ROW_CACHE_BYTES // np.dtype(FORMATS[dtype_name][1].name).itemsize


def _constants(dtype_name, opts) -> dict:
    fmt, compute, total = FORMATS[dtype_name]
    return dict(FORMAT=fmt, COMPUTE=compute, SUM=total, CAUSAL=opts.causal,
                USE_KV_LENS=opts.kv_lens is not None, USE_Q_OFFSETS=opts.q_offsets is not None,
                HAS_MASK_FN=opts.mask_fn is not None, MASK_FN=opts.mask_fn or kc.keep_all)


def _float_view(array, dtype_name):
    """float32/float64 elements reach the kernels as floats; 16-bit ones as bits."""
    if dtype_name in ("float32", "float64"):
        return array.view(np.dtype(dtype_name))
    return array


def _run(kind, backend, src, dst, dtype_name, scale, opts):
    """Compile (cached) and run one of the three kernels on host/device arrays."""
    src, dst = _float_view(src, dtype_name), _float_view(dst, dtype_name)
    scale = np.dtype(FORMATS[dtype_name][1].name).type(scale)
    batch, heads, seq_len, _ = src.shape
    if kind == "kernel":
        lanes = LANES_PER_ROW.get(backend.name, 4 * backend.warp)
        if lanes < 1 or lanes & (lanes - 1):
            raise ValueError(f"lanes per row must be a power of two; got {lanes}")
        kernel = kc.build(backend, causal_softmax_kernel, HELPERS, LANES=lanes,
                          ROW_CACHE=_row_cache(dtype_name), **_constants(dtype_name, opts))
        kv_lens, q_offsets = opts.device_arrays(backend)
        # one block per query row; heads and batch ride the grid's y and z
        grid = kc.fold_grid(backend, seq_len, heads, batch)
        launch = kernel[grid, lanes, opts.stream] if opts.stream else kernel[grid, lanes]
        with kc.launch_guard(backend, kind):
            launch(src, dst, scale, opts.offset, opts.window, kv_lens, q_offsets)
        return
    source = causal_softmax_definition if kind == "reference" else causal_softmax_cpu
    kernel = kc.build(backend, source, HELPERS, kind=kind, **_constants(dtype_name, opts))
    with kc.launch_guard(backend, kind):
        kernel(src, dst, scale, opts.offset, opts.window, opts.kv_lens_or_dummy,
               opts.q_offsets_or_dummy)


def _check_scale(scale) -> float:
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a real number; got {scale!r}")
    return float(scale)


def _extent(scores):
    """(first byte, one past the last byte) of an array's memory."""
    start = scores.cai["data"][0] if scores.on_device else scores.host.ctypes.data
    low = sum((n - 1) * st for n, st in zip(scores.shape, scores.strides) if st < 0)
    high = sum((n - 1) * st for n, st in zip(scores.shape, scores.strides) if st > 0)
    return start + low, start + high + dtypes.SUPPORTED[scores.dtype][0]


def _check_out(s, o) -> bool:
    """Validate ``out`` against ``scores``; True when it is the same memory (in place).

    Any other overlap is refused: exactly on the host, by address range on the GPU."""
    if o.dtype != s.dtype:
        raise TypeError(f"out must have the dtype of scores ({s.dtype}); got {o.dtype}")
    if o.shape != s.shape or o.ndim != s.ndim:
        shape = s.shape if s.ndim == 4 else s.shape[2:]
        got = o.shape if o.ndim == 4 else o.shape[2:]
        raise ValueError(f"out must have the shape of scores {shape}; got {got}")
    if o.on_device != s.on_device:
        raise TypeError("out and scores must both be host arrays or both GPU arrays")
    if s.size == 0:
        return False
    if _extent(s) == _extent(o) and s.strides == o.strides:
        return True
    (a0, a1), (b0, b1) = _extent(s), _extent(o)
    overlap = a0 < b1 and b0 < a1
    if overlap and not s.on_device:
        try:
            overlap = np.shares_memory(s.host, o.host, max_work=10**6)
        except np.exceptions.TooHardError:
            pass
    if overlap:
        raise ValueError("out overlaps scores without being the same array: pass out=scores "
                         "(in place) or a separate array")
    return False


def _empty_like(scores, s, backend):
    """A new array for the result, of the kind ``scores`` is."""
    if type(scores).__module__.startswith("torch"):
        import torch

        return torch.empty_like(scores, memory_format=torch.contiguous_format)
    if isinstance(scores, np.ndarray):
        return np.empty(scores.shape, scores.dtype)
    shape = s.shape if s.ndim == 4 else s.shape[2:]
    return backend.gpu.device_array(shape, np.dtype(s.dtype))


def causal_softmax(scores, *, scale=1.0, offset=None, out=None, window=None, kv_lens=None,
                   q_offsets=None, mask_fn=None, causal=True, backend="auto"):
    """``softmax(scale * scores)`` over the keys, with the causal mask fused in.

    ``scores``: [batch, heads, seq_len, cache_len] or [seq_len, cache_len], float16,
    bfloat16, float32 or float64; a NumPy array, a torch tensor, or any object with
    ``__cuda_array_interface__`` (computed on the GPU, zero-copy, on its stream).
    The mask options are apply_causal_mask's (see mask.py). Masked keys get exactly
    0; a row with nothing kept is all zeros. ``out``: None (a new array of the
    same kind: NumPy, torch, or a numba device array for other GPU arrays),
    ``scores`` (in place) or an array of the same shape and dtype that does not
    overlap ``scores``. Returns ``out``. ``backend``: 'auto', 'hip', 'cuda', 'sim'
    or 'cpu'. Bad input raises before anything is written.
    """
    s = inspect_scores(scores, writable=out is scores)  # read only, unless out is scores
    chosen = get_backend(backend)
    opts = mask_options(s.shape, offset=offset, window=window, kv_lens=kv_lens,
                        q_offsets=q_offsets, mask_fn=mask_fn, causal=causal)
    scale = _check_scale(scale)
    o = None if out is None else inspect_scores(out)
    in_place = o is not None and _check_out(s, o)
    kind = "kernel" if chosen.is_gpu_kernel else kc.host_kind(s.size)
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(scores_on(s, chosen, write_back=in_place))
        if out is None:
            out = _empty_like(scores, s, chosen)
            o = inspect_scores(out)
        target = source if in_place else stack.enter_context(scores_on(o, chosen))
        if target.stream is not source.stream and hasattr(source.stream, "synchronize"):
            source.stream.synchronize()  # scores are on the device before out's stream runs
        opts.stream = target.stream
        if s.size:
            _run(kind, chosen, source.bits, target.bits, s.dtype, scale, opts)
    return out


def causal_softmax_reference(scores, *, scale=1.0, offset=None, out=None, window=None,
                             kv_lens=None, q_offsets=None, mask_fn=None, causal=True):
    """The plain ``@njit`` CPU reference: same semantics as ``causal_softmax``,
    element by element, on host arrays (NumPy or torch CPU). Returns ``out``."""
    s = inspect_scores(scores)
    if s.on_device:
        raise TypeError("causal_softmax_reference works on host arrays; copy the scores "
                        "to the host")
    opts = mask_options(s.shape, offset=offset, window=window, kv_lens=kv_lens,
                        q_offsets=q_offsets, mask_fn=mask_fn, causal=causal)
    scale = _check_scale(scale)
    if out is None:
        out = _empty_like(scores, s, None)
        o = inspect_scores(out)
    else:
        o = inspect_scores(out)
        _check_out(s, o)
    if s.size:
        _run("reference", get_backend("cpu"), s.host, o.host, s.dtype, scale, opts)
    return out


def kernel_specs(gpu, lanes: int) -> list:
    """The softmax kernel bound to ``gpu`` for ahead-of-time compilation, per dtype."""
    specs = []
    for name, (fmt, compute, _) in FORMATS.items():
        constants = dict(LANES=lanes, ROW_CACHE=_row_cache(name),
                         **_constants(name, _NoOptions))
        namespace = kc.bound_namespace(causal_softmax_kernel, HELPERS, constants, gpu,
                                       lambda f: gpu.jit(device=True)(f))
        fn = kc.bind(causal_softmax_kernel, namespace)
        element = "uint16" if fmt in (FLOAT16, BFLOAT16) else name
        specs.append(kc.KernelSpec(
            f"causal_softmax_{name}", fn,
            f"void({element}[:,:,:,::1], {element}[:,:,:,::1], {compute.name}, int64, int64, "
            "int64[::1], int64[::1])"))
    return specs


class _NoOptions:
    causal, kv_lens, q_offsets, mask_fn = True, None, None, None
