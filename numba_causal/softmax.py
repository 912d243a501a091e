"""Causal softmax: the mask fused into softmax over the keys, in one kernel.

``causal_softmax(scores)`` returns ``softmax(scale * scores)`` over the key axis,
every key the mask drops counting as -inf. The mask is apply_causal_mask's (see
mask.py's docstring: offset, window, kv_lens, q_offsets, mask_fn, causal); a
row's kept keys ``[lo, hi)`` come from the same ``kept_keys``.

What is read and written: each row reads only the memory holding its kept keys
(on the GPU, the 16-byte chunks or 8-byte words that hold them: one at either end
of the kept range may also hold a masked key, whose value is never used; whatever
a masked key holds, NaN included, never reaches the result) and writes the whole row:
exact +0.0 for the masked keys, probabilities for the kept ones. ``out`` may be
``scores`` itself (in place), a separate array of the same shape and dtype, or
None (a new array like ``scores``).

Numerics. float16 and bfloat16 scores are decoded to float32 and their rows
computed and summed in float32; float32 rows compute in float32 and sum in
float64; float64 rows compute and sum in float64. ``exp(scale * x - max)`` is
evaluated as ``exp(|scale| * (u - max u))`` with ``u = x`` or ``-x``: the
exponent's rounding error grows with its size, but exp shrinks the probability
faster, so relative to the row's largest probability it stays below 2**-23.
On the GPU's 16-byte path (float32, float16, bfloat16) it is
``exp2((u - max u) * |scale| * log2(e))`` (orientation: the sign bits flipped on
load, which is exact), one hardware ``ex2.approx`` on NVIDIA (2 ulp), and float32
rows sum each 16-byte chunk in float32 (4 keys) and the chunk sums in float64.
Measured against float64 (tests/test_softmax.py), the error is below 1e-6
(float32) or 1e-3 (float16, bfloat16) of the row's largest probability, plus
half an ulp of the output dtype (its own rounding). Special values:

* a scaled score of -inf counts as masked: a row with no kept key, or only
  -inf ones, is all zeros (not NaN);
* a NaN or +inf scaled score among a row's kept keys makes every kept output of
  that row NaN (inf - inf, as in any softmax); its masked outputs stay 0.

Kernels, side by side as in mask.py:

* GPU (hip, cuda, sim): block (LANES, ROWS), a block row of LANES lanes per
  query row, grid (ceil(seq_len / ROWS), heads, batch). The 16-byte path
  (softmax_rows_vec, softmax_row_vec): float32/16-bit rows, contiguous, on
  16-byte boundaries, cache_len a multiple of the chunk, and one pass of at most
  1024 lanes of 32 keys covering the row (vec_launch: 32 keys per lane, blocks of
  128 threads, measured on the H200); no grid-stride loop (the grid must fit the
  device's limits). A lane holds chunks ``lane + j * LANES``; only chunks holding
  kept keys are loaded, every load issued before any is decoded (hardware 16-bit
  conversions, 32-bit in-row indices); row max and row sum are one reduction
  each (one barrier each); the whole row is written from registers. A NaN row is
  read again and written as the definition has it. Every other row (unaligned,
  strided, float64, longer, or a folded grid) goes as 8-byte words where aligned,
  else element by element, grid-stride loops folded by compile.fold_grid: a lane
  takes its words in tiles of CHUNK words kept in registers. A row of one tile
  is read once: lane max, row max (warp shuffles: reductions.row_reduce and
  primitives.lane_xor), one exp per key and a lane sum, row sum, then the row is
  written from registers. A longer row folds its tiles into an online (max, sum)
  per lane and is read again to be written.
* CPU (``@njit(parallel=True)``): rows in parallel; per row the online (max,
  sum) pass over the kept keys, then one pass writing the row.
* reference (``@njit``): element by element: a max pass, a sum pass, and an
  exact division; no lanes, no tiles, no online rescaling.

Element formats, 16-bit conversions and word packing are elements.py's; the
row reductions and the online (max, sum) fold are reductions.py's.
"""

from __future__ import annotations

import math

import numpy as np
from numba import int64, prange, uint32, uint64

from . import compile as kc
from . import benchkit, dtypes, elements, fastpath, op, reductions
from .arrays import cai_strides, check_out, empty_like, inspect_scores, no_words
from .backends import get_backend, spelling
from .compile import GPU, compile_time
from .elements import (FLOAT16, FLOAT32, FLOAT64, FORMATS, compute_dtype, float_view,
                       format_constants)
from .mask import block_row, host_row, kept_keys, query_keys
from .options import PLAIN, check_scale, mask_options
from .panels import to_compute

gpu = GPU
#: a programmatic dependent launch (op.Family.dependent_launch): the kernel waits on
#: entry for the grids before it (cuda, sm_90: op.dependent_launches)
PDL, grid_dependency_wait = compile_time("PDL", "grid_dependency_wait")
#: compile-time constants (launch_constants, elements.format_constants and
#: options.MaskOptions.constants set them per variant): lanes per row, rows per
#: block, lanes per row within a warp (SPAN), shared exchange width, partial
#: sums per row, words per lane in a tile (CHUNK) and its slots in keys
LANES, ROWS, SPAN, EXCHANGE_LANES, PARTIALS, CHUNK, CHUNK_SLOTS, WORD = compile_time(
    "LANES", "ROWS", "SPAN", "EXCHANGE_LANES", "PARTIALS", "CHUNK", "CHUNK_SLOTS", "WORD")
COMPUTE, SUM, FORMAT = compile_time("COMPUTE", "SUM", "FORMAT")
HAS_MASK_FN, MASK_FN, USE_KV_LENS, USE_Q_OFFSETS = compile_time(
    "HAS_MASK_FN", "MASK_FN", "USE_KV_LENS", "USE_Q_OFFSETS")
# device helpers the kernels call, bound per variant (elements.py, reductions.py)
(key_bits, empty_word, with_key, word_key, element_to_float, float_to_element, nan_max,
 rescaled, online_add, row_reduce, pow2_host) = compile_time(
    "key_bits", "empty_word", "with_key", "word_key", "element_to_float", "float_to_element",
    "nan_max", "rescaled", "online_add", "row_reduce", "pow2_host")
row_reduce_alternating = compile_time("row_reduce_alternating")
# device primitives (intrinsics.py), bound into every GPU kernel by op.Family
(load_v4, store_v4, as_f32, f16x2_lo, f16x2_hi, bf16x2_lo, bf16x2_hi, pack_f16x2, pack_bf16x2,
 exp2f, i32, u32, add32, mul32, udiv32) = compile_time(
    "load_v4", "store_v4", "as_f32", "f16x2_lo", "f16x2_hi", "bf16x2_lo", "bf16x2_hi",
    "pack_f16x2", "pack_bf16x2", "exp2f", "i32", "u32", "add32", "mul32", "udiv32")
#: the 16-byte path (VEC > 0: keys per 16-byte chunk, float32 compute; 0: words or
#: elements), a lane's chunks in uint32 words (RAW = 4 * CHUNK), the exp's floor on
#: the folded scale (TINY_SCALE: a scale of 0 must still send -inf to 0, not NaN), a
#: word of -inf keys (NEG_WORD) and a word's sign bits (SIGN_WORD)
VEC, RAW, TINY_SCALE, NEG_WORD, SIGN_WORD = compile_time(
    "VEC", "RAW", "TINY_SCALE", "NEG_WORD", "SIGN_WORD")
NEG_INF = -math.inf
LOG2E = 1.0 / math.log(2.0)


def probability_bits(p, inverse):
    """The output bits of a key whose exp is ``p`` (-1: a masked key, exactly 0)."""
    return key_bits(COMPUTE(0) if p < 0 else p * inverse)


#: device helpers of every softmax kernel (the GPU kernel adds its tiles and reductions)
HELPERS = (kept_keys, host_row) + elements.HELPERS + reductions.HELPERS + (probability_bits,)


# --- the three kernels ------------------------------------------------------------------

def load_tile(values, row, first, hi_word, lo, span, b, h, pos, direction):
    """Load a lane's CHUNK words ``first, first + LANES, ...`` of a row into
    ``values`` as oriented scores (-inf for every masked key, and for words past
    the kept ones); returns their max. Every load is issued unconditionally (an
    index past the kept words is clamped to the last kept word), so the CHUNK
    loads are in flight together."""
    tile_max = COMPUTE(NEG_INF)
    for j in range(CHUNK):
        w = first + j * LANES
        word = row[uint64(min(w, hi_word - 1))]
        for e in range(WORD):
            k = w * WORD + e
            u = COMPUTE(NEG_INF)
            if uint64(k - lo) < span and (not HAS_MASK_FN or MASK_FN(b, h, pos, k)):
                u = direction * word_key(word, e)
            values[j * WORD + e] = u
            tile_max = nan_max(tile_max, u)
    return tile_max


def exp_tile(values, row_max, magnitude):
    """``values``' scores -> exp(magnitude * (u - row_max)) in place, -1 marking a
    masked or -inf key (it gets exactly 0); returns their sum."""
    total = SUM(0)
    for i in range(CHUNK * WORD):
        u = values[i]
        p = COMPUTE(-1)
        if u != NEG_INF:
            p = COMPUTE(math.exp(magnitude * (u - row_max)))
            total += SUM(p)
        values[i] = p
    return total


def store_tile(values, out_row, first, hi_word, inverse):
    """Write a lane's CHUNK words of probabilities (``values`` from exp_tile, times
    ``inverse``); words past the kept ones are not written here."""
    for j in range(CHUNK):
        w = first + j * LANES
        if w < hi_word:
            word = empty_word()
            for e in range(WORD):
                word = with_key(word, e, probability_bits(values[j * WORD + e], inverse))
            out_row[uint64(w)] = word


# --- the 16-byte path (VEC > 0) -----------------------------------------------------------
#
# A row is read and written as 16-byte chunks (VEC keys: 4 float32 or 8 16-bit), the
# whole row in one pass: lane ``t`` holds chunks ``t + j * LANES`` (j < CHUNK), so a
# warp's access is 512 contiguous bytes, and the launcher takes this path only where
# CHUNK * LANES chunks cover the row (longer rows take the word path's online route).
# Only the chunks holding kept keys ([lo_w, hi_w)) are loaded, all of them issued
# before any is decoded; their sign bits are flipped for a negative scale (exact), so
# registers hold oriented scores u; the row max is over u and each kept key costs one
# subtract, one multiply and one exp2: ``exp2((u - max) * |scale| * log2(e))``
# (``u - max`` is exact near the max and cannot overflow). A masked key inside a kept
# chunk is -inf: its exp2 is exactly +0.0. Chunk and key indices within a row are
# 32-bit (rows below 2**30 keys); each row's base is numba's 64-bit address, once
# per row. A NaN row (a NaN or +inf kept score) is rare and row-uniform: it is read
# again and written as the definition has it (NaN, but exactly 0 for -inf keys).

def key_kept(k, lo, hi, b, h, pos):
    """Key ``k`` is kept: inside [lo, hi) and (with a predicate) mask_fn's."""
    return lo <= k < hi and (not HAS_MASK_FN or MASK_FN(b, h, pos, k))


def load_chunks(raw, row, lane, lo_w, hi_w, flip):
    """Issue the loads of lane ``lane``'s chunks that hold kept keys (chunks
    [lo_w, hi_w); predicated, back to back: all in flight before any is decoded)
    into the uint32 registers ``raw``, sign bits xor ``flip``; the other chunks get
    -inf words."""
    for j in range(CHUNK):
        w = add32(lane, j * LANES)
        if lo_w <= w and w < hi_w:
            t = load_v4(row, u32(mul32(w, VEC)))
            raw[j * 4] = t[0] ^ flip
            raw[j * 4 + 1] = t[1] ^ flip
            raw[j * 4 + 2] = t[2] ^ flip
            raw[j * 4 + 3] = t[3] ^ flip
        else:
            raw[j * 4] = raw[j * 4 + 1] = raw[j * 4 + 2] = raw[j * 4 + 3] = u32(NEG_WORD)


def decode_chunks(values, raw, lane, lo, hi, lo_w, hi_w, b, h, pos):
    """``raw`` -> ``values`` (oriented scores, float32) for the chunks holding kept
    keys, a masked key among them -inf; returns the lane's max (NaN-ignoring: a
    NaN reaches the sum instead)."""
    lane_max = COMPUTE(NEG_INF)
    for j in range(CHUNK):
        w = add32(lane, j * LANES)
        if lo_w <= w and w < hi_w:
            for i in range(4):
                word = raw[j * 4 + i]
                if VEC == 4:
                    values[j * 4 + i] = as_f32(word)
                elif FORMAT == FLOAT16:
                    values[j * 8 + 2 * i] = f16x2_lo(word)
                    values[j * 8 + 2 * i + 1] = f16x2_hi(word)
                else:
                    values[j * 8 + 2 * i] = bf16x2_lo(word)
                    values[j * 8 + 2 * i + 1] = bf16x2_hi(word)
            kb = mul32(w, VEC)
            if HAS_MASK_FN or kb < lo or add32(kb, VEC) > hi:  # the chunk holds masked keys
                for e in range(VEC):
                    if not key_kept(add32(kb, e), lo, hi, b, h, pos):
                        values[j * VEC + e] = COMPUTE(NEG_INF)
            for e in range(VEC):
                lane_max = max(lane_max, values[j * VEC + e])
    return lane_max


def exp_chunks(values, lane, lo_w, hi_w, row_max, factor):
    """``values`` -> exp2((u - row_max) * factor) in place for the chunks holding kept
    keys (a -inf key gets exactly 0); returns their sum: float32 within a chunk,
    SUM across chunks."""
    total = SUM(0)
    for j in range(CHUNK):
        w = add32(lane, j * LANES)
        if lo_w <= w and w < hi_w:
            part = COMPUTE(0)
            for e in range(VEC):
                p = exp2f((values[j * VEC + e] - row_max) * factor)
                values[j * VEC + e] = p
                part += p
            total += SUM(part)
    return total


def store_chunks(values, out_row, lane, lo_w, hi_w, chunks, inverse):
    """Write lane ``lane``'s chunks of the row: ``values * inverse`` for the chunks
    holding kept keys (16-bit keys packed two per word by the hardware conversion),
    +0.0 for the others (16-byte stores)."""
    for j in range(CHUNK):
        w = add32(lane, j * LANES)
        if w < chunks:
            at = u32(mul32(w, VEC))
            o = j * VEC
            v = values
            if lo_w <= w and w < hi_w:
                if VEC == 4:
                    store_v4(out_row, at, v[o] * inverse, v[o + 1] * inverse,
                             v[o + 2] * inverse, v[o + 3] * inverse)
                elif FORMAT == FLOAT16:
                    store_v4(out_row, at, pack_f16x2(v[o] * inverse, v[o + 1] * inverse),
                             pack_f16x2(v[o + 2] * inverse, v[o + 3] * inverse),
                             pack_f16x2(v[o + 4] * inverse, v[o + 5] * inverse),
                             pack_f16x2(v[o + 6] * inverse, v[o + 7] * inverse))
                else:
                    store_v4(out_row, at, pack_bf16x2(v[o] * inverse, v[o + 1] * inverse),
                             pack_bf16x2(v[o + 2] * inverse, v[o + 3] * inverse),
                             pack_bf16x2(v[o + 4] * inverse, v[o + 5] * inverse),
                             pack_bf16x2(v[o + 6] * inverse, v[o + 7] * inverse))
            else:
                store_v4(out_row, at, u32(0), u32(0), u32(0), u32(0))


def nan_row_chunks(values, lane, lo_w, hi_w):
    """A NaN row's outputs in ``values`` (its kept chunks decoded again): NaN for
    every kept key but a -inf one, which gets exactly 0, as in the definition."""
    for j in range(CHUNK):
        w = add32(lane, j * LANES)
        if lo_w <= w and w < hi_w:
            for e in range(VEC):
                values[j * VEC + e] = COMPUTE(0) if values[j * VEC + e] == NEG_INF \
                    else COMPUTE(math.nan)


def softmax_row_vec(row, out_row, raw, values, exchange_max, exchange_sum, partial_max,
                    partial_sum, slot, lane, lo, hi, chunks, b, h, pos, flip, factor):
    """One query row on the 16-byte path (every lane of the block calls it: the
    reductions need them all; an idle row has lo = hi = chunks = 0). ``lo``,
    ``hi``: its kept keys; ``chunks``: its length in chunks; ``flip``: the sign
    bits to flip (negative scale); ``factor``: |scale| * log2(e)."""
    lo32, hi32, lane32 = i32(lo), i32(hi), i32(lane)
    lo_w, hi_w = i32(udiv32(lo32, VEC)), i32(udiv32(add32(hi32, VEC - 1), VEC))
    load_chunks(raw, row, lane32, lo_w, hi_w, flip)
    lane_max = decode_chunks(values, raw, lane32, lo32, hi32, lo_w, hi_w, b, h, pos)
    # partial_max and partial_sum alternate: one barrier per reduction
    row_max = row_reduce_alternating(exchange_max, partial_max, slot, lane, lane_max, True)
    base = row_max if row_max != NEG_INF else COMPUTE(0)  # nothing finite kept: all 0
    lane_total = exp_chunks(values, lane32, lo_w, hi_w, base, factor)
    total = row_reduce_alternating(exchange_sum, partial_sum, slot, lane, lane_total, False)
    inverse = COMPUTE(1) / COMPUTE(total) if total != 0 else COMPUTE(0)
    if total != total:  # a NaN row (the whole row takes this branch)
        load_chunks(raw, row, lane32, lo_w, hi_w, flip)
        decode_chunks(values, raw, lane32, lo32, hi32, lo_w, hi_w, b, h, pos)
        nan_row_chunks(values, lane32, lo_w, hi_w)
        inverse = COMPUTE(1)
    store_chunks(values, out_row, lane32, lo_w, hi_w, i32(chunks), inverse)


def softmax_rows_vec(s, out, raw, values, exchange_max, exchange_sum, partial_max,
                     partial_sum, slot, lane, scale, offset, window, kv_lens, q_offsets):
    """The GPU kernel's 16-byte path: grid (ceil(seq_len / ROWS), heads, batch) within
    the device's limits (the launcher checks: no folding), block (LANES, ROWS): one
    query row per block row, no grid-stride loop (nothing carried from row to row:
    fewer registers, more rows in flight)."""
    batch, heads, seq_len, cache_len = s.shape
    b, h, q, active, pos, lo, hi = block_row(seq_len, cache_len, offset, window, kv_lens,
                                             q_offsets)
    flip = u32(SIGN_WORD if scale < 0 else 0)  # orientation: sign bits flipped on load
    factor = max(abs(scale) * COMPUTE(LOG2E), COMPUTE(TINY_SCALE))
    softmax_row_vec(s[uint64(b), uint64(h), uint64(q)], out[uint64(b), uint64(h), uint64(q)],
                    raw, values, exchange_max, exchange_sum, partial_max, partial_sum, slot,
                    lane, lo, hi, cache_len // VEC if active else 0, b, h, pos, flip, factor)


def causal_softmax_kernel(s, out, s_words, out_words, scale, offset, window, kv_lens,
                          q_offsets):
    """GPU kernel. ``s``, ``out``: [batch, heads, seq_len, cache_len] elements
    (uint16 bits, or float32/float64); with WORD > 1, ``s_words``, ``out_words``:
    the same rows as [..., cache_len // WORD] 8-byte words (else unused);
    ``scale``: the compute type.

    Launch: grid (ceil(seq_len / ROWS), heads, batch), block (LANES, ROWS): each
    block row computes one query row, its LANES lanes striding over the row's
    words. Grid dimensions clipped to the device limit fold into the loops,
    which are uniform over the block (a row past seq_len idles through the
    reductions).

    Only the words holding kept keys are read; every word of the row is written
    once. A row goes in tiles of CHUNK words per lane (``values``: a local array
    the compiler keeps in registers, every index a constant after unrolling). A
    row of one tile is read once: its max (row_reduce), one exp per key and the
    sum, then it is written from registers. A longer row folds its tiles into an
    online (max, sum) per lane, re-based on the row max before the row sum, and
    is read again to be written. Indices into rows are unsigned: no
    negative-index wraparound code.
    """
    if PDL:  # a programmatic dependent launch: the grids before it end first
        grid_dependency_wait()
    values = gpu.local.array(CHUNK_SLOTS, COMPUTE)
    raw = gpu.local.array(RAW, uint32)
    exchange_max = gpu.shared.array((ROWS, EXCHANGE_LANES), COMPUTE)
    exchange_sum = gpu.shared.array((ROWS, EXCHANGE_LANES), SUM)
    partial_max = gpu.shared.array((ROWS, PARTIALS), COMPUTE)
    partial_sum = gpu.shared.array((ROWS, PARTIALS), SUM)
    batch, heads, seq_len, cache_len = s.shape
    lane = int64(gpu.threadIdx.x)
    slot = int64(gpu.threadIdx.y)
    direction = COMPUTE(-1) if scale < 0 else COMPUTE(1)
    magnitude = abs(scale)
    if VEC > 0:  # the 16-byte path: one row per block row, no loop
        softmax_rows_vec(s, out, raw, values, exchange_max, exchange_sum, partial_max,
                         partial_sum, slot, lane, scale, offset, window, kv_lens, q_offsets)
        return
    # grid-stride while loops: a range() with a runtime step costs a 64-bit division
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
                words = cache_len // WORD if active else 0
                lo_word, hi_word = lo // WORD, (hi + WORD - 1) // WORD  # words of kept keys
                span = uint64(hi - lo)
                one_tile = hi_word - lo_word <= CHUNK * LANES
                row = s_words[b, h, q] if WORD > 1 else s[b, h, q]
                out_row = out_words[b, h, q] if WORD > 1 else out[b, h, q]
                # pass 1: every word holding kept keys read once
                lane_max = COMPUTE(NEG_INF)
                lane_total = SUM(0)
                tile = lo_word
                while tile < hi_word:
                    tile_max = load_tile(values, row, tile + lane, hi_word, lo, span, b, h, pos,
                                         direction)
                    if one_tile:
                        lane_max = tile_max
                    else:  # fold the tile into the lane's online (max, sum)
                        new_max = nan_max(lane_max, tile_max)
                        lane_total = (rescaled(lane_total, lane_max, new_max, magnitude)
                                      + exp_tile(values, new_max, magnitude))
                        lane_max = new_max
                    tile += CHUNK * LANES
                row_max = row_reduce(exchange_max, partial_max, slot, lane, lane_max, True)
                if one_tile:
                    lane_total = exp_tile(values, row_max, magnitude) if hi_word > lo_word \
                        else SUM(0)
                else:
                    lane_total = rescaled(lane_total, lane_max, row_max, magnitude)
                total = row_reduce(exchange_sum, partial_sum, slot, lane, lane_total, False)
                # a float32 reciprocal for 16-bit and float32 rows (rounded twice: well
                # inside their tolerance), float64 for float64 rows
                inverse = COMPUTE(1) / COMPUTE(total) if total != 0 else COMPUTE(0)
                # pass 2: every word of the row written once
                for w in range(lane, lo_word, LANES):
                    out_row[uint64(w)] = empty_word()
                tile = lo_word
                while tile < hi_word:
                    if not one_tile:
                        load_tile(values, row, tile + lane, hi_word, lo, span, b, h, pos,
                                  direction)
                        exp_tile(values, row_max, magnitude)
                    store_tile(values, out_row, tile + lane, hi_word, inverse)
                    tile += CHUNK * LANES
                for w in range(hi_word + lane, words, LANES):
                    out_row[uint64(w)] = empty_word()
                first += int64(gpu.gridDim.x) * ROWS
            h += int64(gpu.gridDim.y)
        b += int64(gpu.gridDim.z)


def causal_softmax_cpu(s, out, scale, offset, window, kv_lens, q_offsets):
    """CPU kernel (``@njit(parallel=True)``, CPU_FASTMATH): rows in parallel. Per
    row, without a predicate, three passes over the kept keys that vectorise: the
    max (eight running maxima), the sum of exp(magnitude * (u - max)) as pow2_host
    (no libm call; float64 sums for float32), the writes; with a predicate, an
    online (max, sum) pass over the keys it keeps, then one writing the row. A
    16-bit element is read by the CPU's own conversion (panels.to_compute)."""
    batch, heads, seq_len, cache_len = s.shape
    direction = COMPUTE(-1) if scale < 0 else COMPUTE(1)
    magnitude = abs(scale)
    zero = float_to_element(COMPUTE(0))
    for r in prange(batch * heads * seq_len):
        b, h, q, pos, lo, hi = host_row(r, heads, seq_len, cache_len, offset, window, kv_lens,
                                        q_offsets)
        row = s[b, h, q]
        out_row = out[b, h, q]
        if not HAS_MASK_FN:
            softmax_row_host(row, out_row, lo, hi, direction, magnitude, zero)
            continue
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


def key_weight(u, row_max, magnitude):
    """exp(magnitude * (u - row_max)) of oriented score ``u`` as pow2_host (no libm
    call); 0 for -inf (a masked key adds nothing, whatever the max)."""
    return pow2_host(magnitude * (u - row_max) * COMPUTE(LOG2E)) if u != NEG_INF \
        else COMPUTE(0)


def softmax_row_host(row, out_row, lo, hi, direction, magnitude, zero):
    """One row of causal_softmax_cpu without a predicate: the keys ``[lo, hi)`` kept,
    the rest zero. As the online fold: -inf adds nothing and gets 0; a NaN or +inf
    makes the sum NaN, so every other kept key NaN; nothing but -inf kept: zeros.
    Unsigned indices: no negative-index wrap, so the loops vectorise."""
    first, end = np.uint64(lo), np.uint64(hi)
    eight = np.uint64(8)
    whole = first + (end - first) // eight * eight
    m0 = m1 = m2 = m3 = m4 = m5 = m6 = m7 = COMPUTE(NEG_INF)  # NaN never wins a ``>``
    for k in range(first, whole, eight):
        u0 = direction * to_compute(row[k], FORMAT)
        u1 = direction * to_compute(row[k + np.uint64(1)], FORMAT)
        u2 = direction * to_compute(row[k + np.uint64(2)], FORMAT)
        u3 = direction * to_compute(row[k + np.uint64(3)], FORMAT)
        u4 = direction * to_compute(row[k + np.uint64(4)], FORMAT)
        u5 = direction * to_compute(row[k + np.uint64(5)], FORMAT)
        u6 = direction * to_compute(row[k + np.uint64(6)], FORMAT)
        u7 = direction * to_compute(row[k + np.uint64(7)], FORMAT)
        m0, m1 = (u0 if u0 > m0 else m0), (u1 if u1 > m1 else m1)
        m2, m3 = (u2 if u2 > m2 else m2), (u3 if u3 > m3 else m3)
        m4, m5 = (u4 if u4 > m4 else m4), (u5 if u5 > m5 else m5)
        m6, m7 = (u6 if u6 > m6 else m6), (u7 if u7 > m7 else m7)
    for j in range(whole, end):
        u = direction * to_compute(row[j], FORMAT)
        m0 = u if u > m0 else m0
    row_max = max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7)))
    total = SUM(0)
    out_row[:lo] = zero
    out_row[hi:] = zero
    if FORMAT == FLOAT32 or FORMAT == FLOAT64:
        # the weights go straight into ``out`` (a float view; -1 marks a -inf key) and
        # are scaled there: one exp an element (each score read before its slot is
        # written, so out may be the scores)
        for j in range(first, end):
            u = direction * to_compute(row[j], FORMAT)
            w = key_weight(u, row_max, magnitude)
            total += SUM(w)  # a NaN poisons the sum
            out_row[j] = w if u != NEG_INF else COMPUTE(-1)
        inverse = COMPUTE(SUM(1) / total) if total != 0 else COMPUTE(0)
        for j in range(first, end):
            w = out_row[j]
            out_row[j] = COMPUTE(0) if w < 0 else w * inverse  # NaN stays NaN
        return
    for j in range(first, end):
        u = direction * to_compute(row[j], FORMAT)
        total += SUM(key_weight(u, row_max, magnitude))
    inverse = COMPUTE(SUM(1) / total) if total != 0 else COMPUTE(0)
    for j in range(first, end):
        u = direction * to_compute(row[j], FORMAT)
        out_row[j] = float_to_element(key_weight(u, row_max, magnitude) * inverse
                                      if u != NEG_INF else COMPUTE(0))


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

#: launch shape per GPU backend: (warps of lanes per row, rows per block, most keys
#: per lane held in registers, for float32 compute: half for float64); measured in
#: docs/benchmarks.md (cuda; hip takes the same, unmeasured). The simulator runs a
#: Python thread per lane: keep it small.
LAUNCH = {"cuda": (4, 2, 16), "hip": (4, 2, 16), "sim": (1, 1, 4)}


def _most_keys(most: int, dtype_name: str) -> int:
    """LAUNCH's most keys per lane in registers, given for 4-byte compute types:
    half as many float64 keys (the same registers; AMD's compiler spills 16)."""
    return most * 4 // compute_dtype(dtype_name).itemsize


#: read and write rows as 8-byte words where the layout allows (else element by element)
ROW_WORDS = True


def words_per_lane(lanes: int, most: int, word: int, cache_len: int, window: int) -> int:
    """CHUNK: the words per lane of a tile (held in registers): enough for the
    longest row's kept keys, a power of two (few compiled variants), at most
    ``most`` keys (at least one word); a row in more than CHUNK * lanes words
    takes the online route."""
    longest = min(cache_len, window) if window > 0 else cache_len
    spanned = min(cache_len // word, -(-int(longest) // word) + (word > 1))  # unaligned: +1
    needed = 1 << max(-(-spanned // lanes) - 1, 0).bit_length()
    return max(min(needed, most // word), 1)


def launch_constants(backend_name: str, warp: int, lanes: int, rows: int, word: int,
                     itemsize: int, chunk: int) -> dict:
    """The kernel's launch-shape constants (LANES, ROWS, SPAN, WORD, CHUNK, ...), checked:
    ``word`` keys of ``itemsize`` bytes per 8-byte word (1: elements), ``chunk``
    words per lane in registers."""
    if lanes < 1 or lanes & (lanes - 1):
        raise ValueError(f"lanes per row must be a power of two; got {lanes}")
    if backend_name != "sim" and (lanes * rows) % warp:
        raise ValueError(f"lanes x rows per block must fill whole warps of {warp}; "
                         f"got {lanes} x {rows}")
    span = min(lanes, warp)
    return dict(LANES=lanes, ROWS=rows, WARP=warp, SPAN=span, CHUNK=chunk,
                CHUNK_SLOTS=chunk * word, WORD=word, KEY_BITS=8 * itemsize,
                KEY_MASK=(1 << (8 * itemsize)) - 1 if word > 1 else 0,
                EXCHANGE_LANES=lanes if backend_name == "sim" else 1,
                PARTIALS=max(lanes // span, 1), VEC=0, RAW=1, TINY_SCALE=0.0, NEG_WORD=0,
                SIGN_WORD=0)


#: the 16-byte path: rows read and written as 16-byte chunks where both arrays allow
#: it (float32, float16, bfloat16; contiguous rows starting on 16-byte boundaries;
#: cache_len a multiple of the chunk) and one pass of the lanes covers the row
ROW_VECTORS = True
#: the backends that take the 16-byte path
VEC_BACKENDS = ("cuda", "hip", "sim")
#: the 16-byte path's launch: keys per lane wanted (by keys per chunk), most keys per
#: lane (in registers), most lanes per row before a lane takes more than the keys
#: wanted, most lanes per row, threads per block. Kernel alone on the H200,
#: 2026-12-02 (docs/benchmarks.md, sweep): 32 keys per lane and blocks of 128
#: threads: [4,32,2048,2048] 64 x 2 (float32 0.795 ms, float16 0.419 ms; 256 x 1: 0.938 /
#: 0.771), [1,8,8192,8192] 256 x 1 (0.799 / 0.442; 128 x 1: 0.830 / 0.463)
VEC_KEYS = {4: 32, 8: 32}
VEC_MOST_KEYS, VEC_WIDE_LANES, VEC_MAX_LANES, VEC_BLOCK = 32, 256, 1024, 128
#: AMD (unmeasured): 16 keys per lane; 32 16-bit keys per lane spilled on gfx90a and
#: gfx942 in the earlier kernel (tools/amd/run_ci.sh, 2026-12-02)
VEC_MOST_KEYS_HIP = 16
#: the simulator: one warp per row, at most 16 keys per lane (a Python thread per lane)
VEC_SIM = (32, 16)
#: the smallest normal float32: a scale of 0 still sends a -inf key to exp2 = 0
_TINY = 2.0 ** -126
#: a 32-bit word of -inf keys, and its sign bits, per keys per chunk
_NEG_WORD = {4: 0xFF800000, 8: {"float16": 0xFC00FC00, "bfloat16": 0xFF80FF80}}
_SIGN_WORD = {4: 0x80000000, 8: 0x80008000}


def _pow2(n: int) -> int:
    """The least power of two >= n (n >= 1)."""
    return 1 << max(int(n) - 1, 0).bit_length()


def vec_launch(warp: int, vec: int, cache_len: int, most: int = None,
               max_lanes: int = None, keys: dict = None) -> tuple:
    """(lanes per row, rows per block, chunks per lane) of the 16-byte path for rows of
    ``cache_len`` keys, ``vec`` per chunk, or None where one pass of at most
    ``max_lanes`` lanes of ``most`` keys cannot cover a row. Lanes: a power of two,
    ``keys[vec]`` keys each (VEC_KEYS; at most ``most``), at least a warp, at most
    VEC_WIDE_LANES until a lane would hold more than ``most``; rows of fewer lanes
    share a block of VEC_BLOCK threads."""
    most = most or VEC_MOST_KEYS
    max_lanes = max_lanes or VEC_MAX_LANES
    wanted = min((keys or VEC_KEYS)[vec], most)
    chunks = -(-cache_len // vec)
    lanes = max(min(_pow2(-(-cache_len // wanted)), VEC_WIDE_LANES), warp)
    lanes = min(max(lanes, _pow2(-(-chunks * vec // most))), max_lanes)
    chunk = _pow2(-(-chunks // lanes))
    if chunk * vec > max(most, vec):
        return None
    return lanes, max(VEC_BLOCK // lanes, 1), chunk


#: cuda: threads of the 16-byte path an SM must hold, by keys a chunk (numba-cuda's
#: launch_bounds: ptxas fits the registers to them): 9 blocks of 128 for 16-bit rows
#: (56 registers a thread, 58 unbounded), 7 for float32 (72, 78). H200, 2026-12-05:
#: float16 and bfloat16 rows of 2048 keys 4.6 and 4.9 % faster, float32 unchanged but
#: its window= rows no slower than plain ones (docs/benchmarks.md)
VEC_SM_THREADS = {8: 9 * 128, 4: 7 * 128}


def vec_constants(backend_name: str, warp: int, lanes: int, rows: int, vec: int,
                  dtype_name: str, chunk: int) -> dict:
    """launch_constants for the 16-byte path: ``vec`` keys per chunk, ``chunk``
    chunks per lane in registers; on cuda the launch bound VEC_SM_THREADS sets."""
    itemsize = dtypes.SUPPORTED[dtype_name][0]
    constants = launch_constants(backend_name, warp, lanes, rows, 1, itemsize, chunk)
    neg = _NEG_WORD[vec] if vec == 4 else _NEG_WORD[vec][dtype_name]
    constants.update(VEC=vec, RAW=4 * chunk, CHUNK_SLOTS=chunk * vec, TINY_SCALE=_TINY,
                     NEG_WORD=neg, SIGN_WORD=_SIGN_WORD[vec])
    if backend_name == "cuda":
        threads = lanes * rows
        constants["LAUNCH_BOUNDS"] = (threads, max(1, VEC_SM_THREADS[vec] // threads))
    return constants


def _vec_plan(backend_name: str, warp: int, vec: int, cache_len: int):
    """vec_launch on ``backend_name`` (the simulator: VEC_SIM), or None."""
    if backend_name == "sim":
        lanes, most = VEC_SIM
        return vec_launch(lanes, vec, cache_len, most, lanes)
    most = VEC_MOST_KEYS_HIP if backend_name == "hip" else VEC_MOST_KEYS
    return vec_launch(warp, vec, cache_len, most)


def _vec_keys(dtype_name: str, cache_len: int, *views) -> int:
    """Keys per 16-byte chunk when every view allows the 16-byte path, else 0."""
    itemsize = dtypes.SUPPORTED[dtype_name][0]
    vec = 16 // itemsize
    if not ROW_VECTORS or itemsize == 8 or cache_len % vec or cache_len >= 2**30:
        return 0
    for view in views:
        cai = getattr(view, "__cuda_array_interface__", None)
        if cai is not None:
            ptr, strides = cai["data"][0], cai_strides(cai, itemsize)
        else:
            host = getattr(view, "_ary", view)
            ptr, strides = host.ctypes.data, host.strides
        if strides[3] != itemsize or ptr % 16 or any(st % 16 for st in strides[:3]):
            return 0
    return vec


def plan_constants(backend, dtype_name: str, word: int, cache_len: int, opts,
                   vec: tuple = None) -> dict:
    """Every compile-time constant of a GPU launch on ``backend``; ``word``: keys
    per 8-byte word (1: elements), or keys per 16-byte chunk with ``vec`` (the
    16-byte path's (lanes, rows, chunk), from _vec_plan)."""
    itemsize = dtypes.SUPPORTED[dtype_name][0]
    if vec:
        lanes, rows, chunk = vec
        return dict(**vec_constants(backend.name, backend.warp, lanes, rows, word, dtype_name,
                                    chunk), **format_constants(dtype_name), **opts.constants())
    warps, rows, most = LAUNCH.get(backend.name, (4, 1, 16))
    lanes = warps * backend.warp
    chunk = words_per_lane(lanes, _most_keys(most, dtype_name), word, cache_len, opts.window)
    return dict(**launch_constants(backend.name, backend.warp, lanes, rows, word, itemsize,
                                   chunk),
                **format_constants(dtype_name), **opts.constants())


def _element_type(dtype_name: str) -> str:
    """The numba type of an element argument: 16-bit bits, or the float itself."""
    return "uint16" if dtypes.SUPPORTED[dtype_name][0] == 2 else dtype_name


def _aot_variants(warp: int):
    """The variants the launcher produces for a target of ``warp`` lanes: each dtype
    at the real launch shape with the word path and the tile size of a 2048-key
    row, then the element path, small tiles and each mask option (float32)."""
    warps, rows, most = LAUNCH["hip"]
    lanes = warps * warp
    for name in FORMATS:
        itemsize = dtypes.SUPPORTED[name][0]
        word = 8 // itemsize
        for w, cache_len, suffix in ((word, 2048, ""), (1, 2048, "_elements"),
                                     (word, 64, "_chunk1")):
            if w == 1 and word == 1 and suffix:
                continue
            chunk = words_per_lane(lanes, _most_keys(most, name), w, cache_len, 0)
            yield (f"causal_softmax_{name}{suffix}",
                   dict(ELEMENT=_element_type(name),
                        **launch_constants("hip", warp, lanes, rows, w, itemsize, chunk),
                        **format_constants(name), **PLAIN.constants()))
    # the 16-byte path at the launch shapes vec_launch plans for 512 to 16384 keys, each
    # mask option once (float32, 2048 keys)
    for name in ("float32", "float16", "bfloat16"):
        vec = 16 // dtypes.SUPPORTED[name][0]
        for cache_len in (512, 2048, 8192, 16384):
            v_lanes, v_rows, chunk = vec_launch(warp, vec, cache_len, VEC_MOST_KEYS_HIP)
            yield (f"causal_softmax_{name}_vec{cache_len}",
                   dict(ELEMENT=_element_type(name),
                        **vec_constants("hip", warp, v_lanes, v_rows, vec, name, chunk),
                        **format_constants(name), **PLAIN.constants()))
    v_lanes, v_rows, chunk = vec_launch(warp, 4, 2048, VEC_MOST_KEYS_HIP)
    vec_base = dict(ELEMENT="float32", **vec_constants("hip", warp, v_lanes, v_rows, 4,
                                                       "float32", chunk),
                    **format_constants("float32"))
    for suffix, changes in (("_kv_lens", dict(USE_KV_LENS=True)),
                            ("_q_offsets", dict(USE_Q_OFFSETS=True)),
                            ("_not_causal", dict(CAUSAL=False)),
                            ("_mask_fn", dict(HAS_MASK_FN=True, MASK_FN=_odd_keys))):
        yield (f"causal_softmax_float32_vec{suffix}",
               dict(vec_base, **dict(PLAIN.constants(), **changes)))
    itemsize, word = 4, 2
    chunk = words_per_lane(lanes, most, word, 2048, 0)
    base = dict(ELEMENT="float32", **launch_constants("hip", warp, lanes, rows, word, itemsize,
                                                      chunk), **format_constants("float32"))
    for suffix, changes in (("_kv_lens", dict(USE_KV_LENS=True)),
                            ("_q_offsets", dict(USE_Q_OFFSETS=True)),
                            ("_not_causal", dict(CAUSAL=False)),
                            ("_mask_fn", dict(HAS_MASK_FN=True, MASK_FN=_odd_keys))):
        yield f"causal_softmax_float32{suffix}", dict(base, **dict(PLAIN.constants(), **changes))


def _odd_keys(b, h, q_pos, k):
    """A stand-in predicate for the ahead-of-time catalog: keep odd keys."""
    return k % 2 == 1


def _softmax(chosen, s, o, in_place, scale, opts, host_key=None, fast_key=None,
             live_kv_lens=None, live_q_offsets=None) -> None:
    """Run the softmax of validated ``s`` into ``o`` on backend ``chosen`` (a
    ``fast_key``, cuda: keep the launch for fastpath's replay; ``live_kv_lens``,
    ``live_q_offsets``: int64 CUDA vectors of the same values, read in place)."""
    operands = ((s, True),) if in_place else ((s, False), (o, True))
    with op.operands(chosen, *operands, mask_fn=opts.mask_fn) as (views, stream):
        source, target = views[0], views[-1]
        src, dst = float_view(source.bits, s.dtype), float_view(target.bits, s.dtype)
        scale = compute_dtype(s.dtype).type(scale)
        if not chosen.is_gpu_kernel:
            kv_lens, q_offsets = opts.per_sequence()
            op.run_host(CAUSAL_SOFTMAX, chosen, kc.host_kind(s.size),
                        dict(format_constants(s.dtype), **opts.constants(),
                             HOST_FASTMATH=reductions.CPU_FASTMATH),
                        (src, dst, scale, opts.offset, opts.window, kv_lens, q_offsets),
                        host_key, arrays=2)
            return
        vec = _vec_keys(s.dtype, s.shape[3], source.bits, target.bits) \
            if spelling(chosen) in VEC_BACKENDS else 0
        plan = _vec_plan(spelling(chosen), chosen.warp, vec, s.shape[3]) if vec else None
        if plan and not kc.grid_fits(chosen, -(-s.shape[2] // plan[1]), s.shape[1], s.shape[0]):
            plan = None  # a grid beyond the device's limits: the word path's loops fold it
        word = vec if plan else 8 // src.dtype.itemsize
        if not plan and (not ROW_WORDS or source.words is None or target.words is None
                         or s.shape[3] % word):
            word = 1
        constants = plan_constants(chosen, s.dtype, word, s.shape[3], opts, vec=plan)
        if plan:
            word = 1  # the kernel reads the element arrays; no word views
        unused = no_words(chosen)
        kv_lens, q_offsets = op.per_sequence_on(chosen, opts, stream, live_kv_lens,
                                                live_q_offsets)
        batch, heads, seq_len, _ = s.shape
        rows, lanes = constants["ROWS"], constants["LANES"]
        # one block row per query row, ROWS rows per block; heads and batch ride y and z
        grid = kc.fold_grid(chosen, -(-seq_len // rows), heads, batch)
        op.launch(CAUSAL_SOFTMAX, chosen, op.Launch.of(constants, grid, (lanes, rows), dict(
            s=src, out=dst, s_words=source.words if word > 1 else unused,
            out_words=target.words if word > 1 else unused, scale=scale,
            offset=np.int64(opts.offset), window=np.int64(opts.window), kv_lens=kv_lens,
            q_offsets=q_offsets)), stream, fast_key)


def causal_softmax(scores, *, scale=1.0, offset=None, out=None, window=None, kv_lens=None,
                   q_offsets=None, mask_fn=None, causal=True, backend="auto"):
    """The softmax family's entry: :func:`numba_causal.causal_softmax` (its
    semantics) without the hand-over to torch's custom ops, which that public
    function makes for autograd and torch.compile (numba_causal/api.py)."""
    host_key = fast_key = live_kv_lens = live_q_offsets = None
    if type(scores) is not np.ndarray:
        live_kv_lens, live_q_offsets, on_gpu = fastpath.per_sequence_on_gpu(
            kv_lens, q_offsets, scores)
        base = None if not on_gpu or mask_fn is not None \
            else fastpath.call_key(scores, backend, offset, window, scale, causal)
        if base is not None:
            # torch CUDA scores: a repeated call is one replayed launch (fastpath.py); a
            # new output is made here, as the full path would make it, to key on it.
            # kv_lens and q_offsets replay as int64 CUDA tensors, read at each launch
            if out is None:
                out = fastpath.new_output(scores)
            fast_key = fastpath.tensors_key("softmax", base, scores, out,
                                            kv_lens=live_kv_lens, q_offsets=live_q_offsets)
            if fastpath.replayed(fast_key):
                return out
    elif mask_fn is None:
        host_key = _host_key(scores, out, backend, scale, offset, window, causal,
                             kv_lens is not None, q_offsets is not None)
        replay = fastpath.host_replay(host_key)
        if replay is not None:  # the same call as before: validated then, see fastpath.py
            # this call's values, checked
            given = fastpath.per_sequence_given(kv_lens, q_offsets, scores)
            if out is None:
                out = np.empty(scores.shape, scores.dtype)
            replay(scores, out, **given)
            return out
    s = inspect_scores(scores, writable=out is scores)  # read only, unless out is scores
    chosen = get_backend(backend)
    opts = mask_options(s.shape, offset=offset, window=window, kv_lens=kv_lens,
                        q_offsets=q_offsets, mask_fn=mask_fn, causal=causal)
    scale = check_scale(scale, s.dtype, LOG2E)
    o = None if out is None else inspect_scores(out, name="out")
    in_place = o is not None and check_out(s, o)
    if out is None:
        out = empty_like(scores, s, chosen)
        o = inspect_scores(out, name="out")
    if s.size:
        cuda = chosen.name == "cuda"
        _softmax(chosen, s, o, in_place, scale, opts, host_key if chosen.name == "cpu" else None,
                 fast_key if cuda else None, live_kv_lens if cuda else None,
                 live_q_offsets if cuda else None)
    return out


def _host_key(scores, out, backend, scale, offset, window, causal, has_kv_lens=False,
              has_q_offsets=False):
    """The host fast path's key (fastpath.host_key) of a call on NumPy ``scores``
    (``has_kv_lens``, ``has_q_offsets``: the call gives them, their values checked per
    call)."""
    if out is None or out is scores:
        arrays = (fastpath.array_key(scores, out is scores), out is None)
    else:
        arrays = (fastpath.array_key(scores, False), fastpath.apart_out_key(out, (scores,)))
    return fastpath.host_key("softmax", backend, arrays, (
        fastpath.exact(scale), fastpath.exact(offset), fastpath.exact(window),
        fastpath.exact(causal), has_kv_lens, has_q_offsets))


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
    scale = check_scale(scale)
    if out is None:
        out = empty_like(scores, s, None)
    o = inspect_scores(out, name="out")
    check_out(s, o)
    if s.size:
        kv_lens, q_offsets = opts.per_sequence()
        op.run_host(CAUSAL_SOFTMAX, get_backend("cpu"), "reference",
                    dict(format_constants(s.dtype), **opts.constants()),
                    (float_view(s.host, s.dtype), float_view(o.host, s.dtype),
                     compute_dtype(s.dtype).type(scale), opts.offset, opts.window, kv_lens,
                     q_offsets))
    return out


# --- benchmark (numba-causal bench --ops softmax) ----------------------------------------

#: the benchmark's scale: 1/sqrt(head_dim) for head_dim 128
BENCH_SCALE = 128 ** -0.5
#: accuracy bar checked before timing: 1e-6 for float32, 1e-3 for 16-bit or one
#: unit of the stored output where that is coarser (bfloat16: 2**-8)
TOLERANCE = {"float32": 1e-6, "float64": 1e-12, "float16": 1e-3, "bfloat16": 2.0**-8}


def bench_causal_softmax(ctx, shape, dtype):
    """One benchmark row: accuracy against float64 first, then time and peers.
    ``dtype``: a dtype name, or ``NAME+windowW`` (window=W) or ``NAME+kv_lens``
    (kv_lens drawn in [cache_len / 2, cache_len], an int64 tensor on the GPU) for
    the masks with those options (GPU only). Floor: the kept keys read once and the
    whole matrix written once, at the copy bandwidth of the run. Peers (GPU): torch
    eager and torch.compile of ``softmax(masked_fill(scale * x))``, the Triton row
    kernel (triton_peer.py, plain causal rows); (CPU): the NumPy formula."""
    from .benchkit import ITEMSIZE

    name, _, mode = dtype.partition("+")
    total = int(np.prod(shape))
    item = ITEMSIZE[name]
    if ctx.on_gpu:
        ms, peer_ms, err, kept = _bench_gpu(ctx, shape, name, mode)
    elif mode:
        raise ValueError(f"softmax bench dtype {dtype!r}: mask options run on the GPU only")
    else:
        ms, peer_ms, err, kept = _bench_cpu(ctx, shape, name)
    label = "softmax" if not mode else f"softmax {mode.replace('window', 'window=')}"
    return ctx.row(label, shape, name, ms, (kept + total) * item, ctx.copy_gbps(), peer_ms, err)


def _bench_check(shape, dtype, backend_name):
    """Why the softmax benchmark cannot run a --shapes case ("" when it can)."""
    mode = dtype.partition("+")[2]
    if mode and backend_name not in (None, "cuda", "hip"):
        return f"runs its +{mode} rows on a GPU backend (cuda, hip) only"
    return benchkit.rows_fit(shape)


def _bench_options(shape, mode, rng):
    """The keyword options of a bench row's mode: {}, window=W or kv_lens (host)."""
    if not mode:
        return {}
    if len(shape) != 4:
        raise ValueError(f"softmax bench mode {mode!r} needs a 4-D shape; got {shape}")
    if mode.startswith("window") and mode[6:].isdigit():
        return dict(window=int(mode[6:]))
    if mode == "kv_lens":
        cache_len = shape[-1]
        return dict(kv_lens=rng.integers(cache_len // 2, cache_len + 1, size=shape[0]))
    raise ValueError(f"softmax bench mode {mode!r}: windowW or kv_lens")


def _bench_gpu(ctx, shape, dtype, mode=""):
    import torch

    from .benchkit import gpu_case, max_rel_error

    timer, name = ctx.timer, ctx.backend.name
    x, where = gpu_case(shape, dtype)
    options = _bench_options(shape, mode, np.random.default_rng())
    seq_len, cache_len = shape[-2:]
    q = torch.arange(seq_len, device="cuda")[:, None] + (cache_len - seq_len)
    k = torch.arange(cache_len, device="cuda")[None, :]
    if "window" in options:
        where = where | (k <= q - options["window"])
    if "kv_lens" in options:
        options["kv_lens"] = torch.from_numpy(options["kv_lens"]).to("cuda")
        lens = options["kv_lens"].view(-1, *[1] * (len(shape) - 1))
        where = where | (k >= lens)
    kept = int((~where).sum()) * (int(np.prod(shape)) // where.numel())
    out = torch.full_like(x, float("nan"))
    causal_softmax(x, scale=BENCH_SCALE, out=out, backend=name, **options)
    want = torch.softmax((BENCH_SCALE * x.double()).masked_fill(where, float("-inf")), -1)
    err = max_rel_error(out, want)
    if not err <= TOLERANCE[dtype]:
        raise AssertionError(f"causal_softmax error {err:.2e} on {shape} {dtype} {mode}")
    ms = timer(lambda: causal_softmax(x, scale=BENCH_SCALE, out=out, backend=name, **options))
    peer_ms = {}
    if ctx.peers:
        def eager(t):
            return torch.softmax((BENCH_SCALE * t).masked_fill(where, float("-inf")), -1)

        peer_ms["torch eager"] = timer(lambda: eager(x))
        if ctx.use_compile:
            compiled = torch.compile(eager, dynamic=False)
            peer_ms["torch.compile"] = timer(lambda: compiled(x))
        if not mode:
            peer_ms.update(_triton_peer(ctx, x, out, want))
    del x, out, want
    return ms, peer_ms, err, kept


def _triton_peer(ctx, x, out, want) -> dict:
    """{"triton row kernel": ms} for the Triton code a user would write
    (triton_peer.py), checked first; {} where triton is not installed."""
    from .benchkit import max_rel_error

    try:
        from .triton_peer import causal_softmax_triton
    except ImportError:
        return {}
    causal_softmax_triton(x, BENCH_SCALE, out)
    err = max_rel_error(out, want)
    if not err <= 2.0**-8:
        raise AssertionError(f"triton peer error {err:.2e}")
    return {"triton row kernel": ctx.timer(lambda: causal_softmax_triton(x, BENCH_SCALE, out))}


def _bench_cpu(ctx, shape, dtype):
    from .dtypes import host_dtype

    rng = np.random.default_rng()
    x = rng.standard_normal(shape, dtype=np.float32).astype(host_dtype(dtype))
    seq_len, cache_len = shape[-2:]
    where = np.triu(np.ones((seq_len, cache_len), bool), k=cache_len - seq_len + 1)
    out = np.full_like(x, np.nan)
    causal_softmax(x, scale=BENCH_SCALE, out=out, backend=ctx.backend)

    def numpy_formula():
        z = np.where(where, -np.inf, BENCH_SCALE * x.astype(np.float32))
        e = np.exp(z - z.max(-1, keepdims=True))
        return (e / e.sum(-1, keepdims=True)).astype(x.dtype)

    z = np.where(where, -np.inf, BENCH_SCALE * x.astype(np.float64))
    want = np.exp(z - z.max(-1, keepdims=True))
    want /= want.sum(-1, keepdims=True)
    err = float((np.abs(out.astype(np.float64) - want).max(-1) / want.max(-1)).max())
    if not err <= TOLERANCE[dtype]:
        raise AssertionError(f"causal_softmax error {err:.2e} on {shape} {dtype}")
    ms = ctx.timer(lambda: causal_softmax(x, scale=BENCH_SCALE, out=out, backend=ctx.backend))
    peer_ms = {"numpy formula": ctx.timer(numpy_formula)} if ctx.peers else {}
    return ms, peer_ms, err, int((~where).sum()) * (x.size // where.size)


CAUSAL_SOFTMAX = op.register(op.Family(
    name="causal_softmax",
    dependent_launch=True,
    gpu_kernel=causal_softmax_kernel, cpu_kernel=causal_softmax_cpu,
    reference=causal_softmax_definition,
    helpers=HELPERS, cpu_helpers=reductions.HOST_HELPERS + (key_weight, softmax_row_host),
    gpu_helpers=(reductions.row_reduce, reductions.row_reduce_alternating,
                                  load_tile, exp_tile, store_tile,
                                  key_kept, load_chunks, decode_chunks, exp_chunks,
                                  store_chunks, nan_row_chunks, softmax_row_vec,
                                  query_keys, block_row, softmax_rows_vec),
    args=(op.array("s", "ELEMENT", 4), op.array("out", "ELEMENT", 4),
          op.array("s_words", "uint64", 4), op.array("out_words", "uint64", 4),
          op.scalar("scale", "COMPUTE"), op.scalar("offset", "int64"),
          op.scalar("window", "int64"), op.array("kv_lens", "int64", 1),
          op.array("q_offsets", "int64", 1)),
    aot_variants=_aot_variants,
    bench=bench_causal_softmax, bench_label="softmax",
    bench_shapes={"gpu": [((4, 32, 2048, 2048), ("float32", "float16", "bfloat16")),
                          ((1, 8, 8192, 8192), ("float32", "float16", "bfloat16")),
                          ((4, 32, 512, 512), ("float32", "float16")),
                          ((8, 32, 1, 4096), ("float32", "float16")),
                          ((4, 32, 2048, 2048), ("float16+window1024", "float16+kv_lens"))],
                  "cpu": [((4, 32, 1024, 1024), ("float32",)), ((1, 4, 1024, 1024), ("float16",))],
                  "quick": [((1, 4, 256, 256), ("float32",))]},
    bench_modes=("windowN", "kv_lens"), bench_check=_bench_check,
))
