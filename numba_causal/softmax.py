"""Causal softmax: the mask fused into softmax over the keys, in one kernel.

``causal_softmax(scores)`` returns ``softmax(scale * scores)`` over the key axis,
every key the mask drops counting as -inf. The mask is apply_causal_mask's (see
mask.py's docstring: offset, window, kv_lens, q_offsets, mask_fn, causal); a
row's kept keys ``[lo, hi)`` come from the same ``kept_keys``.

What is read and written: each row reads only the memory holding its kept keys
(on the GPU, the 8-byte words that hold them: a word at either end of the kept
range may also hold a masked key, whose value is never used; whatever a masked
key holds, NaN included, never reaches the result) and writes the whole row:
exact +0.0 for the masked keys, probabilities for the kept ones. ``out`` may be
``scores`` itself (in place), a separate array of the same shape and dtype, or
None (a new array like ``scores``).

Numerics. float16 and bfloat16 scores are decoded to float32 and their rows
computed and summed in float32; float32 rows compute in float32 and sum in
float64; float64 rows compute and sum in float64. ``exp(scale * x - max)`` is
evaluated as ``exp(|scale| * (u - max u))`` with ``u = x`` or ``-x``: the
exponent's rounding error grows with its size, but exp shrinks the probability
faster, so relative to the row's largest probability it stays below 2**-23.
Measured against float64 (tests/test_softmax.py), the error is below 1e-6
(float32) or 1e-3 (float16, bfloat16) of the row's largest probability, plus
half an ulp of the output dtype (its own rounding). Special values:

* a scaled score of -inf counts as masked: a row with no kept key, or only
  -inf ones, is all zeros (not NaN);
* a NaN or +inf scaled score among a row's kept keys makes every kept output of
  that row NaN (inf - inf, as in any softmax); its masked outputs stay 0.

Kernels, side by side as in mask.py:

* GPU (hip, cuda, sim): block (LANES, ROWS), a block row of LANES lanes per
  query row, grid (ceil(seq_len / ROWS), heads, batch) folded by
  compile.fold_grid. Rows are read and written as 8-byte words where both
  arrays allow it (contiguous, aligned rows; cache_len a multiple of the keys
  per word), else element by element. A lane takes its words in tiles of CHUNK
  words kept in registers. A row of one tile (the usual case: CHUNK is sized
  from cache_len) is read once: lane max, row max (warp shuffles: row_reduce
  and primitives.lane_xor), one exp per key and a lane sum, row sum, then the
  row is written from registers. A longer row folds its tiles into an online
  (max, sum) per lane and is read again to be written.
* CPU (``@njit(parallel=True)``): rows in parallel; per row the online (max,
  sum) pass over the kept keys, then one pass writing the row.
* reference (``@njit``): element by element: a max pass, a sum pass, and an
  exact division; no lanes, no tiles, no online rescaling.

float16 and bfloat16 elements are raw uint16 bits in the kernels (dtypes.py);
their conversions to and from float32 are the device helpers below, written
once for every backend with integer arithmetic on float32's bits (bit casts are
NumPy scalar views; numba-hip has no float16 type). float32 and float64
elements reach the kernels as float views, or as the bits of 8-byte words.
"""

from __future__ import annotations

import contextlib
import math
import numbers

import numpy as np
from numba import float32, float64, int32, int64, prange, uint16, uint64  # noqa: F401 (int32: primitives.py)

from . import compile as kc
from . import dtypes
from . import primitives
from .arrays import inspect_scores, no_words, scores_on
from .backends import get_backend
from .mask import host_row, kept_keys
from .options import mask_options

# Compile-time constants of the kernel source; build() rebinds them per variant.
hip = None
LANES = 32
ROWS = 1
WARP = 32
SPAN = 32
EXCHANGE_LANES = 1
PARTIALS = 1
CHUNK = 16
CHUNK_SLOTS = 16
WORD = 1
KEY_BITS = 32
KEY_MASK = 0xFFFFFFFF
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


# --- element conversions (device helpers, every backend) ---------------------------
#
# Bit casts are NumPy scalar views (``np.float32(x).view(np.uint32)``), which
# numba (CPU), numba-cuda and numba-hip all compile to a plain bitcast and the
# simulator runs as NumPy; the rest is integer arithmetic on the float32 bits.

def float32_bits(x):
    """The IEEE bits of float32 ``x``, as int64."""
    return int64(np.float32(x).view(np.uint32))


def bits_float32(bits):
    """The float32 whose IEEE bits are the low 32 bits of ``bits``."""
    return np.uint32(bits).view(np.float32)


def half_bits_to_float32(bits):
    """IEEE float16 bits -> float32, exactly: exponent and fraction moved into
    float32's fields, then one exact multiply by 2**112 re-biases (subnormals too)."""
    h = int64(bits)
    sign = (h & 0x8000) << 16
    magnitude = h & 0x7FFF
    if magnitude >= 0x7C00:  # inf, NaN (payload kept)
        return bits_float32(sign | 0x7F800000 | ((magnitude & 0x3FF) << 13))
    return bits_float32(sign | (magnitude << 13)) * float32(2.0 ** 112)


def bfloat16_bits_to_float32(bits):
    """bfloat16 bits -> float32, exactly (bfloat16 is float32's upper half)."""
    return bits_float32(int64(bits) << 16)


def float32_to_half_bits(x):
    """float32 -> IEEE float16 bits, rounded to nearest even. NaN becomes the quiet
    NaN 0x7E00, -0.0 becomes +0.0, overflow becomes inf."""
    u = float32_bits(x)
    a = u & 0x7FFFFFFF
    if a > 0x7F800000:
        return 0x7E00
    if a == 0:
        return 0
    sign = (u >> 16) & 0x8000
    if a >= 0x47800000:  # 65536 and beyond (and inf)
        return sign | 0x7C00
    if a >= 0x38800000:  # a float16 normal: re-bias, round on the 13 dropped bits
        return sign | ((a + 0xFFF + ((a >> 13) & 1)) >> 13) - (112 << 10)
    # a float16 subnormal: the value in units of 2**-24, rounded to nearest even
    shift = 126 - (a >> 23)
    if shift > 24:
        return sign  # below half the smallest subnormal
    significand = (a & 0x7FFFFF) | 0x800000
    units = significand >> shift
    rest = significand & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if rest > half or (rest == half and units & 1):
        units += 1  # a carry into the exponent field is the right next float
    return sign | units


def float32_to_bfloat16_bits(x):
    """float32 -> bfloat16 bits, rounded to nearest even. NaN becomes the quiet NaN
    0x7FC0, -0.0 becomes +0.0, overflow becomes inf."""
    u = float32_bits(x)
    a = u & 0x7FFFFFFF
    if a > 0x7F800000:
        return 0x7FC0
    if a == 0:
        return 0
    return (u + 0x7FFF + ((u >> 16) & 1)) >> 16


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
        return uint16(float32_to_half_bits(p))
    if FORMAT == BFLOAT16:
        return uint16(float32_to_bfloat16_bits(p))
    return COMPUTE(p)


# --- keys in 8-byte words (GPU kernel) -------------------------------------------------
#
# With WORD > 1 the GPU kernel reads and writes rows as 8-byte words (a uint64 view
# of the same memory): WORD keys of KEY_BITS bits each, key ``e`` of a word in its
# bits [e * KEY_BITS, (e + 1) * KEY_BITS) (little-endian). With WORD == 1 a "word" is
# one element of the float view or the 16-bit bits.

def word_key(word, e):
    """Key ``e`` of ``word`` as the compute type."""
    if WORD == 1:
        return element_to_float(word)
    bits = (word >> uint64(e * KEY_BITS)) & uint64(KEY_MASK)
    if FORMAT == FLOAT32:
        return bits_float32(bits)
    return element_to_float(bits)


def key_bits(p):
    """Probability ``p`` (compute type) as the output's bits (WORD > 1) or element."""
    if WORD == 1:
        return float_to_element(p)
    if FORMAT == FLOAT32:
        return uint64(float32_bits(p))
    return uint64(float_to_element(p))


def with_key(word, e, bits):
    """``word`` with key ``e`` set to ``bits`` (its bits are zero before)."""
    if WORD == 1:
        return bits
    return word | (bits << uint64(e * KEY_BITS))


def empty_word():
    """A word of +0.0 keys: what every masked key gets."""
    if WORD == 1:
        return float_to_element(COMPUTE(0))
    return uint64(0)


# --- reductions (device helpers) ------------------------------------------------------
#
# softmax(scale * x) is computed as exp(magnitude * (u - max u)) / sum, with
# magnitude = |scale| and u = x or -x (the sign of scale): the row max is taken
# over exact input values (see the module docstring for the error this leaves).

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
        hip.syncthreads()
        value = partial[slot, 0]
        for w in range(1, LANES // SPAN):
            value = combine(value, partial[slot, w], is_max)
        hip.syncthreads()  # every lane has read ``partial`` before it is reused
    return value


def probability_bits(p, inverse):
    """The output bits of a key whose exp is ``p`` (-1: a masked key, exactly 0)."""
    return key_bits(COMPUTE(0) if p < 0 else p * inverse)


HELPERS = (kept_keys, host_row, float32_bits, bits_float32, half_bits_to_float32,
           bfloat16_bits_to_float32, float32_to_half_bits, float32_to_bfloat16_bits,
           element_to_float, float_to_element, word_key, key_bits, with_key, empty_word,
           nan_max, rescaled, online_add, combine, probability_bits)


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
    values = hip.local.array(CHUNK_SLOTS, COMPUTE)
    exchange_max = hip.shared.array((ROWS, EXCHANGE_LANES), COMPUTE)
    exchange_sum = hip.shared.array((ROWS, EXCHANGE_LANES), SUM)
    partial_max = hip.shared.array((ROWS, PARTIALS), COMPUTE)
    partial_sum = hip.shared.array((ROWS, PARTIALS), SUM)
    batch, heads, seq_len, cache_len = s.shape
    lane = int64(hip.threadIdx.x)
    slot = int64(hip.threadIdx.y)
    direction = COMPUTE(-1) if scale < 0 else COMPUTE(1)
    magnitude = abs(scale)
    # grid-stride while loops: a range() with a runtime step costs a 64-bit division
    b = int64(hip.blockIdx.z)
    while b < batch:
        row_offset = q_offsets[b] if USE_Q_OFFSETS else offset
        kv_len = kv_lens[b] if USE_KV_LENS else cache_len
        h = int64(hip.blockIdx.y)
        while h < heads:
            first = int64(hip.blockIdx.x) * ROWS
            while first < seq_len:
                q = first + slot
                active = q < seq_len
                pos = q + row_offset
                lo, hi = kept_keys(pos, window, kv_len, cache_len)
                if not active:
                    q, lo, hi = seq_len - 1, 0, 0
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
                first += int64(hip.gridDim.x) * ROWS
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

#: launch shape per GPU backend: (lanes per row, rows per block, most keys per lane
#: held in registers, for float32 compute: half for float64); measured in
#: docs/benchmarks.md (cuda; hip takes the same, unmeasured). The simulator runs a
#: Python thread per lane: keep it small.
LAUNCH = {"cuda": (128, 2, 16), "hip": (128, 2, 16), "sim": (32, 1, 4)}


def _compute_dtype(dtype_name: str) -> np.dtype:
    """The NumPy dtype rows of ``dtype_name`` are computed in (float32 or float64)."""
    return np.dtype(FORMATS[dtype_name][1].name)


def _most_keys(most: int, dtype_name: str) -> int:
    """LAUNCH's most keys per lane in registers, given for 4-byte compute types:
    half as many float64 keys (the same registers; AMD's compiler spills 16)."""
    return most * 4 // _compute_dtype(dtype_name).itemsize


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
                EXCHANGE_LANES=lanes if primitives.uses_shared_exchange(backend_name) else 1,
                PARTIALS=max(lanes // span, 1))


def _constants(dtype_name, opts) -> dict:
    fmt, compute, total = FORMATS[dtype_name]
    return dict(FORMAT=fmt, COMPUTE=compute, SUM=total, CAUSAL=opts.causal,
                USE_KV_LENS=opts.kv_lens is not None, USE_Q_OFFSETS=opts.q_offsets is not None,
                HAS_MASK_FN=opts.mask_fn is not None, MASK_FN=opts.mask_fn or kc.keep_all)


def gpu_helpers(backend_name: str) -> tuple:
    """The device helpers of the GPU kernel, with the backend's spelling of the
    primitives (primitives.py)."""
    return HELPERS + (row_reduce, load_tile, exp_tile, store_tile) + \
        primitives.gpu_primitives(backend_name)


def _float_view(array, dtype_name):
    """float32/float64 elements reach the kernels as floats; 16-bit ones as bits."""
    if dtype_name in ("float32", "float64"):
        return array.view(np.dtype(dtype_name))
    return array


def _launch_gpu(backend, source, target, dtype_name, scale, opts):
    """Compile (cached) and launch the GPU kernel: Launchable ``source`` -> ``target``.
    Rows go through 8-byte words when both arrays have a word view of whole rows."""
    src, dst = _float_view(source.bits, dtype_name), _float_view(target.bits, dtype_name)
    batch, heads, seq_len, cache_len = src.shape
    itemsize = src.dtype.itemsize
    word = 8 // itemsize
    if not ROW_WORDS or source.words is None or target.words is None or cache_len % word:
        word = 1
    lanes, rows, most = LAUNCH.get(backend.name, (4 * backend.warp, 1, 16))
    constants = launch_constants(backend.name, backend.warp, lanes, rows, word, itemsize,
                                 words_per_lane(lanes, _most_keys(most, dtype_name), word,
                                                cache_len, opts.window))
    kernel = kc.build(backend, causal_softmax_kernel, gpu_helpers(backend.name),
                      **constants, **_constants(dtype_name, opts))
    kv_lens, q_offsets = opts.device_arrays(backend)
    unused = no_words(backend)
    s_words, out_words = (source.words, target.words) if word > 1 else (unused, unused)
    # one block row per query row, ROWS rows per block; heads and batch ride y and z
    grid = kc.fold_grid(backend, -(-seq_len // rows), heads, batch)
    block = (lanes, rows)
    launch = kernel[grid, block, opts.stream] if opts.stream else kernel[grid, block]
    with kc.launch_guard(backend, "kernel"):
        launch(src, dst, s_words, out_words, _compute_dtype(dtype_name).type(scale),
               opts.offset, opts.window, kv_lens, q_offsets)


def _run(kind, backend, src, dst, dtype_name, scale, opts):
    """Compile (cached) and run the CPU kernel or the reference on host arrays."""
    src, dst = _float_view(src, dtype_name), _float_view(dst, dtype_name)
    scale = _compute_dtype(dtype_name).type(scale)
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
        if s.size and chosen.is_gpu_kernel:
            _launch_gpu(chosen, source, target, s.dtype, scale, opts)
        elif s.size:
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


def kernel_specs(gpu, lanes: int, warp: int = None) -> list:
    """The softmax kernel bound to ``gpu`` (``numba.hip`` or ``numba.cuda``) for
    ahead-of-time compilation, per dtype: ``lanes`` lanes per row, one row per
    block, on a target whose warp (wavefront) is ``warp`` lanes (default: ``lanes``)."""
    backend_name = "hip" if gpu.__name__.endswith("hip") else "cuda"
    specs = []
    for name, (fmt, compute, _) in FORMATS.items():
        itemsize = dtypes.SUPPORTED[name][0]
        word = 8 // itemsize
        constants = dict(**launch_constants(backend_name, warp or lanes, lanes, 1, word,
                                            itemsize, words_per_lane(
                                                lanes, _most_keys(16, name), word, 2048, 0)),
                         **_constants(name, _NoOptions))
        namespace = kc.bound_namespace(causal_softmax_kernel, gpu_helpers(backend_name),
                                       constants, gpu, lambda f: gpu.jit(device=True)(f))
        fn = kc.bind(causal_softmax_kernel, namespace)
        element = "uint16" if fmt in (FLOAT16, BFLOAT16) else name
        specs.append(kc.KernelSpec(
            f"causal_softmax_{name}", fn,
            f"void({element}[:,:,:,::1], {element}[:,:,:,::1], uint64[:,:,:,::1], "
            f"uint64[:,:,:,::1], {compute.name}, int64, int64, int64[::1], int64[::1])"))
    return specs


class _NoOptions:
    causal, kv_lens, q_offsets, mask_fn = True, None, None, None
