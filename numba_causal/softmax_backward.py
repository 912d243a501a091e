"""Causal softmax backward: the gradient of ``causal_softmax`` with respect to its
scores, fused in one kernel.

``causal_softmax_backward(probs, grad, scale=scale)`` returns, for every row,
``scale * probs * (grad - sum(grad * probs))`` on the keys the mask keeps and
exactly +0.0 on the keys it drops (and on every key of a row with none kept):
``probs`` is causal_softmax's output, ``grad`` the gradient with respect to it.
The mask is causal_softmax's (mask.py: offset, window, kv_lens, q_offsets,
mask_fn, causal); a row's kept keys ``[lo, hi)`` come from the same
``kept_keys``, the row sum runs over the kept keys only.

What is read and written: each row reads only the memory holding its kept keys
of ``probs`` and ``grad`` (on the GPU's vector route, the 16-byte chunks that
hold them: a chunk at either end may also hold masked keys, whose values are
never used, NaN included) and writes the whole row of ``out`` once. ``out`` may
be ``grad`` (in place), ``probs``, a separate array of the same shape and dtype
that overlaps neither, or None (a new array like ``grad``).

Numerics (checked by tests/test_softmax_backward.py against float64):

* float16 and bfloat16 rows are decoded to float32, their products ``p * g``
  summed in float32, the output computed in float32 and rounded once;
* float32 rows: exact products, summed in float64; the sum ``s`` enters
  ``g - s`` as a float32 pair ``(s_hi, s_lo)``: ``(g - s_hi) - s_lo``. Rounding
  ``s`` to one float32 is not enough where ``g`` is close to ``s`` everywhere
  (cancellation: 1.8e-6 of the row's largest gradient; a plain float32 sum
  3.6e-6; rounded float32 products 1.6e-6 on a two-key row); the pair keeps it
  near 1e-7. A Kahan-compensated float32 sum meets 1e-6 only if the
  compensation also survives the reduction across lanes (two-sum steps:
  1.1e-7); compensated within a lane but summed plainly across lanes, 2.8e-6
  (docs/data/h200-2026-12-02/softmax_backward-sum-precision.txt);
* float64 rows compute and sum in float64.

NaN or inf in a kept ``probs`` or ``grad`` element makes that row's kept outputs
NaN (through the sum); masked outputs stay 0.

Kernels, side by side as in softmax.py:

* GPU (hip, cuda, sim): block (LANES, ROWS), a block row of LANES lanes per
  query row, grid (ceil(seq_len / ROWS), heads, batch). Where 16-byte units
  apply and one pass of the lanes covers the row (one_pass_plan: 16 float32 or
  32 16-bit keys per lane, softmax.vec_launch's shapes) the *one-pass route*
  (backward_rows_one_pass) loads the kept units of both rows, reduces once and
  writes the row, without a loop (the grid must fit the device's limits).
  Otherwise the grid is folded by compile.fold_grid and a row is read in *units*: 16-byte chunks of VEC keys
  (intrinsics.load_v4 / store_v4; VEC = 4 float32 or 8 16-bit keys) where all
  three arrays have contiguous, 16-byte aligned rows and cache_len is a
  multiple of VEC, else single elements (VEC = 1, any strides: numba's
  ``row[k]``, since intrinsics.load/store assume contiguous rows). A lane takes units
  ``tile + lane + j * LANES`` (j < CHUNK): every load of a tile is issued before
  any is used, decoded with the hardware 16-bit conversions. A row of one tile
  (CHUNK sized from cache_len) is read once and written from registers; a
  longer row is read twice (sum, then write). The row sum goes through
  reductions.row_reduce (lane_xor; SPAN, WARP).
* CPU (``@njit(parallel=True)``): rows in parallel; per row one pass summing the
  kept keys, one pass writing the row.
* reference (``@njit``): element by element, float64 throughout (16-bit
  outputs are rounded through float32).
"""

from __future__ import annotations

import numpy as np
from numba import int64, prange, uint32, uint64

from . import compile as kc
from . import benchkit, dtypes, elements, fastpath, op, reductions
from .arrays import check_like, check_out, empty_like, inspect_scores
from .backends import get_backend, spelling
from .compile import GPU, compile_time
from .elements import FLOAT16, FLOAT32, FORMATS, compute_dtype, float_view, format_constants
from .mask import block_row, host_row, kept_keys, query_keys
from .options import PLAIN, check_scale, mask_options
from .panels import to_compute
from .softmax import vec_launch

gpu = GPU
#: a programmatic dependent launch (op.Family.dependent_launch): the kernel waits on
#: entry for the grids before it (cuda, sm_90: op.dependent_launches)
PDL, grid_dependency_wait = compile_time("PDL", "grid_dependency_wait")
#: compile-time constants (launch_constants, elements.format_constants and
#: options.MaskOptions.constants set them per variant): lanes per row, rows per
#: block, lanes per row within a warp (SPAN), shared exchange width, partial sums
#: per row, units per lane in a tile (CHUNK), keys per unit (VEC: 1 = elements),
#: register slots per operand (SLOTS) and their type (RAW: uint32 words or COMPUTE)
LANES, ROWS, SPAN, EXCHANGE_LANES, PARTIALS, CHUNK, VEC, SLOTS, RAW = compile_time(
    "LANES", "ROWS", "SPAN", "EXCHANGE_LANES", "PARTIALS", "CHUNK", "VEC", "SLOTS", "RAW")
#: the one-pass route: CHUNK * LANES units cover every row, one row per block row, no loop
ONE_PASS = compile_time("ONE_PASS")
FORMAT, COMPUTE, SUM = compile_time("FORMAT", "COMPUTE", "SUM")
HAS_MASK_FN, MASK_FN = compile_time("HAS_MASK_FN", "MASK_FN")
USE_KV_LENS, USE_Q_OFFSETS = compile_time("USE_KV_LENS", "USE_Q_OFFSETS")
# device helpers bound per variant (elements.py, reductions.py, intrinsics.py)
(element_to_float, float_to_element, row_reduce, row_reduce_alternating, load_v4, store_v4,
 i32, u32, add32, mul32, udiv32, as_f32, as_u32, f16x2_lo, f16x2_hi, bf16x2_lo,
 bf16x2_hi, pack_f16x2, pack_bf16x2) = compile_time(
    "element_to_float", "float_to_element", "row_reduce", "row_reduce_alternating", "load_v4",
    "store_v4", "i32", "u32", "add32", "mul32", "udiv32", "as_f32", "as_u32",
    "f16x2_lo", "f16x2_hi", "bf16x2_lo", "bf16x2_hi", "pack_f16x2", "pack_bf16x2")


def split_sum(total):
    """The row sum as a (hi, lo) pair of the compute type: ``g - s`` is evaluated
    as ``(g - hi) - lo``, which keeps a float64 sum's digits in float32 rows."""
    hi = COMPUTE(total)
    return hi, COMPUTE(total - SUM(hi))


def gradient(p, g, scale, s_hi, s_lo):
    """One kept key's output: scale * p * (g - s), in the compute type."""
    return scale * p * ((g - s_hi) - s_lo)


#: device helpers of every backward kernel (the GPU kernel adds its units and reductions)
HELPERS = (kept_keys, host_row, split_sum, gradient) + elements.HELPERS + reductions.HELPERS


# --- the GPU kernel's units ---------------------------------------------------------------

def unit_index(u):
    """The row index of unit ``u``'s first key, 32-bit on the vector route."""
    if VEC > 1:
        return i32(u * VEC)
    return u


def load_units(p_raw, g_raw, p_row, g_row, first, hi_unit):
    """Load a lane's CHUNK units ``first + j * LANES`` of both rows into registers.
    Every load is issued before any is used (an index past the kept units is
    clamped to the last kept unit: its keys count as masked)."""
    for j in range(CHUNK):
        k = unit_index(min(first + j * LANES, hi_unit - 1))
        if VEC > 1:
            pw = load_v4(p_row, k)
            gw = load_v4(g_row, k)
            for w in range(4):
                p_raw[j * 4 + w] = pw[w]
                g_raw[j * 4 + w] = gw[w]
        else:  # any strides: numba's indexing (load/store assume contiguous rows)
            p_raw[j] = element_to_float(p_row[k])
            g_raw[j] = element_to_float(g_row[k])


def unit_key(raw, j, e):
    """Key ``e`` of a lane's unit ``j`` as the compute type."""
    if VEC == 1:
        return raw[j]
    if FORMAT == FLOAT32:
        return as_f32(raw[j * 4 + e])
    word = raw[j * 4 + e // 2]
    if FORMAT == FLOAT16:
        return f16x2_hi(word) if e % 2 else f16x2_lo(word)
    return bf16x2_hi(word) if e % 2 else bf16x2_lo(word)


def unit_inside(u, lo, hi):
    """True when every key of unit ``u`` is in ``[lo, hi)`` and no predicate
    applies: no per-key test needed."""
    return not HAS_MASK_FN and u * VEC >= lo and u * VEC + VEC <= hi


def key_kept(k, lo, span, b, h, pos):
    """True when key ``k`` of the row is kept (``span = hi - lo`` unsigned)."""
    return uint64(k - lo) < span and (not HAS_MASK_FN or MASK_FN(b, h, pos, k))


def dot_units(p_raw, g_raw, first, lo, hi, b, h, pos):
    """The lane's sum of p * g over the kept keys of its loaded units."""
    span = uint64(hi - lo)
    total = SUM(0)
    for j in range(CHUNK):
        u = first + j * LANES
        if unit_inside(u, lo, hi):
            for e in range(VEC):
                total += SUM(unit_key(p_raw, j, e)) * SUM(unit_key(g_raw, j, e))
        else:
            for e in range(VEC):
                if key_kept(u * VEC + e, lo, span, b, h, pos):
                    total += SUM(unit_key(p_raw, j, e)) * SUM(unit_key(g_raw, j, e))
    return total


def unit_out(p_raw, g_raw, j, e, inside, k, lo, span, b, h, pos, scale, s_hi, s_lo):
    """Output key ``e`` of unit ``j`` (key ``k`` of the row): the gradient, or 0."""
    if inside or key_kept(k, lo, span, b, h, pos):
        return gradient(unit_key(p_raw, j, e), unit_key(g_raw, j, e), scale, s_hi, s_lo)
    return COMPUTE(0)


def out_word(p_raw, g_raw, j, w, inside, k0, lo, span, b, h, pos, scale, s_hi, s_lo):
    """32-bit word ``w`` of unit ``j``'s output (keys from row key ``k0``)."""
    if FORMAT == FLOAT32:
        return as_u32(unit_out(p_raw, g_raw, j, w, inside, k0 + w, lo, span, b, h, pos,
                               scale, s_hi, s_lo))
    first = unit_out(p_raw, g_raw, j, 2 * w, inside, k0 + 2 * w, lo, span, b, h, pos, scale,
                     s_hi, s_lo)
    second = unit_out(p_raw, g_raw, j, 2 * w + 1, inside, k0 + 2 * w + 1, lo, span, b, h, pos,
                      scale, s_hi, s_lo)
    if FORMAT == FLOAT16:
        return pack_f16x2(first, second)
    return pack_bf16x2(first, second)


def store_unit_words(p_raw, g_raw, out_row, at, j, inside, k0, lo, span, b, h, pos, scale,
                     s_hi, s_lo):
    """One 16-byte store at key index ``at``: the output of a lane's unit ``j`` (row
    keys from ``k0``; ``inside``: all of them kept, no per-key test)."""
    store_v4(out_row, at,
             out_word(p_raw, g_raw, j, 0, inside, k0, lo, span, b, h, pos, scale, s_hi, s_lo),
             out_word(p_raw, g_raw, j, 1, inside, k0, lo, span, b, h, pos, scale, s_hi, s_lo),
             out_word(p_raw, g_raw, j, 2, inside, k0, lo, span, b, h, pos, scale, s_hi, s_lo),
             out_word(p_raw, g_raw, j, 3, inside, k0, lo, span, b, h, pos, scale, s_hi, s_lo))


def store_units(p_raw, g_raw, out_row, first, hi_unit, lo, hi, b, h, pos, scale, s_hi, s_lo):
    """Write a lane's CHUNK units of output; units past the kept ones are not
    written here."""
    span = uint64(hi - lo)
    for j in range(CHUNK):
        u = first + j * LANES
        if u < hi_unit:
            inside = unit_inside(u, lo, hi)
            k0 = u * VEC
            if VEC > 1:
                store_unit_words(p_raw, g_raw, out_row, unit_index(u), j, inside, k0, lo, span,
                                 b, h, pos, scale, s_hi, s_lo)
            else:
                out_row[k0] = float_to_element(
                    unit_out(p_raw, g_raw, j, 0, inside, k0, lo, span, b, h, pos, scale, s_hi,
                             s_lo))


def zero_unit(out_row, u):
    """Write unit ``u`` of the row as +0.0 keys."""
    if VEC > 1:
        zero = u32(0)
        store_v4(out_row, unit_index(u), zero, zero, zero, zero)
    else:
        out_row[u] = float_to_element(COMPUTE(0))


# --- the one-pass route (ONE_PASS) ------------------------------------------------------
#
# Rows of 16-byte units that one pass of the lanes covers (softmax.vec_launch plans
# it, as for the forward): lane ``t`` holds units ``t + j * LANES`` (j < CHUNK) of both
# rows; only units holding kept keys ([lo_u, hi_u)) are loaded, all issued before any
# is used; one reduction; every unit of the row written from registers. Grid
# (ceil(seq_len / ROWS), heads, batch) within the device's limits: no loop, nothing
# carried from row to row. Indices within a row are 32-bit.

def backward_row_one_pass(p_row, g_row, out_row, p_raw, g_raw, exchange, partial, slot, lane,
                          lo, hi, units, b, h, pos, scale):
    """One query row on the one-pass route (every lane of the block calls it: the
    reduction needs them all; an idle row has lo = hi = units = 0)."""
    lo32, hi32, lane32 = i32(lo), i32(hi), i32(lane)
    lo_u, hi_u = i32(udiv32(lo32, VEC)), i32(udiv32(add32(hi32, VEC - 1), VEC))
    span = uint64(hi - lo)
    for j in range(CHUNK):
        u = add32(lane32, j * LANES)
        if lo_u <= u and u < hi_u:
            at = u32(mul32(u, VEC))
            pw = load_v4(p_row, at)
            gw = load_v4(g_row, at)
            for i in range(4):
                p_raw[j * 4 + i] = pw[i]
                g_raw[j * 4 + i] = gw[i]
    total = SUM(0)
    for j in range(CHUNK):
        u = add32(lane32, j * LANES)
        if lo_u <= u and u < hi_u:
            inside = unit_inside(u, lo32, hi32)
            k0 = mul32(u, VEC)
            for e in range(VEC):
                if inside or key_kept(add32(k0, e), lo, span, b, h, pos):
                    total += SUM(unit_key(p_raw, j, e)) * SUM(unit_key(g_raw, j, e))
    # one reduction per row and no next row: no barrier after it
    total = row_reduce_alternating(exchange, partial, slot, lane, total, False)
    s_hi, s_lo = split_sum(total)
    for j in range(CHUNK):
        u = add32(lane32, j * LANES)
        if u < units:
            at = u32(mul32(u, VEC))
            if lo_u <= u and u < hi_u:
                store_unit_words(p_raw, g_raw, out_row, at, j, unit_inside(u, lo32, hi32),
                                 mul32(u, VEC), lo, span, b, h, pos, scale, s_hi, s_lo)
            else:
                store_v4(out_row, at, u32(0), u32(0), u32(0), u32(0))


def backward_rows_one_pass(probs, grad, out, p_raw, g_raw, exchange, partial, slot, lane, scale,
                           offset, window, kv_lens, q_offsets):
    """The GPU kernel's one-pass route: row ``blockIdx.x * ROWS + threadIdx.y`` of head
    ``blockIdx.y`` of sequence ``blockIdx.z``."""
    batch, heads, seq_len, cache_len = probs.shape
    b, h, q, active, pos, lo, hi = block_row(seq_len, cache_len, offset, window, kv_lens,
                                             q_offsets)
    at = (uint64(b), uint64(h), uint64(q))
    backward_row_one_pass(probs[at], grad[at], out[at], p_raw, g_raw, exchange, partial, slot,
                          lane, lo, hi, i32(cache_len // VEC) if active else i32(0), b, h, pos,
                          scale)


# --- the three kernels ------------------------------------------------------------------

def causal_softmax_backward_kernel(probs, grad, out, scale, offset, window, kv_lens, q_offsets):
    """GPU kernel. ``probs``, ``grad``, ``out``: [batch, heads, seq_len, cache_len]
    elements (uint16 bits, or float32/float64); ``scale``: the compute type.

    Launch: grid (ceil(seq_len / ROWS), heads, batch), block (LANES, ROWS): each
    block row computes one query row, its LANES lanes striding over the row's
    units (VEC keys each). Grid dimensions clipped to the device limit fold into
    the while loops, which are uniform over the block (a row past seq_len idles
    through the reduction).

    Only the units holding kept keys are read; every unit of the row is written
    once. A row of one tile (hi_unit - lo_unit <= CHUNK * LANES) is read once and
    written from registers; a longer row is read tile by tile for its sum and
    again to be written. ``out`` may be ``grad`` or ``probs``: each key is read
    and written by the same lane, read first.
    """
    if PDL:  # a programmatic dependent launch: the grids before it end first
        grid_dependency_wait()
    p_raw = gpu.local.array(SLOTS, RAW)
    g_raw = gpu.local.array(SLOTS, RAW)
    exchange = gpu.shared.array((ROWS, EXCHANGE_LANES), SUM)
    partial = gpu.shared.array((ROWS, PARTIALS), SUM)
    lane = int64(gpu.threadIdx.x)
    slot = int64(gpu.threadIdx.y)
    if ONE_PASS:
        backward_rows_one_pass(probs, grad, out, p_raw, g_raw, exchange, partial, slot, lane,
                               scale, offset, window, kv_lens, q_offsets)
        return
    batch, heads, seq_len, cache_len = probs.shape
    b = int64(gpu.blockIdx.z)
    while b < batch:
        row_offset = q_offsets[b] if USE_Q_OFFSETS else offset
        kv_len = kv_lens[b] if USE_KV_LENS else cache_len
        h = int64(gpu.blockIdx.y)
        while h < heads:
            first = int64(gpu.blockIdx.x) * ROWS
            while first < seq_len:
                q, active, pos, lo, hi = query_keys(first + slot, seq_len, row_offset, window,
                                                    kv_len, cache_len)
                units = cache_len // VEC if active else 0
                lo_unit, hi_unit = lo // VEC, (hi + VEC - 1) // VEC
                one_tile = hi_unit - lo_unit <= CHUNK * LANES
                p_row, g_row, out_row = probs[b, h, q], grad[b, h, q], out[b, h, q]
                # pass 1: every unit holding kept keys read once, p * g summed
                lane_total = SUM(0)
                tile = lo_unit
                while tile < hi_unit:
                    load_units(p_raw, g_raw, p_row, g_row, tile + lane, hi_unit)
                    lane_total += dot_units(p_raw, g_raw, tile + lane, lo, hi, b, h, pos)
                    tile += CHUNK * LANES
                total = row_reduce(exchange, partial, slot, lane, lane_total, False)
                s_hi, s_lo = split_sum(total)
                # pass 2: every unit of the row written once
                for u in range(lane, lo_unit, LANES):
                    zero_unit(out_row, u)
                tile = lo_unit
                while tile < hi_unit:
                    if not one_tile:
                        load_units(p_raw, g_raw, p_row, g_row, tile + lane, hi_unit)
                    store_units(p_raw, g_raw, out_row, tile + lane, hi_unit, lo, hi, b, h, pos,
                                scale, s_hi, s_lo)
                    tile += CHUNK * LANES
                for u in range(hi_unit + lane, units, LANES):
                    zero_unit(out_row, u)
                first += int64(gpu.gridDim.x) * ROWS
            h += int64(gpu.gridDim.y)
        b += int64(gpu.gridDim.z)


def causal_softmax_backward_cpu(probs, grad, out, scale, offset, window, kv_lens, q_offsets):
    """CPU kernel (``@njit(parallel=True)``): rows in parallel; per row one pass
    summing p * g over the kept keys, then one pass writing the row."""
    batch, heads, seq_len, cache_len = probs.shape
    zero = float_to_element(COMPUTE(0))
    for r in prange(batch * heads * seq_len):
        b, h, q, pos, lo, hi = host_row(r, heads, seq_len, cache_len, offset, window, kv_lens,
                                        q_offsets)
        p_row, g_row, out_row = probs[b, h, q], grad[b, h, q], out[b, h, q]
        if not HAS_MASK_FN:
            backward_row_host(p_row, g_row, out_row, lo, hi, scale, zero)
            continue
        total = SUM(0)
        for k in range(lo, hi):
            if not HAS_MASK_FN or MASK_FN(b, h, pos, k):
                total += SUM(element_to_float(p_row[k])) * SUM(element_to_float(g_row[k]))
        s_hi, s_lo = split_sum(total)
        out_row[:lo] = zero
        out_row[hi:] = zero
        for k in range(lo, hi):
            d = zero
            if not HAS_MASK_FN or MASK_FN(b, h, pos, k):
                d = float_to_element(gradient(element_to_float(p_row[k]),
                                              element_to_float(g_row[k]), scale, s_hi, s_lo))
            out_row[k] = d


def backward_row_host(p_row, g_row, out_row, lo, hi, scale, zero):
    """One row of causal_softmax_backward_cpu without a predicate (keys ``[lo, hi)``
    kept): the sum of p * g in four running sums of the sum type, then the writes.
    Unsigned indices: no negative-index wrap, so the write loop vectorises (no
    fast-math flag: split_sum's two halves must stay as written)."""
    first, end = np.uint64(lo), np.uint64(hi)
    four = np.uint64(4)
    whole = first + (end - first) // four * four
    t0 = t1 = t2 = t3 = SUM(0)
    for k in range(first, whole, four):
        t0 += SUM(to_compute(p_row[k], FORMAT)) * SUM(to_compute(g_row[k], FORMAT))
        k1, k2, k3 = k + np.uint64(1), k + np.uint64(2), k + np.uint64(3)
        t1 += SUM(to_compute(p_row[k1], FORMAT)) * SUM(to_compute(g_row[k1], FORMAT))
        t2 += SUM(to_compute(p_row[k2], FORMAT)) * SUM(to_compute(g_row[k2], FORMAT))
        t3 += SUM(to_compute(p_row[k3], FORMAT)) * SUM(to_compute(g_row[k3], FORMAT))
    for k in range(whole, end):
        t0 += SUM(to_compute(p_row[k], FORMAT)) * SUM(to_compute(g_row[k], FORMAT))
    s_hi, s_lo = split_sum((t0 + t1) + (t2 + t3))
    out_row[:lo] = zero
    out_row[hi:] = zero
    for k in range(first, end):
        out_row[k] = float_to_element(gradient(to_compute(p_row[k], FORMAT),
                                               to_compute(g_row[k], FORMAT), scale, s_hi,
                                               s_lo))


def causal_softmax_backward_definition(probs, grad, out, scale, offset, window, kv_lens,
                                       q_offsets):
    """The reference: every element of every row, one at a time, in float64; a
    sum pass and a write pass, rounded once to the output dtype."""
    batch, heads, seq_len, cache_len = probs.shape
    for b in range(batch):
        for h in range(heads):
            for q in range(seq_len):
                pos = q + (q_offsets[b] if USE_Q_OFFSETS else offset)
                lo, hi = kept_keys(pos, window, kv_lens[b] if USE_KV_LENS else cache_len,
                                   cache_len)
                total = 0.0
                for k in range(cache_len):
                    if lo <= k < hi and (not HAS_MASK_FN or MASK_FN(b, h, pos, k)):
                        total += (np.float64(element_to_float(probs[b, h, q, k]))
                                  * np.float64(element_to_float(grad[b, h, q, k])))
                for k in range(cache_len):
                    d = 0.0
                    if lo <= k < hi and (not HAS_MASK_FN or MASK_FN(b, h, pos, k)):
                        p = np.float64(element_to_float(probs[b, h, q, k]))
                        d = np.float64(scale) * p * (
                            np.float64(element_to_float(grad[b, h, q, k])) - total)
                    out[b, h, q, k] = float_to_element(d)


# --- launcher --------------------------------------------------------------------------

#: launch shape per GPU backend: (most lanes per row = threads per block aimed at,
#: keys per lane aimed at, most keys per lane held in registers per operand on the
#: vector route; half as many on the element route, which also serves float64).
#: Lanes per row follow the longest row (power of two, at least a warp on a GPU):
#: 2048 keys -> 128 lanes x 2 rows, 8192 -> 256 x 1 (docs/data/softmax-lab-2026-12-02).
#: hip holds 16 keys: with 32, gfx942 spilled to scratch (tools/amd/run_ci.sh);
#: its 8192-key rows are read twice. The simulator runs a Python thread per
#: lane: keep it small.
LAUNCH = {"cuda": (256, 16, 32), "hip": (256, 16, 16), "sim": (8, 4, 8)}
#: take the 16-byte vector route where the layout allows it (else element by element)
VECTOR_ROUTE = True


def launch_constants(backend_name: str, warp: int, lanes: int, rows: int, vec: int,
                     chunk: int, dtype_name: str) -> dict:
    """The kernel's launch-shape constants, checked: ``vec`` keys per unit (1:
    elements), ``chunk`` units per lane in registers."""
    if lanes < 1 or lanes & (lanes - 1):
        raise ValueError(f"lanes per row must be a power of two; got {lanes}")
    if backend_name != "sim" and (lanes * rows) % warp:
        raise ValueError(f"lanes x rows per block must fill whole warps of {warp}; "
                         f"got {lanes} x {rows}")
    span = min(lanes, warp)
    return dict(LANES=lanes, ROWS=rows, WARP=warp, SPAN=span, CHUNK=chunk, VEC=vec,
                SLOTS=chunk * 4 if vec > 1 else chunk,
                RAW=uint32 if vec > 1 else FORMATS[dtype_name][1],
                EXCHANGE_LANES=lanes if backend_name == "sim" else 1,
                PARTIALS=max(lanes // span, 1), ONE_PASS=False)


def plan_shape(backend_name: str, warp: int, vec: int, cache_len: int, window: int) -> tuple:
    """(lanes, rows, chunk) for rows of at most ``cache_len`` keys (``window`` may
    shorten the longest): lanes so that a lane holds about the aimed keys,
    CHUNK units per lane a power of two of at most the register budget."""
    most_lanes, aimed, most_keys = LAUNCH.get(backend_name, (256, 16, 32))
    most_keys = most_keys if vec > 1 else max(most_keys // 2, 1)
    least = 1 if backend_name == "sim" else warp
    longest = min(cache_len, window) if window > 0 else cache_len
    units = min(-(-cache_len // vec), -(-int(longest) // vec) + (vec > 1))  # straddling: +1
    wanted = -(-units * vec // aimed)
    lanes = min(max(1 << max(wanted - 1, 0).bit_length(), least), most_lanes)
    rows = max(most_lanes // lanes, 1)
    per_lane = -(-units // lanes)
    chunk = 1 << max(per_lane - 1, 0).bit_length()
    chunk = max(min(chunk, most_keys // vec), 1)
    return lanes, rows, chunk


def vector_width(views, dtype_name: str, cache_len: int) -> int:
    """Keys per 16-byte unit when every (pointer, strides, shape) in ``views``
    has contiguous rows starting on 16-byte boundaries and cache_len is a
    multiple of it; else 1 (element by element)."""
    itemsize = dtypes.SUPPORTED[dtype_name][0]
    if not VECTOR_ROUTE or itemsize not in (2, 4):
        return 1
    vec = 16 // itemsize
    if cache_len % vec or cache_len >= 2**31:
        return 1
    for ptr, strides, shape in views:
        if strides[3] != itemsize or ptr % 16 or any(
                st % 16 for st, n in zip(strides[:3], shape[:3]) if n > 1):
            return 1
    return vec


def _layout(s, backend):
    """(pointer, strides, shape) of ``s`` where ``backend``'s kernel reads it: a
    host array on a GPU backend is copied to a fresh contiguous device array."""
    if s.on_device:
        return s.cai["data"][0], s.strides, s.shape
    if backend.on_device:
        strides, acc = [], s.host.itemsize
        for n in reversed(s.shape):
            strides.insert(0, acc)
            acc *= n
        return 0, tuple(strides), s.shape
    return s.host.ctypes.data, s.strides, s.shape


#: the one-pass route: keys per lane wanted (by keys per unit) and at most (two
#: operands in registers). Kernel alone on the H200, 2026-12-02 (docs/benchmarks.md,
#: sweep): [4,32,2048,2048] float32 128 x 1 (16 keys: 1.066 ms; 32 keys, 64 x 2: 1.121),
#: float16 64 x 2 (32 keys: 0.532 ms; 16 keys, 128 x 1: 0.604); 8192 keys 256 x 1
ONE_PASS_KEYS = {4: 16, 8: 32}
ONE_PASS_MOST_KEYS = 32
#: AMD (unmeasured): 16 keys per lane, as the tiled route (32 spilled on gfx942)
ONE_PASS_MOST_KEYS_HIP = 16


def one_pass_plan(backend, vec: int, shape) -> tuple:
    """(lanes, rows, chunk) of the one-pass route for rows of ``shape``
    ([batch, heads, seq_len, cache_len]) on ``backend``, or None: 16-byte units,
    softmax.vec_launch's shape with at most ONE_PASS_MOST_KEYS keys per lane (the
    simulator: one warp), a grid within the device's limits."""
    if vec <= 1:
        return None
    batch, heads, seq_len, cache_len = shape
    if spelling(backend) == "sim":
        plan = vec_launch(32, vec, cache_len, ONE_PASS_MOST_KEYS // 4, 32, ONE_PASS_KEYS)
    else:
        most = ONE_PASS_MOST_KEYS_HIP if spelling(backend) == "hip" else ONE_PASS_MOST_KEYS
        plan = vec_launch(backend.warp, vec, cache_len, most, keys=ONE_PASS_KEYS)
    if plan is None:
        return None
    return plan if kc.grid_fits(backend, -(-seq_len // plan[1]), heads, batch) else None


def plan_constants(backend, dtype_name: str, vec: int, cache_len: int, opts,
                   one_pass: tuple = None) -> dict:
    """Every compile-time constant of a GPU launch on ``backend`` (``one_pass``: the
    one-pass route's (lanes, rows, chunk))."""
    if one_pass:
        lanes, rows, chunk = one_pass
    else:
        lanes, rows, chunk = plan_shape(backend.name, backend.warp, vec, cache_len, opts.window)
    constants = launch_constants(backend.name, backend.warp, lanes, rows, vec, chunk, dtype_name)
    constants["ONE_PASS"] = bool(one_pass)
    return dict(**constants, ELEMENT=_element_type(dtype_name), **format_constants(dtype_name),
                **opts.constants())


def _element_type(dtype_name: str) -> str:
    """The numba type of an element argument: 16-bit bits, or the float itself."""
    return "uint16" if dtypes.SUPPORTED[dtype_name][0] == 2 else dtype_name


def _aot_variants(warp: int):
    """The variants the launcher produces for a target of ``warp`` lanes: each dtype
    on its vector route (where it has one) at the launch shapes of 2048- and
    8192-key rows, its element route and a one-unit tile; then each mask option
    (float32, 2048 keys)."""
    for name in FORMATS:
        itemsize = dtypes.SUPPORTED[name][0]
        routes = [(16 // itemsize, 2048, ""), (16 // itemsize, 8192, "_8192")] \
            if itemsize in (2, 4) else []
        routes += [(1, 2048, "_elements"), (1, 64, "_chunk1")]
        for vec, cache_len, suffix in routes:
            lanes, rows, chunk = plan_shape("hip", warp, vec, cache_len, 0)
            yield (f"causal_softmax_backward_{name}{suffix}",
                   dict(ELEMENT=_element_type(name),
                        **launch_constants("hip", warp, lanes, rows, vec, chunk, name),
                        **format_constants(name), **PLAIN.constants()))
    for name in ("float32", "float16", "bfloat16"):  # the one-pass route
        vec = 16 // dtypes.SUPPORTED[name][0]
        for cache_len in (2048, 8192):
            lanes, rows, chunk = vec_launch(warp, vec, cache_len, ONE_PASS_MOST_KEYS_HIP,
                                            keys=ONE_PASS_KEYS)
            constants = launch_constants("hip", warp, lanes, rows, vec, chunk, name)
            constants["ONE_PASS"] = True
            yield (f"causal_softmax_backward_{name}_one_pass{cache_len}",
                   dict(ELEMENT=_element_type(name), **constants, **format_constants(name),
                        **PLAIN.constants()))
    lanes, rows, chunk = plan_shape("hip", warp, 4, 2048, 0)
    base = dict(ELEMENT="float32", **launch_constants("hip", warp, lanes, rows, 4, chunk,
                                                      "float32"),
                **format_constants("float32"))
    for suffix, changes in (("_kv_lens", dict(USE_KV_LENS=True)),
                            ("_q_offsets", dict(USE_Q_OFFSETS=True)),
                            ("_not_causal", dict(CAUSAL=False)),
                            ("_mask_fn", dict(HAS_MASK_FN=True, MASK_FN=_odd_keys))):
        yield (f"causal_softmax_backward_float32{suffix}",
               dict(base, **dict(PLAIN.constants(), **changes)))


def _odd_keys(b, h, q_pos, k):
    """A stand-in predicate for the ahead-of-time catalog: keep odd keys."""
    return k % 2 == 1


def _distinct(p, g, o, in_place_p, in_place_g):
    """The operands to hand op.operands ((Scores, written), ...) and the index of
    probs, grad and out among them (out shares the view of the array it is)."""
    if in_place_p and in_place_g:
        return ((g, True),), (0, 0, 0)
    if in_place_g:
        return ((p, False), (g, True)), (0, 1, 1)
    if in_place_p:
        return ((p, True), (g, False)), (0, 1, 0)
    return ((p, False), (g, False), (o, True)), (0, 1, 2)


def _backward(chosen, p, g, o, in_place_p, in_place_g, scale, opts, fast_key=None,
              live_kv_lens=None, host_key=None, live_q_offsets=None) -> None:
    """Run the backward of validated ``p``, ``g`` into ``o`` on backend ``chosen`` (a
    ``fast_key``, cuda: keep the launch for fastpath's replay; ``live_kv_lens``,
    ``live_q_offsets``: int64 CUDA vectors of the same values, read in place; a
    ``host_key``, cpu: keep the call for the host fast path)."""
    operands, (ip, ig, io) = _distinct(p, g, o, in_place_p, in_place_g)
    with op.operands(chosen, *operands, mask_fn=opts.mask_fn) as (views, stream):
        pv, gv, ov = (float_view(views[i].bits, p.dtype) for i in (ip, ig, io))
        scale = compute_dtype(p.dtype).type(scale)
        if not chosen.is_gpu_kernel:
            kv_lens, q_offsets = opts.per_sequence()
            op.run_host(CAUSAL_SOFTMAX_BACKWARD, chosen, kc.host_kind(p.size),
                        dict(format_constants(p.dtype), **opts.constants()),
                        (pv, gv, ov, scale, opts.offset, opts.window, kv_lens, q_offsets),
                        host_key, 3)
            return
        vec = vector_width([_layout(s, chosen) for s in (p, g, o)], p.dtype, p.shape[3])
        constants = plan_constants(chosen, p.dtype, vec, p.shape[3], opts,
                                   one_pass_plan(chosen, vec, p.shape))
        kv_lens, q_offsets = op.per_sequence_on(chosen, opts, stream, live_kv_lens,
                                                live_q_offsets)
        batch, heads, seq_len, _ = p.shape
        rows, lanes = constants["ROWS"], constants["LANES"]
        # one block row per query row, ROWS rows per block; heads and batch ride y and z
        grid = kc.fold_grid(chosen, -(-seq_len // rows), heads, batch)
        args = dict(probs=pv, grad=gv, out=ov, scale=scale, offset=np.int64(opts.offset),
                    window=np.int64(opts.window), kv_lens=kv_lens, q_offsets=q_offsets)
        op.launch(CAUSAL_SOFTMAX_BACKWARD, chosen,
                  op.Launch.of(constants, grid, (lanes, rows), args), stream, fast_key)


def _inspect_pair(probs, grad, out):
    """Validate probs and grad (same dtype, shape and kind of memory)."""
    p = inspect_scores(probs, writable=out is probs, name="probs")
    g = inspect_scores(grad, writable=out is grad, name="grad")
    check_like(p, g, "probs", "grad")
    return p, g


def _check_outputs(p, g, o) -> tuple:
    """(out is probs, out is grad), refusing any other overlap (and, when out is
    one of them, a partial overlap of the two inputs)."""
    in_place_g = check_out(g, o, "grad")
    in_place_p = check_out(p, o, "probs")
    return in_place_p, in_place_g


def causal_softmax_backward(probs, grad, *, scale=1.0, offset=None, window=None, kv_lens=None,
                            q_offsets=None, mask_fn=None, causal=True, out=None,
                            backend="auto"):
    """The gradient of ``causal_softmax(scores, scale=scale, <mask options>)`` with
    respect to ``scores``: ``scale * probs * (grad - rowsum(grad * probs))`` on
    the kept keys, exactly 0 on the masked keys and on rows with none kept.

    ``probs``: causal_softmax's output; ``grad``: the gradient with respect to
    it; both [batch, heads, seq_len, cache_len] or [seq_len, cache_len], of one
    dtype (float16, bfloat16, float32, float64), NumPy arrays, torch tensors or
    objects with ``__cuda_array_interface__`` (computed on the GPU, zero-copy).
    The mask options are causal_softmax's. ``out``: None (a new array like
    ``grad``), ``grad`` or ``probs`` (in place) or an array of the same shape and
    dtype overlapping neither. Returns ``out``. ``backend``: 'auto', 'hip',
    'cuda', 'sim' or 'cpu'. Bad input raises before anything is written.

    On the CPU, a call on NumPy arrays of the layouts and options of an earlier one
    (no predicate; kv_lens and q_offsets validated anew; ``out`` None or apart from both
    inputs for sure) repeats that call's kernel on the new arrays without validating
    them anew (fastpath.host_key).
    """
    fast_key = live_kv_lens = live_q_offsets = host_key = None
    if type(probs) is np.ndarray and mask_fn is None:
        host_key = _host_key(probs, grad, out, backend, scale, offset, window, causal,
                             kv_lens is not None, q_offsets is not None)
        replay = fastpath.host_replay(host_key)
        if replay is not None:  # the same call as before: validated then, see fastpath.py
            # this call's values, checked
            given = fastpath.per_sequence_given(kv_lens, q_offsets, probs)
            if out is None:
                out = np.empty(grad.shape, grad.dtype)
            replay(probs, grad, out, **given)
            return out
    if type(probs) is not np.ndarray and mask_fn is None:
        live_kv_lens, live_q_offsets, on_gpu = fastpath.per_sequence_on_gpu(
            kv_lens, q_offsets, probs)
        base = None if not on_gpu \
            else fastpath.call_key(probs, backend, offset, window, scale, causal)
        if base is not None:
            # torch CUDA tensors: a repeated call is one replayed launch (fastpath.py); a
            # new output is made here, as the full path would make it, to key on it.
            # kv_lens and q_offsets replay as int64 CUDA tensors, read at each launch
            if out is None:
                out = fastpath.new_output(grad)
            fast_key = fastpath.tensors_key("softmax_backward", base, probs, grad, out,
                                            kv_lens=live_kv_lens, q_offsets=live_q_offsets)
            if fastpath.replayed(fast_key):
                return out
    p, g = _inspect_pair(probs, grad, out)
    chosen = get_backend(backend)
    opts = mask_options(p.shape, offset=offset, window=window, kv_lens=kv_lens,
                        q_offsets=q_offsets, mask_fn=mask_fn, causal=causal)
    scale = check_scale(scale, p.dtype)
    o = None if out is None else inspect_scores(out, name="out")
    in_place_p, in_place_g = (False, False) if o is None else _check_outputs(p, g, o)
    if out is None:
        out = empty_like(grad, g, chosen)
        o = inspect_scores(out, name="out")
    if p.size:
        cuda = chosen.name == "cuda"
        _backward(chosen, p, g, o, in_place_p, in_place_g, scale, opts,
                  fast_key if cuda else None, live_kv_lens if cuda else None,
                  host_key if chosen.name == "cpu" else None,
                  live_q_offsets if cuda else None)
    return out


def _host_key(probs, grad, out, backend, scale, offset, window, causal, has_kv_lens=False,
              has_q_offsets=False):
    """The host fast path's key (fastpath.host_key) of a call on NumPy ``probs``: both
    inputs' layouts, a new ``out`` or one apart from both for sure (else no key:
    in place or maybe overlapping, the full path decides), the options' exact values
    and whether kv_lens and q_offsets are given (their values checked per call)."""
    if type(grad) is not np.ndarray or out is probs or out is grad:
        return None
    target = "new" if out is None else fastpath.apart_out_key(out, (probs, grad))
    return fastpath.host_key("softmax_backward", backend, (
        fastpath.array_key(probs, False), fastpath.array_key(grad, False), target), (
        fastpath.exact(scale), fastpath.exact(offset), fastpath.exact(window),
        fastpath.exact(causal), has_kv_lens, has_q_offsets))


def causal_softmax_backward_reference(probs, grad, *, scale=1.0, offset=None, window=None,
                                      kv_lens=None, q_offsets=None, mask_fn=None, causal=True,
                                      out=None):
    """The plain ``@njit`` CPU reference (float64, element by element): same
    semantics as ``causal_softmax_backward``, on host arrays. Returns ``out``."""
    p, g = _inspect_pair(probs, grad, out)
    if p.on_device:
        raise TypeError("causal_softmax_backward_reference works on host arrays; copy "
                        "probs and grad to the host")
    opts = mask_options(p.shape, offset=offset, window=window, kv_lens=kv_lens,
                        q_offsets=q_offsets, mask_fn=mask_fn, causal=causal)
    scale = check_scale(scale)
    if out is None:
        out = empty_like(grad, g, None)
    o = inspect_scores(out, name="out")
    _check_outputs(p, g, o)
    if p.size:
        kv_lens, q_offsets = opts.per_sequence()
        op.run_host(CAUSAL_SOFTMAX_BACKWARD, get_backend("cpu"), "reference",
                    dict(format_constants(p.dtype), **opts.constants()),
                    (float_view(p.host, p.dtype), float_view(g.host, p.dtype),
                     float_view(o.host, p.dtype), np.float64(scale), opts.offset,
                     opts.window, kv_lens, q_offsets))
    return out


# --- benchmark (numba-causal bench --ops softmax_backward) -------------------------------

#: the benchmark's scale: 1/sqrt(head_dim) for head_dim 128
BENCH_SCALE = 128 ** -0.5
#: accuracy bar checked before timing, max over rows of |ours - float64| / the row's
#: largest |float64|: 1e-6 for float32, one unit of the stored dtype for 16-bit
TOLERANCE = {"float32": 1e-6, "float64": 1e-12, "float16": 2.0**-10, "bfloat16": 2.0**-7}


def _row_error(got, want) -> float:
    """max over rows of |got - want| / the row's largest |want| (NumPy arrays or
    torch tensors of float64). A row whose gradient is all zeros (the first
    causal row: one key, p = 1) counts its largest |got| against 1e-300: any
    nonzero output there fails."""
    diff = abs(got - want)
    if hasattr(diff, "amax"):
        return float((diff.amax(-1) / abs(want).amax(-1).clamp_min(1e-300)).max())
    return float((diff.max(-1) / np.maximum(np.abs(want).max(-1), 1e-300)).max())


def bench_causal_softmax_backward(ctx, shape, dtype):
    """One benchmark row: accuracy against float64 first, then time and peers.
    Floor: the kept lower triangle of probs and grad read once and the whole
    output written once, at the copy bandwidth of the run. Peers (GPU): torch
    eager ``scale * torch._softmax_backward_data`` and torch.compile of the
    formula (float32 math); (CPU): the NumPy formula."""
    from .benchkit import ITEMSIZE, masked_count

    total = int(np.prod(shape))
    item = ITEMSIZE[dtype]
    nbytes = 2 * (total - masked_count(shape)) * item + total * item
    if ctx.on_gpu:
        ms, peer_ms, err = _bench_gpu(ctx, shape, dtype)
    else:
        ms, peer_ms, err = _bench_cpu(ctx, shape, dtype)
    return ctx.row("softmax_backward", shape, dtype, ms, nbytes, ctx.copy_gbps(), peer_ms, err)


def _bench_gpu(ctx, shape, dtype):
    import torch

    from .benchkit import gpu_case

    timer, name = ctx.timer, ctx.backend.name
    x, where = gpu_case(shape, dtype)
    p = torch.softmax((BENCH_SCALE * x.float()).masked_fill(where, float("-inf")), -1).to(x.dtype)
    g = torch.randn_like(x)
    del x
    out = torch.full_like(g, float("nan"))
    causal_softmax_backward(p, g, scale=BENCH_SCALE, out=out, backend=name)
    p64 = p.double()
    want = g.double().mul_(p64)
    s = want.sum(-1, keepdim=True)
    want = g.double().sub_(s).mul_(p64).mul_(BENCH_SCALE)
    del p64, s
    err = _row_error(out.double(), want)
    del want
    if not err <= TOLERANCE[dtype]:
        raise AssertionError(f"causal_softmax_backward error {err:.2e} on {shape} {dtype}")
    ms = timer(lambda: causal_softmax_backward(p, g, scale=BENCH_SCALE, out=out, backend=name))
    peer_ms = {}
    if ctx.peers:
        peer_ms["torch eager"] = timer(
            lambda: BENCH_SCALE * torch._softmax_backward_data(g, p, -1, p.dtype))

        def formula(pp, gg):
            pf, gf = pp.float(), gg.float()
            return (BENCH_SCALE * pf * (gf - (gf * pf).sum(-1, keepdim=True))).to(pp.dtype)

        if ctx.use_compile:
            compiled = torch.compile(formula, dynamic=False)
            peer_ms["torch.compile"] = timer(lambda: compiled(p, g))
    return ms, peer_ms, err


def _bench_cpu(ctx, shape, dtype):
    from .dtypes import host_dtype

    rng = np.random.default_rng()
    seq_len, cache_len = shape[-2:]
    where = np.triu(np.ones((seq_len, cache_len), bool), k=cache_len - seq_len + 1)
    z = np.where(where, -np.inf, BENCH_SCALE * rng.standard_normal(shape))
    e = np.exp(z - z.max(-1, keepdims=True))
    p = (e / e.sum(-1, keepdims=True)).astype(host_dtype(dtype))
    g = rng.standard_normal(shape, dtype=np.float32).astype(host_dtype(dtype))
    out = np.full_like(g, np.nan)
    causal_softmax_backward(p, g, scale=BENCH_SCALE, out=out, backend=ctx.backend)
    p64, g64 = p.astype(np.float64), g.astype(np.float64)
    want = BENCH_SCALE * p64 * (g64 - (p64 * g64).sum(-1, keepdims=True))
    err = _row_error(out.astype(np.float64), want)
    if not err <= TOLERANCE[dtype]:
        raise AssertionError(f"causal_softmax_backward error {err:.2e} on {shape} {dtype}")
    ms = ctx.timer(lambda: causal_softmax_backward(p, g, scale=BENCH_SCALE, out=out,
                                                   backend=ctx.backend))

    def numpy_formula():
        pf, gf = p.astype(np.float32), g.astype(np.float32)
        return (BENCH_SCALE * pf * (gf - (pf * gf).sum(-1, keepdims=True))).astype(p.dtype)

    peer_ms = {"numpy formula": ctx.timer(numpy_formula)} if ctx.peers else {}
    return ms, peer_ms, err


CAUSAL_SOFTMAX_BACKWARD = op.register(op.Family(
    name="causal_softmax_backward",
    dependent_launch=True,
    gpu_kernel=causal_softmax_backward_kernel, cpu_kernel=causal_softmax_backward_cpu,
    reference=causal_softmax_backward_definition,
    helpers=HELPERS, cpu_helpers=(backward_row_host,),
    gpu_helpers=(reductions.row_reduce, reductions.row_reduce_alternating, unit_index,
                 load_units, unit_key, unit_inside, key_kept, dot_units, unit_out, out_word,
                 store_unit_words, store_units, zero_unit, backward_row_one_pass, query_keys,
                 block_row, backward_rows_one_pass),
    args=(op.array("probs", "ELEMENT", 4), op.array("grad", "ELEMENT", 4),
          op.array("out", "ELEMENT", 4), op.scalar("scale", "COMPUTE"),
          op.scalar("offset", "int64"), op.scalar("window", "int64"),
          op.array("kv_lens", "int64", 1), op.array("q_offsets", "int64", 1)),
    aot_variants=_aot_variants,
    bench=bench_causal_softmax_backward, bench_label="softmax_backward",
    bench_shapes={"gpu": [((4, 32, 2048, 2048), ("float32", "float16", "bfloat16")),
                          ((1, 8, 8192, 8192), ("float32", "float16", "bfloat16"))],
                  "cpu": [((1, 4, 1024, 1024), ("float32", "float16"))],
                  "quick": [((1, 4, 256, 256), ("float32",))]},
    bench_check=lambda shape, dtype, backend_name: benchkit.rows_fit(shape),
))
