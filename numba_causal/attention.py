"""Fused causal attention over a KV cache: ``softmax(scale * q k^T, masked) v`` in one
pass, never materialising the ``[seq_len, cache_len]`` scores.

``causal_attention(q, k, v)`` is defined as ``causal_softmax(q @ k^T, scale=scale,
<mask options>) @ v`` for each query head with its KV head:

* ``q`` [batch, heads_q, seq_len, head_dim]; ``k`` [batch, heads_kv, cache_len,
  head_dim]; ``v`` [batch, heads_kv, cache_len, head_dim_v]; ``heads_q`` is a
  multiple of ``heads_kv`` and query head ``h`` reads KV head ``h // (heads_q //
  heads_kv)`` (GQA; MQA when heads_kv is 1). Any strides: a cache stored
  [batch, cache_len, heads, dim] and viewed transposed works.
* The mask options (offset, window, kv_lens, q_offsets, mask_fn, causal) mean
  what they mean for apply_causal_mask (mask.py); a query's kept keys ``[lo,
  hi)`` come from the same ``kept_keys``. Keys outside every query's kept range
  are never read. A row with no kept key is all zeros; its log-sum-exp is -inf.
* ``scale`` defaults to ``1 / sqrt(head_dim)``; ``return_lse=True`` also returns
  ``lse[b, h, q] = log(sum_k exp(scale * q.k))`` over the kept keys (natural
  log), so partial results over disjoint key sets can be combined.
* float16, bfloat16, float32, float64; scores, softmax and the weighted sum of
  values accumulate in float32 (float64 for float64), ``out`` is of q's dtype,
  ``lse`` float32 (float64 for float64).

Kernels, side by side as in mask.py and softmax.py:

* GPU (hip, cuda, sim), ``attention_kernel``: one block per (key split, tile of
  ROWS query rows, batch x KV head). The query rows of a tile are the group's
  rows ``(query head, query)`` of one KV head (heads_q // heads_kv heads times
  seq_len queries: for decode, all of them in one tile), so each KV head's keys
  and values are read once for its whole group. The block's WARPS warps take
  tiles of WARP keys in turn; in a tile each lane owns one key and computes its
  scores against the ROWS queries (held in shared memory, pre-multiplied by
  ``scale * log2(e)``), reading the key as 16-byte words where the layout allows
  (``intrinsics.load_v4``; element by element otherwise); the warp's max per row
  (``reductions.row_reduce``) folds the tile into an online softmax (exp2), and
  the lanes then switch to owning dimensions of ``v`` to accumulate the weighted
  values in registers. At the end the warps' partial (max, sum, values) are
  combined through shared memory. When ``batch * heads_kv`` blocks cannot fill
  the GPU, the keys are split across blocks (flash-decoding): each split writes
  its normalised partial output and log-sum-exp to a float workspace and
  ``merge_kernel`` merges them (a launch of its own: a block per query row).
* GPU decode routes (one warp per block, tiles of keys staged to shared memory
  with ``copy16``; up to MERGE_SPLITS key splits merged in the same launch by
  the last split, ``merge_splits``, more by ``merge_kernel``), taken where k's
  and v's rows are 16-byte words:
  ``decode_mma_kernel`` (cuda, sim; float16 / bfloat16, head dims 64 and 128):
  ``q k^T`` and ``p v`` as ``warp_mma`` products (tensor cores on NVIDIA);
  ``decode_kernel`` (cuda, sim; float32 and the rest): a lane per key for the
  scores, lanes per value dim for the weighted sum. hip takes the general kernel.
* CPU (``@njit(parallel=True)``), ``attention_cpu``: (batch, KV head, tile of
  query rows) in parallel; keys and values read where they lie (up to 4 query
  rows a KV head) or decoded once per tile, an online softmax per row.
* reference (``@njit``), ``attention_definition``: per row, the scores of the
  kept keys, their max, the sum of exps and the weighted values, in float64.
"""

from __future__ import annotations

import math
import sys
import threading

import numpy as np
from numba import int32, int64, prange, uint32

from . import compile as kc
from . import benchkit, dtypes, elements, fastpath, op, panels, reductions
from .arrays import constant_on, inspect_scores, overlaps
from .backends import get_backend, spelling
from .compile import GPU, compile_time
from .elements import (FORMATS, compute_dtype, element_of, element_value, float_view,
                       format_constants)
from .mask import kept_keys
from .options import PLAIN, check_scale, mask_options
from .panels import rows_product, rows_product_add, to_compute

gpu = GPU
#: compile-time constants (plan_constants sets them per variant): lanes per warp
#: (WARP; LANES = SPAN = WARP for row_reduce), warps per block, query rows per
#: block (ROWS), head dims, value dims per lane (VPL), the 16-byte key path (VEC:
#: CHUNK_ELEMS keys' elements per 16 bytes, CHUNKS of them per key row, GROUP
#: loaded together), values of KEYS_IN_FLIGHT keys loaded together, whether the
#: block writes a split's partial (SPLIT) and whether lse is written (HAS_LSE)
WARP, WARPS, LANES, SPAN, EXCHANGE_LANES, ROWS = compile_time(
    "WARP", "WARPS", "LANES", "SPAN", "EXCHANGE_LANES", "ROWS")
HEAD_DIM, HEAD_DIM_V, VPL, VEC, CHUNK_ELEMS, CHUNKS, GROUP, KEYS_IN_FLIGHT = compile_time(
    "HEAD_DIM", "HEAD_DIM_V", "VPL", "VEC", "CHUNK_ELEMS", "CHUNKS", "GROUP", "KEYS_IN_FLIGHT")
#: value rows read as words: 0 (elements; lane owns dims lane, lane + WARP, ...) or the
#: bytes a lane reads per key, 4, 8 or 16 (lane owns dims lane * VPL ... + VPL)
V_BYTES = compile_time("V_BYTES")
SPLIT, HAS_LSE, THREADS = compile_time("SPLIT", "HAS_LSE", "THREADS")
#: local array sizes (numba-cuda wants a literal): ROWS * VPL, GROUP * CHUNK_ELEMS,
#: KEYS_IN_FLIGHT * VPL
ACC_SLOTS, X_SLOTS, VV_SLOTS = compile_time("ACC_SLOTS", "X_SLOTS", "VV_SLOTS")
FORMAT, COMPUTE = compile_time("FORMAT", "COMPUTE")
#: the decode route (decode_kernel): 16-byte chunks of a key row (K_CHUNKS) and of
#: a value row (V_CHUNKS), their rows' words in shared memory (K_ROW: 16 bytes of
#: padding, so lanes reading different rows hit different banks; V_ROW), the
#: words a lane reads of a value row (V_WORDS), tiles in flight (STAGES); shared
#: array sizes in words (K_STAGE_WORDS, V_STAGE_WORDS, Q_WORDS: + 3 to align; the
#: tensor-core route's stages: + STAGE_ALIGN / 4 - 1)
K_CHUNKS, V_CHUNKS, K_ROW, V_ROW, V_WORDS, STAGES = compile_time(
    "K_CHUNKS", "V_CHUNKS", "K_ROW", "V_ROW", "V_WORDS", "STAGES")
STAGE_ALIGN = compile_time("STAGE_ALIGN")
K_STAGE_WORDS, V_STAGE_WORDS, Q_WORDS = compile_time(
    "K_STAGE_WORDS", "V_STAGE_WORDS", "Q_WORDS")
lane_xor = compile_time("lane_xor")  # the backend's primitive (primitives.py)
copy16, async_commit, async_wait, align16_skip, align128_skip, ticket, store, as_u32 = \
    compile_time("copy16", "async_commit", "async_wait", "align16_skip", "align128_skip",
                 "ticket", "store", "as_u32")
store_v4, store_v2 = compile_time("store_v4", "store_v2")
max_nan = compile_time("max_nan")
#: the tensor-core route: k's and v's rows back to back (key stride = the row)
DENSE_ROWS = compile_time("DENSE_ROWS")
fetch_add = compile_time("fetch_add")
#: the tensor-core route's cluster merge (sm_90 thread-block clusters): a group's
#: splits as CLUSTERS clusters of CLUSTER blocks each (CLUSTER 0: none), local array
#: sizes (CLUSTER_SLOTS >= CLUSTER and CLUSTERS; CLUSTER_WORDS = 4 CLUSTER_SLOTS), and
#: the cluster primitives (intrinsics: cuda only)
CLUSTER, CLUSTERS, CLUSTER_SLOTS, CLUSTER_WORDS = compile_time(
    "CLUSTER", "CLUSTERS", "CLUSTER_SLOTS", "CLUSTER_WORDS")
cluster_sync, peer_load, peer_load_v4 = compile_time("cluster_sync", "peer_load",
                                                     "peer_load_v4")
#: a programmatic dependent launch (op.Family.dependent_launch): every kernel here
#: waits on entry for the grids before it (cuda, sm_90: op.dependent_launches)
PDL, grid_dependency_wait = compile_time("PDL", "grid_dependency_wait")
#: the tensor-core decode route's shared tail: tiles per split a split launch
#: leaves to whichever of the group's blocks ends its own tiles first (TAIL; 0: none)
TAIL = compile_time("TAIL")
#: key splits the decode route's own merge holds, and its weights' row (+ max and sum);
#: the merge's 16-byte pieces per lane (MERGE_VECS; MERGE_SLOTS floats) and splits
#: whose loads are issued together (MERGE_SPLITS)
MOST_SPLITS, WEIGHT_SLOTS = compile_time("MOST_SPLITS", "WEIGHT_SLOTS")
MERGE_VECS, MERGE_SPLITS, MERGE_SLOTS = compile_time("MERGE_VECS", "MERGE_SPLITS",
                                                     "MERGE_SLOTS")
#: merge_splits: the words of a trip's loads (MERGE_WORDS), the lse a thread loads
#: (MERGE_LSE_LOADS: ROWS x MOST_SPLITS over the block), and whether the first trip's
#: loads go out before the lse (MERGE_EARLY)
MERGE_WORDS, MERGE_LSE_LOADS, MERGE_EARLY = compile_time("MERGE_WORDS", "MERGE_LSE_LOADS",
                                                         "MERGE_EARLY")
#: whether a split decode launch merges its splits itself (the last split to finish:
#: merge_last_split) or leaves them to merge_kernel
MERGE_HERE = compile_time("MERGE_HERE")
#: merge_kernel: the partials a lane loads in a trip, the dims it sums and the dims of
#: a warp (MERGE_WIDTH); whether it sets the split launch's tickets back to 0 (RESET:
#: their shared tails' counters)
MERGE_BATCH, MERGE_DIMS, MERGE_WIDTH, RESET = compile_time("MERGE_BATCH", "MERGE_DIMS",
                                                          "MERGE_WIDTH", "RESET")
#: the tensor-core decode route (decode_mma_kernel): keys per tile (TILE) and its
#: 8-key n-tiles of a warp (KEY_TILES), 16-byte chunks a lane reads of a key row (QK_CHUNKS =
#: head_dim / 32), 64-dim slots of a value row (V_SLOTS) and its 8-dim n-tiles
#: (V_TILES), local array sizes (Q_FRAGS, O_SLOTS, S_SLOTS) and the lanes of the
#: simulator's fragment exchange (MMA_LANES: 32 on sim, 1 elsewhere)
TILE, KEY_TILES, QK_CHUNKS, V_SLOTS, V_TILES = compile_time(
    "TILE", "KEY_TILES", "QK_CHUNKS", "V_SLOTS", "V_TILES")
Q_FRAGS, O_SLOTS, S_SLOTS, MMA_LANES = compile_time("Q_FRAGS", "O_SLOTS", "S_SLOTS",
                                                    "MMA_LANES")
warp_mma, pair_lo, pair_hi, pack_f16x2, pack_bf16x2, udiv32, urem32 = compile_time(
    "warp_mma", "pair_lo", "pair_hi", "pack_f16x2", "pack_bf16x2", "udiv32", "urem32")
#: the CPU kernel's panel geometry and path (cpu_constants)
PANEL_LANES, PANEL_ROWS, PANEL_ADD_ROWS, PANEL_COLUMNS, WIDE_TASKS, DIRECT_KV, KEY_TILE = \
    compile_time("PANEL_LANES", "PANEL_ROWS", "PANEL_ADD_ROWS", "PANEL_COLUMNS", "WIDE_TASKS",
                 "DIRECT_KV", "KEY_TILE")
HAS_MASK_FN, MASK_FN, USE_KV_LENS, USE_Q_OFFSETS = compile_time(
    "HAS_MASK_FN", "MASK_FN", "USE_KV_LENS", "USE_Q_OFFSETS")
# device helpers bound per variant (elements.py, reductions.py, intrinsics.py)
(element_to_float, float_to_element, nan_max, row_reduce, f16_to_f32, bf16_to_f32,
 f32_to_f16, f32_to_bf16, f16x2_lo, f16x2_hi, bf16x2_lo, bf16x2_hi, as_f32, load_v4,
 exp2f, load, load_v2, pow2_host) = compile_time(
    "element_to_float", "float_to_element", "nan_max", "row_reduce", "f16_to_f32",
    "bf16_to_f32", "f32_to_f16", "f32_to_bf16", "f16x2_lo", "f16x2_hi", "bf16x2_lo",
    "bf16x2_hi", "as_f32", "load_v4", "exp2f", "load", "load_v2", "pow2_host")
FLOAT16, BFLOAT16, FLOAT32, FLOAT64 = elements.FLOAT16, elements.BFLOAT16, elements.FLOAT32, \
    elements.FLOAT64
NEG_INF = -math.inf
LN2 = math.log(2.0)
LOG2E = 1.0 / LN2


# --- device helpers ---------------------------------------------------------------------

def pow2(x):
    """2**x in the compute type; 2**-inf is 0."""
    if FORMAT == FLOAT64:
        return math.exp(x * LN2)
    return exp2f(x)


def decode_word(x, i, w):
    """The keys of 32-bit word ``w`` into ``x[i], ...`` (two 16-bit keys or one float32)."""
    if FORMAT == FLOAT16:
        x[i] = f16x2_lo(w)
        x[i + 1] = f16x2_hi(w)
    elif FORMAT == BFLOAT16:
        x[i] = bf16x2_lo(w)
        x[i + 1] = bf16x2_hi(w)
    else:
        x[i] = as_f32(w)


def key_scores(s, q_sh, k, k_words, base, b, hkv, key, x):
    """``s[r] = sum_d q_sh[r, d] * k[b, hkv, key, d]`` for the ROWS rows. VEC: the key
    row read as 16-byte words from ``k_words`` at word ``base``, GROUP of them
    issued before any is used; else element by element."""
    for r in range(ROWS):
        s[r] = COMPUTE(0)
    if VEC:
        per_word = CHUNK_ELEMS // 4
        for g0 in range(0, CHUNKS, GROUP):
            for c in range(GROUP):
                if g0 + c < CHUNKS:
                    w0, w1, w2, w3 = load_v4(k_words, base + (g0 + c) * 4)
                    decode_word(x, (c * 4) * per_word, w0)
                    decode_word(x, (c * 4 + 1) * per_word, w1)
                    decode_word(x, (c * 4 + 2) * per_word, w2)
                    decode_word(x, (c * 4 + 3) * per_word, w3)
            for c in range(GROUP):
                if g0 + c < CHUNKS:
                    for r in range(ROWS):
                        t = s[r]
                        for e in range(CHUNK_ELEMS):
                            t += q_sh[r, (g0 + c) * CHUNK_ELEMS + e] * x[c * CHUNK_ELEMS + e]
                        s[r] = t
    else:
        for d in range(HEAD_DIM):
            xv = element_value(k[b, hkv, key, d])
            for r in range(ROWS):
                s[r] += q_sh[r, d] * xv


def value_dim(lane, i):
    """The value dim held in slot ``i`` of lane ``lane``."""
    if V_BYTES:
        return lane * VPL + i
    return lane + i * WARP


def load_values(vv, slot, v, v_words, base, b, hkv, key, lane):
    """The lane's VPL value dims of ``key`` into ``vv[slot * VPL ...]``: one 4-, 8- or
    16-byte load of ``v_words`` at word ``base`` (V_BYTES), else elements (a dim
    past head_dim_v reads the last dim again; it is never stored)."""
    if V_BYTES == 4:
        decode_word(vv, slot * VPL, load(v_words, base))
    elif V_BYTES == 8:
        w0, w1 = load_v2(v_words, base)
        per_word = VPL // 2
        decode_word(vv, slot * VPL, w0)
        decode_word(vv, slot * VPL + per_word, w1)
    elif V_BYTES == 16:
        w0, w1, w2, w3 = load_v4(v_words, base)
        per_word = VPL // 4
        decode_word(vv, slot * VPL, w0)
        decode_word(vv, slot * VPL + per_word, w1)
        decode_word(vv, slot * VPL + 2 * per_word, w2)
        decode_word(vv, slot * VPL + 3 * per_word, w3)
    else:
        for i in range(VPL):
            d = min(lane + i * WARP, HEAD_DIM_V - 1)
            vv[slot * VPL + i] = element_value(v[b, hkv, key, d])


def split_keys(first, last, split, splits, tile):
    """Split ``split`` of ``splits`` of the keys [first, last): its keys [start, end)
    (each split a multiple of ``tile`` keys; empty past the union)."""
    span = last - first if last > first else int64(0)
    per = (span + splits - 1) // splits
    per = (per + tile - 1) // tile * tile
    start = first + split * per
    return start, min(start + per, last)


# --- the kernels --------------------------------------------------------------------

def attention_kernel(q, k, v, k_words, kw_b, kw_h, kw_k, v_words, vw_b, vw_h, vw_k, out, lse,
                     part_out, part_lse, scale, offset, window, kv_lens, q_offsets):
    """GPU kernel. ``q``, ``k``, ``v``, ``out``: 4-D elements (uint16 bits, or float32 /
    float64); ``k_words``: with VEC, k's memory as uint32 words from its first
    element, key rows at ``b * kw_b + h * kw_h + key * kw_k`` words (``v_words``
    likewise for v, with V_BYTES); ``lse``:
    [batch, heads_q, seq_len, 1] (HAS_LSE); ``part_out`` [splits, batch, heads_q,
    seq_len, head_dim_v] and ``part_lse`` [splits, batch, heads_q, seq_len]: a
    split's partial (SPLIT); ``scale``: scale * log2(e), the compute type.

    Launch: grid (splits, ceil(group rows / ROWS), batch * heads_kv) (y, z folded
    by the loops), block (WARP, WARPS). Every loop that holds a barrier or a warp
    reduction runs the same number of times on every lane of the block.
    """
    if PDL:  # a programmatic dependent launch: the grids before it end first
        grid_dependency_wait()
    q_sh = gpu.shared.array((ROWS, HEAD_DIM), COMPUTE)
    p_sh = gpu.shared.array((WARPS, ROWS, WARP), COMPUTE)
    m_sh = gpu.shared.array((WARPS, ROWS), COMPUTE)
    l_sh = gpu.shared.array((WARPS, ROWS), COMPUTE)
    acc_sh = gpu.shared.array((ROWS, HEAD_DIM_V), COMPUTE)
    exchange = gpu.shared.array((WARPS, EXCHANGE_LANES), COMPUTE)
    s = gpu.local.array(ROWS, COMPUTE)
    m = gpu.local.array(ROWS, COMPUTE)
    l = gpu.local.array(ROWS, COMPUTE)
    acc = gpu.local.array(ACC_SLOTS, COMPUTE)
    # each row's kept keys and position: shared (registers are the scarce resource;
    # int64 arrays of 16 rows in registers made AMD's compiler spill)
    row_lo = gpu.shared.array(ROWS, int64)
    row_hi = gpu.shared.array(ROWS, int64)
    row_pos = gpu.shared.array(ROWS, int64)
    x = gpu.local.array(X_SLOTS, COMPUTE)
    vv = gpu.local.array(VV_SLOTS, COMPUTE)
    batch, heads_q, seq_len = q.shape[0], q.shape[1], q.shape[2]
    heads_kv, cache_len = k.shape[1], k.shape[2]
    group = heads_q // heads_kv
    rows_total = group * seq_len
    lane = int64(gpu.threadIdx.x)
    warp = int64(gpu.threadIdx.y)
    thread = warp * WARP + lane
    split = int64(gpu.blockIdx.x)
    splits = int64(gpu.gridDim.x)
    bh = int64(gpu.blockIdx.z)
    while bh < batch * heads_kv:
        b = bh // heads_kv
        hkv = bh - b * heads_kv
        row_offset = q_offsets[b] if USE_Q_OFFSETS else offset
        kv_len = kv_lens[b] if USE_KV_LENS else cache_len
        tile_row = int64(gpu.blockIdx.y) * ROWS
        while tile_row < rows_total:
            # each row's kept keys; the block reads the union of them
            first = cache_len
            last = int64(0)
            for r in range(ROWS):
                lo = int64(0)
                hi = int64(0)
                pos = int64(0)
                if tile_row + r < rows_total:
                    pos = (tile_row + r) % seq_len + row_offset
                    lo, hi = kept_keys(pos, window, kv_len, cache_len)
                if thread == 0:
                    row_lo[r] = lo
                    row_hi[r] = hi
                    row_pos[r] = pos
                if hi > lo:
                    first = min(first, lo)
                    last = max(last, hi)
            for i in range(thread, ROWS * HEAD_DIM, THREADS):
                r = i // HEAD_DIM
                d = i - r * HEAD_DIM
                value = COMPUTE(0)
                if tile_row + r < rows_total:
                    h = hkv * group + (tile_row + r) // seq_len
                    value = element_value(q[b, h, (tile_row + r) % seq_len, d]) * scale
                q_sh[r, d] = value
            for r in range(ROWS):
                m[r] = COMPUTE(NEG_INF)
                l[r] = COMPUTE(0)
                for i in range(VPL):
                    acc[r * VPL + i] = COMPUTE(0)
            gpu.syncthreads()
            # this split's keys: a multiple of WARP keys of the union
            start, end = split_keys(first, last, split, splits, WARP)
            if end > start:
                v_base = b * vw_b + hkv * vw_h
                tiles = (end - start + WARP - 1) // WARP
                for it in range((tiles + WARPS - 1) // WARPS):
                    tile_start = start + (it * WARPS + warp) * WARP
                    key = tile_start + lane
                    valid = key < end
                    kk = min(key, end - 1)  # loads stay unconditional
                    key_scores(s, q_sh, k, k_words, b * kw_b + hkv * kw_h + kk * kw_k,
                               b, hkv, kk, x)
                    for r in range(ROWS):
                        kept = valid and row_lo[r] <= key and key < row_hi[r]
                        if HAS_MASK_FN and kept:
                            h = hkv * group + (tile_row + r) // seq_len
                            kept = MASK_FN(b, h, row_pos[r], key)
                        score = s[r] if kept else COMPUTE(NEG_INF)
                        tile_max = row_reduce(exchange, exchange, warp, lane, score, True)
                        new_max = nan_max(m[r], tile_max)
                        p = COMPUTE(0)
                        if new_max != NEG_INF:  # the same on every lane of the warp
                            alpha = pow2(m[r] - new_max)
                            for i in range(VPL):
                                acc[r * VPL + i] *= alpha
                            if score != NEG_INF:
                                p = pow2(score - new_max)
                            l[r] = l[r] * alpha + p
                            m[r] = new_max
                        p_sh[warp, r, lane] = p
                    gpu.syncthreads()
                    # the lanes now own value dims lane, lane + WARP, ...
                    n_keys = min(end - tile_start, int64(WARP))
                    for j0 in range(0, WARP, KEYS_IN_FLIGHT):
                        if j0 < n_keys:
                            for jj in range(KEYS_IN_FLIGHT):
                                kj = tile_start + min(j0 + jj, n_keys - 1)
                                load_values(vv, jj, v, v_words,
                                            v_base + kj * vw_k + lane * (V_BYTES // 4),
                                            b, hkv, kj, lane)
                            for jj in range(KEYS_IN_FLIGHT):
                                if j0 + jj < n_keys:
                                    for r in range(ROWS):
                                        p = p_sh[warp, r, j0 + jj]
                                        for i in range(VPL):
                                            acc[r * VPL + i] += p * vv[jj * VPL + i]
                    gpu.syncthreads()
            # combine the warps' partials: every warp's values re-based on the row max,
            # then summed into one [ROWS, head_dim_v] buffer, one warp at a time
            for r in range(ROWS):
                total = row_reduce(exchange, exchange, warp, lane, l[r], False)
                if lane == 0:
                    m_sh[warp, r] = m[r]
                    l_sh[warp, r] = total
            gpu.syncthreads()
            for r in range(ROWS):
                row_max = COMPUTE(NEG_INF)
                for w in range(WARPS):
                    row_max = nan_max(row_max, m_sh[w, r])
                f = pow2(m[r] - row_max) if row_max != NEG_INF else COMPUTE(0)
                for i in range(VPL):
                    acc[r * VPL + i] *= f
            for w in range(WARPS):
                if warp == w:
                    for r in range(ROWS):
                        for i in range(VPL):
                            d = value_dim(lane, i)
                            if d < HEAD_DIM_V:
                                before = acc_sh[r, d] if w > 0 else COMPUTE(0)
                                acc_sh[r, d] = before + acc[r * VPL + i]
                gpu.syncthreads()
            for i in range(thread, ROWS * HEAD_DIM_V, THREADS):
                r = i // HEAD_DIM_V
                d = i - r * HEAD_DIM_V
                if tile_row + r < rows_total:
                    row_max = COMPUTE(NEG_INF)
                    for w in range(WARPS):
                        row_max = nan_max(row_max, m_sh[w, r])
                    total = COMPUTE(0)
                    o = COMPUTE(0)
                    if row_max != NEG_INF:
                        for w in range(WARPS):
                            total += l_sh[w, r] * pow2(m_sh[w, r] - row_max)
                        o = acc_sh[r, d]
                    result = o / total if total != 0 else COMPUTE(0)
                    row_lse = COMPUTE(NEG_INF)
                    if total != 0:
                        row_lse = row_max * COMPUTE(LN2) + COMPUTE(math.log(total))
                    h = hkv * group + (tile_row + r) // seq_len
                    qq = (tile_row + r) % seq_len
                    if SPLIT:
                        part_out[split, b, h, qq, d] = result
                        if d == 0:
                            part_lse[split, b, h, qq] = row_lse
                    else:
                        out[b, h, qq, d] = element_of(result)
                        if HAS_LSE and d == 0:
                            lse[b, h, qq, 0] = row_lse
            gpu.syncthreads()  # shared memory is reused by the next folded tile
            tile_row += int64(gpu.gridDim.y) * ROWS
        bh += int64(gpu.gridDim.z)


def merge_kernel(part_flat, part_lse, out, lse, tickets):
    """GPU kernel: each query row's key-split partials merged with their log-sum-exp
    (flash-decoding's combine): out = sum_s w_s o_s / sum_s w_s with w_s = exp(lse_s -
    max_s lse_s), lse = max + log(sum_s w_s); a row no split kept a key of (every
    lse_s -inf) gets 0 and -inf. ``part_flat``: the partials [splits, batch,
    heads_q, seq_len, head_dim_v] as one array; ``part_lse``: [splits, batch *
    heads_q * seq_len]; ``out`` [batch, heads_q, seq_len, head_dim_v], ``lse``
    [batch, heads_q, seq_len, 1] (HAS_LSE); ``tickets``: the split launch's
    counters, set back to 0 here (RESET: no block of that launch runs any more).

    Launch: grid (blocks,) over the rows, block (THREADS, 1), head_dim_v at most
    WARP * MERGE_DIMS. Warp w sums splits w, w + WARPS, ... and lane l dims l, l +
    WARP, ...: a trip loads MERGE_BATCH partials a lane (MERGE_BATCH // MERGE_DIMS
    splits a warp). The first trip's loads go out before the row's lse are read and
    reduced (row_reduce: their max, then the weights' sum), so a merge of up to
    WARPS * MERGE_BATCH // MERGE_DIMS splits costs one round trip to L2; the warps'
    sums are then added through shared memory."""
    if PDL:  # a programmatic dependent launch: the grids before it end first
        grid_dependency_wait()
    weight_sh = gpu.shared.array(MOST_SPLITS, COMPUTE)
    sums_sh = gpu.shared.array((WARPS, MERGE_WIDTH), COMPUTE)
    partial = gpu.shared.array((1, WARPS), COMPUTE)
    exchange = gpu.shared.array((1, EXCHANGE_LANES), COMPUTE)
    x = gpu.local.array(MERGE_BATCH, COMPUTE)
    acc = gpu.local.array(MERGE_DIMS, COMPUTE)
    heads_q, seq_len, dim_v = out.shape[1], out.shape[2], out.shape[3]
    splits = part_lse.shape[0]
    rows = part_lse.shape[1]
    thread = int64(gpu.threadIdx.x)
    warp = thread // WARP
    lane = thread - warp * WARP
    per_warp = MERGE_BATCH // MERGE_DIMS  # splits a warp loads a trip
    per_trip = per_warp * WARPS
    stride = rows * dim_v
    row = int64(gpu.blockIdx.x)
    if RESET:
        for i in range(row * THREADS + thread, tickets.shape[0],
                       int64(gpu.gridDim.x) * THREADS):
            tickets[i] = int32(0)
    while row < rows:
        at = row * dim_v
        top = COMPUTE(NEG_INF)
        total = COMPUTE(0)
        for trip in range(0, splits, per_trip):
            # this trip's partials (clamped: one unconditional batch of loads); the
            # first trip's go out before the weights are known
            for j in range(per_warp):
                sp = min(trip + warp + j * WARPS, splits - 1)
                for i in range(MERGE_DIMS):
                    x[j * MERGE_DIMS + i] = part_flat[sp * stride + at
                                                      + min(lane + i * WARP, dim_v - 1)]
            if trip == 0:
                for sp in range(thread, splits, THREADS):
                    weight_sh[sp] = part_lse[sp, row]
                    top = nan_max(top, weight_sh[sp])
                top = row_reduce(exchange, partial, 0, thread, top, True)  # (its barriers)
                for sp in range(thread, splits, THREADS):
                    w = lse_weight(weight_sh[sp], top)
                    weight_sh[sp] = w
                    total += w
                total = row_reduce(exchange, partial, 0, thread, total, False)  # (barriers)
                for i in range(MERGE_DIMS):
                    acc[i] = COMPUTE(0)
            for j in range(per_warp):
                sp = trip + warp + j * WARPS
                if sp < splits:
                    w = weight_sh[sp]
                    for i in range(MERGE_DIMS):
                        acc[i] += w * x[j * MERGE_DIMS + i]
        for i in range(MERGE_DIMS):
            sums_sh[warp, lane + i * WARP] = acc[i]
        gpu.syncthreads()
        inverse = COMPUTE(1) / total if total != 0 else COMPUTE(0)
        qq = row % seq_len
        bh = row // seq_len
        h = bh % heads_q
        b = bh // heads_q
        for d in range(thread, dim_v, THREADS):
            value = sums_sh[0, d]
            for other in range(1, WARPS):
                value += sums_sh[other, d]
            out[b, h, qq, d] = element_of(value * inverse)
        if HAS_LSE and thread == 0:
            lse[b, h, qq, 0] = merged_lse(top, total)
        gpu.syncthreads()  # weight_sh and sums_sh are written again for the next row
        row += int64(gpu.gridDim.x)


def decode_chunk(x, w0, w1, w2, w3):
    """The CHUNK_ELEMS elements of a 16-byte chunk (four uint32 words) into ``x``."""
    per_word = CHUNK_ELEMS // 4
    decode_word(x, 0, w0)
    decode_word(x, per_word, w1)
    decode_word(x, 2 * per_word, w2)
    decode_word(x, 3 * per_word, w3)


def decode_value_words(vx, v_stage, at):
    """This lane's VPL value elements of a staged value row (V_WORDS words at ``at``)."""
    if V_WORDS == 1:
        decode_word(vx, 0, load(v_stage, at))
    elif V_WORDS == 2:
        w0, w1 = load_v2(v_stage, at)
        decode_word(vx, 0, w0)
        decode_word(vx, VPL // 2, w1)
    else:
        w0, w1, w2, w3 = load_v4(v_stage, at)
        decode_word(vx, 0, w0)
        decode_word(vx, VPL // 4, w1)
        decode_word(vx, VPL // 2, w2)
        decode_word(vx, 3 * VPL // 4, w3)


def tile_copies(stage_words, at, row_words, chunks, stage, lane, words, base, stride, tile,
                end):
    """Start the copies of the key (or value) rows of the WARP keys from ``tile``
    (keys past ``end`` read key end - 1) into ``stage``: rows of ``chunks`` 16-byte
    chunks, ``row_words`` words apart (K_ROW: 16 bytes of padding; V_ROW); the
    warp's lanes take consecutive chunks."""
    for c in range(lane, WARP * chunks, WARP):
        j = c // chunks
        chunk = c - j * chunks
        key = min(tile + j, end - 1)
        copy16(stage_words, at + (stage * WARP + j) * row_words + chunk * 4, words,
               base + key * stride + chunk * 4)


def stage_tile(k_stage, v_stage, k_at, v_at, stage, lane, k_words, v_words, k_base, v_base,
               kw_k, vw_k, tile, end):
    """Start the copies of a tile's key rows, then its value rows, into ``stage``."""
    tile_copies(k_stage, k_at, K_ROW, K_CHUNKS, stage, lane, k_words, k_base, kw_k, tile, end)
    tile_copies(v_stage, v_at, V_ROW, V_CHUNKS, stage, lane, v_words, v_base, vw_k, tile, end)


def pair_weight(m, new_max):
    """pow2(m - new_max): the weight of a partial whose max is ``m`` in a merge whose
    max is ``new_max``; 0 for an empty partial (m = -inf), NaN stays NaN."""
    if m == NEG_INF:
        return COMPUTE(0)
    return pow2(m - new_max)


def fold_weight(m, new_max):
    """The weight of a state whose max is ``m`` when it is folded into one of max
    ``new_max`` (mma_tile's rescale rule): 1 where the max stays, or every max is
    -inf; else pair_weight."""
    if new_max == NEG_INF or new_max == m:
        return COMPUTE(1)
    return pair_weight(m, new_max)


def head_and_query(row, seq_len):
    """(row // seq_len, row % seq_len) in 32-bit arithmetic (a group row's query head
    within the group and its query; rows and seq_len fit 32 bits)."""
    return int64(udiv32(row, seq_len)), int64(urem32(row, seq_len))


def decode_kernel(q, k_words, kw_b, kw_h, kw_k, v_words, vw_b, vw_h, vw_k, out, lse, part_out,
                  part_lse, part_flat, tickets, scale, heads_kv, cache_len, offset, window,
                  kv_lens, q_offsets):
    """GPU kernel, the decode route: ``q``, ``out``: 4-D elements (uint16 bits, or
    float32); ``k_words`` / ``v_words``: k's and v's memory as uint32 words, key
    rows at ``b * kw_b + h * kw_h + key * kw_k`` words (16-byte aligned rows);
    ``lse`` [batch, heads_q, seq_len, 1] (HAS_LSE); with SPLIT, ``part_out``
    [splits, batch, heads_q, seq_len, head_dim_v], ``part_lse`` [splits, batch,
    heads_q, seq_len] and ``tickets`` [row tiles * batch * heads_kv] int32, all 0
    on entry and on return; ``scale``: scale * log2(e).

    One warp per block takes its split's keys in tiles of WARP keys, copied to
    shared memory STAGES - 1 tiles ahead (``copy16``: cp.async on NVIDIA). In a
    tile each lane owns one key: its scores against the ROWS query rows (held in
    shared memory, pre-scaled) are plain dot products, with no lane exchange; the
    tile's max per row (a butterfly) folds into the online softmax, and the lanes
    then own VPL value dims each to accumulate the tile's weighted values. With
    SPLIT and MERGE_HERE, the last block of a (row tile, batch x KV head) to
    finish (a ticket) merges the splits' partials with their log-sum-exp
    (flash-decoding, one launch: its merge overlaps the other blocks' tiles); with
    SPLIT alone, merge_kernel merges them in a launch of its own (many splits: the
    one-warp merge would take a round trip per MERGE_SPLITS splits).

    Launch: grid (splits, row tiles, batch * heads_kv), never folded; block
    (WARP, 1). Keys past the split's end are clamped and not kept, so every lane
    runs every tile and lane exchanges and barriers stay uniform.
    """
    if PDL:  # a programmatic dependent launch: the grids before it end first
        grid_dependency_wait()
    q_sh = gpu.shared.array(Q_WORDS, uint32)  # float32 bits [ROWS, HEAD_DIM], + 3 words
    p_sh = gpu.shared.array((ROWS, WARP), COMPUTE)
    k_stage = gpu.shared.array(K_STAGE_WORDS, uint32)  # + 3 words: a 16-byte aligned start
    v_stage = gpu.shared.array(V_STAGE_WORDS, uint32)
    exchange = gpu.shared.array((1, EXCHANGE_LANES), COMPUTE)
    weight_sh = gpu.shared.array((ROWS, WEIGHT_SLOTS), COMPUTE)
    row_lo = gpu.shared.array(ROWS, int64)  # read only for tiles with masked keys
    row_hi = gpu.shared.array(ROWS, int64)
    last_sh = gpu.shared.array(1, int32)
    s = gpu.local.array(ROWS, COMPUTE)
    m = gpu.local.array(ROWS, COMPUTE)
    l = gpu.local.array(ROWS, COMPUTE)
    acc = gpu.local.array(ACC_SLOTS, COMPUTE)
    x = gpu.local.array(CHUNK_ELEMS, COMPUTE)
    vx = gpu.local.array(VPL, COMPUTE)
    lane = int64(gpu.threadIdx.x)
    seq_len, group, rows_total, split, splits, tile_row, bh, b, hkv = block_place(q, heads_kv)
    row_offset = q_offsets[b] if USE_Q_OFFSETS else offset
    # each row's kept keys; the union is read, the intersection needs no per-key test
    first, last, both_lo, both_hi = group_bounds(
        row_lo, row_hi, lane, tile_row, rows_total, seq_len, row_offset, window,
        kv_lens[b] if USE_KV_LENS else cache_len, cache_len)
    for r in range(ROWS):
        m[r] = COMPUTE(NEG_INF)
        l[r] = COMPUTE(0)
        for i in range(VPL):
            acc[r * VPL + i] = COMPUTE(0)
    q_at = align16_skip(q_sh)
    for i in range(lane, ROWS * HEAD_DIM, WARP):
        r = i // HEAD_DIM
        value = COMPUTE(0)
        if tile_row + r < rows_total:
            h, qq = head_and_query(tile_row + r, seq_len)
            value = element_value(q[b, hkv * group + h, qq, i - r * HEAD_DIM]) * scale
        store(q_sh, q_at + i, as_u32(value))
    gpu.syncthreads()
    # this split's keys: a multiple of WARP keys of the union
    start, end = split_keys(first, last, split, splits, WARP)
    tiles = (end - start + WARP - 1) // WARP if end > start else int64(0)
    k_base = b * kw_b + hkv * kw_h
    v_base = b * vw_b + hkv * vw_h
    k_at = align16_skip(k_stage)
    v_at = align16_skip(v_stage)
    for ahead in range(STAGES - 1):
        if ahead < tiles:
            stage_tile(k_stage, v_stage, k_at, v_at, ahead % STAGES, lane, k_words, v_words,
                       k_base, v_base, kw_k, vw_k, start + ahead * WARP, end)
        async_commit()
    for it in range(tiles):
        ahead = it + STAGES - 1
        if ahead < tiles:
            stage_tile(k_stage, v_stage, k_at, v_at, ahead % STAGES, lane, k_words, v_words,
                       k_base, v_base, kw_k, vw_k, start + ahead * WARP, end)
        async_commit()
        async_wait(STAGES - 1)
        gpu.syncthreads()  # every lane's copies of this tile have landed
        stage = it % STAGES
        tile = start + it * WARP
        key = tile + lane
        # the lane's key against every row: chunk by chunk, the rows' q from shared memory
        for r in range(ROWS):
            s[r] = COMPUTE(0)
        row_at = k_at + (stage * WARP + lane) * K_ROW
        for c in range(K_CHUNKS):
            w0, w1, w2, w3 = load_v4(k_stage, row_at + c * 4)
            decode_chunk(x, w0, w1, w2, w3)
            for r in range(ROWS):
                t = s[r]
                for e0 in range(0, CHUNK_ELEMS, 4):
                    q0, q1, q2, q3 = load_v4(q_sh, q_at + r * HEAD_DIM + c * CHUNK_ELEMS + e0)
                    t += as_f32(q0) * x[e0] + as_f32(q1) * x[e0 + 1] \
                        + as_f32(q2) * x[e0 + 2] + as_f32(q3) * x[e0 + 3]
                s[r] = t
        all_kept = not HAS_MASK_FN and tile >= both_lo and tile + WARP <= min(both_hi, end)
        for r in range(ROWS):
            score = s[r]
            if not all_kept:
                kept = key < end and row_lo[r] <= key and key < row_hi[r]
                if HAS_MASK_FN and kept:
                    kept = MASK_FN(b, hkv * group + (tile_row + r) // seq_len,
                                   (tile_row + r) % seq_len + row_offset, key)
                if not kept:
                    score = COMPUTE(NEG_INF)
            tile_max = score
            mask = WARP // 2
            while mask > 0:
                tile_max = nan_max(tile_max, lane_xor(exchange, 0, lane, tile_max, mask))
                mask //= 2
            new_max = nan_max(m[r], tile_max)
            p = COMPUTE(0)
            if new_max != NEG_INF:  # the same on every lane
                if new_max != m[r]:
                    alpha = pair_weight(m[r], new_max)
                    l[r] *= alpha
                    for i in range(VPL):
                        acc[r * VPL + i] *= alpha
                    m[r] = new_max
                if score != NEG_INF:
                    p = pow2(score - new_max)
                l[r] += p  # the lane's own keys; summed over the lanes at the end
            p_sh[r, lane] = p
        gpu.syncthreads()
        # the lanes now own value dims lane * VPL ...: every key of the tile in turn
        # (a fixed count, unrolled: keys past the end have p = 0 and are skipped)
        value_at = v_at + stage * WARP * V_ROW + lane * V_WORDS
        for j in range(WARP):
            decode_value_words(vx, v_stage, value_at + j * V_ROW)
            for r in range(ROWS):
                p = p_sh[r, j]
                if all_kept or p != COMPUTE(0):  # a value not kept is never used
                    for i in range(VPL):
                        acc[r * VPL + i] += p * vx[i]
        gpu.syncthreads()  # the stage and p_sh are written again next
    for r in range(ROWS):
        mask = WARP // 2
        while mask > 0:
            l[r] += lane_xor(exchange, 0, lane, l[r], mask)
            mask //= 2
    for r in range(ROWS):
        if tile_row + r < rows_total:
            h, qq = head_and_query(tile_row + r, seq_len)
            h += hkv * group
            total = l[r]
            row_lse = COMPUTE(NEG_INF)
            if total != 0:
                row_lse = m[r] * COMPUTE(LN2) + COMPUTE(math.log(total))
            for i in range(VPL):
                d = lane * VPL + i
                result = acc[r * VPL + i] / total if total != 0 else COMPUTE(0)
                if SPLIT:
                    part_out[split, b, h, qq, d] = result
                else:
                    out[b, h, qq, d] = element_of(result)
            if lane == 0:
                if SPLIT:
                    part_lse[split, b, h, qq] = row_lse
                elif HAS_LSE:
                    lse[b, h, qq, 0] = row_lse
    if SPLIT and MERGE_HERE:  # the last split of this (row tile, batch x KV head) merges
        merge_last_split(part_flat, part_lse, out, lse, weight_sh, exchange, last_sh, tickets,
                         splits, b, hkv, bh, group, seq_len, tile_row, rows_total, lane)


def tile_pieces(part_lse, b, hkv, group, seq_len, tile_row, rows_total):
    """Where a row tile's partials lie, as 16-byte pieces of ``part_flat`` (the
    partials [splits, batch, heads_q, seq_len, HEAD_DIM_V] as one float32 row): the
    tile's valid rows, pieces a row, pieces in all, the words from one split's
    partials to the next, and the tile's first word in split 0's. The group's rows
    are back to back (row = head in group x seq_len + query), so piece i of the tile
    is at split x stride + first + 4 i."""
    heads_q = part_lse.shape[2]
    valid = min(int64(ROWS), rows_total - tile_row)
    per_row = HEAD_DIM_V // 4
    split_stride = part_lse.shape[1] * heads_q * seq_len * HEAD_DIM_V
    first = ((b * heads_q + hkv * group) * seq_len + tile_row) * HEAD_DIM_V
    return valid, per_row, valid * per_row, split_stride, first


def merge_splits(part_flat, part_lse, out, lse, weight_sh, exchange, splits, b, hkv, group,
                 seq_len, tile_row, rows_total, thread):
    """The last block (WARPS warps) of a (row tile, batch x KV head): its rows'
    ``splits`` partials merged with their log-sum-exp into ``out`` (and ``lse``).
    ``part_flat``: the partials [splits, batch, heads_q, seq_len, HEAD_DIM_V] as one
    float32 row.

    Each thread sums MERGE_VECS 16-byte pieces of the tile's rows over the splits,
    MERGE_SPLITS splits' loads issued together (merge_trip_loads: one unconditional
    batch). Its first trip's loads go out first; then every (row, split) lse is read
    at once (MERGE_LSE_LOADS a thread) into ``weight_sh`` [ROWS, MOST_SPLITS + 2] and
    turned into weights, warp w taking rows w, w + WARPS, ... (the row's max and sum
    at the end). So the weights' round trip to L2 and the first trip's overlap: a
    merge of up to MERGE_SPLITS splits costs one round trip, more about splits /
    MERGE_SPLITS."""
    warp = thread // WARP
    lane = thread - warp * WARP
    valid, per_row, pieces, split_stride, first = tile_pieces(
        part_lse, b, hkv, group, seq_len, tile_row, rows_total)
    x = gpu.local.array(MERGE_WORDS, uint32)
    if MERGE_EARLY:
        merge_trip_loads(x, part_flat, thread, 0, splits, pieces, split_stride, first)
    got = gpu.local.array(MERGE_LSE_LOADS, COMPUTE)
    cells = valid * splits
    if MERGE_EARLY:
        for k in range(MERGE_LSE_LOADS):  # every load out before any is used
            i = min(thread + k * THREADS, cells - 1)
            r = int64(udiv32(i, splits))
            hh, qq = head_and_query(tile_row + r, seq_len)
            got[k] = part_lse[i - r * splits, b, hkv * group + hh, qq]
        for k in range(MERGE_LSE_LOADS):
            i = thread + k * THREADS
            if i < cells:
                r = int64(udiv32(i, splits))
                weight_sh[r, i - r * splits] = got[k]
    else:
        for i in range(thread, cells, THREADS):
            r = int64(udiv32(i, splits))
            hh, qq = head_and_query(tile_row + r, seq_len)
            weight_sh[r, i - r * splits] = part_lse[i - r * splits, b, hkv * group + hh, qq]
    gpu.syncthreads()
    for r0 in range(0, ROWS, WARPS):
        if r0 >= valid:  # the same on every thread: the exchanges stay uniform
            break
        r = r0 + warp
        top = COMPUTE(NEG_INF)
        if r < valid:
            for sp in range(lane, splits, WARP):
                top = nan_max(top, weight_sh[r, sp])
        mask = WARP // 2
        while mask > 0:
            top = nan_max(top, lane_xor(exchange, warp, lane, top, mask))
            mask //= 2
        total = COMPUTE(0)
        if r < valid:
            for sp in range(lane, splits, WARP):
                f = lse_weight(weight_sh[r, sp], top)
                weight_sh[r, sp] = f
                total += f
        mask = WARP // 2
        while mask > 0:
            total += lane_xor(exchange, warp, lane, total, mask)
            mask //= 2
        if lane == 0 and r < valid:
            weight_sh[r, MOST_SPLITS] = top
            weight_sh[r, MOST_SPLITS + 1] = total
    gpu.syncthreads()
    acc = gpu.local.array(MERGE_SLOTS, COMPUTE)
    for i0 in range(thread, pieces, THREADS * MERGE_VECS):
        for j in range(MERGE_SLOTS):
            acc[j] = COMPUTE(0)
        for sp0 in range(0, splits, MERGE_SPLITS):
            if not MERGE_EARLY:  # each load summed as it comes (hip: see MERGE_EARLY)
                for t in range(MERGE_SPLITS):
                    sp = min(sp0 + t, splits - 1)
                    for j in range(MERGE_VECS):
                        i = min(i0 + j * THREADS, pieces - 1)
                        w = weight_sh[i // per_row, sp] if sp0 + t < splits else COMPUTE(0)
                        w0, w1, w2, w3 = load_v4(part_flat, sp * split_stride + first + i * 4)
                        acc[4 * j] += w * as_f32(w0)
                        acc[4 * j + 1] += w * as_f32(w1)
                        acc[4 * j + 2] += w * as_f32(w2)
                        acc[4 * j + 3] += w * as_f32(w3)
                continue
            if i0 != thread or sp0 != 0:  # (the first trip's loads went out above)
                merge_trip_loads(x, part_flat, i0, sp0, splits, pieces, split_stride, first)
            for t in range(MERGE_SPLITS):
                for j in range(MERGE_VECS):
                    i = min(i0 + j * THREADS, pieces - 1)
                    r = i // per_row
                    w = weight_sh[r, min(sp0 + t, splits - 1)] if sp0 + t < splits \
                        else COMPUTE(0)
                    at = 4 * (t * MERGE_VECS + j)
                    for e in range(4):
                        acc[4 * j + e] += w * as_f32(x[at + e])
        for j in range(MERGE_VECS):
            i = i0 + j * THREADS
            if i < pieces:
                r = i // per_row
                d = (i - r * per_row) * 4
                h, qq = head_and_query(tile_row + r, seq_len)
                store_piece(out, lse, acc, 4 * j, weight_sh[r, MOST_SPLITS],
                            weight_sh[r, MOST_SPLITS + 1], b, h + hkv * group, qq, d)


def lse_weight(value, top):
    """exp(value - top): the weight of a split whose lse is ``value`` in a merge whose
    largest lse is ``top``; 0 for a split that kept no key (-inf) and where none did;
    NaN stays NaN."""
    if top == NEG_INF or value == NEG_INF:
        return COMPUTE(0)
    return COMPUTE(math.exp(value - top))


def merged_lse(top, total):
    """The log-sum-exp of merged splits (``top`` their largest lse, ``total`` the sum of
    their lse_weight): -inf where no split kept a key."""
    if total == 0:
        return COMPUTE(NEG_INF)
    return top + COMPUTE(math.log(total))


def store_piece(out, lse, acc, at, top, total, b, h, qq, d):
    """A merged 16-byte piece of query row (b, h, qq), dims d ... d + 3: ``acc[at:at +
    4]`` (the weighted sums) over ``total`` (their weights' sum; 0: no key kept, zeros)
    into ``out``, and with HAS_LSE the row's lse (``top``: the largest split lse) from
    the piece at d = 0."""
    inverse = COMPUTE(1) / total if total != 0 else COMPUTE(0)
    for e in range(4):
        out[b, h, qq, d + e] = element_of(acc[at + e] * inverse)
    if HAS_LSE and d == 0:
        lse[b, h, qq, 0] = merged_lse(top, total)


def merge_trip_loads(x, part_flat, i0, sp0, splits, pieces, split_stride, first):
    """One trip of merge_splits' loads into ``x`` [MERGE_WORDS] uint32: splits sp0 ...
    sp0 + MERGE_SPLITS - 1 of this thread's MERGE_VECS 16-byte pieces i0, i0 + THREADS,
    ... (both clamped, so the trip is one unconditional batch of loads)."""
    for t in range(MERGE_SPLITS):
        sp = min(sp0 + t, splits - 1)
        for j in range(MERGE_VECS):
            i = min(i0 + j * THREADS, pieces - 1)
            w0, w1, w2, w3 = load_v4(part_flat, sp * split_stride + first + i * 4)
            at = 4 * (t * MERGE_VECS + j)
            x[at] = w0
            x[at + 1] = w1
            x[at + 2] = w2
            x[at + 3] = w3


# --- the tensor-core decode route ----------------------------------------------------------

def block_place(q, heads_kv):
    """A decode block's place on its grid (key splits, row tiles, batch x KV head):
    (seq_len, group, rows_total, split, splits, tile_row, bh, b, hkv)."""
    seq_len = q.shape[2]
    group = q.shape[1] // heads_kv
    bh = int64(gpu.blockIdx.z)
    b = bh // heads_kv
    return (seq_len, group, group * seq_len, int64(gpu.blockIdx.x), int64(gpu.gridDim.x),
            int64(gpu.blockIdx.y) * ROWS, bh, b, bh - b * heads_kv)


def group_bounds(row_lo, row_hi, thread, tile_row, rows_total, seq_len, row_offset, window,
                 kv_len, cache_len):
    """The kept keys of the block's ROWS rows: ``row_lo``/``row_hi`` (shared) get each
    row's [lo, hi) (empty for a row past rows_total); returns (first, last), the
    union's bounds, and (both_lo, both_hi), their intersection's (where no key
    needs a test)."""
    first = cache_len
    last = int64(0)
    both_lo = int64(0)
    both_hi = cache_len
    for r in range(ROWS):
        lo = int64(0)
        hi = int64(0)
        if tile_row + r < rows_total:
            lo, hi = kept_keys(int64(urem32(tile_row + r, seq_len)) + row_offset, window,
                               kv_len, cache_len)
            both_lo = max(both_lo, lo)
            both_hi = min(both_hi, hi)
        if thread == 0:
            row_lo[r] = lo
            row_hi[r] = hi
        if hi > lo:
            first = min(first, lo)
            last = max(last, hi)
    return first, last, both_lo, both_hi


def query_word(q, b, h, qq, d, valid):
    """Elements d and d + 1 of a query row as one uint32 (d's low); 0 for a row past
    the group."""
    if not valid:
        return uint32(0)
    return pair_lo(q[b, h, qq, d], q[b, h, qq, d + 1])


def staged_chunk(chunk, row, keys):
    """Where 16-byte chunk ``chunk`` of tile row ``row`` sits in its staged row:
    chunk ^ 4 (row & 1) for key rows (``keys``), chunk ^ 2 ((row >> 1) & 3) for
    value rows, so the fragment reads of decode_mma_kernel meet 8 different bank
    groups per 8 lanes."""
    if keys:
        return chunk ^ ((row & 1) << 2)
    return chunk ^ (((row >> 1) & 3) << 1)


def mma_copies(stage_words, at, row_words, chunks, stage, thread, words, base, stride, tile,
               end, keys):
    """Start the copies of the TILE key (``keys``) or value rows from ``tile`` (keys
    past ``end`` read key end - 1) into ``stage``, each chunk where staged_chunk
    puts it. Thread t of the block copies chunk ``t % chunks`` of rows ``t // chunks
    + m * THREADS // chunks``: in a whole tile its source and destination only step
    by a fixed stride (DENSE_ROWS: the row's own length, a compile-time constant)."""
    per = THREADS // chunks  # rows a copy instruction covers
    chunk = thread % chunks
    first = thread // chunks
    dst = at + (stage * TILE + first) * row_words
    if DENSE_ROWS:  # rows back to back in memory: each copy's offset a constant
        stride = int64(row_words)
    if tile + TILE <= end:
        src = base + (tile + first) * stride + chunk * 4
        for m in range(TILE // per):
            copy16(stage_words, dst + staged_chunk(chunk, first + m * per, keys) * 4, words,
                   src + m * per * stride)
            dst += per * row_words
    else:  # the split's last tile: a plain loop (clamped keys)
        for c in range(thread, TILE * chunks, THREADS):
            j = c // chunks
            copy16(stage_words, at + (stage * TILE + j) * row_words
                   + staged_chunk(chunk, j, keys) * 4, words,
                   base + min(tile + j, end - 1) * stride + chunk * 4)


def mma_stage_tile(k_stage, v_stage, k_at, v_at, stage, thread, k_words, v_words, k_base,
                   v_base, kw_k, vw_k, tile, end):
    """Start the copies of a tile's key rows, then its value rows, into ``stage``."""
    mma_copies(k_stage, k_at, K_ROW, K_CHUNKS, stage, thread, k_words, k_base, kw_k, tile,
               end, True)
    mma_copies(v_stage, v_at, V_ROW, V_CHUNKS, stage, thread, v_words, v_base, vw_k, tile,
               end, False)


def pack_pair(lo, hi):
    """Two compute values as one word of the 16-bit format (``lo`` in the low half),
    rounded to nearest even."""
    if FORMAT == BFLOAT16:
        return pack_bf16x2(lo, hi)
    return pack_f16x2(lo, hi)


def value_products(o, u, exchange, lane, a0, a1, a2, a3, x, y, z, w):
    """O += P V for one word of four staged value rows (keys 2t, 2t + 1, 2t + 8,
    2t + 9 of the k-step: ``x``, ``y``, ``z``, ``w``): its low halves are one dim
    (the n-tile at ``o[u]``), its high halves the next (at ``o[u + 4]``)."""
    o[u], o[u + 1], o[u + 2], o[u + 3] = warp_mma(
        exchange, lane, FORMAT == BFLOAT16, a0, a1, a2, a3, pair_lo(x, y), pair_lo(z, w),
        o[u], o[u + 1], o[u + 2], o[u + 3])
    o[u + 4], o[u + 5], o[u + 6], o[u + 7] = warp_mma(
        exchange, lane, FORMAT == BFLOAT16, a0, a1, a2, a3, pair_hi(x, y), pair_hi(z, w),
        o[u + 4], o[u + 5], o[u + 6], o[u + 7])


def mma_tile(k_stage, v_stage, k_at, v_at, stage, tile, end, both_lo, both_hi, row_lo, row_hi,
             qf, o, s, m0, m1, l0, l1, scale, warp, lane, exchange, mma_exchange):
    """Warp ``warp``'s part of a staged tile of TILE keys from key ``tile`` (keys at
    or past ``end`` not kept): its TILE / WARPS keys from ``tile + warp * TILE /
    WARPS``, folded into the warp's online softmax of the block's 16 rows: S = Q K^T
    on the tensor cores, the rows' max (a row's four lanes), p = exp2(S - max), O +=
    P V. Returns the rows' new (m0, m1, l0, l1) (rows g and g + 8 of lane's
    fragments)."""
    g = lane >> 2
    quad = lane & 3
    part = warp * (8 * KEY_TILES)  # the warp's first row of the tile
    tile += part
    # S = Q K^T: n-tile t is keys 8t .. 8t + 7 of the part; lane reads key 8t + g
    for t in range(KEY_TILES):
        c0 = COMPUTE(0)
        c1 = COMPUTE(0)
        c2 = COMPUTE(0)
        c3 = COMPUTE(0)
        row_at = k_at + (stage * TILE + part + 8 * t + g) * K_ROW
        for i in range(QK_CHUNKS):
            w0, w1, w2, w3 = load_v4(k_stage, row_at + staged_chunk(quad + 4 * i, g, True) * 4)
            at = 8 * i
            c0, c1, c2, c3 = warp_mma(mma_exchange, lane, FORMAT == BFLOAT16, qf[at],
                                      qf[at + 1], qf[at + 2], qf[at + 3], w0, w1,
                                      c0, c1, c2, c3)
            c0, c1, c2, c3 = warp_mma(mma_exchange, lane, FORMAT == BFLOAT16, qf[at + 4],
                                      qf[at + 5], qf[at + 6], qf[at + 7], w2, w3,
                                      c0, c1, c2, c3)
        s[4 * t] = c0 * scale
        s[4 * t + 1] = c1 * scale
        s[4 * t + 2] = c2 * scale
        s[4 * t + 3] = c3 * scale
    if not (tile >= both_lo and tile + 8 * KEY_TILES <= min(both_hi, end)):
        for t in range(KEY_TILES):
            for e in range(2):
                key = tile + 8 * t + 2 * quad + e
                if not (key < end and row_lo[g] <= key and key < row_hi[g]):
                    s[4 * t + e] = COMPUTE(NEG_INF)
                if not (key < end and row_lo[g + 8] <= key and key < row_hi[g + 8]):
                    s[4 * t + 2 + e] = COMPUTE(NEG_INF)
    # the online softmax of rows g (s[4t], s[4t + 1]) and g + 8 (s[4t + 2], s[4t + 3])
    top0 = COMPUTE(NEG_INF)
    top1 = COMPUTE(NEG_INF)
    for t in range(KEY_TILES):
        top0 = max_nan(top0, max_nan(s[4 * t], s[4 * t + 1]))
        top1 = max_nan(top1, max_nan(s[4 * t + 2], s[4 * t + 3]))
    for mask in (1, 2):  # the row's four lanes
        top0 = max_nan(top0, lane_xor(exchange, warp, lane, top0, mask))
        top1 = max_nan(top1, lane_xor(exchange, warp, lane, top1, mask))
    new0 = max_nan(m0, top0)
    new1 = max_nan(m1, top1)
    if new0 != m0 and new0 != NEG_INF:
        alpha = pair_weight(m0, new0)
        l0 *= alpha
        for u in range(V_TILES):
            o[4 * u] *= alpha
            o[4 * u + 1] *= alpha
        m0 = new0
    if new1 != m1 and new1 != NEG_INF:
        alpha = pair_weight(m1, new1)
        l1 *= alpha
        for u in range(V_TILES):
            o[4 * u + 2] *= alpha
            o[4 * u + 3] *= alpha
        m1 = new1
    # p = 2**(s - max): a masked key's s is -inf, so its p is 0; a row with no kept key
    # yet (max -inf) subtracts 0 instead, so -inf - -inf (NaN) is never formed
    base0 = m0 if m0 != NEG_INF else COMPUTE(0)
    base1 = m1 if m1 != NEG_INF else COMPUTE(0)
    for t in range(KEY_TILES):
        for e in range(2):
            p = pow2(s[4 * t + e] - base0)
            s[4 * t + e] = p
            l0 += p
            p = pow2(s[4 * t + 2 + e] - base1)
            s[4 * t + 2 + e] = p
            l1 += p
    # O += P V: k-step kk is keys 16kk .. 16kk + 15 (n-tiles 2kk and 2kk + 1 of S)
    for kk in range(KEY_TILES // 2):
        lo_t = 8 * kk
        hi_t = 8 * kk + 4
        a0 = pack_pair(s[lo_t], s[lo_t + 1])
        a1 = pack_pair(s[lo_t + 2], s[lo_t + 3])
        a2 = pack_pair(s[hi_t], s[hi_t + 1])
        a3 = pack_pair(s[hi_t + 2], s[hi_t + 3])
        row = part + 16 * kk + 2 * quad  # the tile rows of its keys: +0, +1, +8, +9
        for vs in range(V_SLOTS):  # (all four staged as row 2 quad: one swizzle)
            at = v_at + (stage * TILE + row) * V_ROW \
                + staged_chunk(g + 8 * vs, 2 * quad, False) * 4
            x0, x1, x2, x3 = load_v4(v_stage, at)
            y0, y1, y2, y3 = load_v4(v_stage, at + V_ROW)
            z0, z1, z2, z3 = load_v4(v_stage, at + 8 * V_ROW)
            w0, w1, w2, w3 = load_v4(v_stage, at + 9 * V_ROW)
            u = 4 * 8 * vs
            value_products(o, u, mma_exchange, lane, a0, a1, a2, a3, x0, y0, z0, w0)
            value_products(o, u + 8, mma_exchange, lane, a0, a1, a2, a3, x1, y1, z1, w1)
            value_products(o, u + 16, mma_exchange, lane, a0, a1, a2, a3, x2, y2, z2, w2)
            value_products(o, u + 24, mma_exchange, lane, a0, a1, a2, a3, x3, y3, z3, w3)
    return m0, m1, l0, l1


def decode_mma_kernel(q, k_words, kw_b, kw_h, kw_k, v_words, vw_b, vw_h, vw_k, out, lse,
                      part_out, part_lse, part_flat, tickets, scale, heads_kv, cache_len,
                      offset, window, kv_lens, q_offsets):
    """GPU kernel, the tensor-core decode route (16-bit k and v): arguments as
    decode_kernel's, ROWS = 16 (the rows of an m16n8k16 product), WARP = 32, STAGES
    stages of TILE keys (MMA_STAGES, MMA_TILE) in dynamic shared memory (the
    launch's STAGE_BYTES), WARPS warps a block (MMA_WARPS).

    A block takes its split's keys in tiles of TILE keys, each copied to shared
    memory by all its threads STAGES - 1 tiles ahead of the one computed
    (``copy16``; the first STAGES - 1 while the queries are read). Warp w computes
    keys w TILE / WARPS ... of every tile into an online softmax of its own, and
    warp 0 folds the others' in at the end (fold_warps). Per tile and warp
    (mma_tile): S = Q K^T with ``warp_mma`` (Q's
    fragments held in registers all along; lane l reads key 8t + l/4's chunks l%4,
    l%4 + 4, ... as its B fragments: a dot product may take its dims in any order,
    so Q's fragments are read in the same one), the online softmax on S's
    fragments (a row's 4 lanes exchange their max), then O += P V with P's
    fragments packed straight from S's and V's B fragments made from two keys'
    16-byte chunks (``pair_lo``/``pair_hi``): lane l's output dims are 64s +
    16(l%4) + (0..15). Splits are merged as in decode_kernel. A masked key's p is
    exactly 0; its value still enters the product (0 * inf is NaN: the
    definition's matmul does the same)."""
    if PDL:  # a programmatic dependent launch: the grids before it end first
        grid_dependency_wait()
    # the stages, in dynamic shared memory (the launch's STAGE_BYTES: K's stages, then
    # V's, from the first 128-byte line): the same words as k_stage and v_stage
    k_stage = gpu.shared.array(0, uint32)
    v_stage = k_stage
    exchange = gpu.shared.array((WARPS, EXCHANGE_LANES), COMPUTE)
    mma_exchange = gpu.shared.array((WARPS, 2, 6, MMA_LANES), uint32)
    weight_sh = gpu.shared.array((ROWS, WEIGHT_SLOTS), COMPUTE)
    row_lo = gpu.shared.array(ROWS, int64)
    row_hi = gpu.shared.array(ROWS, int64)
    last_sh = gpu.shared.array(1, int32)
    qf = gpu.local.array(Q_FRAGS, uint32)
    o = gpu.local.array(O_SLOTS, COMPUTE)
    s = gpu.local.array(S_SLOTS, COMPUTE)
    thread = int64(gpu.threadIdx.x)
    warp = thread >> 5 if WARPS > 1 else int64(0)  # (a constant for one warp)
    lane = thread & 31
    g = lane >> 2
    quad = lane & 3
    seq_len, group, rows_total, split, splits, tile_row, bh, b, hkv = block_place(q, heads_kv)
    row_offset = q_offsets[b] if USE_Q_OFFSETS else offset
    first, last, both_lo, both_hi = group_bounds(
        row_lo, row_hi, thread, tile_row, rows_total, seq_len, row_offset, window,
        kv_lens[b] if USE_KV_LENS else cache_len, cache_len)
    m0 = COMPUTE(NEG_INF)
    m1 = COMPUTE(NEG_INF)
    l0 = COMPUTE(0)
    l1 = COMPUTE(0)
    # the group's tiles from its first kept key: this split's own run [own_lo, own_lo +
    # own), then (TAIL) tiles of the shared tail [shared, tiles) claimed one at a time
    tiles = (last - first + TILE - 1) // TILE if last > first else int64(0)
    shared = tiles
    if SPLIT and TAIL > 0:
        shared = tiles - min(TAIL * splits, tiles // 2)
    per = (shared + splits - 1) // splits
    own_lo = min(split * per, shared)
    own = min(own_lo + per, shared) - own_lo
    # the group's tail counter: after the merge's tickets, one a (row tile, batch x KV head)
    tail_at = (int64(gpu.gridDim.y) + int64(gpu.blockIdx.y)) * int64(gpu.gridDim.z) + bh
    gpu.syncthreads()  # row_lo / row_hi
    k_base = b * kw_b + hkv * kw_h
    v_base = b * vw_b + hkv * vw_h
    if STAGE_ALIGN == 128:
        k_at = align128_skip(k_stage)
    else:
        k_at = align16_skip(k_stage)
    v_at = k_at + STAGES * TILE * K_ROW  # (a multiple of 128 bytes)
    pending = int32(0)  # lane 0's claim of a shared tile, read an iteration later
    # the tile of each stage: iteration it computes stage it % STAGES while the copies
    # of the STAGES - 1 after it are in flight (the first STAGES - 1 go out now)
    stage_tile = gpu.local.array(STAGES, int64)
    for ahead in range(STAGES - 1):
        nxt, pending = next_tile(int64(ahead - 1), own, own_lo, shared, tiles, pending,
                                 tickets, tail_at, last_sh, thread)
        stage_tile[ahead] = nxt
        if nxt < tiles:
            mma_stage_tile(k_stage, v_stage, k_at, v_at, ahead, thread, k_words, v_words,
                           k_base, v_base, kw_k, vw_k, first + nxt * TILE, last)
        async_commit()
    # Q's A fragments, read while the first tile is on its way: k-step 2i + j takes
    # chunk quad + 4i's words 2j and 2j + 1
    valid0 = tile_row + g < rows_total
    valid1 = tile_row + g + 8 < rows_total
    h0, qq0 = head_and_query(tile_row + g, seq_len)
    h1, qq1 = head_and_query(tile_row + g + 8, seq_len)
    h0 += hkv * group
    h1 += hkv * group
    for i in range(QK_CHUNKS):
        for j in range(2):
            d = (quad + 4 * i) * 8 + 4 * j
            at = (2 * i + j) * 4
            qf[at] = query_word(q, b, h0, qq0, d, valid0)
            qf[at + 1] = query_word(q, b, h1, qq1, d, valid1)
            qf[at + 2] = query_word(q, b, h0, qq0, d + 2, valid0)
            qf[at + 3] = query_word(q, b, h1, qq1, d + 2, valid1)
    for i in range(O_SLOTS):
        o[i] = COMPUTE(0)
    it = int64(0)
    cur = stage_tile[0]
    while cur < tiles:
        ahead = it + STAGES - 1
        nxt, pending = next_tile(ahead - 1, own, own_lo, shared, tiles, pending, tickets,
                                 tail_at, last_sh, thread)
        stage_tile[ahead % STAGES] = nxt
        if nxt < tiles:  # its copies go out before this tile is computed
            mma_stage_tile(k_stage, v_stage, k_at, v_at, ahead % STAGES, thread, k_words,
                           v_words, k_base, v_base, kw_k, vw_k, first + nxt * TILE, last)
        async_commit()
        async_wait(STAGES - 1)
        gpu.syncthreads()  # every lane's copies of this tile have landed
        m0, m1, l0, l1 = mma_tile(k_stage, v_stage, k_at, v_at, it % STAGES,
                                  first + cur * TILE, last, both_lo, both_hi, row_lo, row_hi,
                                  qf, o, s, m0, m1, l0, l1, scale, warp, lane, exchange,
                                  mma_exchange[warp])
        gpu.syncthreads()  # the stage is written again next
        it += 1
        cur = stage_tile[it % STAGES]
    for mask in (1, 2):
        l0 += lane_xor(exchange, warp, lane, l0, mask)
        l1 += lane_xor(exchange, warp, lane, l1, mask)
    both = tile_row + 8 < rows_total  # rows g + 8 hold queries too (else padding)
    if WARPS > 1:  # the warps' keys were parts of each tile: warp 0 folds them in
        m0, m1, l0, l1 = fold_warps(v_stage, v_at, o, m0, m1, l0, l1, warp, lane, both)
    # lane's dims: n-tile 8vs + e holds dims 64vs + 16 quad + e (o[4n], rows g / g + 8
    # in o[4n] / o[4n + 2]) and 64vs + 16 quad + 8 + e (o[4n + 1], o[4n + 3])
    for half in range(2):
        row = tile_row + g + 8 * half
        total = l1 if half else l0
        if row < rows_total and warp == 0:
            h, qq = head_and_query(row, seq_len)
            h += hkv * group
            inverse = COMPUTE(1) / total if total != 0 else COMPUTE(0)
            if SPLIT and CLUSTER > 0:  # (its own shared memory, see below): 16 bytes a store
                for vs in range(V_SLOTS):
                    for second in range(2):
                        at = k_at + (g + 8 * half) * HEAD_DIM_V + 64 * vs + 16 * quad \
                            + 8 * second
                        for four in range(2):
                            n = 4 * (8 * vs + 4 * four) + 2 * half + second
                            store_v4(k_stage, at + 4 * four, as_u32(o[n] * inverse),
                                     as_u32(o[n + 4] * inverse), as_u32(o[n + 8] * inverse),
                                     as_u32(o[n + 12] * inverse))
            else:
                for vs in range(V_SLOTS):
                    for e in range(8):
                        for second in range(2):
                            d = 64 * vs + 16 * quad + 8 * second + e
                            result = o[4 * (8 * vs + e) + 2 * half + second] * inverse
                            if SPLIT:
                                part_out[split, b, h, qq, d] = result
                            else:
                                out[b, h, qq, d] = element_of(result)
            if quad == 0:
                row_lse = COMPUTE(NEG_INF)
                if total != 0:
                    row_lse = (m1 if half else m0) * COMPUTE(LN2) + COMPUTE(math.log(total))
                if SPLIT and CLUSTER > 0:
                    k_stage[k_at + ROWS * HEAD_DIM_V + g + 8 * half] = as_u32(row_lse)
                elif SPLIT:
                    part_lse[split, b, h, qq] = row_lse
                elif HAS_LSE:
                    lse[b, h, qq, 0] = row_lse
    if SPLIT and MERGE_HERE and CLUSTER > 0:  # the splits are clusters: no round trip
        cluster_sync()  # every split's partials are in its shared memory
        if TAIL > 0 and CLUSTERS == 1 and split == 0 and thread == 0:  # no more claims
            tickets[tail_at] = int32(0)
        rank = split % max(CLUSTER, 1)  # (CLUSTER 0: a branch never taken)
        merge_cluster(k_stage, k_at, out, lse, part_flat, part_lse, rank, split, b, hkv,
                      group, seq_len, tile_row, rows_total, thread)
        cluster_sync()  # no block leaves while the others read its shared memory
        if CLUSTERS > 1:  # the clusters' partials, merged by the last of each rank
            merge_last_cluster(part_flat, part_lse, out, lse, last_sh, tickets, rank,
                               tail_at, b, hkv, bh, group, seq_len, tile_row, rows_total,
                               thread)
    elif SPLIT and MERGE_HERE:
        merge_last_split(part_flat, part_lse, out, lse, weight_sh, exchange, last_sh, tickets,
                         splits, b, hkv, bh, group, seq_len, tile_row, rows_total, thread)
        if TAIL > 0 and last_sh[0] != 0 and thread == 0:  # no split claims any more
            tickets[tail_at] = int32(0)


def merge_cluster(stage, at, out, lse, part_flat, part_lse, rank, split, b, hkv, group,
                  seq_len, tile_row, rows_total, thread):
    """Block ``rank`` of a thread-block cluster of CLUSTER key splits (block ``split``
    of the launch) merges its share of the rows: 16-byte pieces rank, rank +
    CLUSTER, ... (THREADS a round). Each split left its normalised partial [ROWS,
    HEAD_DIM_V] and then its ROWS lse as float32 words at ``stage[at:]`` of its own
    shared memory; a thread reads its piece and row lse from every split through
    distributed shared memory (``peer_load``, all loads out before any is used) and
    merges them with their log-sum-exp (merge_pieces). The merged pieces go to
    ``out`` (and ``lse``) when the cluster is the group's only one (CLUSTERS 1), else
    to slot ``split`` of the partials (``part_flat``, and the rows' lse to
    ``part_lse``: a rank writes a row's lse with its first piece of the row) for
    merge_last_cluster."""
    _, per_row, pieces, split_stride, first = tile_pieces(
        part_lse, b, hkv, group, seq_len, tile_row, rows_total)
    lse_at = at + ROWS * HEAD_DIM_V
    got = gpu.local.array(CLUSTER_SLOTS, COMPUTE)
    x = gpu.local.array(CLUSTER_WORDS, uint32)
    acc = gpu.local.array(4, COMPUTE)
    slot_at = split * split_stride + first
    i = rank + CLUSTER * thread
    while i < pieces:
        r = i // per_row
        d = (i - r * per_row) * 4
        for sp in range(CLUSTER):
            got[sp] = as_f32(peer_load(stage, lse_at + r, sp))
            w0, w1, w2, w3 = peer_load_v4(stage, at + r * HEAD_DIM_V + d, sp)
            x[4 * sp] = w0
            x[4 * sp + 1] = w1
            x[4 * sp + 2] = w2
            x[4 * sp + 3] = w3
        top, total = merge_pieces(got, x, acc, CLUSTER)
        h, qq = head_and_query(tile_row + r, seq_len)
        h += hkv * group
        if CLUSTERS > 1:
            inverse = COMPUTE(1) / total if total != 0 else COMPUTE(0)
            for e in range(4):
                part_flat[slot_at + i * 4 + e] = acc[e] * inverse
            if i - r * per_row < CLUSTER:
                part_lse[split, b, h, qq] = merged_lse(top, total)
        else:
            store_piece(out, lse, acc, 0, top, total, b, h, qq, d)
        i += CLUSTER * THREADS


def merge_pieces(got, x, acc, n):
    """The merge of ``n`` normalised 16-byte pieces of a row (``x`` [4 n] float32 words)
    with their lse (``got`` [n]): their lse_weight-weighted sum into ``acc`` [4];
    returns (the largest lse, the sum of the weights)."""
    top = COMPUTE(NEG_INF)
    for sp in range(n):
        top = nan_max(top, got[sp])
    total = COMPUTE(0)
    for e in range(4):
        acc[e] = COMPUTE(0)
    for sp in range(n):
        f = lse_weight(got[sp], top)
        total += f
        for e in range(4):
            acc[e] += f * as_f32(x[4 * sp + e])
    return top, total


def merge_last_cluster(part_flat, part_lse, out, lse, last_sh, tickets, rank, tail_at, b,
                       hkv, bh, group, seq_len, tile_row, rows_total, thread):
    """The second level of a group's merge in CLUSTERS clusters: block ``rank`` of each
    cluster, its pieces written by merge_cluster, takes a ticket of its (group, rank);
    the last of the CLUSTERS to do so merges those pieces of every cluster (slots
    rank, rank + CLUSTER, ... of the partials; all loads out before any is used)
    into ``out`` (and ``lse``) and sets the ticket back to 0. The rank-0 one also
    sets the group's shared-tail counter back to 0 (TAIL): every block of the group
    has passed its cluster's barrier, and so ended its claims, before the last rank-0
    ticket. Tickets: [groups] of merge_last_split, [groups] of the tails (TAIL),
    then [CLUSTER, groups] of these."""
    groups = int64(gpu.gridDim.y) * int64(gpu.gridDim.z)
    gpu.syncthreads()  # every thread's pieces are written
    if thread == 0:
        slot = ((2 if TAIL > 0 else 1) + rank) * groups + int64(gpu.blockIdx.y) \
            * int64(gpu.gridDim.z) + bh
        done = ticket(tickets, slot)
        last_sh[0] = int32(1) if done == CLUSTERS - 1 else int32(0)
        if done == CLUSTERS - 1:
            tickets[slot] = int32(0)
            if TAIL > 0 and rank == 0:
                tickets[tail_at] = int32(0)
    gpu.syncthreads()
    if last_sh[0] == 0:
        return
    _, per_row, pieces, split_stride, first = tile_pieces(
        part_lse, b, hkv, group, seq_len, tile_row, rows_total)
    got = gpu.local.array(CLUSTER_SLOTS, COMPUTE)
    x = gpu.local.array(CLUSTER_WORDS, uint32)
    acc = gpu.local.array(4, COMPUTE)
    i = rank + CLUSTER * thread
    while i < pieces:
        r = i // per_row
        d = (i - r * per_row) * 4
        h, qq = head_and_query(tile_row + r, seq_len)
        h += hkv * group
        for c in range(CLUSTERS):
            slot = c * CLUSTER + rank
            got[c] = part_lse[slot, b, h, qq]
            w0, w1, w2, w3 = load_v4(part_flat, slot * split_stride + first + i * 4)
            x[4 * c] = w0
            x[4 * c + 1] = w1
            x[4 * c + 2] = w2
            x[4 * c + 3] = w3
        top, total = merge_pieces(got, x, acc, CLUSTERS)
        store_piece(out, lse, acc, 0, top, total, b, h, qq, d)
        i += CLUSTER * THREADS


def fold_warps(v_stage, v_at, o, m0, m1, l0, l1, warp, lane, both):
    """Warp 0 of a decode_mma_kernel block folds the other warps' online softmax
    states (their parts of every tile: each lane's o, and its rows' max m and sum l,
    already summed over the row's lanes) into its own, as mma_tile folds a tile:
    each side weighted by pow2(its max - the new max). The states pass through the
    value stage (no tile is in flight any more), 16 bytes a lane a store, lanes side
    by side; ``both``: rows g + 8 hold queries (else only rows g's states pass).
    Returns warp 0's (m0, m1, l0, l1)."""
    gpu.syncthreads()  # every warp is done with the stages
    span = (O_SLOTS + 4) * 32
    if warp > 0:
        at = v_at + (warp - 1) * span + 4 * lane
        store_v4(v_stage, at, as_u32(m0), as_u32(m1), as_u32(l0), as_u32(l1))
        for u in range(V_TILES):  # o[4u], o[4u + 1]: row g; o[4u + 2], o[4u + 3]: g + 8
            if both:
                store_v4(v_stage, at + 128 * (u + 1), as_u32(o[4 * u]), as_u32(o[4 * u + 1]),
                         as_u32(o[4 * u + 2]), as_u32(o[4 * u + 3]))
            else:
                store_v2(v_stage, at + 128 * (u + 1), as_u32(o[4 * u]), as_u32(o[4 * u + 1]))
    gpu.syncthreads()
    if warp == 0:
        for w in range(1, WARPS):
            at = v_at + (w - 1) * span + 4 * lane
            w0, w1, w2, w3 = load_v4(v_stage, at)
            other0 = as_f32(w0)
            other1 = as_f32(w1)
            new0 = max_nan(m0, other0)
            new1 = max_nan(m1, other1)
            own0 = fold_weight(m0, new0)
            own1 = fold_weight(m1, new1)
            its0 = fold_weight(other0, new0)
            its1 = fold_weight(other1, new1)
            l0 = l0 * own0 + as_f32(w2) * its0
            l1 = l1 * own1 + as_f32(w3) * its1
            for u in range(V_TILES):
                if both:
                    x0, x1, x2, x3 = load_v4(v_stage, at + 128 * (u + 1))
                    o[4 * u + 2] = o[4 * u + 2] * own1 + as_f32(x2) * its1
                    o[4 * u + 3] = o[4 * u + 3] * own1 + as_f32(x3) * its1
                else:
                    x0, x1 = load_v2(v_stage, at + 128 * (u + 1))
                o[4 * u] = o[4 * u] * own0 + as_f32(x0) * its0
                o[4 * u + 1] = o[4 * u + 1] * own0 + as_f32(x1) * its0
            m0 = new0
            m1 = new1
    return m0, m1, l0, l1


def next_tile(it, own, own_lo, shared, tiles, pending, tickets, tail_at, last_sh, thread):
    """The group tile a decode_mma_kernel block takes after its iteration ``it``
    (-1: its first), and thread 0's pending claim: the block's own run first, then
    (TAIL) the shared tail's tiles as claimed from the group's counter
    ``tickets[tail_at]``. Thread 0 makes each claim a call before the one that reads
    it (the first while the run's last tile is taken; at once for a block with no
    run), and shares it through ``last_sh``. ``tiles`` or more: none left."""
    tail = SPLIT and TAIL > 0
    if it + 1 < own:
        if tail and it + 2 == own and thread == 0:  # the tail's first claim
            pending = fetch_add(tickets, tail_at, 1)
        return own_lo + it + 1, pending
    if not tail:
        return tiles, pending
    if own == 0 and it < 0 and thread == 0:  # no run of its own: the first claim, now
        pending = fetch_add(tickets, tail_at, 1)
    if thread == 0:
        last_sh[0] = pending
    gpu.syncthreads()
    nxt = shared + int64(last_sh[0])
    gpu.syncthreads()  # last_sh is written again by the next claim
    if nxt < tiles and thread == 0:
        pending = fetch_add(tickets, tail_at, 1)
    return nxt, pending


def merge_last_split(part_flat, part_lse, out, lse, weight_sh, exchange, last_sh, tickets,
                     splits, b, hkv, bh, group, seq_len, tile_row, rows_total, thread):
    """The split's block takes a ticket of its (row tile, batch x KV head); the last
    to finish merges them all (merge_splits) and sets the ticket back to 0."""
    gpu.syncthreads()
    if thread == 0:
        slot = int64(gpu.blockIdx.y) * int64(gpu.gridDim.z) + bh
        done = ticket(tickets, slot)
        last_sh[0] = int32(1) if done == splits - 1 else int32(0)
        if done == splits - 1:
            tickets[slot] = int32(0)  # every split has counted: ready for the next call
    gpu.syncthreads()
    if last_sh[0] != 0:
        merge_splits(part_flat, part_lse, out, lse, weight_sh, exchange, splits, b, hkv,
                     group, seq_len, tile_row, rows_total, thread)


#: query rows per task of the CPU kernel (a multiple of 4: its dot products take four
#: rows at a time)
CPU_ROWS = 16
#: keys per tile of the CPU kernel (cpu_constants' KEY_TILE): 64, and 16 for 16-bit
#: elements row by row (2026-12-05: 15-20 % faster than 64 on bfloat16 GQA decode
#: steps; float32 ran as fast either way and keeps 64, since each tile's sum joins the
#: row's in one rounding: 32768 keys' error 2.6e-6 with 16-key tiles, 1.2e-6 with 64)
CPU_KEYS = 64
CPU_KEYS_16_BIT = 16
#: query rows a KV head (heads_q // heads_kv * seq_len) above which the CPU kernel's
#: scores and softmax hold the rows in vector lanes (tile_softmax_by_lane); up to it,
#: row by row (a decode step of MHA or of GQA at 4 query heads a KV head: lanes would
#: be mostly idle)
WIDE_ROWS = 4
#: the CPU kernel's fast-math flags (the host kernels' own: reductions.CPU_FASTMATH)
CPU_FASTMATH = reductions.CPU_FASTMATH


def scores_four_keys(s_r, q_s, kk, j, r0, head_dim):
    """``s_r[r0 + i, j + t] = q_s[r0 + i] . kk[j + t]`` for four rows i and four keys t
    (``kk``: keys as the compute type, or 16-bit bits read in place: to_compute):
    each loaded element of a key or a row serves four products (sixteen sums,
    vectorised along the dims under CPU_FASTMATH)."""
    s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = COMPUTE(0)
    s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = COMPUTE(0)
    for d in range(head_dim):
        k0, k1 = to_compute(kk[j, d], FORMAT), to_compute(kk[j + 1, d], FORMAT)
        k2, k3 = to_compute(kk[j + 2, d], FORMAT), to_compute(kk[j + 3, d], FORMAT)
        a, b, c, e = q_s[r0, d], q_s[r0 + 1, d], q_s[r0 + 2, d], q_s[r0 + 3, d]
        s00 += a * k0
        s01 += a * k1
        s02 += a * k2
        s03 += a * k3
        s10 += b * k0
        s11 += b * k1
        s12 += b * k2
        s13 += b * k3
        s20 += c * k0
        s21 += c * k1
        s22 += c * k2
        s23 += c * k3
        s30 += e * k0
        s31 += e * k1
        s32 += e * k2
        s33 += e * k3
    s_r[r0, j], s_r[r0, j + 1], s_r[r0, j + 2], s_r[r0, j + 3] = s00, s01, s02, s03
    s_r[r0 + 1, j], s_r[r0 + 1, j + 1], s_r[r0 + 1, j + 2], s_r[r0 + 1, j + 3] = \
        s10, s11, s12, s13
    s_r[r0 + 2, j], s_r[r0 + 2, j + 1], s_r[r0 + 2, j + 2], s_r[r0 + 2, j + 3] = \
        s20, s21, s22, s23
    s_r[r0 + 3, j], s_r[r0 + 3, j + 1], s_r[r0 + 3, j + 2], s_r[r0 + 3, j + 3] = \
        s30, s31, s32, s33


def dots_of_four(x, y, i0, head_dim):
    """``x . y[i0 + i]`` for four rows i of ``y``: each element of ``x`` read once
    for the four (vectorised along the dims under CPU_FASTMATH; either may be keys
    read in place: to_compute)."""
    s0 = s1 = s2 = s3 = COMPUTE(0)
    for d in range(head_dim):
        xd = to_compute(x[d], FORMAT)
        s0 += xd * to_compute(y[i0, d], FORMAT)
        s1 += xd * to_compute(y[i0 + 1, d], FORMAT)
        s2 += xd * to_compute(y[i0 + 2, d], FORMAT)
        s3 += xd * to_compute(y[i0 + 3, d], FORMAT)
    return s0, s1, s2, s3


def scores_by_row(s_r, q_s, kk, n, rows, head_dim):
    """``s_r[r, j] = q_s[r] . kk[j]`` for rows ``[0, rows)`` and keys ``[0, n)``,
    each dot product vectorised along the dims: four rows by four keys
    (scores_four_keys), a last row or three by four keys, the keys past a multiple
    of 4 four rows at a time (rows past ``rows`` are zero queries)."""
    quad = n - n % 4
    whole = rows - rows % 4
    for j in range(0, quad, 4):  # four rows by four keys: each load serves four
        for r0 in range(0, whole, 4):
            scores_four_keys(s_r, q_s, kk, j, r0, head_dim)
        for r in range(whole, rows):  # a row alone: a decode step of MHA
            s_r[r, j], s_r[r, j + 1], s_r[r, j + 2], s_r[r, j + 3] = \
                dots_of_four(q_s[r], kk, j, head_dim)
    for j in range(quad, n):  # four rows a key: the key's dims read once for them
        for r0 in range(0, rows, 4):
            s_r[r0, j], s_r[r0 + 1, j], s_r[r0 + 2, j], s_r[r0 + 3, j] = \
                dots_of_four(kk[j], q_s, r0, head_dim)


def values_of_row(acc, r, p, sc, vv, lo, hi, dim_v):
    """``acc[r] += p[lo:hi] @ vv[lo:hi]``, four keys at a time where no predicate can
    mask one, else key by key, a masked key (score -inf) skipped: its value never
    read."""
    j = lo
    while j < hi:
        if not HAS_MASK_FN and j + 4 <= hi:
            p0, p1, p2, p3 = p[j], p[j + 1], p[j + 2], p[j + 3]
            for d in range(dim_v):
                acc[r, d] += p0 * to_compute(vv[j, d], FORMAT) \
                    + p1 * to_compute(vv[j + 1, d], FORMAT) \
                    + p2 * to_compute(vv[j + 2, d], FORMAT) \
                    + p3 * to_compute(vv[j + 3, d], FORMAT)
            j += 4
        else:
            if sc[j] != NEG_INF:
                pj = p[j]
                for d in range(dim_v):
                    acc[r, d] += pj * to_compute(vv[j, d], FORMAT)
            j += 1


def tile_softmax_by_row(s_r, p, m, total, alpha, lo_t, hi_t, lo_r, hi_r, pos_r, rows, start,
                        n, b, head0, row0, seq_len):
    """A tile's online softmax step for few rows, row by row: scores ``s_r[row,
    key]`` of keys ``start + [0, n)`` -> weights ``p[row, key]`` (base 2, the rows'
    running max ``m`` updated, ``total`` rescaled and ``alpha`` the factor that
    rescales the rows' weighted values) and each row's keys ``[lo_t, hi_t)`` in the
    tile (empty where it keeps none, or none yet scored)."""
    for r in range(rows):
        lo, hi = max(lo_r[r] - start, 0), min(hi_r[r] - start, n)
        lo_t[r], hi_t[r] = 0, 0
        alpha[r] = 1
        if lo >= hi:
            continue
        tile_max = COMPUTE(NEG_INF)
        sc = s_r[r]
        for j in range(lo, hi):
            if HAS_MASK_FN and not MASK_FN(b, head0 + (row0 + r) // seq_len, pos_r[r],
                                           start + j):
                sc[j] = NEG_INF
            tile_max = nan_max(tile_max, sc[j])
        new_max = nan_max(m[r], tile_max)
        if new_max == NEG_INF:
            continue
        alpha[r] = pow2_host(m[r] - new_max)
        m[r] = new_max
        # unsigned indices: no negative-index wrap, so these loops vectorise
        pr = p[r]
        for j in range(np.uint64(lo), np.uint64(hi)):
            pr[j] = pow2_host(sc[j] - new_max)
        added = COMPUTE(0)
        for j in range(np.uint64(lo), np.uint64(hi)):
            added += pr[j]
        total[r] = total[r] * alpha[r] + added
        lo_t[r], hi_t[r] = lo, hi


def tile_softmax_by_lane(s_t, w_t, m, total, alpha, lo_t, hi_t, lo_r, hi_r, pos_r, lanes,
                         rows, start, n, b, head0, row0, seq_len):
    """The same step for many rows at once, the rows in vector lanes: scores
    ``s_t[key, row]`` -> weights ``w_t[key, row]``. A key a row does not keep
    scores -inf here, so its weight is 0; ``lanes`` holds the per-row scratch
    (max, NaN seen, shift, sum)."""
    top, seen, shift, added = lanes[0], lanes[1], lanes[2], lanes[3]
    for r in range(rows):
        lo_t[r] = min(max(lo_r[r] - start, 0), n)
        hi_t[r] = max(min(hi_r[r] - start, n), lo_t[r])
        top[r], seen[r], added[r] = NEG_INF, 0, 0
    if HAS_MASK_FN:
        for r in range(rows):
            for j in range(lo_t[r], hi_t[r]):
                if not MASK_FN(b, head0 + (row0 + r) // seq_len, pos_r[r], start + j):
                    s_t[j, r] = NEG_INF
    # the running max and "a NaN was seen" per lane: selects, so the loop vectorises
    # where nan_max's reduction would not
    for j in range(n):
        sj = s_t[j]
        for r in range(rows):
            x = sj[r] if (j >= lo_t[r]) & (j < hi_t[r]) else COMPUTE(NEG_INF)
            sj[r] = x
            top[r] = x if x > top[r] else top[r]
            seen[r] = COMPUTE(1) if x != x else seen[r]
    for r in range(rows):
        new_max = nan_max(m[r], COMPUTE(np.nan) if seen[r] != 0 else top[r])
        if new_max == NEG_INF:  # no key kept yet: weights pow2(-inf - 0) = 0
            alpha[r], shift[r] = 1, 0
            hi_t[r] = lo_t[r]
        else:
            alpha[r], shift[r] = pow2_host(m[r] - new_max), new_max
            m[r] = new_max
    for j in range(n):
        sj = s_t[j]
        wj = w_t[j]
        for r in range(rows):
            w = pow2_host(sj[r] - shift[r])
            wj[r] = w
            added[r] += w
    for r in range(rows):
        total[r] = total[r] * alpha[r] + added[r]


def tile_values(acc, alpha, tile_acc, weights, scores, vv, lo_t, hi_t, rows, dim_v):
    """``acc[r] = alpha[r] * acc[r] + weights[r, lo_t:hi_t] @ vv[lo_t:hi_t]`` for
    each row, the tile's products summed apart first (``tile_acc``: a sum of
    KEY_TILE keys at most, then one of tiles, so a long cache's float32 error grows
    with its tiles, not its keys): four rows at a time over the keys all four keep (no
    predicate; panels.rows_product_add, PANEL_COLUMNS values a call, the rest of
    the columns by element), each row alone over the rest (values_of_row: a key a
    predicate masks is skipped)."""
    for r in range(rows):
        for d in range(dim_v):
            tile_acc[r, d] = 0
    columns = dim_v - dim_v % PANEL_COLUMNS
    for r0 in range(0, rows, 4):
        a, z = lo_t[r0], hi_t[r0]
        if r0 + 4 <= rows and not HAS_MASK_FN:
            for i in range(1, 4):
                a, z = max(a, lo_t[r0 + i]), min(z, hi_t[r0 + i])
            z = max(z, a)
        else:
            z = a
        if z > a:
            for i0 in range(r0, r0 + 4, PANEL_ADD_ROWS):
                for c0 in range(0, columns, PANEL_COLUMNS):
                    rows_product_add(tile_acc, weights, vv, i0, c0, a, z, FORMAT)
            for r in range(r0, r0 + 4):
                for j in range(a, z):
                    wj = weights[r, j]
                    for d in range(columns, dim_v):
                        tile_acc[r, d] += wj * to_compute(vv[j, d], FORMAT)
        for r in range(r0, min(r0 + 4, rows)):
            if hi_t[r] > lo_t[r]:
                if z > a:
                    values_of_row(tile_acc, r, weights[r], scores[r], vv, lo_t[r], a, dim_v)
                    values_of_row(tile_acc, r, weights[r], scores[r], vv, z, hi_t[r], dim_v)
                else:
                    values_of_row(tile_acc, r, weights[r], scores[r], vv, lo_t[r], hi_t[r],
                                  dim_v)
    for r in range(rows):
        for d in range(dim_v):
            acc[r, d] = acc[r, d] * alpha[r] + tile_acc[r, d]


def attention_cpu(q, k, v, out, lse, scale, offset, window, kv_lens, q_offsets):
    """CPU kernel (``@njit(parallel=True)``; ``@njit`` for the serial kind): its
    tasks, (batch, KV head, tile of CPU_ROWS group rows), in parallel, each one call
    of attention_cpu_task (kc.outlined: a function of its own, so numba's parallel
    passes see one call, and compiled once for both kinds)."""
    batch, heads_q, seq_len = q.shape[0], q.shape[1], q.shape[2]
    heads_kv = k.shape[1]
    tiles = (heads_q // heads_kv * seq_len + CPU_ROWS - 1) // CPU_ROWS
    for task in prange(batch * heads_kv * tiles):
        # int64: numba's parallel body counts in uint64, the serial loop in int64; one
        # argument type, so one compilation of the task serves both kinds
        attention_cpu_task(q, k, v, out, lse, scale, offset, window, kv_lens, q_offsets,
                           np.int64(task))


@kc.outlined
def attention_cpu_task(q, k, v, out, lse, scale, offset, window, kv_lens, q_offsets, task):
    """Task ``task`` of attention_cpu: (batch, KV head, tile of CPU_ROWS group rows),
    numbered batch-major. The tile's key range goes in tiles of KEY_TILE keys, each
    decoded once into rows of the compute type (or, with DIRECT_KV, read where it
    lies, a 16-bit element converted as it is loaded: panels.to_compute). Where a
    KV head has more than WIDE_ROWS query rows (WIDE_TASKS, a compile-time constant:
    one path compiled a variant), the scores are panel products
    (panels.rows_product: ``[key, row]``, the rows in vector lanes, PANEL_ROWS keys a
    call) and the online softmax takes every row at once (tile_softmax_by_lane);
    else four rows by four keys (scores_four_keys) and row by row
    (tile_softmax_by_row). The softmax is in base 2 (pow2_host, no libm call); the
    weighted values go four rows at a time
    (tile_values; a key a mask_fn masks is skipped, its value never read)."""
    batch, heads_q, seq_len, head_dim = q.shape
    heads_kv, cache_len, dim_v = k.shape[1], k.shape[2], v.shape[3]
    group = heads_q // heads_kv
    rows_total = group * seq_len
    tiles = (rows_total + CPU_ROWS - 1) // CPU_ROWS
    b = task // (heads_kv * tiles)
    hkv = (task // tiles) % heads_kv
    row0 = (task % tiles) * CPU_ROWS
    rows = min(CPU_ROWS, rows_total - row0)
    # scratch of the path this variant compiles (the other's: one element)
    wide = KEY_TILE if WIDE_TASKS else 1
    few = 1 if WIDE_TASKS else KEY_TILE
    decoded = KEY_TILE if WIDE_TASKS or not DIRECT_KV else 1
    q_s = np.zeros((CPU_ROWS, head_dim), COMPUTE)  # rows past ``rows`` stay 0
    q_t = np.zeros((head_dim if WIDE_TASKS else 1, CPU_ROWS), COMPUTE)  # q_s transposed
    acc = np.zeros((CPU_ROWS, dim_v), COMPUTE)
    m = np.full(CPU_ROWS, NEG_INF, COMPUTE)
    total = np.zeros(CPU_ROWS, COMPUTE)
    lo_r = np.zeros(CPU_ROWS, np.int64)
    hi_r = np.zeros(CPU_ROWS, np.int64)
    pos_r = np.zeros(CPU_ROWS, np.int64)
    kk = np.zeros((decoded, head_dim), COMPUTE)  # the tile's keys (rows past n: stale)
    vv = np.empty((decoded, dim_v), COMPUTE)
    s_r = np.empty((CPU_ROWS, few), COMPUTE)  # scores [row, key] (few rows)
    p = np.empty((CPU_ROWS, few), COMPUTE)  # weights [row, key]
    s_t = np.empty((wide, CPU_ROWS), COMPUTE)  # scores [key, row] (many rows)
    w_t = np.empty((wide, CPU_ROWS), COMPUTE)  # weights [key, row]
    lanes = np.empty((4, CPU_ROWS), COMPUTE)
    alpha = np.ones(CPU_ROWS, COMPUTE)  # the rows' rescale factors of a tile
    tile_acc = np.empty((CPU_ROWS, dim_v), COMPUTE)  # a tile's weighted values
    lo_t = np.zeros(CPU_ROWS, np.int64)  # each row's keys in the tile, [lo_t, hi_t)
    hi_t = np.zeros(CPU_ROWS, np.int64)
    first, last = cache_len, 0
    kv_len = kv_lens[b] if USE_KV_LENS else cache_len
    for r in range(rows):
        h = hkv * group + (row0 + r) // seq_len
        qq = (row0 + r) % seq_len
        for d in range(head_dim):
            q_s[r, d] = to_compute(q[b, h, qq, d], FORMAT) * scale
            if WIDE_TASKS:
                q_t[d, r] = q_s[r, d]
        pos = qq + (q_offsets[b] if USE_Q_OFFSETS else offset)
        lo, hi = kept_keys(pos, window, kv_len, cache_len)
        lo_r[r], hi_r[r], pos_r[r] = lo, hi, pos
        if hi > lo:
            first, last = min(first, lo), max(last, hi)
    for start in range(first, last, KEY_TILE):
        n = min(KEY_TILE, last - start)
        if WIDE_TASKS or not DIRECT_KV:
            for j in range(n):
                for d in range(head_dim):
                    kk[j, d] = to_compute(k[b, hkv, start + j, d], FORMAT)
                for d in range(dim_v):
                    vv[j, d] = to_compute(v[b, hkv, start + j, d], FORMAT)
        if WIDE_TASKS:
            for j0 in range(0, n, PANEL_ROWS):
                for c0 in range(0, rows, PANEL_LANES):
                    rows_product(s_t, kk, q_t, j0, c0, 0, head_dim, FORMAT)
            tile_softmax_by_lane(s_t, w_t, m, total, alpha, lo_t, hi_t, lo_r, hi_r, pos_r,
                                 lanes, rows, start, n, b, hkv * group, row0, seq_len)
            tile_values(acc, alpha, tile_acc, w_t.T, s_t.T, vv, lo_t, hi_t, rows, dim_v)
            continue
        if DIRECT_KV:  # each key read by few rows: read where it lies, not copied
            k_tile = k[b, hkv, start:start + n]
            v_tile = v[b, hkv, start:start + n]
        else:
            k_tile = kk
            v_tile = vv
        scores_by_row(s_r, q_s, k_tile, n, rows, head_dim)
        tile_softmax_by_row(s_r, p, m, total, alpha, lo_t, hi_t, lo_r, hi_r, pos_r, rows,
                            start, n, b, hkv * group, row0, seq_len)
        tile_values(acc, alpha, tile_acc, p, s_r, v_tile, lo_t, hi_t, rows, dim_v)
    for r in range(rows):
        h = hkv * group + (row0 + r) // seq_len
        qq = (row0 + r) % seq_len
        inverse = COMPUTE(1) / total[r] if total[r] != 0 else COMPUTE(0)
        for d in range(dim_v):
            out[b, h, qq, d] = float_to_element(acc[r, d] * inverse)
        if HAS_LSE:
            lse[b, h, qq, 0] = COMPUTE(m[r] * COMPUTE(LN2) + math.log(total[r])) \
                if total[r] != 0 else COMPUTE(NEG_INF)


#: the CPU kernel's own helpers (every attention family shares attention_cpu)
CPU_HELPERS = reductions.HOST_HELPERS + (attention_cpu_task, scores_four_keys, dots_of_four,
                                         scores_by_row, values_of_row, tile_softmax_by_row,
                                         tile_softmax_by_lane, tile_values)


def attention_definition(q, k, v, out, lse, scale, offset, window, kv_lens, q_offsets):
    """The reference: per row, the scores of its kept keys, their max, the sum of
    exps and the weighted values, in float64; an exact division."""
    batch, heads_q, seq_len, head_dim = q.shape
    heads_kv, cache_len, dim_v = k.shape[1], k.shape[2], v.shape[3]
    group = heads_q // heads_kv
    scores = np.empty(cache_len, np.float64)
    for b in range(batch):
        for h in range(heads_q):
            hkv = h // group
            for qq in range(seq_len):
                pos = qq + (q_offsets[b] if USE_Q_OFFSETS else offset)
                lo, hi = kept_keys(pos, window, kv_lens[b] if USE_KV_LENS else cache_len,
                                   cache_len)
                row_max = NEG_INF
                for key in range(cache_len):
                    scores[key] = NEG_INF
                    if lo <= key < hi and (not HAS_MASK_FN or MASK_FN(b, h, pos, key)):
                        dot = 0.0
                        for d in range(head_dim):
                            dot += np.float64(element_to_float(q[b, h, qq, d])) * \
                                np.float64(element_to_float(k[b, hkv, key, d]))
                        scores[key] = dot * scale * LN2  # scale carries log2(e)
                        row_max = nan_max(row_max, scores[key])
                total = 0.0
                for key in range(cache_len):
                    if row_max != NEG_INF and scores[key] != NEG_INF:
                        total += math.exp(scores[key] - row_max)
                for d in range(dim_v):
                    o = 0.0
                    for key in range(cache_len):
                        if row_max != NEG_INF and scores[key] != NEG_INF:
                            o += math.exp(scores[key] - row_max) * \
                                np.float64(element_to_float(v[b, hkv, key, d]))
                    out[b, h, qq, d] = float_to_element(COMPUTE(o / total if total != 0 else 0.0))
                if HAS_LSE:
                    lse[b, h, qq, 0] = COMPUTE(row_max + math.log(total)) if total != 0 \
                        else COMPUTE(NEG_INF)


# --- launch planning ---------------------------------------------------------------------

#: warps per block per backend: 4 (128 threads, the softmax lab's range) on GPUs; the
#: simulator runs a Python thread per lane: 2 warps keep the warp combine tested
WARPS_PER_BLOCK = {"cuda": 4, "hip": 4, "sim": 2}
#: lanes per warp the simulator's kernels take (a Python thread per lane: a narrow
#: warp keeps tests fast; every other backend takes its hardware width)
SIM_WARP = 8
#: blocks wanted on the GPU before keys are split no further: about 2 per SM (132 SMs
#: on an H200; hip takes the same number, unmeasured: MI300X has 304 CUs, MI250X 110
#: per die)
BLOCKS_WANTED = {"cuda": 264, "hip": 264, "sim": 4}
#: fewest keys a split gets (below it, combining costs more than it saves)
MIN_SPLIT_KEYS = {"cuda": 256, "hip": 256, "sim": 32}
#: most 16-byte key words loaded together per lane (their decoded keys are held
#: per lane: numba-hip's kernels get 128 VGPRs, and gfx90a spilled at 8 and 4; 2 there,
#: and values of 4 keys in flight, compile-checked only)
KEY_WORDS_IN_FLIGHT = {"cuda": 8, "hip": 2, "sim": 8}


#: most query rows per block: 16 (of head_dim 128, float32 compute); numba-hip's
#: kernels get 128 VGPRs and spilled beyond 4 rows (gfx90a, compile-checked only)
MOST_ROWS = {"cuda": 16, "hip": 4, "sim": 16}


def rows_per_block(rows_total: int, head_dim: int, head_dim_v: int, dtype_name: str,
                   backend_name: str = "cuda") -> int:
    """ROWS: the group's rows (heads_q // heads_kv times seq_len) up to a cap set by
    registers and shared memory (MOST_ROWS rows of 128 dims in float32), a power of two."""
    scale = compute_dtype(dtype_name).itemsize // 4
    most = MOST_ROWS.get(backend_name, 16)
    cap = max(1, min(most, most * 128 // max(head_dim, head_dim_v, 1) // scale))
    cap = 1 << (cap.bit_length() - 1)
    return min(cap, 1 << max(rows_total - 1, 0).bit_length())


def value_bytes(warp: int, dtype_name: str, head_dim_v: int) -> int:
    """V_BYTES: the bytes a lane reads per value row when the lanes of a warp cover
    head_dim_v in one 4-, 8- or 16-byte load each; 0 (elements) otherwise."""
    itemsize = dtypes.SUPPORTED[dtype_name][0]
    if itemsize == 8 or head_dim_v % warp:
        return 0
    nbytes = head_dim_v // warp * itemsize
    return nbytes if nbytes in (4, 8, 16) else 0


def plan_constants(backend_name: str, warp: int, dtype_name: str, head_dim: int,
                   head_dim_v: int, rows: int, vec: bool, split: bool, has_lse: bool,
                   opts_constants: dict, v_bytes: int = 0) -> dict:
    """Every compile-time constant of an attention launch (``vec``: keys as 16-byte
    words; ``v_bytes``: value_bytes when v's layout allows it, else 0)."""
    itemsize = dtypes.SUPPORTED[dtype_name][0]
    chunk = 16 // itemsize if vec else 1
    chunks = head_dim // chunk
    vpl = -(-head_dim_v // warp)
    warps = WARPS_PER_BLOCK.get(backend_name, 4)
    group = min(chunks, KEY_WORDS_IN_FLIGHT.get(backend_name, 8))
    in_flight = 8 if vpl <= 4 and backend_name != "hip" else 4
    return dict(ACC_SLOTS=rows * vpl, X_SLOTS=group * chunk, VV_SLOTS=in_flight * vpl,
                WARP=warp, WARPS=warps, LANES=warp, SPAN=warp, THREADS=warp * warps,
                EXCHANGE_LANES=warp if backend_name == "sim" else 1, ROWS=rows,
                HEAD_DIM=head_dim, HEAD_DIM_V=head_dim_v, VPL=vpl, VEC=vec, V_BYTES=v_bytes,
                CHUNK_ELEMS=chunk, CHUNKS=chunks, GROUP=group, KEYS_IN_FLIGHT=in_flight, SPLIT=split, HAS_LSE=has_lse,
                ELEMENT=_element_type(dtype_name), **format_constants(dtype_name),
                **opts_constants)


#: the SM count that the cuda entries of BLOCKS_WANTED, DECODE_BLOCKS_WANTED and
#: MMA_BLOCKS_WANTED were measured for (an H200's): a GPU of other SMs scales them
#: (scaled_blocks). hip's stay as they are (unmeasured)
REFERENCE_SMS = 132


def scaled_blocks(chosen, table: dict) -> dict:
    """``table`` (blocks wanted by backend) for ``chosen``'s current GPU: on cuda its
    entry scaled from REFERENCE_SMS to the GPU's SM count (op.device_attribute
    MULTIPROCESSOR_COUNT), so that a smaller GPU's launch makes the same waves;
    elsewhere ``table`` itself."""
    if chosen.name != "cuda" or chosen.name not in table:
        return table
    sms = op.device_attribute(chosen, "MULTIPROCESSOR_COUNT")
    return dict(table, cuda=max(1, table["cuda"] * sms // REFERENCE_SMS))


def split_count(backend_name: str, blocks: int, keys: int, wanted_blocks=None,
                whole_wave: bool = False) -> int:
    """Key splits per (row tile, KV head): enough blocks for about 2 per SM (or
    ``wanted_blocks[backend_name]``), each split at least MIN_SPLIT_KEYS keys; 1 when
    the blocks already fill the GPU. ``whole_wave``: at most the wanted blocks (the
    wanted number is what runs at once: a block more starts a second wave)."""
    wanted = (wanted_blocks or BLOCKS_WANTED).get(backend_name, 264)
    if blocks >= wanted // 2:
        return 1
    most = wanted // blocks if whole_wave else -(-wanted // blocks)
    return max(1, min(most, keys // MIN_SPLIT_KEYS.get(backend_name, 256)))


#: backends that launch the decode route: hip's compiled variants spill VGPRs to
#: scratch (docs/amd.md; compile-checked only), so hip takes the general kernel
DECODE_BACKENDS = ("cuda", "sim")
#: the decode route: most query rows per block (a lane holds ROWS * VPL weighted
#: values), tiles of keys whose copies are in flight (hip's copy16 is a plain
#: load and store: no tile ahead), the static shared memory it may take (CUDA's
#: static limit is 48 KiB) and the most key splits its merge holds
DECODE_MOST_ROWS = {"cuda": 16, "hip": 8, "sim": 16}
DECODE_STAGES = {"cuda": 1, "hip": 1, "sim": 2}  # async_wait takes at most 7
DECODE_SHARED_BYTES = 48000
DECODE_MOST_SPLITS = 64
#: blocks (of one warp) wanted before keys are split no further: about 6 per SM on
#: an H200 (shared memory holds 5-6)
DECODE_BLOCKS_WANTED = {"cuda": 792, "hip": 792, "sim": 4}


def _pow2_at_least(n: int) -> int:
    return 1 << max(n - 1, 0).bit_length()


def decode_applies(warp: int, dtype_name: str, head_dim: int, head_dim_v: int) -> bool:
    """Whether the decode route takes these dims: 16-bit or float32; key rows of
    16-byte chunks; value rows whose WARP lanes read 4, 8 or 16 bytes each."""
    itemsize = dtypes.SUPPORTED[dtype_name][0]
    per_lane, spare = divmod(head_dim_v * itemsize, warp)
    return itemsize in (2, 4) and (head_dim * itemsize) % 16 == 0 and not spare \
        and per_lane in (4, 8, 16)


#: 16-byte loads of partials a lane of the merge keeps in flight
MERGE_LOADS = 32


#: most 16-byte pieces a lane of the merge sums at once: 4, but 1 on hip (its
#: accumulators went to scratch on gfx1100 with 4: the AMD compile check)
MERGE_MOST_VECS = {"hip": 1}
#: whether merge_splits sends its first trip of partial loads before the lse (one
#: round trip for both: H200, 2026-12-04 r3), holding a trip in registers: not on hip,
#: where decode_kernel's split variants then spilled more (the AMD compile check:
#: 599 -> 778 VGPRs on gfx90a)
MERGE_EARLY_LOADS = {"hip": False}


def merge_constants(backend_name: str, warp: int, rows: int, head_dim_v: int) -> dict:
    """MERGE_VECS (a lane's 16-byte pieces of a tile's ``rows`` rows, up to
    MERGE_MOST_VECS) and MERGE_SPLITS (splits merged per trip: MERGE_LOADS loads in
    flight)."""
    vecs = min(MERGE_MOST_VECS.get(backend_name, 4),
               _pow2_at_least(-(-rows * head_dim_v // (4 * warp))))
    return dict(MERGE_VECS=vecs, MERGE_SPLITS=MERGE_LOADS // vecs, MERGE_SLOTS=4 * vecs,
                MERGE_EARLY=MERGE_EARLY_LOADS.get(backend_name, True),
                MOST_SPLITS=DECODE_MOST_SPLITS, WEIGHT_SLOTS=DECODE_MOST_SPLITS + 2)


#: merge_kernel: the most splits it takes (a launch never plans more: split_count's
#: wanted blocks), warps per block, and the bytes of partials a lane loads in a trip
#: (cuda: 256 was no faster than 128 on an H200, 2026-12-03 r14; hip: 64, since
#: float64's 16 loads at 2 dims a lane spilled on gfx90a, the AMD compile check)
KERNEL_MOST_SPLITS = 1024
MERGE_WARPS = 4
MERGE_BATCH_BYTES = {"cuda": 128, "hip": 64, "sim": 128}


def merge_kernel_constants(backend_name: str, warp: int, dtype_name: str,
                           has_lse: bool, reset: bool = False, head_dim_v: int = 128) -> dict:
    """Every compile-time constant of a merge_kernel launch (``reset``: it sets the
    split launch's tickets back to 0): a lane's dims (MERGE_DIMS) and the partials
    it loads in a trip (MERGE_BATCH, a multiple of MERGE_DIMS)."""
    threads = MERGE_WARPS * warp
    dims = max(1, -(-head_dim_v // warp))
    loads = MERGE_BATCH_BYTES.get(backend_name, 128) // compute_dtype(dtype_name).itemsize
    return dict(WARP=warp, WARPS=MERGE_WARPS, THREADS=threads, LANES=threads, SPAN=warp,
                RESET=reset,
                EXCHANGE_LANES=threads if backend_name == "sim" else 1,
                MOST_SPLITS=KERNEL_MOST_SPLITS, HAS_LSE=has_lse, MERGE_DIMS=dims,
                MERGE_WIDTH=dims * warp,
                MERGE_BATCH=max(dims, loads // dims * dims),
                ELEMENT=_element_type(dtype_name), **format_constants(dtype_name))


def merges_here(backend_name: str, warp: int, rows: int, head_dim_v: int, splits: int) -> bool:
    """Whether a decode launch of ``splits`` key splits (of ``rows`` rows a block)
    merges them itself: when its one-warp merge takes them in one trip of loads
    (MERGE_SPLITS) and so overlaps the other blocks' tiles. More go to merge_kernel,
    whose block per row takes them in parallel (H200, 2026-12-03, fp16 decode: 64
    splits 0.48 -> 0.59 of the floor; 3 splits would go 0.79 -> 0.70 there:
    docs/benchmarks.md)."""
    return 1 < splits <= merge_constants(backend_name, warp, rows, head_dim_v)["MERGE_SPLITS"]


def _merge_choice(constants: dict, here: bool) -> dict:
    """``constants`` with MERGE_HERE (a split launch merges its own splits, at most
    MERGE_SPLITS of them: its weights hold as many, + max and sum); without it the
    merge's weights take no shared memory."""
    most = constants["MERGE_SPLITS"] if here else 0
    return dict(constants, MERGE_HERE=here, MOST_SPLITS=most, WEIGHT_SLOTS=most + 2,
                MERGE_WORDS=constants["MERGE_SLOTS"] * constants["MERGE_SPLITS"],
                MERGE_LSE_LOADS=max(1, -(-constants["ROWS"] * most // constants["THREADS"])))


def _decode_layout(warp: int, itemsize: int, head_dim: int, head_dim_v: int, rows: int,
                   stages: int, backend_name: str = "cuda") -> dict:
    """The decode route's row, chunk and shared-array sizes (compile-time constants)."""
    k_chunks, v_chunks = head_dim * itemsize // 16, head_dim_v * itemsize // 16
    k_row, v_row = 4 * k_chunks + 4, 4 * v_chunks
    return dict(K_CHUNKS=k_chunks, V_CHUNKS=v_chunks, K_ROW=k_row, V_ROW=v_row,
                STAGES=stages, K_STAGE_WORDS=stages * warp * k_row + 3,
                V_STAGE_WORDS=stages * warp * v_row + 3, Q_WORDS=rows * head_dim + 3,
                **merge_constants(backend_name, warp, rows, head_dim_v))


def _decode_shared(warp: int, itemsize: int, head_dim: int, head_dim_v: int, rows: int,
                   stages: int) -> int:
    """Static shared bytes of a decode variant (decode_kernel's arrays: the stages,
    q, p, the merge's weights, the lane exchange, row bounds, the ticket flag)."""
    c = _decode_layout(warp, itemsize, head_dim, head_dim_v, rows, stages)
    return 4 * (c["K_STAGE_WORDS"] + c["V_STAGE_WORDS"] + c["Q_WORDS"] + rows * warp
                + rows * c["WEIGHT_SLOTS"] + warp + 4 * rows + 1 + 6)


def decode_rows(backend_name: str, warp: int, dtype_name: str, head_dim: int, head_dim_v: int,
                rows_total: int) -> int:
    """ROWS of the decode route: the group's rows (a power of two) up to
    DECODE_MOST_ROWS and to what shared memory holds with DECODE_STAGES tiles (fewer
    tiles where that would leave fewer than 4 rows)."""
    itemsize = dtypes.SUPPORTED[dtype_name][0]
    wanted = min(_pow2_at_least(rows_total), DECODE_MOST_ROWS.get(backend_name, 16))
    for stages in range(DECODE_STAGES.get(backend_name, 2), 0, -1):
        rows = wanted
        while rows > 1 and _decode_shared(warp, itemsize, head_dim, head_dim_v, rows, stages) \
                > DECODE_SHARED_BYTES:
            rows //= 2
        if rows >= min(wanted, 4):
            break
    return rows


def decode_constants(backend_name: str, warp: int, dtype_name: str, head_dim: int,
                     head_dim_v: int, rows: int, split: bool, has_lse: bool,
                     opts_constants: dict, merge_here: bool = True) -> dict:
    """Every compile-time constant of a decode-route launch (where decode_applies, and
    k's and v's rows are 16-byte words); ``merge_here``: a split launch merges its
    splits itself (merges_here)."""
    itemsize = dtypes.SUPPORTED[dtype_name][0]
    v_words = head_dim_v * itemsize // (4 * warp)
    stages = DECODE_STAGES.get(backend_name, 2)
    while stages > 1 and _decode_shared(warp, itemsize, head_dim, head_dim_v, rows, stages) \
            > DECODE_SHARED_BYTES:
        stages -= 1
    return _merge_choice(dict(
                WARP=warp, WARPS=1, THREADS=warp, EXCHANGE_LANES=warp if backend_name == "sim"
                else 1, ROWS=rows, HEAD_DIM=head_dim, HEAD_DIM_V=head_dim_v,
                CHUNK_ELEMS=16 // itemsize, V_WORDS=v_words, VPL=v_words * 4 // itemsize,
                ACC_SLOTS=rows * v_words * 4 // itemsize, SPLIT=split, HAS_LSE=has_lse,
                ELEMENT=_element_type(dtype_name),
                **_decode_layout(warp, itemsize, head_dim, head_dim_v, rows, stages,
                                 backend_name),
                **format_constants(dtype_name), **opts_constants), split and merge_here)


#: backends that launch the tensor-core decode route (warp_mma: cuda's mma.sync, the
#: simulator's shared-memory spelling, so the route's logic runs without a GPU);
#: keys per tile (a multiple of 16 a warp) and stages (at least 2: STAGES - 1 tiles
#: in flight while one is computed). cuda: 64 keys x 2 stages, a tile shared by two
#: warps, measured best on an H200 (2026-12-03 r39, floor/call at seq_len 1, B8 / B1
#: / B32 / MHA: 0.70 / 0.69 / 0.92 / 1.00 against 0.71 / 0.72 / 0.83 / 0.94 for 32
#: keys x 2 stages of one warp; at seq_len 4 0.57 / 0.62 / 0.87 / 0.98 against 0.50 /
#: 0.58 / 0.63 / 0.91): each block streams 16 KB of K and of V at a time, and blocks
#: of 16-key tiles were slower (r23), as were 3 or 4 stages of 32 (r38) and 128-key
#: tiles of four warps (r39). The simulator keeps 32 keys and one warp (fast tests;
#: test_mma_route_pipelines_on_the_simulator runs cuda's setting)
MMA_BACKENDS = ("cuda", "sim")
MMA_TILE = {"cuda": 64, "sim": 32}
MMA_STAGES = {"cuda": 2, "sim": 2}
#: where the stages start (bytes): a warp's cp.async of a 128-byte line of K or V
#: reaches L2 as one request of 4 sectors only when its shared destination is a
#: 128-byte line too. From a 16-byte aligned start the same copies asked L2 for 1.5x
#: the sectors (H200, 2026-12-03 r29: 12.66 M against 8.46 M on B32; the call
#: 0.80 -> 0.83 of the floor, MHA 0.91 -> 0.94; tools/gpu/copy_pattern.py: 0.97 of
#: copy bandwidth aligned, 0.84 / 0.80 from 16 / 64 bytes past a line)
MMA_STAGE_ALIGN = {"cuda": 128, "sim": 128}
MMA_ROWS = 16
#: warps per block of the tensor-core route: each takes TILE / WARPS keys of every
#: staged tile (its own online softmax, folded into warp 0's at the end), so a tile
#: is computed in 1 / WARPS of the time on the same shared memory (two warps on
#: 32-key tiles, 6 blocks an SM, were slower at seq_len 1: r36; on 64-key tiles,
#: each warp taking 32 keys, they are the route's setting: r39)
MMA_WARPS = {"cuda": 2, "sim": 1}
#: blocks of the tensor-core route an SM must hold with MMA_WARPS > 1 (cuda: ptxas
#: keeps the registers within what they leave; an H200's shared memory holds 3 of
#: 64-key tiles x 2 stages, 65 KB a block)
MMA_BLOCKS_PER_SM = {"cuda": 3}
#: tiles per split of a split tensor-core launch left to a shared tail (TAIL), which
#: the group's blocks claim as they end their own runs: blocks on faster SMs take more
MMA_TAIL = {"cuda": 2, "sim": 2}
#: blocks of the tensor-core route a split launch asks for: on an H200, 2 per SM of
#: the 3 that fit (132 SMs; two stages of 64 keys, 65 KB a block). Key splits that
#: merge as one thread-block cluster (MMA_CLUSTERS) must all run in one wave, and a
#: GPC packs clusters less densely than blocks: 58 clusters of 6 (348 blocks) ran
#: at once where 396 were asked for, and the rest made a second wave (2026-12-04 r7).
#: At 264 B8 L4096 takes 4 splits, as 64 clusters of 4: floor/call 0.75 against
#: 0.72 for 6 splits merged by a ticket at 396, 0.65 against 0.59 at seq_len 4,
#: B1 L32768 0.72 against 0.70 (33 splits, merge_kernel), the rest unchanged
#: (2026-12-04 r8). Fewer waves than one were slower before (2026-12-03 r4)
MMA_BLOCKS_WANTED = {"cuda": 264, "sim": 4}


def mma_applies(warp: int, dtype_name: str, head_dim: int, head_dim_v: int,
                opts_constants: dict) -> bool:
    """Whether the tensor-core decode route takes this launch: 32-lane warps, float16
    or bfloat16, head_dim and head_dim_v of 64 or 128 (a lane's fragments in
    registers), no mask_fn (a predicate per key and row stays on decode_kernel)."""
    return warp == 32 and dtype_name in ("float16", "bfloat16") and head_dim in (64, 128) \
        and head_dim_v in (64, 128) and not opts_constants.get("HAS_MASK_FN")


#: where clusters run (MMA_CLUSTERS: sm_90 and later on cuda), a split tensor-core
#: launch merges up to MMA_MOST_CLUSTER splits (the portable cluster size) as one
#: thread-block cluster, through distributed shared memory (merge_cluster): no
#: partial goes to global memory and no ticket is taken (H200, 2026-12-04 r8: B8
#: L4096 0.0424 ms in 4 splits against 0.0432 ms by a ticket); more as below
#: (cluster_plan). MMA_BLOCKS_WANTED keeps the clusters in one wave
MMA_CLUSTERS = {"cuda": True}
MMA_MOST_CLUSTER = 8
def clusters_run(chosen) -> bool:
    """Whether ``chosen``'s current device runs thread-block clusters (MMA_CLUSTERS
    for the backend, compute capability 9.0 or later: op.compute_capability)."""
    return bool(MMA_CLUSTERS.get(chosen.name)) and op.compute_capability(chosen) >= (9, 0)


#: a group of more splits than MMA_MOST_CLUSTER merges them in two levels (each
#: cluster's, then the clusters': merge_cluster, merge_last_cluster) in clusters of
#: MMA_TWO_LEVEL_CLUSTER blocks, where a block holds at most MMA_TWO_LEVEL_ROWS rows
#: (more go to merge_kernel). H200, 2026-12-04 r11 (`time_kernels.py attention-sweep`,
#: the public call, fp16): B1 L32768 at seq_len 1 (4 rows) 0.0446 ms with
#: merge_kernel, 0.0440 in clusters of 8, 0.0431 in clusters of 4; at seq_len 4 (16
#: rows) 0.0503 ms with merge_kernel, 0.0515 / 0.0512 as clusters
MMA_TWO_LEVEL_CLUSTER = 4
MMA_TWO_LEVEL_ROWS = {"cuda": 8}


def cluster_plan(backend_name: str, splits: int, rows: int) -> tuple:
    """(blocks a cluster, clusters a group) for a tensor-core launch of ``splits`` key
    splits of ``rows`` query rows a block on a GPU that runs clusters, or (0, 1):
    none (its splits merge by ticket or in merge_kernel). Up to MMA_MOST_CLUSTER
    splits are one cluster; more, clusters of MMA_TWO_LEVEL_CLUSTER (the splits past
    a multiple of it are dropped) where ``rows`` <= MMA_TWO_LEVEL_ROWS."""
    if splits < 2 or not MMA_CLUSTERS.get(backend_name):
        return 0, 1
    if splits <= MMA_MOST_CLUSTER:
        return splits, 1
    if rows > MMA_TWO_LEVEL_ROWS.get(backend_name, 0):
        return 0, 1
    return MMA_TWO_LEVEL_CLUSTER, splits // MMA_TWO_LEVEL_CLUSTER


#: the most shared memory a tensor-core decode block may take (static and dynamic):
#: what every GPU of its reach (sm_80 and later) lets a block ask for
MMA_SHARED_BYTES = 99 * 1024


def _mma_stage_bytes(head_dim: int, head_dim_v: int, stages: int, tile: int,
                     align: int) -> int:
    """STAGE_BYTES: the dynamic shared memory of a tensor-core decode block, its
    stages of K and V rows (+ align - 4 bytes: their start moved to an aligned one)."""
    return 2 * stages * tile * (head_dim + head_dim_v) + align - 4


def _mma_shared(head_dim: int, head_dim_v: int, stages: int, tile: int, warps: int,
                align: int = 128) -> int:
    """Shared bytes of a tensor-core decode block: its stages (dynamic), the merge's
    weights, the exchanges of ``warps`` warps at the simulator's 32 lanes (a bound
    for cuda's), row bounds and the ticket flag (static)."""
    return _mma_stage_bytes(head_dim, head_dim_v, stages, tile, align) \
        + 4 * (MMA_ROWS * (DECODE_MOST_SPLITS + 2) + warps * (32 + 2 * 6 * 32)
               + 4 * MMA_ROWS + 1)


def mma_constants(backend_name: str, dtype_name: str, head_dim: int, head_dim_v: int,
                  split: bool, has_lse: bool, opts_constants: dict,
                  merge_here: bool = True, dense_rows: bool = True, cluster: int = 0,
                  clusters: int = 1) -> dict:
    """Every compile-time constant of a tensor-core decode launch (where mma_applies;
    ``merge_here`` as decode_constants'; ``dense_rows``: k's and v's key strides are
    their rows' lengths; ``cluster``, ``clusters``: a group's splits as ``clusters``
    thread-block clusters of ``cluster`` blocks (cluster_plan), or 0)."""
    stages, tile = MMA_STAGES.get(backend_name, 2), MMA_TILE.get(backend_name, 32)
    align = MMA_STAGE_ALIGN.get(backend_name, 16)
    warps = max(1, min(MMA_WARPS.get(backend_name, 1), tile // 16))  # 16 keys a warp
    if stages < 2 or tile % (16 * warps) or _mma_shared(head_dim, head_dim_v, stages, tile,
                                                        warps, align) \
            > MMA_SHARED_BYTES:  # pragma: no cover
        raise AssertionError(f"head dims {head_dim}/{head_dim_v}: {stages} stages of "
                             f"{tile} keys for {warps} warps (2 or more stages of a "
                             f"multiple of 16 keys a warp, within MMA_SHARED_BYTES)")
    k_row, v_row = head_dim // 2, head_dim_v // 2
    return _merge_choice(dict(
                TAIL=MMA_TAIL.get(backend_name, 0) if split else 0,
                WARP=32, WARPS=warps, THREADS=32 * warps, ROWS=MMA_ROWS, HEAD_DIM=head_dim,
                HEAD_DIM_V=head_dim_v, TILE=tile, KEY_TILES=tile // (8 * warps),
                QK_CHUNKS=head_dim // 32, V_SLOTS=head_dim_v // 64, V_TILES=head_dim_v // 8,
                Q_FRAGS=head_dim // 4, O_SLOTS=head_dim_v // 2, S_SLOTS=tile // (2 * warps),
                K_CHUNKS=head_dim // 8, V_CHUNKS=head_dim_v // 8, K_ROW=k_row, V_ROW=v_row,
                STAGES=stages, STAGE_ALIGN=align, DENSE_ROWS=dense_rows,
                STAGE_BYTES=_mma_stage_bytes(head_dim, head_dim_v, stages, tile, align),
                EXCHANGE_LANES=32 if backend_name == "sim" else 1,
                MMA_LANES=32 if backend_name == "sim" else 1,
                LAUNCH_BOUNDS=(32 * warps, MMA_BLOCKS_PER_SM[backend_name])
                if warps > 1 and MMA_BLOCKS_PER_SM.get(backend_name) else None,
                **merge_constants(backend_name, 32, MMA_ROWS, head_dim_v), SPLIT=split,
                HAS_LSE=has_lse, ELEMENT=_element_type(dtype_name),
                CLUSTER=cluster, CLUSTERS=clusters if cluster else 1,
                CLUSTER_SLOTS=max(cluster, clusters, 1),
                CLUSTER_WORDS=4 * max(cluster, clusters, 1),
                CLUSTER_DIMS=(cluster, 1, 1) if cluster else None,
                **format_constants(dtype_name), **opts_constants), split and merge_here)


def _element_type(dtype_name: str) -> str:
    return "uint16" if dtypes.SUPPORTED[dtype_name][0] == 2 else dtype_name


def _aot_variants(warp: int):
    """The variants the launcher produces for a target of ``warp`` lanes: each dtype
    at the decode shapes (head_dim 128, GQA 4 and 8 at seq_len 1 and 4: 4, 8, 16
    rows), split and not, with lse; the element path; head_dims 64, 80, 256; and
    each mask option (float16)."""
    base = PLAIN.constants()
    for name in FORMATS:
        vec = name != "float64"
        for rows_cap in sorted({rows_per_block(rows, 128, 128, name, "hip")
                                for rows in (4, 8, 16)}):
            for split in (False, True):
                yield (f"attention_{name}_d128_r{rows_cap}" + ("_split" if split else ""),
                       plan_constants("hip", warp, name, 128, 128, rows_cap, vec, split,
                                      True, base, value_bytes(warp, name, 128)))
        yield (f"attention_{name}_d128_elements",
               plan_constants("hip", warp, name, 128, 128,
                              rows_per_block(4, 128, 128, name, "hip"), False, False, False,
                              base))
    for dim, dim_v in ((64, 64), (80, 80), (256, 256), (128, 64)):
        rows = rows_per_block(16, dim, dim_v, "float16", "hip")
        yield (f"attention_float16_d{dim}_v{dim_v}",
               plan_constants("hip", warp, "float16", dim, dim_v, rows, True, False, False,
                              base, value_bytes(warp, "float16", dim_v)))
    for suffix, changes in (("_kv_lens", dict(USE_KV_LENS=True)),
                            ("_q_offsets", dict(USE_Q_OFFSETS=True)),
                            ("_not_causal", dict(CAUSAL=False)),
                            ("_mask_fn", dict(HAS_MASK_FN=True, MASK_FN=_odd_keys))):
        yield (f"attention_float16_d128{suffix}",
               plan_constants("hip", warp, "float16", 128, 128, 4, True, True, True,
                              dict(base, **changes), value_bytes(warp, "float16", 128)))


def _decode_aot_variants(warp: int):
    """The decode route's variants for a target of ``warp`` lanes: each 16-bit and
    float32 dtype at head_dim 128 (GQA 4 at seq_len 1, split and not, with lse),
    head_dims 64 and 256, head_dim_v != head_dim, and each mask option (float16)."""
    base = PLAIN.constants()
    for name in ("float16", "bfloat16", "float32"):
        rows = decode_rows("hip", warp, name, 128, 128, 4)
        for split in (False, True):
            yield (f"decode_{name}_d128_r{rows}" + ("_split" if split else ""),
                   decode_constants("hip", warp, name, 128, 128, rows, split, True, base))
    for dim, dim_v in ((64, 64), (256, 256), (128, 64)):
        if decode_applies(warp, "float16", dim, dim_v):
            yield (f"decode_float16_d{dim}_v{dim_v}",
                   decode_constants("hip", warp, "float16", dim, dim_v,
                                    decode_rows("hip", warp, "float16", dim, dim_v, 16), True,
                                    False, base))
    for suffix, changes in (("_kv_lens", dict(USE_KV_LENS=True)),
                            ("_q_offsets", dict(USE_Q_OFFSETS=True)),
                            ("_not_causal", dict(CAUSAL=False)),
                            ("_mask_fn", dict(HAS_MASK_FN=True, MASK_FN=_odd_keys))):
        yield (f"decode_float16_d128{suffix}",
               decode_constants("hip", warp, "float16", 128, 128, 4, True, True,
                                dict(base, **changes)))


def _merge_aot_variants(warp: int):
    for name in FORMATS:
        yield (f"attention_merge_{name}", merge_kernel_constants("hip", warp, name, True))


def _odd_keys(b, h, q_pos, k):
    """A stand-in predicate for the ahead-of-time catalog: keep odd keys."""
    return k % 2 == 1


# --- the public function -------------------------------------------------------------

def _check_scale(scale, head_dim: int) -> float:
    """``scale`` (options.check_scale), or 1 / sqrt(head_dim) for None."""
    if scale is None:
        return 1.0 / math.sqrt(head_dim)
    return check_scale(scale)


def _validate(q, k, v, out):
    """The inspected arrays, checked against each other (raises before any write)."""
    qs = inspect_scores(q, writable=False, name="q", ranks=(4,))
    ks = inspect_scores(k, writable=False, name="k", ranks=(4,))
    vs = inspect_scores(v, writable=False, name="v", ranks=(4,))
    batch, heads_q, seq_len, head_dim = qs.shape
    for name, a in (("k", ks), ("v", vs)):
        if a.dtype != qs.dtype:
            raise TypeError(f"{name} must have the dtype of q ({qs.dtype}); got {a.dtype}")
        if a.on_device != qs.on_device:
            raise TypeError(f"q and {name} must both be host arrays or both GPU arrays")
    if ks.shape[0] != batch or vs.shape[0] != batch:
        raise ValueError(f"q, k and v must have the same batch; got {batch}, {ks.shape[0]}, "
                         f"{vs.shape[0]}")
    if ks.shape[3] != head_dim:
        raise ValueError(f"k's head_dim must be q's ({head_dim}); got {ks.shape[3]}")
    if head_dim < 1:
        raise ValueError(f"q and k must have a head_dim of at least 1; got {head_dim}")
    if ks.shape[1] < 1 or heads_q % ks.shape[1]:
        raise ValueError(f"heads_q ({heads_q}) must be a multiple of heads_kv ({ks.shape[1]})")
    if vs.shape[1:3] != ks.shape[1:3]:
        raise ValueError(f"v must have k's heads_kv and cache_len {ks.shape[1:3]}; got "
                         f"{vs.shape[1:3]}")
    if vs.shape[3] < 1:
        raise ValueError(f"v must have a head_dim of at least 1; got {vs.shape[3]}")
    want = (batch, heads_q, seq_len, vs.shape[3])
    os_ = None
    if out is not None:
        os_ = inspect_scores(out, name="out", ranks=(4,))
        if os_.dtype != qs.dtype:
            raise TypeError(f"out must have the dtype of q ({qs.dtype}); got {os_.dtype}")
        if os_.shape != want:
            raise ValueError(f"out must have shape {want} ([batch, heads_q, seq_len, "
                             f"head_dim_v]); got {os_.shape}")
        if os_.on_device != qs.on_device:
            raise TypeError("out and q must both be host arrays or both GPU arrays")
        for name, a in (("q", qs), ("k", ks), ("v", vs)):
            if overlaps(os_, a):
                raise ValueError(f"out overlaps {name}: pass a separate array")
    return qs, ks, vs, os_, want


def _new_array(like, s, backend, shape, dtype_name):
    """A new array of ``like``'s kind (NumPy, torch, or a device array)."""
    if type(like).__module__.startswith("torch"):
        import torch

        torch_dtype = torch.bfloat16 if dtype_name == "bfloat16" else getattr(torch, dtype_name)
        return torch.empty(shape, dtype=torch_dtype, device=like.device)
    if isinstance(like, np.ndarray):
        return np.empty(shape, dtypes.host_dtype(dtype_name))
    return backend.gpu.device_array(shape, dtypes.host_dtype(dtype_name))


def _expand_lse(lse):
    """lse [batch, heads_q, seq_len] as [..., 1] (a view)."""
    if type(lse).__module__.startswith("torch"):
        return lse.unsqueeze(-1)
    if isinstance(lse, np.ndarray):
        return lse[..., None]
    return lse.reshape(lse.shape + (1,))


def causal_attention(q, k, v, *, scale=None, offset=None, window=None, kv_lens=None,
                     q_offsets=None, mask_fn=None, causal=True, out=None, return_lse=False,
                     backend="auto", _kind=None):
    """Fused ``causal_softmax(scale * q @ k^T, <mask options>) @ v`` over a KV cache.

    ``q`` [batch, heads_q, seq_len, head_dim], ``k`` [batch, heads_kv, cache_len,
    head_dim], ``v`` [batch, heads_kv, cache_len, head_dim_v], any strides, one dtype
    (float16, bfloat16, float32, float64); heads_q a multiple of heads_kv (query head
    ``h`` reads KV head ``h // (heads_q // heads_kv)``). NumPy arrays, torch tensors
    or ``__cuda_array_interface__`` objects (on the GPU, zero-copy, on the stream of
    ``out``). The mask options are apply_causal_mask's (``offset`` defaults to
    ``cache_len - seq_len``); ``scale`` to ``1 / sqrt(head_dim)``. A query with no
    kept key gets zeros. ``out``: None (a new array like ``q``) or an array of shape
    [batch, heads_q, seq_len, head_dim_v] and q's dtype overlapping no input.
    Returns ``out``, or ``(out, lse)`` with ``return_lse``: lse [batch, heads_q,
    seq_len] float32 (float64 for float64) = log of the sum of exp(scale * q.k) over
    the kept keys, -inf for a fully masked row. Bad input raises before anything is
    written.

    Repeated calls on the same torch CUDA tensors replay one launch (fastpath.py);
    ``kv_lens`` given as a contiguous int64 CUDA tensor replays too, its values read
    on the GPU at each launch: validated on the first call only, after which a
    value outside [0, cache_len] is taken as the nearest end of that range.
    ``kv_lens`` and ``q_offsets`` held on the host (checked at each call) or as CUDA
    integers (int32; an int64 q_offsets clamped to +-2**62) are copied, in stream
    order, into an int64 CUDA tensor that the replayed launch reads
    (fastpath.per_sequence_on_gpu). On the
    CPU, a call on NumPy arrays of the layouts and options of an earlier one (no
    predicate or lse; kv_lens and q_offsets validated anew) repeats that call's kernel
    on the new arrays without validating them anew (fastpath.host_key), unless
    ``out`` may share memory with an input.
    """
    host_key = None
    if type(q) is np.ndarray and mask_fn is None and not return_lse and _kind is None:
        host_key = _host_key(q, k, v, out, backend, scale, offset, window, causal,
                             kv_lens is not None, q_offsets is not None)
        replay = fastpath.host_replay(host_key)
        if replay is not None:  # the same call as before: validated then, see fastpath.py
            # the values are this call's: checked as mask_options does
            given = fastpath.per_sequence_given(kv_lens, q_offsets, q)
            if out is None:
                out = np.empty(q.shape[:3] + v.shape[3:], q.dtype)
            replay(q, k, v, out, **given)
            return out
    fast_key = live_kv_lens = live_q_offsets = None
    if type(q) is not np.ndarray and not return_lse and _kind is None and mask_fn is None:
        # torch CUDA tensors: a repeated call is one replayed launch (fastpath.py); the
        # default scale is keyed as inf (a scale given is finite). kv_lens and
        # q_offsets replay as int64 CUDA tensors (their values read on the GPU at
        # each launch)
        live_kv_lens, live_q_offsets, on_gpu = fastpath.per_sequence_on_gpu(
            kv_lens, q_offsets, q)
        base = fastpath.call_key(q, backend, offset, window,
                                 math.inf if scale is None else scale, causal)
        if base is not None and on_gpu:
            if out is None and type(v) is type(q):
                out = fastpath.new_output(q, tuple(q.shape[:3]) + (v.shape[3],))
            fast_key = fastpath.tensors_key("attention", base, q, k, v, out,
                                            kv_lens=live_kv_lens, q_offsets=live_q_offsets)
            if fastpath.replayed(fast_key):
                return out
    qs, ks, vs, os_, out_shape = _validate(q, k, v, out)
    chosen = get_backend(backend)
    batch, heads_q, seq_len, head_dim = qs.shape
    cache_len = ks.shape[2]
    opts = mask_options((batch, heads_q, seq_len, cache_len), offset=offset, window=window,
                        kv_lens=kv_lens, q_offsets=q_offsets, mask_fn=mask_fn, causal=causal)
    scale = check_scale(_check_scale(scale, head_dim), qs.dtype, LOG2E)
    if qs.on_device and not chosen.on_device:
        raise TypeError(f"q lives in GPU memory but backend {chosen.name!r} works on host "
                        "arrays: use backend='auto' (or 'cuda'/'hip'), or copy to the host")
    if out is None:
        out = _new_array(q, qs, chosen, out_shape, qs.dtype)
        os_ = inspect_scores(out, name="out", ranks=(4,))
    lse = lse_s = None
    if return_lse:
        lse_dtype = compute_dtype(qs.dtype).name
        lse = _new_array(q, qs, chosen, out_shape[:3], lse_dtype)
        lse_s = inspect_scores(_expand_lse(lse), name="lse", ranks=(4,))
    if _kind == "reference" and qs.on_device:
        raise TypeError("causal_attention_reference works on host arrays; copy them to the host")
    if os_.size:
        cuda = chosen.name == "cuda"
        _attention(chosen, qs, ks, vs, os_, lse_s, scale, opts, _kind,
                   fast_key if cuda else None, live_kv_lens if cuda else None,
                   host_key if chosen.name == "cpu" else None,
                   live_q_offsets if cuda else None)
    return (out, lse) if return_lse else out


def _host_key(q, k, v, out, backend, scale, offset, window, causal, has_kv_lens,
              has_q_offsets):
    """The host fast path's key (fastpath.host_key) of a call on NumPy ``q``
    (``has_kv_lens``, ``has_q_offsets``: the call gives them, their values checked per
    call)."""
    inputs = tuple(fastpath.array_key(a, False) for a in (q, k, v))
    target = "new" if out is None else fastpath.apart_out_key(out, (q, k, v))
    return fastpath.host_key("attention", backend, inputs + (target,), (
        fastpath.exact(scale), fastpath.exact(offset), fastpath.exact(window),
        fastpath.exact(causal), has_kv_lens, has_q_offsets))


def cpu_constants(dtype, rows_per_kv_head: int, k, v) -> dict:
    """The CPU kernel's paths and panel geometry for the compute type of ``dtype``
    on this CPU (numba_causal.panels), ``k`` and ``v`` the host arrays it reads:
    WIDE_TASKS (rows in vector lanes: more than WIDE_ROWS query rows a KV head),
    DIRECT_KV (else, keys and values with unit last strides read in place, not
    decoded into a tile; 16-bit ones converted as they are loaded), PANEL_LANES
    (rows of one scores call: a vector's elements), PANEL_ROWS (keys a scores call
    takes), PANEL_ADD_ROWS and PANEL_COLUMNS (rows and value columns of one
    weighted-values call), KEY_TILE (keys a tile: CPU_KEYS, or CPU_KEYS_16_BIT for
    16-bit elements row by row); PANELS,
    the digest of panels.py, so that a variant compiled on disk names the panel
    code it inlined."""
    itemsize = compute_dtype(dtype).itemsize
    wide = rows_per_kv_head > WIDE_ROWS
    in_place = all(a.shape[-1] < 2 or a.strides[-1] == a.itemsize for a in (k, v))
    return dict(WIDE_TASKS=wide, DIRECT_KV=not wide and in_place,
                PANEL_LANES=panels.panel_columns(itemsize, 1), PANEL_ROWS=panels.panel_rows(),
                PANEL_ADD_ROWS=panels.panel_add_rows(),
                PANEL_COLUMNS=panels.panel_columns(itemsize, 4),
                KEY_TILE=CPU_KEYS_16_BIT if not wide and dtype in ("float16", "bfloat16")
                else CPU_KEYS,
                PANELS=panels.SOURCE_DIGEST)


def _attention(chosen, qs, ks, vs, os_, lse_s, scale, opts, kind=None, fast_key=None,
               live_kv_lens=None, host_key=None, live_q_offsets=None) -> None:
    dtype = qs.dtype
    arrays = [(os_, True), (qs, False), (ks, False), (vs, False)]
    if lse_s is not None:
        arrays.append((lse_s, True))
    with op.operands(chosen, *arrays, mask_fn=opts.mask_fn) as (views, stream):
        target, qv, kv, vv = views[:4]
        lse_view = float_view(views[4].bits, compute_dtype(dtype).name) if lse_s is not None \
            else None
        q_, k_, v_, o_ = (float_view(x.bits, dtype) for x in (qv, kv, vv, target))
        cscale = compute_dtype(dtype).type(scale * LOG2E)
        if not chosen.is_gpu_kernel:
            kv_lens, q_offsets = opts.per_sequence()
            size = qs.size * ks.shape[2]
            rows = qs.shape[1] // ks.shape[1] * qs.shape[2]  # query rows a KV head
            constants = dict(format_constants(dtype), **opts.constants(),
                             **cpu_constants(dtype, rows, k_, v_),
                             HAS_LSE=lse_s is not None, HOST_FASTMATH=CPU_FASTMATH)
            op.run_host(ATTENTION, chosen, kind or kc.host_kind(size), constants,
                        (q_, k_, v_, o_, _lse_or_dummy(chosen, lse_view, dtype),
                         cscale, opts.offset, opts.window, kv_lens, q_offsets), host_key, 4)
            return
        _launch_gpu(chosen, stream, ks, kv, vs, vv, q_, k_, v_, o_, lse_view, cscale, opts,
                    dtype, fast_key, live_kv_lens, live_q_offsets)


def _lse_or_dummy(chosen, lse_view, dtype):
    if lse_view is not None:
        return lse_view
    cdt = compute_dtype(dtype)
    return constant_on(chosen, f"attention: no lse {cdt.name}", np.zeros((1, 1, 1, 1), cdt))


def _key_words(chosen, ks, kview, align=16):
    """(uint32 words of k's (or v's) memory from its first element, word strides (b,
    h, key)) when every row can be read as ``align``-byte words (contiguous rows
    whose start and length are multiples of ``align``); else None."""
    itemsize = dtypes.SUPPORTED[ks.dtype][0]
    if itemsize == 8 or not align:
        return None
    if chosen.on_device:
        cai = kview.bits.__cuda_array_interface__
        from .arrays import cai_strides

        ptr, strides = cai["data"][0], cai_strides(cai, itemsize)
    else:
        ptr, strides = ks.host.ctypes.data, ks.host.strides
    shape = ks.shape
    if 0 in shape or strides[3] != itemsize or (shape[3] * itemsize) % align or ptr % align or \
            any(st % align or st < 0 for st in strides[:3]):
        return None
    extent = sum((n - 1) * st for n, st in zip(shape, strides)) + itemsize
    nwords = -(-extent // 4)
    if chosen.on_device:
        words = chosen.gpu.from_cuda_array_interface(
            {"shape": (nwords,), "strides": None, "typestr": "<u4", "data": (ptr, False),
             "version": 3}, owner=kview.bits, sync=False)
    else:
        flat = np.lib.stride_tricks.as_strided(ks.host, shape=(extent // itemsize,),
                                               strides=(itemsize,))
        words = (chosen.wrap_host or (lambda a: a))(flat.view(np.uint32))
    return words, tuple(st // 4 for st in strides[:3])


_WORKSPACES: dict = {}
_WORKSPACES_MAX = 16
_WORKSPACE_LOCK = threading.Lock()


def _workspace(chosen, stream, role, shape, dtype):
    """A workspace (``role``: 'out' or 'lse', float; 'tickets', int32 zeros) for the
    splits' partials, kept per backend, stream and thread and grown as needed (a
    decode loop allocates once)."""
    key = (chosen.name, role, id(stream), threading.get_ident(), np.dtype(dtype).name)
    n = int(np.prod(shape))
    with _WORKSPACE_LOCK:
        have = _WORKSPACES.get(key)
        if have is None or have.size < n:
            # tickets start at 0 (each launch leaves them at 0); partials need no value
            fresh = (np.zeros if role == "tickets" else np.empty)(max(n, 1), dtype)
            if chosen.on_device:
                have = chosen.gpu.to_device(fresh, stream=stream) if role == "tickets" \
                    else chosen.gpu.device_array(max(n, 1), dtype)
            else:
                have = fresh
            _WORKSPACES.pop(key, None)
            _WORKSPACES[key] = have
            while len(_WORKSPACES) > _WORKSPACES_MAX:  # streams made per call come and go
                _WORKSPACES.pop(next(iter(_WORKSPACES)))
    flat = have[:n]
    if not chosen.on_device:
        return (chosen.wrap_host or (lambda a: a))(flat.reshape(shape))
    return flat.reshape(shape)


def _split_parts(chosen, stream, splits, out_shape, dtype):
    """(part_out [splits, *out_shape], part_lse [splits, *out_shape[:3]], part_flat: the
    partials as one row) in the compute type for a launch of ``splits`` key splits:
    workspaces (_workspace), or small stand-ins when there is a single split."""
    cdt = compute_dtype(dtype)
    if splits == 1:
        return (constant_on(chosen, f"attention: no parts {cdt.name}",
                            np.zeros((1, 1, 1, 1, 1), cdt)),
                constant_on(chosen, f"attention: no part lse {cdt.name}",
                            np.zeros((1, 1, 1, 1), cdt)),
                constant_on(chosen, f"attention: no flat parts {cdt.name}", np.zeros(4, cdt)))
    part_out = _workspace(chosen, stream, "out", (splits,) + tuple(out_shape), cdt)
    part_lse = _workspace(chosen, stream, "lse", (splits,) + tuple(out_shape[:3]) + (1,), cdt)
    return (part_out, part_lse.reshape((splits,) + tuple(out_shape[:3])),
            part_out.reshape(int(np.prod(part_out.shape))))


def _launch_merge(chosen, stream, part_out, part_lse, o_, lse_arg, dtype, has_lse,
                  fast_key=None, tickets=None):
    """Launch merge_kernel on the splits' partials (a block per query row); with a
    ``fast_key``, the launch is replayed after the splits' one (fastpath);
    ``tickets``: the split launch's counters, for the merge to set back to 0."""
    splits = part_out.shape[0]
    rows = int(np.prod(part_out.shape[1:4]))
    if splits > KERNEL_MOST_SPLITS:  # pragma: no cover - split_count never plans it
        raise AssertionError(f"{splits} key splits: merge_kernel takes {KERNEL_MOST_SPLITS}")
    warp = SIM_WARP if chosen.name == "sim" else chosen.warp
    constants = merge_kernel_constants(chosen.name, warp, dtype, has_lse, tickets is not None,
                                       part_out.shape[4])
    grid = kc.fold_grid(chosen, rows, 1, 1)
    if tickets is None:
        tickets = _no_tickets(chosen)
    op.launch(MERGE, chosen, op.Launch.of(constants, grid, (constants["THREADS"], 1), dict(
        part_flat=part_out.reshape(int(np.prod(part_out.shape))),
        part_lse=part_lse.reshape((splits, rows)), out=o_, lse=lse_arg, tickets=tickets)),
        stream, fast_key, keep=(part_out, part_lse, tickets), then=fast_key is not None)


def _no_tickets(chosen):
    return constant_on(chosen, "attention: no tickets", np.zeros(1, np.int32))


def _launch_gpu(chosen, stream, ks, kview, vs, vview, q_, k_, v_, o_, lse_view, cscale, opts,
                dtype, fast_key=None, live_kv_lens=None, live_q_offsets=None):
    batch, heads_q, seq_len, head_dim = q_.shape
    heads_kv, cache_len, head_dim_v = k_.shape[1], k_.shape[2], v_.shape[3]
    rows_total = heads_q // heads_kv * seq_len
    if _launch_decode(chosen, stream, ks, kview, vs, vview, q_, o_, lse_view, cscale, opts,
                      dtype, fast_key, live_kv_lens, live_q_offsets):
        return
    rows = rows_per_block(rows_total, head_dim, head_dim_v, dtype, chosen.name)
    row_tiles = -(-rows_total // rows)
    longest = min(cache_len, opts.window + seq_len) if opts.window else cache_len
    splits = split_count(chosen.name, batch * heads_kv * row_tiles, longest,
                         scaled_blocks(chosen, BLOCKS_WANTED))
    found = _key_words(chosen, ks, kview)
    words, (kw_b, kw_h, kw_k) = found if found is not None else (None, (0, 0, 0))
    no_words = constant_on(chosen, "attention: no words", np.zeros(4, np.uint32))
    if words is None:
        words = no_words
    has_lse = lse_view is not None
    warp = SIM_WARP if chosen.name == "sim" else chosen.warp
    v_found = _key_words(chosen, vs, vview, value_bytes(warp, dtype, head_dim_v))
    v_words, (vw_b, vw_h, vw_k) = v_found if v_found is not None else (no_words, (0, 0, 0))
    constants = plan_constants(chosen.name, warp, dtype, head_dim, head_dim_v, rows,
                               found is not None, splits > 1, has_lse, opts.constants(),
                               value_bytes(warp, dtype, head_dim_v) if v_found else 0)
    part_out, part_lse, _ = _split_parts(chosen, stream, splits,
                                         (batch, heads_q, seq_len, head_dim_v), dtype)
    kv_lens, q_offsets = op.per_sequence_on(chosen, opts, stream, live_kv_lens,
                                            live_q_offsets)
    lse_arg = _lse_or_dummy(chosen, lse_view, dtype)
    # splits on x; group row tiles on y; every (batch, KV head) on z
    grid = (splits,) + kc.fold_grid(chosen, 1, row_tiles, batch * heads_kv)[1:]
    block = (constants["WARP"], constants["WARPS"])
    op.launch(ATTENTION, chosen, op.Launch.of(constants, grid, block, dict(
        q=q_, k=k_, v=v_, k_words=words, kw_b=np.int64(kw_b), kw_h=np.int64(kw_h),
        kw_k=np.int64(kw_k), v_words=v_words, vw_b=np.int64(vw_b), vw_h=np.int64(vw_h),
        vw_k=np.int64(vw_k), out=o_, lse=lse_arg, part_out=part_out, part_lse=part_lse,
        scale=cscale, offset=np.int64(opts.offset), window=np.int64(opts.window),
        kv_lens=kv_lens, q_offsets=q_offsets)), stream, fast_key,
        keep=(part_out, part_lse, words, v_words, kv_lens, q_offsets))
    if splits > 1:
        _launch_merge(chosen, stream, part_out, part_lse, o_, lse_arg, dtype, has_lse,
                      fast_key)


def _launch_decode(chosen, stream, ks, kview, vs, vview, q_, o_, lse_view, cscale, opts, dtype,
                   fast_key=None, live_kv_lens=None, live_q_offsets=None) -> bool:
    """Launch a decode route where it applies (k and v rows as 16-byte words, a grid
    that needs no folding): the tensor-core one (decode_mma_kernel) on an
    MMA_BACKENDS backend where mma_applies, else decode_kernel on a DECODE_BACKENDS
    backend for the dims decode_applies takes. False (nothing launched) elsewhere."""
    batch, heads_q, seq_len, head_dim = q_.shape
    heads_kv, cache_len, head_dim_v = ks.shape[1], ks.shape[2], vs.shape[3]
    mma = spelling(chosen) in MMA_BACKENDS and mma_applies(
        32 if chosen.name == "sim" else chosen.warp, dtype, head_dim, head_dim_v,
        opts.constants())
    warp = 32 if mma else SIM_WARP if chosen.name == "sim" else chosen.warp
    if not mma and (spelling(chosen) not in DECODE_BACKENDS
                    or not decode_applies(warp, dtype, head_dim, head_dim_v)):
        return False
    rows = MMA_ROWS if mma else decode_rows(chosen.name, warp, dtype, head_dim, head_dim_v,
                                            heads_q // heads_kv * seq_len)
    k_found = _key_words(chosen, ks, kview)
    v_found = _key_words(chosen, vs, vview)
    if k_found is None or v_found is None:
        return False
    (k_words, (kw_b, kw_h, kw_k)), (v_words, (vw_b, vw_h, vw_k)) = k_found, v_found
    row_tiles = -(-(heads_q // heads_kv * seq_len) // rows)
    longest = min(cache_len, opts.window + seq_len) if opts.window else cache_len
    splits = min(split_count(chosen.name, batch * heads_kv * row_tiles, longest, scaled_blocks(
        chosen, MMA_BLOCKS_WANTED if mma else DECODE_BLOCKS_WANTED), mma), DECODE_MOST_SPLITS)
    if not kc.grid_fits(chosen, splits, row_tiles, batch * heads_kv):
        return False
    here = merges_here(chosen.name, warp, rows, head_dim_v, splits)
    has_lse = lse_view is not None

    def planned(cluster, clusters):
        """(the launch, whether its splits share a tail) with its splits as
        ``clusters`` clusters of ``cluster`` blocks a group, or (``cluster`` 0) as
        planned above."""
        splits_, here_ = (cluster * clusters, True) if cluster else (splits, here)
        if mma:
            constants = mma_constants(
                chosen.name, dtype, head_dim, head_dim_v, splits_ > 1, has_lse,
                opts.constants(), here_,
                kw_k == head_dim // 2 and vw_k == head_dim_v // 2,  # rows' words apart
                cluster, clusters)
        else:
            constants = decode_constants(chosen.name, warp, dtype, head_dim, head_dim_v, rows,
                                         splits_ > 1, has_lse, opts.constants(), here_)
        if here_ and not cluster and splits_ > constants["MOST_SPLITS"]:  # weights' size
            raise AssertionError(f"{splits_} key splits merged in the launch: it holds "
                                 f"{constants['MOST_SPLITS']}")
        part_out, part_lse, part_flat = _split_parts(
            chosen, stream, splits_, (batch, heads_q, seq_len, head_dim_v), dtype)
        # the merge's tickets [groups], then (TAIL) the shared tails' counters [groups],
        # then (clusters > 1) the clusters' merge's [cluster, groups]
        tails = splits_ > 1 and constants.get("TAIL", 0) > 0
        groups = row_tiles * batch * heads_kv
        tickets = _workspace(chosen, stream, "tickets", (
            (2 if tails else 1) * groups + (cluster * groups if clusters > 1 else 0),),
            np.int32) if here_ or tails else _no_tickets(chosen)
        kv_lens, q_offsets = op.per_sequence_on(chosen, opts, stream, live_kv_lens,
                                                live_q_offsets)
        args = dict(
            q=q_, k_words=k_words, kw_b=np.int64(kw_b), kw_h=np.int64(kw_h),
            kw_k=np.int64(kw_k), v_words=v_words, vw_b=np.int64(vw_b), vw_h=np.int64(vw_h),
            vw_k=np.int64(vw_k), out=o_, lse=_lse_or_dummy(chosen, lse_view, dtype),
            part_out=part_out, part_lse=part_lse, part_flat=part_flat, tickets=tickets,
            scale=cscale, heads_kv=np.int64(heads_kv), cache_len=np.int64(cache_len),
            offset=np.int64(opts.offset), window=np.int64(opts.window), kv_lens=kv_lens,
            q_offsets=q_offsets)
        # the tensor-core route's stages are dynamic shared memory (STAGE_BYTES)
        return op.Launch.of(constants, (splits_, row_tiles, batch * heads_kv),
                            (constants["THREADS"], 1), args,
                            constants.get("STAGE_BYTES", 0)), tails

    cluster, clusters = cluster_plan(chosen.name, splits, min(
        rows, heads_q // heads_kv * seq_len)) if mma and clusters_run(chosen) else (0, 1)
    plan, tails = planned(cluster, clusters)
    # clusters that do not all fit at once leave some for a second wave (31 µs later on
    # an H200, 2026-12-04 r7): their splits then merge by ticket or in merge_kernel
    if cluster and op.clusters_at_once(DECODE_MMA, chosen, plan) * cluster \
            < int(np.prod(plan.grid)):
        plan, tails = planned(0, 1)
    a = plan.args
    op.launch(DECODE_MMA if mma else DECODE, chosen, plan, stream, fast_key,
              keep=(a["part_out"], a["part_lse"], a["part_flat"], a["tickets"], a["kv_lens"],
                    a["q_offsets"]))
    if plan.grid[0] > 1 and not plan.constants["MERGE_HERE"]:
        _launch_merge(chosen, stream, a["part_out"], a["part_lse"], o_, a["lse"], dtype,
                      has_lse, fast_key, a["tickets"] if tails else None)
    return True


def causal_attention_reference(q, k, v, *, scale=None, offset=None, window=None,
                               kv_lens=None, q_offsets=None, mask_fn=None, causal=True,
                               return_lse=False):
    """The plain ``@njit`` CPU reference (attention_definition): same semantics as
    ``causal_attention``, row by row in float64, on host arrays (NumPy or torch CPU)."""
    return causal_attention(q, k, v, scale=scale, offset=offset, window=window,
                            kv_lens=kv_lens, q_offsets=q_offsets, mask_fn=mask_fn,
                            causal=causal, return_lse=return_lse, backend="cpu",
                            _kind="reference")


# --- benchmark (numba-causal bench --ops attention) -------------------------------------

#: accuracy bar checked before timing (max |ours - float64| over the row's largest |value|)
TOLERANCE = {"float16": 4e-3, "bfloat16": 3e-2, "float32": 1e-5, "float64": 1e-12}
_COMPILED_PEERS: dict = {}


def bench_case(shape):
    """A benchmark shape (batch, heads_q, heads_kv, seq_len, cache_len, head_dim[,
    ragged]) as a dict."""
    batch, heads_q, heads_kv, seq_len, cache_len, head_dim = shape[:6]
    return dict(batch=batch, heads_q=heads_q, heads_kv=heads_kv, seq_len=seq_len,
                cache_len=cache_len, head_dim=head_dim, ragged=len(shape) > 6 and bool(shape[6]))


def _bench_check(shape, dtype, backend_name):
    """Why the attention benchmark cannot run a --shapes case ("" when it can)."""
    c = bench_case(shape)
    if c["heads_q"] % c["heads_kv"]:
        return f"needs heads_q a multiple of heads_kv; got {c['heads_q']} and {c['heads_kv']}"
    if len(shape) > 6 and shape[6] != 1:
        return f"takes 1 as a seventh size (ragged kv_lens); got {shape[6]}"
    return benchkit.rows_fit((c["seq_len"], c["cache_len"]))


def bench_attention(ctx, shape, dtype):
    """One benchmark row. ``shape``: (batch, heads_q, heads_kv, seq_len, cache_len,
    head_dim[, 1: ragged kv_lens uniform in [cache_len / 2, cache_len]]). Checked in
    full against float64 first. Floor: the K and V bytes of the valid keys (what
    must be read) at the copy bandwidth of the run. Peers (GPU): torch SDPA with
    ``enable_gqa=True`` (no k/v expansion) and an explicit bottom-right boolean mask
    where one is needed (seq_len > 1, ragged), torch.compile of the same call, and
    eager matmul-softmax-matmul with q grouped per KV head; (CPU) torch's CPU SDPA."""
    c = bench_case(shape)
    if not ctx.on_gpu:
        return _bench_cpu(ctx, shape, dtype, c)
    import torch

    dev = "cuda"
    tdt = getattr(torch, dtype)
    b, hq, hkv, s, n, d = (c[x] for x in ("batch", "heads_q", "heads_kv", "seq_len",
                                          "cache_len", "head_dim"))
    q = torch.randn(b, hq, s, d, device=dev, dtype=tdt)
    k = torch.randn(b, hkv, n, d, device=dev, dtype=tdt)
    v = torch.randn(b, hkv, n, d, device=dev, dtype=tdt)
    gen = torch.Generator().manual_seed(n)
    kv_lens = (torch.randint(n // 2, n + 1, (b,), generator=gen) if c["ragged"]
               else torch.full((b,), n))
    kv_lens_host = kv_lens.numpy()
    pos = torch.arange(s, device=dev)[:, None] + (n - s)
    keys = torch.arange(n, device=dev)[None, :]
    keep = (keys <= pos)[None] & (keys[None] < kv_lens.to(dev)[:, None, None])  # [b, s, n]
    scale = d ** -0.5
    out = torch.full((b, hq, s, d), float("nan"), device=dev, dtype=tdt)
    kw = dict(kv_lens=kv_lens.to(dev)) if c["ragged"] else {}  # an engine's int64 lengths
    name = ctx.backend.name
    causal_attention(q, k, v, out=out, backend=name, **kw)
    want = _torch_attention(q.double(), k.double(), v.double(), keep, scale)
    err = float(((out.double() - want).abs().amax(-1) / want.abs().amax(-1)
                 .clamp_min(1e-30)).max())
    if not err <= TOLERANCE[dtype]:
        raise AssertionError(f"causal_attention error {err:.2e} on {shape} {dtype}")
    del want
    ms = ctx.timer(lambda: causal_attention(q, k, v, out=out, backend=name, **kw))
    valid = int(np.minimum(kv_lens_host, n).sum())
    nbytes = valid * hkv * (d + d) * ITEMSIZE[dtype]
    peer_ms = {}
    if ctx.peers:
        peer_ms = _gpu_peers(ctx, q, k, v, keep, scale, c, dtype)
    row = ctx.row("attention", shape, dtype, ms, nbytes, ctx.copy_gbps(), peer_ms, err)
    print(f"attention {'x'.join(map(str, shape))} {dtype}: {ms:.4f} ms, floor/ours "
          f"{row.floor_ratio:.2f}, " + ", ".join(f"{n} {t:.4f} ms" for n, t in peer_ms.items()),
          file=sys.stderr, flush=True)
    return row


def _gpu_peers(ctx, q, k, v, keep, scale, c, dtype) -> dict:
    """Peer times: SDPA (no mask for a plain decode row, is_causal for a square
    causal prefill, else the boolean mask), torch.compile of it (float16 rows: one
    dynamic-shape compile serves them), eager matmul-softmax-matmul."""
    import torch

    sdpa = torch.nn.functional.scaled_dot_product_attention
    square = c["seq_len"] == c["cache_len"] and not c["ragged"]
    mask = None if (c["seq_len"] == 1 and not c["ragged"]) or square else keep[:, None]
    peers = {"torch SDPA": ctx.timer(lambda: sdpa(q, k, v, attn_mask=mask, scale=scale,
                                                  is_causal=square, enable_gqa=True))}
    if ctx.use_compile and dtype == "float16":
        def call(q_, k_, v_, m_):
            return sdpa(q_, k_, v_, attn_mask=m_, scale=scale, is_causal=square,
                        enable_gqa=True)

        try:
            compiled = _COMPILED_PEERS.setdefault(square, torch.compile(call, dynamic=True))
            peers["torch.compile SDPA"] = ctx.timer(lambda: compiled(q, k, v, mask))
        except Exception as exc:  # say so in the output, keep the row
            print(f"torch.compile peer skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
    peers["torch eager matmul"] = ctx.timer(lambda: _torch_attention(q, k, v, keep, scale))
    return peers


def _torch_attention(q, k, v, keep, scale):
    """Eager matmul-softmax-matmul with q grouped per KV head (no k/v expansion);
    ``keep`` [batch, seq_len, cache_len]. A fully masked row gives zeros."""
    import torch

    b, hq, s, d = q.shape
    hkv = k.shape[1]
    g = hq // hkv
    qg = q.reshape(b, hkv, g * s, d)
    scores = (qg @ k.transpose(-1, -2)) * scale
    mask = keep[:, None, None].expand(b, hkv, g, s, keep.shape[-1]).reshape(b, hkv, g * s, -1)
    probs = torch.softmax(scores.masked_fill(~mask, float("-inf")), -1).nan_to_num(0.0)
    return (probs @ v).reshape(b, hq, s, v.shape[-1])


def _bench_cpu(ctx, shape, dtype, c):
    from .dtypes import host_dtype

    rng = np.random.default_rng()
    b, hq, hkv, s, n, d = (c[x] for x in ("batch", "heads_q", "heads_kv", "seq_len",
                                          "cache_len", "head_dim"))
    q, k, v = (rng.standard_normal(sh, dtype=np.float32).astype(host_dtype(dtype))
               for sh in ((b, hq, s, d), (b, hkv, n, d), (b, hkv, n, d)))
    out = np.full((b, hq, s, d), np.nan, host_dtype(dtype))
    # ragged: kv_lens uniform in [cache_len / 2, cache_len], as on the GPU
    kv_lens = rng.integers(n // 2, n + 1, b) if c["ragged"] else np.full(b, n)
    kw = dict(kv_lens=kv_lens) if c["ragged"] else {}
    causal_attention(q, k, v, out=out, backend=ctx.backend, **kw)
    pos = np.arange(s)[:, None] + (n - s)
    keys = np.arange(n)[None, :]
    keep = (keys <= pos)[None] & (keys[None] < kv_lens[:, None, None])  # [b, s, n]
    g = hq // hkv
    kk = np.repeat(k.astype(np.float64), g, axis=1)
    vv = np.repeat(v.astype(np.float64), g, axis=1)
    z = np.where(keep[:, None], (q.astype(np.float64) @ kk.transpose(0, 1, 3, 2)) * d ** -0.5,
                 -np.inf)
    p = np.exp(z - z.max(-1, keepdims=True))
    want = (p / p.sum(-1, keepdims=True)) @ vv
    err = float((np.abs(out.astype(np.float64) - want).max(-1) / np.abs(want).max(-1)).max())
    if not err <= TOLERANCE[dtype]:
        raise AssertionError(f"causal_attention error {err:.2e} on {shape} {dtype}")
    ms = ctx.timer(lambda: causal_attention(q, k, v, out=out, backend=ctx.backend, **kw))
    nbytes = int(kv_lens.sum()) * hkv * 2 * d * ITEMSIZE[dtype]  # the valid keys' K and V
    peer_ms = {}
    if ctx.peers:
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None:
            # bfloat16 host arrays are ml_dtypes': torch takes their bits as its own
            tq, tk, tv = (torch.from_numpy(a.view(np.int16)).view(torch.bfloat16)
                          if dtype == "bfloat16" else torch.from_numpy(a) for a in (q, k, v))
            tmask = torch.from_numpy(keep[:, None])  # [b, 1, s, n]
            sdpa = torch.nn.functional.scaled_dot_product_attention
            peer_ms["torch CPU SDPA"] = ctx.timer(lambda: sdpa(
                tq, tk, tv, attn_mask=None if s == 1 and not c["ragged"] else tmask,
                enable_gqa=True))
    return ctx.row("attention", shape, dtype, ms, nbytes, ctx.copy_gbps(), peer_ms, err)


ITEMSIZE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}

#: the issue's decode table (batch, heads_q, heads_kv, seq_len, cache_len, head_dim[,
#: ragged]) at seq_len 1 and 4, and one causal prefill row for the docs
_DECODE = [(8, 32, 8, 4096), (1, 32, 8, 32768), (32, 32, 8, 2048), (8, 32, 32, 4096)]
_GPU_SHAPES = ([((b, hq, hkv, s, n, 128), ("float16", "bfloat16"))
                for s in (1, 4) for b, hq, hkv, n in _DECODE]
               + [((b, hq, hkv, s, n, 128, 1), ("float16", "bfloat16"))
                  for s in (1, 4) for b, hq, hkv, n in _DECODE[:2]]
               + [((1, 32, 32, 2048, 2048, 128), ("float16",))])

ATTENTION = op.register(op.Family(
    name="causal_attention",
    gpu_kernel=attention_kernel, cpu_kernel=attention_cpu, reference=attention_definition,
    helpers=(kept_keys,) + elements.HELPERS + reductions.HELPERS, cpu_helpers=CPU_HELPERS,
    gpu_helpers=(reductions.row_reduce, element_value, element_of, pow2,
                 decode_word, key_scores, value_dim, load_values, split_keys),
    args=(op.array("q", "ELEMENT", 4), op.array("k", "ELEMENT", 4),
          op.array("v", "ELEMENT", 4), op.array("k_words", "uint32", 1),
          op.scalar("kw_b", "int64"), op.scalar("kw_h", "int64"), op.scalar("kw_k", "int64"),
          op.array("v_words", "uint32", 1), op.scalar("vw_b", "int64"),
          op.scalar("vw_h", "int64"), op.scalar("vw_k", "int64"),
          op.array("out", "ELEMENT", 4), op.array("lse", "COMPUTE", 4),
          op.array("part_out", "COMPUTE", 5), op.array("part_lse", "COMPUTE", 4),
          op.scalar("scale", "COMPUTE"), op.scalar("offset", "int64"),
          op.scalar("window", "int64"), op.array("kv_lens", "int64", 1),
          op.array("q_offsets", "int64", 1)),
    aot_variants=_aot_variants,
    dependent_launch=True,
    bench=bench_attention, bench_label="attention", bench_sizes=(6, 7),
    bench_layout="batch x heads_q x heads_kv x seq_len x cache_len x head_dim [x 1: ragged "
                 "kv_lens]",
    bench_shapes={"gpu": _GPU_SHAPES,
                  "cpu": [((1, 32, 8, 1, 4096, 128), ("float32", "float16")),
                          ((4, 32, 8, 4, 2048, 128), ("float32",))],
                  "quick": [((1, 8, 2, 1, 512, 64), ("float32",))]},
    bench_check=_bench_check,
))

DECODE = op.register(op.Family(
    name="causal_attention_decode",
    gpu_kernel=decode_kernel, cpu_kernel=attention_cpu, reference=attention_definition,
    helpers=(kept_keys,) + elements.HELPERS + reductions.HELPERS, cpu_helpers=CPU_HELPERS,
    gpu_helpers=(element_value, element_of, pow2, decode_word, decode_chunk,
                 decode_value_words, tile_copies, stage_tile, pair_weight, block_place,
                 group_bounds, head_and_query, split_keys, tile_pieces, merge_splits,
                 merge_trip_loads, store_piece, lse_weight, merged_lse, merge_last_split),
    args=(op.array("q", "ELEMENT", 4), op.array("k_words", "uint32", 1),
          op.scalar("kw_b", "int64"), op.scalar("kw_h", "int64"), op.scalar("kw_k", "int64"),
          op.array("v_words", "uint32", 1), op.scalar("vw_b", "int64"),
          op.scalar("vw_h", "int64"), op.scalar("vw_k", "int64"),
          op.array("out", "ELEMENT", 4), op.array("lse", "COMPUTE", 4),
          op.array("part_out", "COMPUTE", 5), op.array("part_lse", "COMPUTE", 4),
          op.array("part_flat", "COMPUTE", 1), op.array("tickets", "int32", 1),
          op.scalar("scale", "COMPUTE"),
          op.scalar("heads_kv", "int64"), op.scalar("cache_len", "int64"),
          op.scalar("offset", "int64"), op.scalar("window", "int64"),
          op.array("kv_lens", "int64", 1), op.array("q_offsets", "int64", 1)),
    aot_variants=_decode_aot_variants,
    dependent_launch=True,
))

DECODE_MMA = op.register(op.Family(
    name="causal_attention_decode_mma",
    gpu_kernel=decode_mma_kernel, cpu_kernel=attention_cpu, reference=attention_definition,
    helpers=(kept_keys,) + elements.HELPERS + reductions.HELPERS, cpu_helpers=CPU_HELPERS,
    gpu_helpers=(element_of, pow2, block_place, group_bounds, head_and_query, split_keys,
                 query_word, staged_chunk, mma_copies, mma_stage_tile, pack_pair,
                 value_products, pair_weight, fold_weight, tile_pieces, merge_splits,
                 merge_trip_loads, store_piece, lse_weight, merged_lse, merge_last_split,
                 merge_cluster, merge_pieces, merge_last_cluster, mma_tile, fold_warps,
                 next_tile),
    args=DECODE.args,
    aot_variants=None,  # NVIDIA's mma.sync and the simulator only: nothing for AMD
    dependent_launch=True,
))

MERGE = op.register(op.Family(
    name="causal_attention_merge",
    gpu_kernel=merge_kernel, cpu_kernel=merge_kernel, reference=merge_kernel,
    helpers=(), gpu_helpers=(element_of, lse_weight, merged_lse, reductions.row_reduce)
    + reductions.HELPERS,
    args=(op.array("part_flat", "COMPUTE", 1), op.array("part_lse", "COMPUTE", 2),
          op.array("out", "ELEMENT", 4), op.array("lse", "COMPUTE", 4),
          op.array("tickets", "int32", 1)),
    aot_variants=_merge_aot_variants,
    dependent_launch=True,
))
