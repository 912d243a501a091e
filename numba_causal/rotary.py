"""Rotary position embeddings: GPU kernel, CPU kernel, CPU reference and launcher.

``apply_rotary(q, k=None, ...)`` rotates ``q`` (and ``k``) in place, in one launch.

Semantics (every backend). ``layout='bhsd'``: ``[batch, heads, seq_len, head_dim]``;
``'bshd'``: ``[batch, seq_len, heads, head_dim]`` (Hugging Face projections,
FlashAttention). ``k`` has q's batch, seq_len and head_dim; its head count may
differ (GQA). Row ``i`` of sequence ``b`` sits at position ``positions[b, i]``
(or ``positions[i]``) when ``positions`` is given, else ``i + q_offsets[b]``,
else ``i + offset``: the mask's position rule.

Only the first ``rotary_dim`` elements of a head vector rotate (the rest are
never read or written: they keep their bits). Pair ``j`` of ``rotary_dim / 2``
is ``(j, j + rotary_dim / 2)`` (GPT-NeoX, LLaMA, Hugging Face ``rotate_half``) or
``(2j, 2j + 1)`` with ``interleaved=True`` (GPT-J, GLM)::

    x_a' = x_a cos(theta) - x_b sin(theta)      theta = pos * inv_freq[j]
    x_b' = x_b cos(theta) + x_a sin(theta)      inv_freq[j] = base ** (-2j / rotary_dim)

Numerics: float16, bfloat16 and float32 rows compute in float32, float64 rows in
float64. ``inv_freq`` is evaluated in float64 on the host and rounded to the
compute type; ``theta`` is the compute type's product ``float(pos) * inv_freq[j]``
(as Hugging Face's float32 ``position_ids.float() @ inv_freq``). With ``cos`` and
``sin`` tables ``[max_position, rotary_dim / 2]`` (a model's precomputed cache, in
q's dtype or float32) their values are used as they are.

Kernels, side by side as in mask.py:

* GPU (hip, cuda, sim): a block of THREADS lanes handles ``rows_per_block``
  (b, s) rows; a row's lanes split into ``lanes`` lanes along the chunks of a head
  vector (CH pairs each) times head groups. A lane computes the cos/sin of its CH
  pairs once per row and applies them to every q and k head of its group, so the
  trig is shared by all heads of a position. Where every head vector is
  contiguous and 16-byte aligned (and ``rotary_dim / 2`` a multiple of a chunk), a
  chunk is two 16-byte loads and two 16-byte stores (``intrinsics.load_v4``,
  hardware 16-bit conversions, VEC = 8 for 16-bit, 4 for float32); else, and
  always for float64, element by element (VEC = 1, one pair per chunk). Arrays
  reach the kernel as flat 1-D element views with their origin and strides.
* CPU (``@njit(parallel=True)``): (b, s) rows in parallel; per row and pair one
  cos/sin, applied to every head.
* reference (``@njit``): element by element, q then k, cos/sin recomputed for
  each element, elements.py's integer conversions (not the hardware ones).

Validation (before anything is written): q and k float arrays of the same dtype,
4-D, shapes consistent, not overlapping; positions integers of shape
``[batch, seq_len]`` or ``[seq_len]``; with tables every position must lie in
``[0, max_position)``. Positions in a torch GPU tensor stay on the GPU; with
tables their range check copies their min and max to the host (a synchronisation).
Other GPU arrays of positions (CuPy, numba) are copied through the host.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import int64, prange

from . import compile as kc
from . import dtypes, fastpath, op
from .arrays import (Scores, _device_view, cai_strides, constant_on, device_copy,
                     inspect_scores, overlaps)
from .backends import auto_means_cuda_for_torch, get_backend
from .compile import GPU, compile_time
from .elements import (BFLOAT16, CONVERSIONS, FLOAT16, FLOAT32, FORMATS, compute_dtype,
                       element_of, element_to_float, element_value, float_to_element,
                       float_view, format_constants)
from .elements import HELPERS as ELEMENT_HELPERS
from .options import _as_int, _per_sequence, host_integers

gpu = GPU
#: a programmatic dependent launch (op.Family.dependent_launch): the kernel waits on
#: entry for the grids before it (cuda, sm_90: op.dependent_launches)
PDL, grid_dependency_wait = compile_time("PDL", "grid_dependency_wait")
#: compile-time constants: lanes per block, elements per 16-byte chunk (1: the
#: element path), pairs per lane chunk, pairing convention, cos/sin from tables,
#: where positions come from, and the element / table formats (elements.py)
THREADS, VEC, CH, PRELOAD, INTERLEAVED, TABLE, TABLE_VEC = compile_time(
    "THREADS", "VEC", "CH", "PRELOAD", "INTERLEAVED", "TABLE", "TABLE_VEC")
USE_POSITIONS, USE_Q_OFFSETS = compile_time("USE_POSITIONS", "USE_Q_OFFSETS")
FORMAT, COMPUTE, TABLE_FORMAT = compile_time("FORMAT", "COMPUTE", "TABLE_FORMAT")
# device primitives bound per backend (intrinsics.py)
(f16_to_f32, bf16_to_f32, f32_to_f16, f32_to_bf16, f16x2_lo, f16x2_hi, bf16x2_lo, bf16x2_hi,
 pack_f16x2, pack_bf16x2, as_f32, load, store, load_v4, store_v4) = compile_time(
    "f16_to_f32", "bf16_to_f32", "f32_to_f16", "f32_to_bf16", "f16x2_lo", "f16x2_hi",
    "bf16x2_lo", "bf16x2_hi", "pack_f16x2", "pack_bf16x2", "as_f32", "load", "store",
    "load_v4", "store_v4")

LAYOUTS = ("bhsd", "bshd")


# --- helpers (device functions on GPUs, @njit on the CPU) -------------------------------

def table_value(e):
    """A cos/sin table entry as the compute type."""
    if TABLE_FORMAT == FLOAT16:
        return f16_to_f32(e)
    if TABLE_FORMAT == BFLOAT16:
        return bf16_to_f32(e)
    return COMPUTE(e)


def rotated(xa, xb, c, s):
    """The pair (xa, xb) rotated by the angle whose cosine and sine are (c, s)."""
    return xa * c - xb * s, xb * c + xa * s


def row_position(b, s, positions, q_offsets, offset):
    """The position of row ``s`` of sequence ``b``."""
    if USE_POSITIONS:
        return positions[b if positions.shape[0] > 1 else 0, s]
    if USE_Q_OFFSETS:
        return s + q_offsets[b]
    return s + offset


def cos_sin(pos, j, inv_freq, cos_table, sin_table):
    """(cos, sin) of pair ``j`` at position ``pos``, in the compute type."""
    if TABLE:
        return table_value(cos_table[pos, j]), table_value(sin_table[pos, j])
    angle = COMPUTE(pos) * inv_freq[j]
    return COMPUTE(math.cos(angle)), COMPUTE(math.sin(angle))


def table_chunk(table, pos, j0, out):
    """TABLE_VEC: entries ``j0 .. j0 + CH`` of table row ``pos`` into ``out`` (the
    compute type) by 16-byte loads: one for 16-bit entries (CH == 8), CH / 4 for
    float32 ones. The launcher checked that each such chunk is contiguous and
    16-byte aligned (_table_vector_ok)."""
    row = table[pos]
    if TABLE_FORMAT == FLOAT32:
        for c in range(CH // 4):
            w = load_v4(row, j0 + 4 * c)
            out[4 * c] = as_f32(w[0])
            out[4 * c + 1] = as_f32(w[1])
            out[4 * c + 2] = as_f32(w[2])
            out[4 * c + 3] = as_f32(w[3])
    else:
        w = load_v4(row, j0)
        for i in range(4):
            out[2 * i] = f16x2_lo(w[i]) if TABLE_FORMAT == FLOAT16 else bf16x2_lo(w[i])
            out[2 * i + 1] = f16x2_hi(w[i]) if TABLE_FORMAT == FLOAT16 else bf16x2_hi(w[i])


def lo16(w):
    """The low 16-bit element of a 32-bit word, as float32."""
    return f16x2_lo(w) if FORMAT == FLOAT16 else bf16x2_lo(w)


def hi16(w):
    """The high 16-bit element of a 32-bit word, as float32."""
    return f16x2_hi(w) if FORMAT == FLOAT16 else bf16x2_hi(w)


def pack16(lo, hi):
    """Two float32 values as one word of 16-bit elements (RNE)."""
    return pack_f16x2(lo, hi) if FORMAT == FLOAT16 else pack_bf16x2(lo, hi)


def rotate_words(wa, wb, c0, s0, c1, s1):
    """Rotate-half, 16-bit: word ``wa`` holds the first members of two pairs, ``wb``
    their partners; returns both words rotated."""
    a0, b0 = rotated(lo16(wa), lo16(wb), c0, s0)
    a1, b1 = rotated(hi16(wa), hi16(wb), c1, s1)
    return pack16(a0, a1), pack16(b0, b1)


def rotate_pair_word(w, c, s):
    """Interleaved, 16-bit: a word is one pair; returns it rotated."""
    a, b = rotated(lo16(w), hi16(w), c, s)
    return pack16(a, b)


def chunk_offsets(base, j0, pairs, sd):
    """Flat offsets (a, b) of pairs ``j0 .. j0 + CH`` of the head vector at ``base``:
    VEC > 1, the two 16-byte chunks (rotate-half: first members, then their partners
    ``pairs`` further; interleaved: two consecutive chunks); VEC == 1, the pair's
    two elements."""
    if VEC > 1:
        off_a = base + 2 * j0 if INTERLEAVED else base + j0
        return off_a, off_a + VEC if INTERLEAVED else off_a + pairs
    ia = base + (2 * j0 if INTERLEAVED else j0) * sd
    return ia, ia + sd if INTERLEAVED else ia + pairs * sd


def store_rotated(x, off_a, off_b, a, b, cs, sn):
    """Rotate the two loaded 16-byte chunks ``a``, ``b`` (4 uint32 words each) with
    their CH cos ``cs`` and sin ``sn`` and store them back at ``off_a``, ``off_b``."""
    if FORMAT == FLOAT32:
        if INTERLEAVED:
            a0, a1 = rotated(as_f32(a[0]), as_f32(a[1]), cs[0], sn[0])
            a2, a3 = rotated(as_f32(a[2]), as_f32(a[3]), cs[1], sn[1])
            b0, b1 = rotated(as_f32(b[0]), as_f32(b[1]), cs[2], sn[2])
            b2, b3 = rotated(as_f32(b[2]), as_f32(b[3]), cs[3], sn[3])
        else:
            a0, b0 = rotated(as_f32(a[0]), as_f32(b[0]), cs[0], sn[0])
            a1, b1 = rotated(as_f32(a[1]), as_f32(b[1]), cs[1], sn[1])
            a2, b2 = rotated(as_f32(a[2]), as_f32(b[2]), cs[2], sn[2])
            a3, b3 = rotated(as_f32(a[3]), as_f32(b[3]), cs[3], sn[3])
        store_v4(x, off_a, a0, a1, a2, a3)
        store_v4(x, off_b, b0, b1, b2, b3)
    else:
        if INTERLEAVED:
            w0 = rotate_pair_word(a[0], cs[0], sn[0])
            w1 = rotate_pair_word(a[1], cs[1], sn[1])
            w2 = rotate_pair_word(a[2], cs[2], sn[2])
            w3 = rotate_pair_word(a[3], cs[3], sn[3])
            v0 = rotate_pair_word(b[0], cs[4], sn[4])
            v1 = rotate_pair_word(b[1], cs[5], sn[5])
            v2 = rotate_pair_word(b[2], cs[6], sn[6])
            v3 = rotate_pair_word(b[3], cs[7], sn[7])
        else:
            w0, v0 = rotate_words(a[0], b[0], cs[0], sn[0], cs[1], sn[1])
            w1, v1 = rotate_words(a[1], b[1], cs[2], sn[2], cs[3], sn[3])
            w2, v2 = rotate_words(a[2], b[2], cs[4], sn[4], cs[5], sn[5])
            w3, v3 = rotate_words(a[3], b[3], cs[6], sn[6], cs[7], sn[7])
        store_v4(x, off_a, w0, w1, w2, w3)
        store_v4(x, off_b, v0, v1, v2, v3)


def load_step(x, row, sh, sd, h, heads, per_row, j0, pairs):
    """VEC > 1: the offsets and the four 16-byte chunks of heads ``h`` and ``h +
    per_row`` (one step), loaded together. A head past the last re-reads a valid
    one (never stored), so the loads are unconditional."""
    h1 = max(min(h, heads - 1), 0)
    h2 = h + per_row
    if h2 >= heads:
        h2 = h1
    a1, b1 = chunk_offsets(row + h1 * sh, j0, pairs, sd)
    a2, b2 = chunk_offsets(row + h2 * sh, j0, pairs, sd)
    return a1, b1, a2, b2, load_v4(x, a1), load_v4(x, b1), load_v4(x, a2), load_v4(x, b2)


def rotate_heads(x, row, sh, sd, first_head, heads, per_row, j0, pairs, cs, sn, step):
    """Rotate pairs ``j0 .. j0 + CH`` of heads ``first_head, + per_row, ...`` of one
    row of ``x`` (flat offset ``row``, head stride ``sh``).

    VEC > 1: two heads per step, ``step`` (load_step) already loaded for the first
    one; the next step's loads go out together after this one's stores. VEC == 1:
    one pair of elements per head (``step`` unused).
    """
    h = first_head
    while h < heads:
        if VEC > 1:
            a1, b1, a2, b2, wa1, wb1, wa2, wb2 = step
            store_rotated(x, a1, b1, wa1, wb1, cs, sn)
            if h + per_row < heads:
                store_rotated(x, a2, b2, wa2, wb2, cs, sn)
            h += 2 * per_row
            if h < heads:
                step = load_step(x, row, sh, sd, h, heads, per_row, j0, pairs)
        else:
            ia, ib = chunk_offsets(row + h * sh, j0, pairs, sd)
            xa = element_value(load(x, ia))
            xb = element_value(load(x, ib))
            na, nb = rotated(xa, xb, cs[0], sn[0])
            store(x, ia, element_of(na))
            store(x, ib, element_of(nb))
            h += per_row


#: helpers of every rotary kernel (the GPU kernel adds its chunk helpers)
HELPERS = (table_value, rotated, row_position, cos_sin)
GPU_HELPERS = (table_chunk, lo16, hi16, pack16, rotate_words, rotate_pair_word, chunk_offsets,
               store_rotated, load_step, rotate_heads)


# --- the three kernels ------------------------------------------------------------------

def rotary_kernel(q, k, q_origin, q_sb, q_sh, q_ss, q_sd, k_origin, k_sb, k_sh, k_ss, k_sd,
                  batch, seq_len, q_heads, k_heads, pairs, rows_per_block, positions,
                  q_offsets, offset, inv_freq, cos_table, sin_table):
    """GPU kernel. ``q``, ``k``: flat 1-D element views (uint16 bits, or float32 /
    float64); element ``[b, h, s, d]`` of q is ``q[q_origin + b*q_sb + h*q_sh +
    s*q_ss + d*q_sd]`` (k likewise; ``k_heads`` 0: no k). ``positions``: int64
    ``[1 or batch, seq_len]``; ``inv_freq``: the compute type, ``[pairs]``;
    ``cos_table``, ``sin_table``: ``[max_position, pairs]`` (unused ones are dummies).

    Launch: grid (ceil(batch * seq_len / rows_per_block),), block THREADS. Lane t
    takes chunk ``t % lanes`` of a head vector (``lanes = min(pairs / CH,
    THREADS)``) for row slot ``g // per_row`` and heads ``g % per_row, + per_row,
    ...`` (``g = t // lanes``). Its CH cos/sin are computed once per row and
    applied to each of its q and k heads. A clipped grid folds into the row loop;
    no barriers, so idle lanes simply return.
    """
    if PDL:  # a programmatic dependent launch: the grids before it end first
        grid_dependency_wait()
    cs = gpu.local.array(CH, COMPUTE)
    sn = gpu.local.array(CH, COMPUTE)
    t = int64(gpu.threadIdx.x)
    chunks = pairs // CH
    lanes = min(chunks, THREADS)
    groups = THREADS // lanes
    per_row = max(groups // rows_per_block, 1)
    lane = t % lanes
    g = t // lanes
    slot = g // per_row
    first_head = g - slot * per_row
    if slot >= rows_per_block:
        return
    rows = batch * seq_len
    r = int64(gpu.blockIdx.x) * rows_per_block + slot
    step = int64(gpu.gridDim.x) * rows_per_block
    while r < rows:
        b = r // seq_len
        s = r - b * seq_len
        pos = row_position(b, s, positions, q_offsets, offset)
        q_row = q_origin + b * q_sb + s * q_ss
        k_row = k_origin + b * k_sb + s * k_ss
        c = lane
        while c < chunks:
            j0 = c * CH
            if VEC > 1:
                if PRELOAD:  # q's and k's first step in flight while the cos/sin are computed
                    q_step = load_step(q, q_row, q_sh, q_sd, first_head, q_heads, per_row, j0,
                                       pairs)
                    k_step = load_step(k, k_row, k_sh, k_sd, first_head, k_heads, per_row, j0,
                                       pairs)
            else:
                q_step = k_step = 0
            if TABLE_VEC:
                table_chunk(cos_table, pos, j0, cs)
                table_chunk(sin_table, pos, j0, sn)
            else:
                for i in range(CH):
                    cs[i], sn[i] = cos_sin(pos, j0 + i, inv_freq, cos_table, sin_table)
            if VEC > 1:
                if not PRELOAD:  # fewer registers live across the trig (AMD)
                    q_step = load_step(q, q_row, q_sh, q_sd, first_head, q_heads, per_row, j0,
                                       pairs)
            rotate_heads(q, q_row, q_sh, q_sd, first_head, q_heads, per_row, j0, pairs, cs, sn,
                         q_step)
            if VEC > 1:
                if not PRELOAD:
                    k_step = load_step(k, k_row, k_sh, k_sd, first_head, k_heads, per_row, j0,
                                       pairs)
            rotate_heads(k, k_row, k_sh, k_sd, first_head, k_heads, per_row, j0, pairs, cs, sn,
                         k_step)
            c += lanes
        r += step


def rotate_pair(row, ia, ib, c, s):
    """Rotate elements ``ia``, ``ib`` of a host row in place."""
    na, nb = rotated(element_value(row[ia]), element_value(row[ib]), c, s)
    row[ia] = element_of(na)
    row[ib] = element_of(nb)


def rotary_cpu(q, k, k_heads, pairs, positions, q_offsets, offset, inv_freq, cos_table,
               sin_table):
    """CPU kernel (``@njit(parallel=True)``): ``q``, ``k`` as [b, h, s, d] element
    views; (b, s) rows in parallel, one cos/sin per row and pair for every head."""
    batch, q_heads, seq_len, _ = q.shape
    for r in prange(batch * seq_len):
        b = r // seq_len
        s = r - b * seq_len
        pos = row_position(b, s, positions, q_offsets, offset)
        for j in range(pairs):
            c, sn = cos_sin(pos, j, inv_freq, cos_table, sin_table)
            ia = 2 * j if INTERLEAVED else j
            ib = ia + 1 if INTERLEAVED else j + pairs
            for h in range(q_heads):
                rotate_pair(q[b, h, s], ia, ib, c, sn)
            for h in range(k_heads):
                rotate_pair(k[b, h, s], ia, ib, c, sn)


def rotary_definition(q, k, k_heads, pairs, positions, q_offsets, offset, inv_freq,
                      cos_table, sin_table):
    """The reference: every pair of every head vector, q then k, one at a time, with
    elements.py's integer conversions."""
    batch, q_heads, seq_len, _ = q.shape
    for which in range(2):
        x = q if which == 0 else k
        heads = q_heads if which == 0 else k_heads
        for b in range(batch):
            for h in range(heads):
                for s in range(seq_len):
                    if USE_POSITIONS:
                        pos = positions[b if positions.shape[0] > 1 else 0, s]
                    elif USE_Q_OFFSETS:
                        pos = s + q_offsets[b]
                    else:
                        pos = s + offset
                    for j in range(pairs):
                        if TABLE:
                            c = table_value(cos_table[pos, j])
                            sn = table_value(sin_table[pos, j])
                        else:
                            c = COMPUTE(math.cos(COMPUTE(pos) * inv_freq[j]))
                            sn = COMPUTE(math.sin(COMPUTE(pos) * inv_freq[j]))
                        ia = 2 * j if INTERLEAVED else j
                        ib = ia + 1 if INTERLEAVED else j + pairs
                        xa = element_to_float(x[b, h, s, ia])
                        xb = element_to_float(x[b, h, s, ib])
                        x[b, h, s, ia] = float_to_element(xa * c - xb * sn)
                        x[b, h, s, ib] = float_to_element(xb * c + xa * sn)


# --- launch planning ----------------------------------------------------------------------

#: issue q's and k's first 16-byte loads before the cos/sin (cuda: 98 registers, no
#: spills); on AMD the eight chunks held across the trig spilled (gfx90a/gfx942: 10
#: VGPRs, 36 bytes of scratch), so each step is loaded just before it is used
PRELOAD_BY_BACKEND = {"cuda": True, "hip": False, "sim": True}
#: lanes per block. cuda: 2 warps, so that a lane takes 2 steps of q's and k's 32 heads
#: (128 lanes gave 1 step each, and each block ended after one round trip to memory;
#: H200, issue 14's shape: tables 0.86-0.89 -> 0.91-0.94 of the floor, base 0.95 both,
#: docs/benchmarks.md); hip: 4 warps; the simulator runs a Python thread per lane
THREADS_BY_BACKEND = {"cuda": 64, "hip": 128, "sim": 32}


def element_type(dtype_name: str) -> str:
    """The numba type of an element argument: 16-bit bits, or the float itself."""
    return "uint16" if dtypes.SUPPORTED[dtype_name][0] == 2 else dtype_name


def chunk_elements(dtype_name: str) -> int:
    """Elements of a 16-byte chunk (the vector path); 1 for float64 (elements)."""
    itemsize = dtypes.SUPPORTED[dtype_name][0]
    return 16 // itemsize if itemsize <= 4 else 1


def kernel_constants(dtype_name: str, table_dtype, vec: int, threads: int, interleaved: bool,
                     use_positions: bool, use_q_offsets: bool, preload: bool = True,
                     table_vec: bool = False) -> dict:
    """Every compile-time constant of a GPU or host variant (``table_dtype`` None: base;
    ``preload``: the first loads go out before the trig, PRELOAD_BY_BACKEND;
    ``table_vec``: a lane's cos/sin entries read as 16-byte chunks)."""
    table = table_dtype is not None
    return dict(ELEMENT=element_type(dtype_name), PRELOAD=bool(preload),
                TABLE_VEC=bool(table_vec and table and vec > 1),
                TABLE_ELEMENT=element_type(table_dtype) if table else compute_dtype(
                    dtype_name).name,
                THREADS=threads, VEC=vec, CH=max(vec, 1), INTERLEAVED=bool(interleaved),
                TABLE=table, TABLE_FORMAT=FORMATS[table_dtype or dtype_name][0],
                USE_POSITIONS=bool(use_positions), USE_Q_OFFSETS=bool(use_q_offsets),
                **format_constants(dtype_name))


def rows_per_block(threads: int, lanes: int, heads: int) -> int:
    """Rows a block handles: enough to keep its lane groups busy when a row has
    fewer head vectors (``heads``: q + k) than groups."""
    groups = threads // lanes
    return max(groups // max(heads, 1), 1)


def _aot_variants(warp: int):
    """The variants the launcher produces: each dtype on both paths (vector and
    element) with rotate-half and base, then interleaved, tables (the dtype's own,
    float32), positions and q_offsets."""
    threads = THREADS_BY_BACKEND["hip"]
    preload = PRELOAD_BY_BACKEND["hip"]
    for name in FORMATS:
        vec = chunk_elements(name)
        for v, suffix in ((vec, ""), (1, "_elements")):
            if v == 1 and suffix and vec == 1:
                continue
            yield f"rotary_{name}{suffix}", kernel_constants(name, None, v, threads, False,
                                                             False, False, preload)
            yield (f"rotary_{name}{suffix}_interleaved_positions",
                   kernel_constants(name, None, v, threads, True, True, False, preload))
            yield (f"rotary_{name}{suffix}_table",
                   kernel_constants(name, name, v, threads, False, False, True, preload, True))
            if name != "float32":
                yield (f"rotary_{name}{suffix}_table_float32",
                       kernel_constants(name, "float32", v, threads, True, True, False, preload,
                                        True))


ROTARY = None  # set below (the declaration follows the benchmark)


# --- validation -------------------------------------------------------------------------

def _as_bhsd(s, layout: str):
    """A validated array seen as [batch, heads, seq_len, head_dim] (a strided view)."""
    if layout == "bhsd":
        return s
    b, sq, h, d = s.shape
    sb, ss, sh, sd = s.strides
    shape, strides = (b, h, sq, d), (sb, sh, ss, sd)
    if s.on_device:
        return Scores(s.dtype, shape, strides, s.ndim, cai=dict(s.cai, shape=shape,
                                                                    strides=strides),
                      owner=s.owner)
    return Scores(s.dtype, shape, strides, s.ndim, host=s.host.transpose(0, 2, 1, 3),
                  owner=s.owner)


def _check_rotary_dim(rotary_dim, head_dim: int) -> int:
    if rotary_dim is None:
        if head_dim % 2:
            raise ValueError(f"head_dim {head_dim} is odd: give an even rotary_dim")
        return head_dim
    value = _as_int("rotary_dim", rotary_dim)
    if value < 2 or value % 2 or value > head_dim:
        raise ValueError(f"rotary_dim must be even, at least 2 and at most head_dim "
                         f"({head_dim}); got {value}")
    return value


def _check_base(base) -> float:
    if isinstance(base, (bool, np.bool_)) or not isinstance(base, numbers.Real):
        raise TypeError(f"base must be a real number; got {base!r}")
    value = float(base)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"base must be positive and finite; got {base!r}")
    return value


def check_layout(layout) -> str:
    """``layout``: 'bhsd' or 'bshd' (a ValueError otherwise)."""
    if not isinstance(layout, str) or layout not in LAYOUTS:
        raise ValueError(f"layout must be 'bhsd' or 'bshd'; got {layout!r}")
    return layout


def check_scalars(offset, base, rotary_dim, interleaved, head_dim: int,
                  tables: bool) -> tuple:
    """apply_rotary's scalar options checked as apply_rotary checks them (a TypeError
    or ValueError naming the option): (offset, base, rotary_dim, interleaved) as int,
    float (None with ``tables``: cos and sin given, base unused), int, bool."""
    if not isinstance(interleaved, (bool, np.bool_)):
        raise TypeError(f"interleaved must be True or False; got {interleaved!r}")
    return (_as_int("offset", offset), None if tables else _check_base(base),
            _check_rotary_dim(rotary_dim, head_dim), bool(interleaved))


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def _positions(positions, batch: int, seq_len: int, backend):
    """Validated positions: (host int64 [1 or batch, seq_len], torch int64 GPU tensor
    or None). A torch GPU tensor stays on its device; anything else is a host copy."""
    if _is_torch(positions):
        if positions.dtype.is_floating_point or positions.dtype.is_complex or \
                str(positions.dtype) == "torch.bool":
            raise TypeError(f"positions must hold integers; got dtype {positions.dtype}")
        shape = tuple(positions.shape)
        _check_positions_shape(shape, batch, seq_len)
        if positions.device.type == "cuda" and backend.on_device:
            import torch

            rows = 1 if len(shape) == 1 else batch
            return None, positions.detach().to(torch.int64).reshape(rows, seq_len).contiguous()
        positions = positions.detach().cpu().numpy()
    desc = getattr(positions, "__cuda_array_interface__", None)
    if desc is not None:
        typestr = np.dtype(desc["typestr"])
        if typestr.kind not in "iu":
            raise TypeError(f"positions must hold integers; got dtype {typestr}")
        _check_positions_shape(tuple(desc["shape"]), batch, seq_len)
        gpu = backend.gpu if backend.on_device else get_backend("cuda").gpu
        positions = gpu.from_cuda_array_interface(desc, owner=positions).copy_to_host()
    array = host_integers("positions", positions)
    if array.dtype.kind not in "iu":
        raise TypeError(f"positions must hold integers; got dtype {array.dtype}")
    _check_positions_shape(array.shape, batch, seq_len)
    if array.size and (int(array.max()) > (1 << 62) or int(array.min()) < -(1 << 62)):
        raise ValueError("positions must lie within +-2**62")
    host = np.array(array, dtype=np.int64, order="C").reshape(
        1 if array.ndim == 1 else batch, seq_len)
    host.setflags(write=False)
    return host, None


def _check_positions_shape(shape, batch: int, seq_len: int) -> None:
    if tuple(shape) not in ((batch, seq_len), (seq_len,)):
        raise ValueError(f"positions must have shape ({batch}, {seq_len}) or ({seq_len},) "
                         f"(batch, seq_len); got {tuple(shape)}")


def _position_range(host, device, q_offsets, offset: int, seq_len: int, batch: int):
    """(lowest, highest) position of any row (the device tensor's via the host)."""
    if host is not None:
        return (int(host.min()), int(host.max())) if host.size else (0, 0)
    if device is not None:
        return _device_range(device)
    starts = q_offsets if q_offsets is not None else np.array([offset])
    return int(starts.min()), int(starts.max()) + seq_len - 1


def _device_range(positions):
    """(lowest, highest) of a torch GPU tensor of positions: one copy to the host."""
    import torch

    return tuple(int(v) for v in torch.stack(torch.aminmax(positions)).tolist())


def _check_range(lowest: int, highest: int, rows: int) -> None:
    """Every position must index a row of the cos/sin tables."""
    if lowest < 0 or highest >= rows:
        raise ValueError(f"positions must lie in [0, {rows}) (the rows of cos and sin); got "
                         f"positions from {lowest} to {highest}")


def _tables(cos, sin, dtype_name: str, pairs: int):
    """Validated cos/sin tables (arrays.Scores, read only) or (None, None)."""
    if cos is None and sin is None:
        return None, None
    if cos is None or sin is None:
        raise ValueError("give both cos and sin (tables [max_position, rotary_dim / 2]) "
                         "or neither")
    c = inspect_scores(cos, writable=False, name="cos", ranks=(2,))
    s = inspect_scores(sin, writable=False, name="sin", ranks=(2,))
    allowed = (dtype_name, "float32")
    for name, t in (("cos", c), ("sin", s)):
        if t.dtype not in allowed:
            raise TypeError(f"{name} must have q's dtype ({dtype_name}) or float32; "
                            f"got {t.dtype}")
        if t.shape[3] != pairs:
            raise ValueError(f"{name} must be [max_position, rotary_dim / 2 = {pairs}]; "
                             f"got shape {t.shape[2:]}")
    if c.dtype != s.dtype or c.shape != s.shape:
        raise ValueError(f"cos and sin must have the same shape and dtype; got "
                         f"{c.shape[2:]} {c.dtype} and {s.shape[2:]} {s.dtype}")
    if c.shape[2] == 0:
        raise ValueError("cos and sin are empty (max_position 0)")
    return c, s


def inverse_frequencies(base: float, rotary_dim: int, dtype_name: str) -> np.ndarray:
    """``base ** (-2j / rotary_dim)`` for j < rotary_dim / 2: float64, then rounded to
    the compute type of ``dtype_name``."""
    j = np.arange(rotary_dim // 2, dtype=np.float64)
    return (base ** (-2.0 * j / rotary_dim)).astype(compute_dtype(dtype_name))


# --- the public function --------------------------------------------------------------------

@dataclass(frozen=True)
class _Request:
    """A validated call: operands seen as [b, h, s, d] (arrays.Scores), options."""

    q: object
    k: object
    pairs: int
    interleaved: bool
    host_positions: object  # int64 [1 or batch, seq_len] on the host, or None
    device_positions: object  # a torch int64 GPU tensor, or None
    q_offsets: object  # int64 [batch], or None
    offset: int
    cos: object
    sin: object
    base: object  # None with tables


def _validate(q, k, positions, offset, q_offsets, cos, sin, base, rotary_dim, interleaved,
              layout, chosen) -> _Request:
    """Every check of apply_rotary, before anything is written."""
    qs = _as_bhsd(inspect_scores(q, name="q", ranks=(4,)), check_layout(layout))
    batch, _, seq_len, head_dim = qs.shape
    ks = None
    if k is not None:
        ks = _as_bhsd(inspect_scores(k, name="k", ranks=(4,)), layout)
        if ks.dtype != qs.dtype:
            raise TypeError(f"k must have q's dtype ({qs.dtype}); got {ks.dtype}")
        if (ks.shape[0], ks.shape[2], ks.shape[3]) != (batch, seq_len, head_dim):
            raise ValueError(f"k must have q's batch, seq_len and head_dim ({batch}, "
                             f"{seq_len}, {head_dim}) in layout {layout!r}; got k of shape "
                             f"{tuple(k.shape)} for q of shape {tuple(q.shape)}")
        if ks.on_device != qs.on_device:
            raise TypeError("q and k must both be host arrays or both GPU arrays")
        if overlaps(qs, ks):
            raise ValueError("k overlaps q: rotating both in place would rotate shared "
                             "elements twice; pass separate arrays")
    offset, base, rotary_dim, interleaved = check_scalars(
        offset, base, rotary_dim, interleaved, head_dim, tables=cos is not None)
    pairs = rotary_dim // 2
    given = [name for name, v in (("positions", positions), ("q_offsets", q_offsets))
             if v is not None] + (["offset"] if offset else [])
    if len(given) > 1:
        raise ValueError(f"give at most one of positions, q_offsets and offset; got "
                         f"{', '.join(given)}")
    host_pos, device_pos = (None, None) if positions is None else \
        _positions(positions, batch, seq_len, chosen)
    offsets = _per_sequence("q_offsets", q_offsets, batch)
    cos_s, sin_s = _tables(cos, sin, qs.dtype, pairs)
    if cos_s is not None:
        for table, t in (("cos", cos_s), ("sin", sin_s)):
            for name, a in (("q", qs), ("k", ks)):
                if a is not None and overlaps(a, t):
                    raise ValueError(f"{table} overlaps {name}: {name} is rotated in place "
                                     f"while {table} is read; pass a separate table")
    if ks is not None and not qs.size:
        # q of no heads beside a k of some: k alone, the path of every call without k
        # (the cuda kernel given both faulted with an illegal address, H200 2026-12-04 r87)
        qs, ks = ks, None
    if cos_s is not None and qs.size:
        _check_range(*_position_range(host_pos, device_pos, offsets, offset, seq_len, batch),
                     cos_s.shape[2])
    return _Request(qs, ks, pairs, interleaved, host_pos, device_pos, offsets, offset,
                    cos_s, sin_s, base)


def apply_rotary(q, k=None, *, positions=None, offset=0, q_offsets=None, cos=None, sin=None,
                 base=10000.0, rotary_dim=None, interleaved=False, layout="bhsd",
                 backend="auto"):
    """Rotate ``q`` (and ``k``) in place by rotary position embeddings, in one launch.

    ``q``: ``[batch, heads, seq_len, head_dim]`` (``layout='bhsd'``) or ``[batch,
    seq_len, heads, head_dim]`` (``'bshd'``), float16, bfloat16, float32 or float64;
    a NumPy array, a torch tensor or any object with ``__cuda_array_interface__``
    (rotated on the GPU, zero-copy, on its stream). ``k``: the same batch,
    seq_len, head_dim and dtype; its head count may differ (GQA); it must not
    overlap q.

    Position of row ``i`` of sequence ``b``: ``positions[b, i]`` (``positions``:
    integers ``[batch, seq_len]`` or ``[seq_len]``) when given; else ``i +
    q_offsets[b]``; else ``i + offset`` (a decode step passes the cache length).
    Give at most one of the three. ``rotary_dim`` (even, default head_dim): only
    the first ``rotary_dim`` elements of each head rotate; the others keep their
    bits. Pairs ``(j, j + rotary_dim/2)`` (rotate-half: GPT-NeoX, LLaMA, Hugging
    Face), or ``(2j, 2j+1)`` with ``interleaved=True`` (GPT-J, GLM). Angle ``pos *
    base ** (-2j / rotary_dim)``; with ``cos`` and ``sin`` (``[max_position,
    rotary_dim / 2]``, q's dtype or float32) their values are used and ``base`` is
    ignored; every position must then lie in ``[0, max_position)``.

    ``backend``: 'auto', 'hip', 'cuda', 'sim' or 'cpu'. Returns ``q``, or ``(q,
    k)``. Bad input raises TypeError or ValueError before anything is written.

    On the CPU, a call on NumPy arrays of the layouts and options of an earlier one
    (the same cos and sin objects) repeats that call's kernel on the new arrays
    without validating them anew (fastpath.host_key); its offset, its positions (a
    NumPy array) or its q_offsets are checked anew, as the full path checks them (a
    decode step's change).
    """
    host_key = None
    # what a host replay takes anew from each call: the offset, the positions (a NumPy
    # array) or q_offsets (each alone: with positions or q_offsets the offset must be 0)
    per_call = "offset" if positions is None and q_offsets is None else \
        "positions" if q_offsets is None and type(positions) is np.ndarray else \
        "q_offsets" if positions is None else None
    if type(q) is np.ndarray and per_call is not None and (
            per_call == "offset" or (type(offset) is int and offset == 0)):
        host_key = _host_key(q, k, cos, sin, base, rotary_dim, interleaved, layout, backend,
                             per_call)
        replay = fastpath.host_replay(host_key)
        if replay is not None:  # the same call as before: validated then, see fastpath.py
            batch, seq_len = q.shape[0], q.shape[2 if layout == "bhsd" else 1]
            if per_call == "offset":
                offset = _as_int("offset", offset)
                lowest, highest = offset, offset + seq_len - 1
                given = dict(offset=np.int64(offset))
            elif per_call == "positions":
                host = _positions(positions, batch, seq_len, None)[0]
                lowest, highest = _position_range(host, None, None, 0, seq_len, batch)
                given = dict(positions=host)
            else:
                starts = _per_sequence("q_offsets", q_offsets, batch)
                lowest, highest = _position_range(None, None, starts, 0, seq_len, batch)
                given = dict(q_offsets=starts)
            if cos is not None:
                _check_range(lowest, highest, cos.shape[0])
            views = [x if layout == "bhsd" else x.transpose(0, 2, 1, 3) for x in (q, k)
                     if x is not None]
            replay(views[0], views[-1], **given)
            return q if k is None else (q, k)
    key = _fast_key(q, k, positions, offset, q_offsets, cos, sin, base, rotary_dim,
                    interleaved, layout, backend)
    if key is not None:
        if positions is not None and cos is not None and positions.numel() and cos.dim() == 2:
            # the positions' values decide whether the tables hold them: checked every call
            _check_range(*_device_range(positions), cos.shape[0])
        if fastpath.launch_known(key, q, _no_plan):
            return q if k is None else (q, k)  # the same call as before: validated then
    chosen = get_backend(backend)
    request = _validate(q, k, positions, offset, q_offsets, cos, sin, base, rotary_dim,
                        interleaved, layout, chosen)
    if request.q.size:
        _rotate(chosen, request, kc.host_kind(request.q.size) if not chosen.is_gpu_kernel
                else "kernel", key if chosen.name == "cuda" else None,
                host_key if chosen.name == "cpu" else None)
    return q if k is None else (q, k)


def _host_key(q, k, cos, sin, base, rotary_dim, interleaved, layout, backend, per_call):
    """The host fast path's key (fastpath.host_key) of a call on NumPy ``q``
    (``per_call``: 'offset', 'positions' or 'q_offsets', what the call gives, its
    values checked per call): q's and
    k's layouts (both written: apart from each other and from the tables for sure, and
    neither empty, or no key), the tables by identity, the options' exact values."""
    written = (q,) if k is None else (q, k)
    tables = tuple(t for t in (cos, sin) if t is not None)
    if not q.size or (k is not None and (type(k) is not np.ndarray or not k.size)) or \
            any(type(t) is not np.ndarray for t in tables) or any(
                np.may_share_memory(a, b) for i, a in enumerate(written)
                for b in written[i + 1:] + tables):
        return None
    arrays = tuple(fastpath.array_key(a, True) for a in written)
    return fastpath.host_key("rotary", backend, arrays, (
        fastpath.same(cos), fastpath.same(sin), fastpath.exact(base),
        fastpath.exact(rotary_dim), fastpath.exact(interleaved),
        layout if type(layout) is str else fastpath.exact(layout), per_call))


class RotaryKey(NamedTuple):
    """Everything that decided a launch on torch CUDA tensors (fastpath.py): the
    device and stream, each tensor's address, shape, strides and dtype, and the
    options' exact values."""

    device: int
    stream: int
    tensors: tuple
    options: tuple


#: what fastpath.exact gives a value it cannot key (a NaN, an inexact type)
_UNKEYED = fastpath.exact(float("nan"))


def _no_plan(*_):
    """fastpath.launch_known's planner: rotary launches replay from memory only."""
    return None


def _tensor_part(t, torch):
    """A torch CUDA tensor's key part, or None when it cannot be keyed."""
    if not isinstance(t, torch.Tensor) or not t.is_cuda or t.requires_grad:
        return None
    return (t.data_ptr(), tuple(t.shape), t.stride(), t.dtype, t.get_device())


def _fast_key(q, k, positions, offset, q_offsets, cos, sin, base, rotary_dim, interleaved,
              layout, backend):
    """The fast path's key of a call on torch CUDA tensors on the cuda backend (as
    mask.py's): None unless every input has an exact, keyable type. Positions must
    be a contiguous int64 tensor (used in place; with tables apply_rotary checks
    their range on every call); q_offsets take the full path."""
    if type(q).__module__ != "torch" or q_offsets is not None:
        return None
    import torch

    name = getattr(backend, "name", backend)
    if not (name == "cuda" or (name == "auto" and auto_means_cuda_for_torch(torch))):
        return None
    if positions is not None and (not isinstance(positions, torch.Tensor) or
                                  positions.dtype != torch.int64 or
                                  not positions.is_contiguous()):
        return None
    parts = tuple(None if t is None else _tensor_part(t, torch)
                  for t in (q, k, positions, cos, sin))
    if parts[0] is None or any(p is None and t is not None
                               for p, t in zip(parts, (q, k, positions, cos, sin))):
        return None
    options = (fastpath.exact(offset), fastpath.exact(base), fastpath.exact(rotary_dim),
               fastpath.exact(interleaved), layout if type(layout) is str else None, name)
    if any(v is _UNKEYED for v in options) or options[4] is None:
        return None
    device = q.get_device()
    return RotaryKey(device, torch._C._cuda_getCurrentRawStream(device), parts, options)


def rotary_reference(q, k=None, *, positions=None, offset=0, q_offsets=None, cos=None,
                     sin=None, base=10000.0, rotary_dim=None, interleaved=False,
                     layout="bhsd"):
    """The plain ``@njit`` element-by-element reference: ``apply_rotary``'s
    semantics and validation, on host arrays (NumPy or torch CPU). Returns q or (q, k)."""
    chosen = get_backend("cpu")
    request = _validate(q, k, positions, offset, q_offsets, cos, sin, base, rotary_dim,
                        interleaved, layout, chosen)
    for name, s in (("q", request.q), ("k", request.k), ("cos", request.cos)):
        if s is not None and s.on_device:
            raise TypeError(f"rotary_reference works on host arrays; {name} is on a GPU")
    if request.q.size:
        _rotate(chosen, request, "reference")
    return q if k is None else (q, k)


def _geometry(backend, view, s):
    """(shape, strides in bytes, address) of ``s`` where ``backend``'s kernel reads
    it (``view``: op.operands' Launchable)."""
    if backend.on_device:
        cai = view.bits.__cuda_array_interface__
        return (tuple(cai["shape"]), cai_strides(cai, dtypes.SUPPORTED[s.dtype][0]),
                cai["data"][0])
    return s.host.shape, s.host.strides, s.host.ctypes.data


def _flat(backend, view, s, typestr):
    """A flat 1-D element view of ``s``'s memory where ``backend``'s kernel reads it
    (``view``: op.operands' Launchable), the flat index of element [0, 0, 0, 0],
    the strides in elements, the address of the lowest element and the shape."""
    item = dtypes.SUPPORTED[s.dtype][0]
    shape, strides, ptr = _geometry(backend, view, s)
    low = sum((n - 1) * st for n, st in zip(shape, strides) if st < 0)
    high = sum((n - 1) * st for n, st in zip(shape, strides) if st > 0)
    count = (high - low) // item + 1
    if backend.on_device:
        flat = _device_view(backend, {"shape": (count,), "strides": None,
                                      "data": (ptr + low, False), "typestr": typestr,
                                      "version": 3})
    else:  # the simulator: a 1-D view from the lowest element of the host array
        lowest = s.host[tuple(slice(n - 1, n) if st < 0 else slice(0, 1)
                              for n, st in zip(shape, strides))]
        flat = np.lib.stride_tricks.as_strided(lowest, shape=(count,), strides=(item,))
        flat = (backend.wrap_host or (lambda a: a))(float_view(flat, s.dtype))
    return flat, -low // item, tuple(st // item for st in strides), ptr + low, shape


def _vector_ok(address, shape, strides, item, pairs) -> bool:
    """16-byte chunks fit: contiguous head vectors, each 16-byte aligned, and
    rotary_dim / 2 a whole number of chunks."""
    return (strides[3] == 1 and address % 16 == 0 and pairs % (16 // item) == 0
            and all(n == 1 or (st * item) % 16 == 0 for n, st in zip(shape[:3], strides[:3])))


def _table_vector_ok(backend, views, tables, vec: int) -> bool:
    """16-byte table chunks fit (table_chunk): on the vector path, both tables with
    contiguous rows of a multiple of 16 bytes, from a 16-byte aligned address."""
    if vec <= 1:
        return False
    for view, t in zip(views, tables):
        item = dtypes.SUPPORTED[t.dtype][0]
        shape, strides, ptr = _geometry(backend, view, t)
        rows, cols = shape[-2], shape[-1]
        row_stride, col_stride = strides[-2], strides[-1]
        if (cols > 1 and col_stride != item) or ptr % 16 or (rows > 1 and row_stride % 16) \
                or (vec * item) % 16:
            return False
    return True


def _host_arrays(request, compute):
    """Per-call host arrays: positions [rows, seq_len], q_offsets, inv_freq."""
    positions = (request.host_positions if request.host_positions is not None
                 else np.zeros((1, 1), np.int64))
    q_offsets = request.q_offsets if request.q_offsets is not None else np.zeros(1, np.int64)
    inv_freq = (inverse_frequencies(request.base, 2 * request.pairs, compute.name)
                if request.base is not None else np.zeros(1, compute))
    return positions, q_offsets, inv_freq


def _rotate(chosen, request, kind, fast_key=None, host_key=None) -> None:
    """Rotate the validated operands of ``request`` on ``chosen`` (``kind``: 'kernel'
    on GPU backends, else op.run_host's kind); a ``fast_key`` (cuda) keeps the
    launch for the fast path, a ``host_key`` (cpu) the call for the host one."""
    qs, ks = request.q, request.k
    dtype, pairs = qs.dtype, request.pairs
    compute = compute_dtype(dtype)
    table_dtype = None if request.cos is None else request.cos.dtype
    use_positions = request.host_positions is not None or request.device_positions is not None
    operands = [(qs, True)] + ([(ks, True)] if ks is not None else []) + \
        ([(request.cos, False), (request.sin, False)] if request.cos is not None else [])
    k_heads = 0 if ks is None else ks.shape[1]
    with op.operands(chosen, *operands) as (views, stream):
        positions, q_offsets, inv_freq = _host_arrays(request, compute)
        if kind != "kernel":
            tables = ([float_view(t.host, table_dtype)[0, 0] for t in (request.cos, request.sin)]
                      if table_dtype else [np.zeros((1, 1), compute)] * 2)
            qv = float_view(qs.host, dtype)
            kv = float_view(ks.host, dtype) if ks is not None else qv
            constants = kernel_constants(dtype, table_dtype, 1, 1, request.interleaved,
                                         use_positions, request.q_offsets is not None)
            op.run_host(ROTARY, chosen, kind, constants, (
                qv, kv, k_heads, pairs, positions, q_offsets, np.int64(request.offset),
                inv_freq, tables[0], tables[1]), host_key, 2)
            return
        typestr = (dtypes.bits_dtype(dtype) if dtypes.SUPPORTED[dtype][0] == 2
                   else np.dtype(dtype)).str
        item = dtypes.SUPPORTED[dtype][0]
        q_flat, q_origin, q_st, q_addr, q_shape = _flat(chosen, views[0], qs, typestr)
        k_flat, k_origin, k_st, k_addr, k_shape = (
            _flat(chosen, views[1], ks, typestr) if ks is not None
            else (q_flat, q_origin, q_st, q_addr, q_shape))
        vec = chunk_elements(dtype)
        if vec > 1 and not (_vector_ok(q_addr, q_shape, q_st, item, pairs)
                            and _vector_ok(k_addr, k_shape, k_st, item, pairs)):
            vec = 1
        threads = THREADS_BY_BACKEND.get(chosen.name, 128)
        table_vec = table_dtype is not None and _table_vector_ok(
            chosen, views[-2:], (request.cos, request.sin), vec)
        constants = kernel_constants(dtype, table_dtype, vec, threads, request.interleaved,
                                     use_positions, request.q_offsets is not None,
                                     PRELOAD_BY_BACKEND.get(chosen.name, True), table_vec)
        lanes = min(pairs // max(vec, 1), threads)
        per_block = rows_per_block(threads, lanes, qs.shape[1] + k_heads)
        batch, _, seq_len, _ = qs.shape
        grid = kc.fold_grid(chosen, -(-(batch * seq_len) // per_block), 1, 1)
        if chosen.on_device:
            if request.device_positions is not None:
                positions = _device_view(chosen, dict(
                    request.device_positions.__cuda_array_interface__, stream=None))
            elif request.host_positions is not None:
                positions = device_copy(chosen, positions, stream)
            else:
                positions = constant_on(chosen, "rotary no positions", positions)
            q_offsets = (device_copy(chosen, q_offsets, stream) if request.q_offsets is not None
                         else constant_on(chosen, "rotary no offsets", q_offsets))
            inv_freq = constant_on(chosen, f"rotary inv_freq {request.base!r} {2 * pairs} "
                                   f"{compute}", inv_freq)
            no_table = constant_on(chosen, f"rotary no table {compute}", np.zeros((1, 1), compute))
        else:
            wrap = chosen.wrap_host or (lambda a: a)
            positions, q_offsets, inv_freq = wrap(positions), wrap(q_offsets), wrap(inv_freq)
            no_table = wrap(np.zeros((1, 1), compute))
        if table_dtype:
            if chosen.on_device:
                tables = [float_view(v.bits, table_dtype)[0, 0] for v in views[-2:]]
            else:
                tables = [wrap(float_view(t.host, table_dtype)[0, 0])
                          for t in (request.cos, request.sin)]
        else:
            tables = [no_table, no_table]
        op.launch(ROTARY, chosen, op.Launch.of(constants, grid, (threads, 1, 1), dict(
            q=q_flat, k=k_flat, q_origin=np.int64(q_origin), q_sb=np.int64(q_st[0]),
            q_sh=np.int64(q_st[1]), q_ss=np.int64(q_st[2]), q_sd=np.int64(q_st[3]),
            k_origin=np.int64(k_origin), k_sb=np.int64(k_st[0]), k_sh=np.int64(k_st[1]),
            k_ss=np.int64(k_st[2]), k_sd=np.int64(k_st[3]), batch=np.int64(batch),
            seq_len=np.int64(seq_len), q_heads=np.int64(qs.shape[1]),
            k_heads=np.int64(k_heads), pairs=np.int64(pairs),
            rows_per_block=np.int64(per_block), positions=positions, q_offsets=q_offsets,
            offset=np.int64(request.offset), inv_freq=inv_freq, cos_table=tables[0],
            sin_table=tables[1])), stream, fast_key)
        if chosen.on_device and not qs.on_device and ks is not None:
            # op.operands copies each written host array back on its own stream: k's
            # copy must not start before the kernel (on q's stream) is done
            stream.synchronize()


# --- benchmark (numba-causal bench --ops rotary) -------------------------------------------

#: accuracy bar checked before timing: max over head vectors of |ours - float64| /
#: the vector's largest |value| (16-bit: about one unit of the stored output)
TOLERANCE = {"float16": 2.0**-9, "bfloat16": 2.0**-6, "float32": 1e-5, "float64": 1e-12}
BENCH_BASE = 10000.0
#: where the GPU benchmark puts its tensors (torch device name)
BENCH_DEVICE = "cuda"


def bench_case(shape, dtype: str):
    """(batch, seq_len, q_heads, k_heads, head_dim, dtype, tables) of a case: shape
    ``batch x seq_len x q_heads x k_heads x head_dim`` (bshd; 4 sizes: k_heads =
    q_heads); dtype ``NAME`` (angles from ``base``) or ``NAME+table`` (cos/sin
    tables in that dtype)."""
    name, _, mode = dtype.partition("+")
    if mode not in ("", "table"):
        raise ValueError(f"rotary bench dtype {dtype!r}: NAME or NAME+table")
    shape = tuple(shape)
    if len(shape) == 4:
        shape = shape[:3] + shape[2:]
    if len(shape) != 5:
        raise ValueError(f"rotary bench shape {shape}: batch x seq_len x q_heads [x k_heads] "
                         "x head_dim")
    return shape + (name, mode == "table")


def bench_rotary(ctx, shape, dtype):
    """One benchmark row: q and k [batch, seq_len, heads, head_dim] (bshd) rotated in
    place, rotate-half, rotary_dim = head_dim; one query row per sequence
    (seq_len 1) is a decode step at random per-sequence positions (a [batch, 1]
    tensor), else positions 0 .. seq_len - 1 (offset 0). Accuracy against float64
    first. Floor: q and k read and written once at the copy bandwidth of the run.
    Peers (GPU): Hugging Face's ``apply_rotary_pos_emb`` (``q * cos + rotate_half(q)
    * sin``, cos/sin [batch, seq_len, head_dim] in q's dtype, computed before timing)
    in eager PyTorch and under torch.compile; (CPU) the same formula in NumPy."""
    batch, seq_len, q_heads, k_heads, head_dim, name, tables = bench_case(shape, dtype)
    item = dtypes.SUPPORTED[name][0]
    nbytes = 2 * batch * seq_len * (q_heads + k_heads) * head_dim * item
    if ctx.on_gpu:
        ms, peer_ms, err = _bench_gpu(ctx, batch, seq_len, q_heads, k_heads, head_dim, name,
                                      tables)
    else:
        ms, peer_ms, err = _bench_host(ctx, batch, seq_len, q_heads, k_heads, head_dim, name,
                                       tables)
    label = "rotary cos/sin" if tables else "rotary base"
    return ctx.row(label, (batch, seq_len, q_heads, k_heads, head_dim), name, ms, nbytes,
                   ctx.copy_gbps(), peer_ms, err)


def _bench_positions(batch, seq_len, rng):
    """[batch, seq_len] positions: random per sequence for a decode step, else 0.."""
    if seq_len == 1:
        return rng.integers(0, 4096, size=(batch, 1))
    return np.broadcast_to(np.arange(seq_len), (batch, seq_len))


def _bench_tables(positions, head_dim, dtype):
    """(cos, sin) tables [max_position, head_dim / 2] in float64 (angles in float32,
    as Hugging Face computes them) for positions up to their max."""
    inv = inverse_frequencies(BENCH_BASE, head_dim, "float32")
    angle = (np.arange(int(positions.max()) + 1, dtype=np.float32)[:, None] * inv)
    return np.cos(angle.astype(np.float64)), np.sin(angle.astype(np.float64))


def _bench_want(x, cos, sin):
    """Rotate-half in float64 (NumPy or torch): x [b, s, h, d]; cos, sin [b, s, 1, d/2]."""
    half = x.shape[-1] // 2
    a, b = x[..., :half], x[..., half:]
    return a * cos - b * sin, b * cos + a * sin


def _bench_gpu(ctx, batch, seq_len, q_heads, k_heads, head_dim, name, tables):
    import torch

    timer, backend, device = ctx.timer, ctx.backend.name, BENCH_DEVICE
    rng = np.random.default_rng()
    dt = getattr(torch, name)
    q = torch.randn(batch, seq_len, q_heads, head_dim, device=device, dtype=dt)
    k = torch.randn(batch, seq_len, k_heads, head_dim, device=device, dtype=dt)
    positions = _bench_positions(batch, seq_len, rng)
    decode = seq_len == 1
    pos_t = torch.from_numpy(np.ascontiguousarray(positions)).to(device)
    cos64, sin64 = _bench_tables(positions, head_dim, name)
    if tables:  # the model's cache in q's dtype: its values are the reference's
        cos_t = torch.from_numpy(cos64).to(device, dt)
        sin_t = torch.from_numpy(sin64).to(device, dt)
        kwargs = dict(cos=cos_t, sin=sin_t)
        c_ref, s_ref = cos_t.double()[pos_t], sin_t.double()[pos_t]
    else:
        kwargs = {}
        inv = torch.from_numpy(inverse_frequencies(BENCH_BASE, head_dim, name)).to(device)
        angle = (pos_t.to(torch.float32)[..., None] * inv).double()
        c_ref, s_ref = angle.cos(), angle.sin()
    kwargs.update(dict(positions=pos_t) if decode else {})
    c_ref, s_ref = c_ref[:, :, None], s_ref[:, :, None]
    err = 0.0
    for x, ours in zip((q, k), apply_rotary(q.clone(), k.clone(), layout="bshd",
                                            backend=backend, **kwargs)):
        a, b = _bench_want(x.double(), c_ref, s_ref)
        want = torch.cat((a, b), -1)
        err = max(err, float(((ours.double() - want).abs().amax(-1)
                              / want.abs().amax(-1)).max()))
    if not err <= TOLERANCE[name]:
        raise AssertionError(f"apply_rotary error {err:.2e} on {q.shape}, {k.shape} {name}")
    ms = timer(lambda: apply_rotary(q, k, layout="bshd", backend=backend, **kwargs))
    peer_ms = {}
    key = (id(ctx), batch, seq_len, q_heads, k_heads, head_dim, name, ctx.use_compile)
    if ctx.peers and key in _PEER_MS:  # the base and table rows of a case share their peers
        peer_ms = dict(_PEER_MS[key][1])
    elif ctx.peers:
        # Hugging Face: cos/sin [batch, seq_len, head_dim] in q's dtype (cat(freqs, freqs))
        cos_hf = torch.cat((c_ref, c_ref), -1)[:, :, 0].to(dt)
        sin_hf = torch.cat((s_ref, s_ref), -1)[:, :, 0].to(dt)
        peer_ms["HF eager"] = timer(lambda: _hf_apply_rotary_pos_emb(q, k, cos_hf, sin_hf))
        if ctx.use_compile:
            compiled = torch.compile(_hf_apply_rotary_pos_emb, dynamic=False)
            peer_ms["HF torch.compile"] = timer(lambda: compiled(q, k, cos_hf, sin_hf))
        _PEER_MS[key] = (ctx, dict(peer_ms))  # the context kept: its id is not reused
    return ms, peer_ms, err


#: peer timings of this process's runs, by (context, case): a case's base and table
#: rows time the same peer code once
_PEER_MS: dict = {}


def _rotate_half(x):
    """Hugging Face's rotate_half."""
    half = x.shape[-1] // 2
    return _cat((-x[..., half:], x[..., :half]))


def _cat(parts):
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts, -1)
    import torch

    return torch.cat(parts, dim=-1)


def _hf_apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=2):
    """Hugging Face's apply_rotary_pos_emb (transformers' LLaMA), as a user calls it
    on bshd projections (unsqueeze_dim=2)."""
    cos = cos.unsqueeze(unsqueeze_dim) if hasattr(cos, "unsqueeze") else \
        np.expand_dims(cos, unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim) if hasattr(sin, "unsqueeze") else \
        np.expand_dims(sin, unsqueeze_dim)
    return (q * cos) + (_rotate_half(q) * sin), (k * cos) + (_rotate_half(k) * sin)


def _bench_host(ctx, batch, seq_len, q_heads, k_heads, head_dim, name, tables):
    from .dtypes import host_dtype

    rng = np.random.default_rng()
    dt = host_dtype(name)
    q = rng.standard_normal((batch, seq_len, q_heads, head_dim), dtype=np.float32).astype(dt)
    k = rng.standard_normal((batch, seq_len, k_heads, head_dim), dtype=np.float32).astype(dt)
    positions = _bench_positions(batch, seq_len, rng)
    cos64, sin64 = _bench_tables(positions, head_dim, name)
    if tables:
        cos_t, sin_t = cos64.astype(dt), sin64.astype(dt)
        kwargs = dict(cos=cos_t, sin=sin_t)
        c_ref, s_ref = cos_t.astype(np.float64)[positions], sin_t.astype(np.float64)[positions]
    else:
        kwargs = {}
        c_ref, s_ref = cos64[positions], sin64[positions]
    if seq_len == 1:
        kwargs["positions"] = positions
    c_ref, s_ref = c_ref[:, :, None], s_ref[:, :, None]
    err = 0.0
    for x, ours in zip((q, k), apply_rotary(q.copy(), k.copy(), layout="bshd",
                                            backend=ctx.backend, **kwargs)):
        want = _cat(_bench_want(x.astype(np.float64), c_ref, s_ref))
        err = max(err, float((np.abs(ours.astype(np.float64) - want).max(-1)
                              / np.abs(want).max(-1)).max()))
    if not err <= TOLERANCE[name]:
        raise AssertionError(f"apply_rotary error {err:.2e} on {q.shape}, {k.shape} {name}")
    ms = ctx.timer(lambda: apply_rotary(q, k, layout="bshd", backend=ctx.backend, **kwargs))
    peer_ms = {}
    if ctx.peers:
        compute = np.float64 if name == "float64" else np.float32
        cos_np = np.concatenate((c_ref, c_ref), -1)[:, :, 0].astype(compute)
        sin_np = np.concatenate((s_ref, s_ref), -1)[:, :, 0].astype(compute)

        def numpy_formula():
            qq, kk = _hf_apply_rotary_pos_emb(q.astype(compute), k.astype(compute), cos_np,
                                              sin_np)
            return qq.astype(dt), kk.astype(dt)

        peer_ms["numpy formula"] = ctx.timer(numpy_formula)
    return ms, peer_ms, err


ROTARY = op.register(op.Family(
    name="rotary",
    dependent_launch=True,
    gpu_kernel=rotary_kernel, cpu_kernel=rotary_cpu, reference=rotary_definition,
    helpers=ELEMENT_HELPERS + CONVERSIONS + HELPERS + (rotate_pair,), gpu_helpers=GPU_HELPERS,
    args=(op.array("q", "ELEMENT", 1), op.array("k", "ELEMENT", 1),
          op.scalar("q_origin", "int64"), op.scalar("q_sb", "int64"),
          op.scalar("q_sh", "int64"), op.scalar("q_ss", "int64"), op.scalar("q_sd", "int64"),
          op.scalar("k_origin", "int64"), op.scalar("k_sb", "int64"),
          op.scalar("k_sh", "int64"), op.scalar("k_ss", "int64"), op.scalar("k_sd", "int64"),
          op.scalar("batch", "int64"), op.scalar("seq_len", "int64"),
          op.scalar("q_heads", "int64"), op.scalar("k_heads", "int64"),
          op.scalar("pairs", "int64"), op.scalar("rows_per_block", "int64"),
          op.array("positions", "int64", 2), op.array("q_offsets", "int64", 1),
          op.scalar("offset", "int64"), op.array("inv_freq", "COMPUTE", 1),
          op.array("cos_table", "TABLE_ELEMENT", 2), op.array("sin_table", "TABLE_ELEMENT", 2)),
    aot_variants=_aot_variants,
    bench=bench_rotary, bench_label="rotary", bench_sizes=(5,), bench_modes=("table",),
    bench_layout="batch x seq_len x heads_q x heads_k x head_dim",
    bench_shapes={"gpu": [((8, 4096, 32, 32, 128), ("float16", "bfloat16", "float16+table",
                                                    "bfloat16+table")),
                          ((64, 1, 32, 8, 128), ("float16", "float16+table"))],
                  "cpu": [((2, 1024, 16, 4, 128), ("float32", "float16+table")),
                          ((16, 1, 32, 8, 128), ("float32",))],
                  "quick": [((1, 64, 4, 2, 64), ("float32",))]},
    bench_check=lambda shape, dtype, backend_name: (
        f"needs an even head_dim (rotary_dim = head_dim); got {shape[4]}" if shape[4] % 2
        else ""),
))
