"""The causal mask: GPU kernel, CPU kernel, CPU reference and launcher, side by side.

Semantics (every backend): scores are ``[batch, heads, seq_len, cache_len]``
(or 2-D ``[seq_len, cache_len]``). Query row ``q`` of sequence ``b`` sits at
absolute position ``pos = q + offset`` (``offset = cache_len - seq_len`` by
default: bottom-right alignment, as a KV cache needs; ``q_offsets[b]`` instead
when given). Key ``k`` is *kept* iff

* ``k <= pos`` (causal; ``causal=False`` drops this term),
* ``k > pos - window`` when ``window`` is given (sliding window),
* ``k < kv_lens[b]`` when ``kv_lens`` is given (right padding),
* ``mask_fn(b, h, pos, k)`` is true when a predicate is given.

Every other key is set to ``fill`` (-inf); kept elements keep their exact bits.
On the GPU's 16-byte path (contiguous 16-byte aligned rows, no mask_fn) the
chunks of the 32-byte sector a row's kept range starts or ends in are read and
written back with their kept elements' own bits (integer words: NaN payloads and
-0.0 unchanged), by other blocks than the ones writing the row's other sectors,
so every store covers whole sectors; elsewhere kept elements are not written at
all (docs/semantics.md).
A negative offset (``cache_len < seq_len``) leaves the leading rows fully masked.
"""

from __future__ import annotations

import numpy as np
from numba import int64, prange, uint64

from . import compile as kc
from . import fastpath, op
from .arrays import inspect_scores, no_words
from .backends import get_backend
from .compile import GPU, compile_time
from .dtypes import fill_bits
from .options import PLAIN, mask_options

gpu = GPU
#: a programmatic dependent launch (op.Family.dependent_launch): the kernel waits on
#: entry for the grids before it (cuda, sm_90: op.dependent_launches)
PDL, grid_dependency_wait = compile_time("PDL", "grid_dependency_wait")
#: compile-time constants: lanes per row, rows per block, elements per 8-byte word
#: (1: no word view), and the mask options' switches (options.MaskOptions.constants)
LANES, ROWS, WORD = compile_time("LANES", "ROWS", "WORD")
#: the 16-byte path: elements per 16-byte chunk (0: the word/element path)
VEC = compile_time("VEC")
#: the 16-byte path's lane passes start on LANES-chunk boundaries (ALIGNED_PASSES)
ALIGNED = compile_time("ALIGNED")
#: the 16-byte path: the most store blocks a launch has (SPLIT's; edge_block_count)
SPLIT_MOST = compile_time("SPLIT_MOST")
# device primitives (intrinsics.py), bound into every GPU kernel by op.Family
load_v4, store_v4, i32, u32, add32, sub32, mul32, mad32, udiv32 = compile_time(
    "load_v4", "store_v4", "i32", "u32", "add32", "sub32", "mul32", "mad32", "udiv32")
CAUSAL, USE_KV_LENS, USE_Q_OFFSETS, HAS_MASK_FN, MASK_FN = compile_time(
    "CAUSAL", "USE_KV_LENS", "USE_Q_OFFSETS", "HAS_MASK_FN", "MASK_FN")


def kept_keys(pos, window, kv_len, cache_len):
    """Keys ``[lo, hi)`` of a query at ``pos`` that survive the causal, window and
    length terms; keys ``[0, lo)`` and ``[hi, cache_len)`` are masked."""
    hi = min(pos + 1, kv_len) if CAUSAL else kv_len
    hi = max(min(hi, cache_len), 0)
    lo = max(pos - window + 1, 0) if window > 0 else 0
    return min(lo, hi), hi


def host_row(r, heads, seq_len, cache_len, offset, window, kv_lens, q_offsets):
    """Flat row ``r`` (of a host kernel, or of the GPU's 16-byte path) -> (b, h, q,
    pos, lo, hi): its indices, its query's absolute position and its kept keys
    ``[lo, hi)``."""
    b = r // (heads * seq_len)
    h = (r // seq_len) % heads
    q = r % seq_len
    pos = q + (q_offsets[b] if USE_Q_OFFSETS else offset)
    lo, hi = kept_keys(pos, window, kv_lens[b] if USE_KV_LENS else cache_len, cache_len)
    return b, h, q, pos, lo, hi


def query_keys(q, seq_len, row_offset, window, kv_len, cache_len):
    """A GPU block row's query ``q`` (of a batch whose rows start at ``row_offset``
    and keep ``kv_len`` keys) -> (q, active, pos, lo, hi). A row past seq_len is
    inactive: q = seq_len - 1 and lo = hi = 0 (it idles through its block's
    reductions)."""
    active = q < seq_len
    if not active:
        q = seq_len - 1
    pos = q + row_offset
    lo, hi = kept_keys(pos, window, kv_len, cache_len)
    if not active:
        lo = hi = 0
    return q, active, pos, lo, hi


def block_row(seq_len, cache_len, offset, window, kv_lens, q_offsets):
    """The query row of this block row on a loop-free GPU grid (ceil(seq_len / ROWS),
    heads, batch), block (LANES, ROWS): (b, h, q, active, pos, lo, hi) (query_keys)."""
    b, h = int64(gpu.blockIdx.z), int64(gpu.blockIdx.y)
    q, active, pos, lo, hi = query_keys(
        int64(mad32(gpu.blockIdx.x, ROWS, gpu.threadIdx.y)), seq_len,
        q_offsets[b] if USE_Q_OFFSETS else offset, window,
        kv_lens[b] if USE_KV_LENS else cache_len, cache_len)
    return b, h, q, active, pos, lo, hi


def fill_keys(row, words, start, stop, fill, fill_word, lane):
    """Lane ``lane`` of LANES writes its share of ``row[start:stop] = fill``.

    Each pass of the lanes covers one aligned chunk of LANES elements (or words),
    so every warp store fills whole memory sectors. With WORD > 1, whole 8-byte
    words go through ``words`` (the same row seen as uint64) and only the partial
    words at either end are written element by element.
    """
    if WORD > 1:
        first = (start + WORD - 1) // WORD
        end = stop // WORD
        if first < end:
            k = start + lane
            if k < first * WORD:
                row[k] = fill
            k = end * WORD + lane
            if k < stop:
                row[k] = fill
            for j in range(first - first % LANES + lane, end, LANES):
                if j >= first:
                    words[j] = fill_word
            return
    for k in range(start - start % LANES + lane, stop, LANES):
        if k >= start:
            row[k] = fill


def masked_bits(kb, i, lo, hi):
    """The bits of 32-bit word ``i`` of the chunk at key ``kb`` that hold masked
    keys (k < lo or k >= hi), as a uint32 mask."""
    if VEC == 8:  # two 16-bit keys per word
        k = add32(kb, 2 * i)
        m = u32(0)
        if k < lo or k >= hi:
            m |= u32(0xFFFF)
        if k + 1 < lo or k + 1 >= hi:
            m |= u32(0xFFFF0000)
        return m
    k = add32(kb, i if VEC == 4 else i // 2)  # one float32, or half a float64
    return u32(0xFFFFFFFF) if k < lo or k >= hi else u32(0)


def edge_sectors(lo, hi, cache_len):
    """(s0, s1): the 32-byte sectors (chunk pairs, counted from the row's start) that
    hold both masked and kept keys of a row keeping keys [lo, hi): the one ``lo``
    falls inside and the one ``hi`` falls inside (a second one only), -1 for none.
    Their kept bits are read before the sector is written whole."""
    sector = 2 * VEC
    s0 = lo // sector if lo % sector != 0 else -1
    s1 = hi // sector if hi % sector != 0 and hi < cache_len and hi // sector != s0 else -1
    return s0, s1


def fill_chunks(row, start, stop, fill_lo, fill_hi, lane):
    """Lane ``lane``'s share of chunks [start, stop) of a row, every one of masked
    keys only: one 16-byte store of fill each (``fill_lo``, ``fill_hi``: the fill's
    two 32-bit halves of an 8-byte word). With ALIGNED each pass of the lanes covers
    LANES chunks from a multiple of LANES (a warp store: whole 128-byte lines), its
    lanes before ``start`` storing nothing; else the passes start at ``start``."""
    c = add32(start - start % LANES, lane) if ALIGNED else add32(start, lane)
    while c < stop:
        if not ALIGNED or c >= start:
            store_v4(row, u32(mul32(c, VEC)), fill_lo, fill_hi, fill_lo, fill_hi)
        c = add32(c, LANES)


def merged_chunk(w0, w1, w2, w3, kb, lo, hi, fill_lo, fill_hi):
    """The chunk at key ``kb`` whose words were ``w0..w3``: its kept keys ([lo, hi))
    with their own bits (integer words: NaN payloads and -0.0 unchanged), the rest
    fill."""
    m0, m1 = masked_bits(kb, 0, lo, hi), masked_bits(kb, 1, lo, hi)
    m2, m3 = masked_bits(kb, 2, lo, hi), masked_bits(kb, 3, lo, hi)
    return ((w0 & ~m0) | (fill_lo & m0), (w1 & ~m1) | (fill_hi & m1),
            (w2 & ~m2) | (fill_lo & m2), (w3 & ~m3) | (fill_hi & m3))


def mask_edges_vec(row, lo, hi, chunks, fill_lo, fill_hi):
    """One row's edge sectors (edge_sectors), by one thread: each sector's chunks
    read (two 16-byte loads; one where the row ends inside the sector), then
    written back whole (merged_chunk)."""
    s0, s1 = edge_sectors(lo, hi, mul32(chunks, VEC))
    for side in range(2):
        sector = s0 if side == 0 else s1
        if sector >= 0:
            kb = mul32(2 * sector, VEC)
            two = 2 * sector + 1 < chunks
            w0, w1, w2, w3 = load_v4(row, u32(kb))
            v0 = v1 = v2 = v3 = u32(0)
            if two:
                v0, v1, v2, v3 = load_v4(row, u32(kb + VEC))
            a0, a1, a2, a3 = merged_chunk(w0, w1, w2, w3, kb, lo, hi, fill_lo, fill_hi)
            store_v4(row, u32(kb), a0, a1, a2, a3)
            if two:
                b0, b1, b2, b3 = merged_chunk(v0, v1, v2, v3, add32(kb, VEC), lo, hi, fill_lo,
                                              fill_hi)
                store_v4(row, u32(kb + VEC), b0, b1, b2, b3)


def mask_row_vec(row, lo, hi, chunks, fill_lo, fill_hi, lane):
    """One row's whole sectors of masked keys by a warp, with no read: the chunks
    before the sector ``lo`` falls inside and after the one ``hi`` falls inside (a
    row's edge sectors are mask_edges_vec's), two disjoint chunk ranges."""
    head = min(mul32(lo // (2 * VEC), 2), chunks)
    tail = chunks if hi >= mul32(chunks, VEC) else min(mul32((hi + 2 * VEC - 1) // (2 * VEC), 2),
                                                       chunks)
    fill_chunks(row, 0, head, fill_lo, fill_hi, lane)
    fill_chunks(row, tail, chunks, fill_lo, fill_hi, lane)


def vec_row(s, r, offset, window, kv_lens, q_offsets):
    """Flat row ``r`` of the 16-byte path -> (its elements, its kept keys lo, hi):
    host_row's indices in 32-bit arithmetic (the launcher's vec_layout keeps the
    rows below 2**31)."""
    batch, heads, seq_len, cache_len = s.shape
    bh = udiv32(r, seq_len)
    q = sub32(r, mul32(bh, seq_len))
    b = udiv32(bh, heads)
    h = sub32(bh, mul32(b, heads))
    pos = int64(q) + (q_offsets[b] if USE_Q_OFFSETS else offset)
    lo, hi = kept_keys(pos, window, kv_lens[b] if USE_KV_LENS else cache_len, cache_len)
    return s[uint64(b), uint64(h), uint64(q)], i32(lo), i32(hi)


def edge_block_count(rows, lanes, rows_a_block, most):
    """The edge blocks of a 16-byte-path grid over ``rows`` flattened rows: a thread a
    row (``lanes`` x ``rows_a_block`` threads a block), as many as ``most`` store blocks
    would bring (one for every ``lanes`` of them). The launcher and the kernel
    (block_roles) both count them here."""
    threads = lanes * rows_a_block
    return min((rows + threads - 1) // threads, (most + lanes - 1) // lanes)


def block_roles(rows, blocks, block):
    """(E, the block's place): the first E = edge_block_count of a grid's blocks take
    the rows' edge sectors (mask_edge_rows: a thread a row), the other blocks the stores
    (a warp a row at a time, striding when the launch has fewer store blocks than rows
    a block: plan_launch), the block in place ``block``. A variant rebinds this one
    decision (tools/gpu/tune_mask.py)."""
    return edge_block_count(rows, LANES, ROWS, SPLIT_MOST), block


def mask_edge_rows(s, block, edge_blocks, rows, chunks, fill_lo, fill_hi, offset, window,
                   kv_lens, q_offsets):
    """Edge block ``block`` of ``edge_blocks``: a thread a row, striding over the
    flattened rows, each row's edge sectors read, then written back whole
    (mask_edges_vec)."""
    threads = LANES * ROWS
    first = block * threads + mad32(gpu.threadIdx.y, LANES, gpu.threadIdx.x)
    for r in range(first, rows, edge_blocks * threads):
        row, lo, hi = vec_row(s, r, offset, window, kv_lens, q_offsets)
        mask_edges_vec(row, lo, hi, chunks, fill_lo, fill_hi)


def mask_rows_vec(s, fill_word, offset, window, kv_lens, q_offsets):
    """The GPU kernel's 16-byte path: one launch of two kinds of block on disjoint
    sectors, so that neither waits for the other (block_roles): edge blocks take the
    rows' edge sectors, a thread a row (mask_edge_rows); store blocks write every
    other masked sector, a warp a row (mask_row_vec: stores only). Rows are the
    flattened [batch * heads * seq_len] ones, each kind of block striding over them.
    The edge blocks come first in the grid, so their reads are made before most of
    the stores: reads mixed into the stores cost more (docs/benchmarks.md)."""
    batch, heads, seq_len, cache_len = s.shape
    rows = batch * heads * seq_len
    chunks = i32(cache_len // VEC)
    fill_lo, fill_hi = u32(fill_word & uint64(0xFFFFFFFF)), u32(fill_word >> uint64(32))
    blocks = int64(gpu.gridDim.x)
    edge_blocks, block = block_roles(rows, blocks, int64(gpu.blockIdx.x))
    if block < edge_blocks:
        mask_edge_rows(s, block, edge_blocks, rows, chunks, fill_lo, fill_hi, offset, window,
                       kv_lens, q_offsets)
        return
    first = (block - edge_blocks) * ROWS + int64(gpu.threadIdx.y)
    for r in range(first, rows, (blocks - edge_blocks) * ROWS):
        row, lo, hi = vec_row(s, r, offset, window, kv_lens, q_offsets)
        mask_row_vec(row, lo, hi, chunks, fill_lo, fill_hi, i32(gpu.threadIdx.x))


def causal_mask_kernel(s, w, fill, fill_word, offset, window, kv_lens, q_offsets):
    """GPU kernel. ``s``: [batch, heads, seq_len, cache_len] unsigned bits; ``w``:
    the same rows as 8-byte words when WORD > 1 (else unused).

    Launch: grid (ceil(seq_len / ROWS), heads, batch), block (LANES, ROWS); each
    block row masks one query row, its LANES lanes striding over the masked keys.
    Grid dimensions clipped to the device limit fold into the strided loops.
    With VEC > 0 (mask_rows_vec) a row goes in 16-byte chunks with 32-bit chunk
    indices (rows below 2**30 keys), on a 1-D grid of edge blocks then store
    blocks (SPLIT); else indices are int64 throughout.
    """
    if PDL:  # a programmatic dependent launch: the grids before it end first
        grid_dependency_wait()
    if VEC > 0:
        mask_rows_vec(s, fill_word, offset, window, kv_lens, q_offsets)
        return
    batch, heads, seq_len, cache_len = s.shape
    lane = int64(gpu.threadIdx.x)
    for b in range(int64(gpu.blockIdx.z), batch, int64(gpu.gridDim.z)):
        row_offset = q_offsets[b] if USE_Q_OFFSETS else offset
        kv_len = kv_lens[b] if USE_KV_LENS else cache_len
        for h in range(int64(gpu.blockIdx.y), heads, int64(gpu.gridDim.y)):
            first_q = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
            for q in range(first_q, seq_len, int64(gpu.gridDim.x) * ROWS):
                pos = q + row_offset
                lo, hi = kept_keys(pos, window, kv_len, cache_len)
                row = s[b, h, q]
                words = w[b, h, q] if WORD > 1 else w[0, 0, 0]
                fill_keys(row, words, 0, lo, fill, fill_word, lane)
                fill_keys(row, words, hi, cache_len, fill, fill_word, lane)
                if HAS_MASK_FN:
                    for k in range(lo + lane, hi, LANES):
                        if not MASK_FN(b, h, pos, k):
                            row[k] = fill


def causal_mask_cpu(s, fill, offset, window, kv_lens, q_offsets):
    """CPU kernel (``@njit(parallel=True)``): rows in parallel, each a contiguous fill."""
    batch, heads, seq_len, cache_len = s.shape
    for r in prange(batch * heads * seq_len):
        b, h, q, pos, lo, hi = host_row(r, heads, seq_len, cache_len, offset, window, kv_lens,
                                        q_offsets)
        row = s[b, h, q]
        row[:lo] = fill
        row[hi:] = fill
        if HAS_MASK_FN:
            for k in range(lo, hi):
                if not MASK_FN(b, h, pos, k):
                    row[k] = fill


def causal_mask_definition(s, fill, offset, window, kv_lens, q_offsets):
    """The reference: the mask's definition evaluated element by element."""
    batch, heads, seq_len, cache_len = s.shape
    for b in range(batch):
        for h in range(heads):
            for q in range(seq_len):
                pos = q + (q_offsets[b] if USE_Q_OFFSETS else offset)
                for k in range(cache_len):
                    keep = k <= pos or not CAUSAL
                    if window > 0 and k <= pos - window:
                        keep = False
                    if USE_KV_LENS and k >= kv_lens[b]:
                        keep = False
                    if keep and HAS_MASK_FN and not MASK_FN(b, h, pos, k):
                        keep = False
                    if not keep:
                        s[b, h, q, k] = fill


#: launch shape of the word/element path per backend: (warps of lanes per row, rows
#: per block), tuned on the H200 (2026-12-02) when it was the 16-byte path's too. The
#: simulator runs one Python thread per lane: keep it small.
LAUNCH = {"cuda": (1, 4), "hip": (1, 8), "sim": (1, 1)}
#: the 16-byte path per backend (mask_rows_vec): (rows a block: warps of a store block,
#: LANES x ROWS threads of an edge block; most store blocks, then they stride). Store
#: blocks enough for a row a warp make many waves (fewer where rows mask little:
#: store_block_count); the edge blocks take a row a thread (edge_block_count). cuda,
#: H200 2026-12-04 (tools/gpu/tune_mask.py split, r44): float32 4x32x2048² 0.87 of the
#: floor, float16 0.80, against 0.83 and 0.75
#: for the one-wave kernel that staged each round's edge sectors in shared memory
#: before its stores; 4 or 8 rows a block within 0.5 %; edge blocks spread among the
#: store blocks 0.48-0.72. hip: unmeasured. The simulator: few blocks, striding.
SPLIT = {"cuda": (4, 1 << 22), "hip": (4, 1 << 22), "sim": (1, 3)}
#: the 16-byte path: the masked bytes a store warp writes at least (rows a warp, one
#: after the other, where rows mask less), and the store blocks a launch keeps however
#: little its rows mask (about what an H200 holds at once: 132 SMs x 16 blocks of 4
#: warps). cuda, H200 2026-12-04 (`tune_mask.py persist short`, r78: store blocks
#: striding over a few queries over 4096 keys): 8x32x256 float16 rows (255 masked bytes
#: each) 22.4 us a block every 4 rows, 15.5 at one wave of blocks (8 rows a warp);
#: 8x32x1024 float16 (1 KB) 108.7 against 92.7 at 2 rows a warp; float32 (2 KB) best
#: at a row a warp, as the square masks are (2 KB and more a row).
STORE_BYTES_A_WARP = {"cuda": 2048}
STORE_BLOCKS_LEAST = {"cuda": 2048}


def store_block_count(backend_name: str, n_rows: int, rows_a_block: int, most: int,
                      masked_bytes) -> int:
    """The store blocks of a 16-byte-path launch over ``n_rows`` rows that mask
    ``masked_bytes`` on average (None: unknown until run time): a block every
    ``rows_a_block`` rows (a row a warp), at most ``most``; on a backend with
    STORE_BYTES_A_WARP, fewer where a row masks less than that (its warps take several
    rows), never fewer than STORE_BLOCKS_LEAST."""
    blocks = max(1, min(most, -(-n_rows // rows_a_block)))
    per_warp = STORE_BYTES_A_WARP.get(backend_name)
    if per_warp and masked_bytes is not None:
        rows_a_warp = max(1, round(per_warp / max(masked_bytes, 1)))
        blocks = min(blocks, max(-(-n_rows // (rows_a_block * rows_a_warp)),
                                 STORE_BLOCKS_LEAST[backend_name]))
    return blocks


#: the 16-byte path: the masked bytes (what the store blocks write) of the rows an SM's
#: blocks hold at once, which vec_shared keeps them near (masked_per_row: the rows'
#: average); None: as many blocks as registers allow. cuda, H200 2026-12-04: first
#: tuned as 112 KB of whole rows (tools/gpu/tune_mask.py split, r53-r55, blocks of 4
#: warps held down by unused shared memory: float32 4x32x2048² 0.87 of the floor at
#: the 16 blocks its registers allow, 0.896 at 4, 0.89 at 7; float16 0.79 at 16, 0.81
#: at 7; float32 1x8x8192² 0.88 at 16, 0.936 at 4; r59, `rows-in-flight`: float16
#: 0.805-0.823 from 64 to 224 KB, best at 112, float32 0.900 from 64 to 160), which a
#: causal square's rows (half masked) make 56 KB of masked bytes: the same blocks. Rows
#: that mask little (a few queries over a long cache) then held far too few: 8x32x1024
#: queries over 4096 float16 keys 139.4 us held against 108.8 not held, 8x32x256 30.7
#: against 22.3 (r76, `rows-in-flight short`); counted by their masked bytes they are
#: held little or not at all.
MASKED_BYTES_AN_SM = {"cuda": 56 * 1024}
#: key widths (bytes) whose 16-byte path passes are LANES-aligned (fill_chunks). H200,
#: 2026-12-04 (`bench --ops mask`, aligned against not in turn, r39 and r41): float32
#: 4x32x2048² 0.81 -> 0.83 of the floor, 1x8x8192² 0.84 -> 0.89; float16/bfloat16
#: 0.75 -> 0.73 with the kernel of then (r39); with the edge and store blocks of
#: mask_rows_vec, 2-byte keys too (r68, in turn, twice: float16/bfloat16 0.1404-0.1410
#: -> 0.1390-0.1396 ms, 0.82 -> 0.83). hip: unmeasured (not aligned). The simulator
#: aligns 4- and 8-byte keys only, so that CPU tests run both forms.
ALIGNED_PASSES = {"cuda": (2, 4, 8), "sim": (4, 8)}


#: write rows as 16-byte chunks where the layout allows (vec_layout)
ROW_VECTORS = True


def vec_layout(ptr: int, shape, strides, itemsize: int, opts) -> bool:
    """True where the 16-byte path applies: no mask_fn, contiguous rows starting on
    16-byte boundaries, cache_len a multiple of the chunk and below 2**30 (32-bit
    chunk indices), fewer than 2**31 rows (32-bit row indices: vec_row)."""
    vec = 16 // itemsize
    return (ROW_VECTORS and opts.mask_fn is None and strides[3] == itemsize
            and shape[3] % vec == 0 and shape[3] < 2**30 and ptr % 16 == 0
            and shape[0] * shape[1] * shape[2] < 2**31
            and all(st % 16 == 0 for st in strides[:3]))


def _layout_of(view, itemsize: int) -> tuple:
    """(data pointer, byte strides) of a kernel's array (device array or wrapped host)."""
    from .arrays import cai_strides

    cai = getattr(view, "__cuda_array_interface__", None)
    if cai is not None:
        return cai["data"][0], cai_strides(cai, itemsize)
    host = getattr(view, "_ary", view)
    return host.ctypes.data, host.strides


def plan_launch(shape, itemsize, has_words, bits, opts, backend, vec_ok=False,
                shared_an_sm=None) -> tuple:
    """Everything a GPU launch decides from shapes alone (no arrays touched):
    (compile-time constants, grid, block, scalar arguments by name, dynamic shared
    bytes a block); ``vec_ok``: the layout allows the 16-byte path (vec_layout);
    ``shared_an_sm()``: the device's shared memory an SM, asked only where the
    16-byte path holds its blocks down (vec_shared; None: 0 bytes)."""
    warps, rows = LAUNCH.get(backend.name, (1, 1))
    lanes = warps * backend.warp
    word = 8 // itemsize if has_words else 1
    split_rows, most = SPLIT.get(backend.name, SPLIT["sim"])
    constants = dict(LANES=lanes, ROWS=rows, WORD=word, VEC=0, ALIGNED=False, SPLIT_MOST=most,
                     **opts.constants())
    fill_word = np.array([bits] * (8 // itemsize), dtype=bits.dtype).view(np.uint64)[0]
    if vec_ok:  # edge blocks, then store blocks (mask_rows_vec)
        rows = split_rows
        constants.update(LANES=backend.warp, ROWS=rows, VEC=16 // itemsize,
                         ALIGNED=itemsize in ALIGNED_PASSES.get(backend.name, ()))
        n_rows = shape[0] * shape[1] * shape[2]
        masked = masked_per_row(shape, opts)
        store_blocks = store_block_count(backend.name, n_rows, rows, most,
                                         None if masked is None else masked * itemsize)
        grid = (edge_block_count(n_rows, backend.warp, rows, most) + store_blocks, 1, 1)
        lanes = backend.warp
    else:  # one block row per query row, ROWS rows per block; heads and batch ride y, z
        grid = kc.fold_grid(backend, -(-shape[2] // rows), shape[1], shape[0])
    scalars = dict(fill=bits, fill_word=fill_word, offset=np.int64(opts.offset),
                   window=np.int64(opts.window))
    shared = (vec_shared(backend.name, shape, itemsize, opts, shared_an_sm)
              if vec_ok and shared_an_sm is not None else 0)
    return constants, grid, (lanes, rows), scalars, shared


def masked_per_row(shape, opts):
    """The keys a query row of [batch, heads, seq_len, cache_len] ``shape`` masks on
    average under ``opts`` (kept_keys' causal and window terms; a mask_fn counted as
    masking nothing more); None where kv_lens or q_offsets, per sequence and read at
    run time, decide it."""
    if opts.kv_lens is not None or opts.q_offsets is not None:
        return None
    _, _, seq_len, cache_len = shape
    first = opts.offset + 1  # row 0's hi before clipping: pos + 1

    def clipped_sum(start):  # sum over the rows of clip(start + q, 0, cache_len)
        last = start + seq_len - 1
        a, b = max(start, 0), min(last, cache_len)
        middle = (a + b) * (b - a + 1) // 2 if b >= a else 0
        return middle + max(0, last - max(start, cache_len + 1) + 1) * cache_len

    kept = clipped_sum(first) if opts.causal else seq_len * cache_len
    if opts.window > 0:
        kept -= clipped_sum(first - opts.window)
    return cache_len - kept / seq_len


def vec_shared(backend_name: str, shape, itemsize: int, opts, shared_an_sm) -> int:
    """The dynamic shared memory (bytes, never touched) a block of the 16-byte path
    takes on a GPU of backend ``backend_name`` whose SMs have ``shared_an_sm()``
    bytes of it, so that an SM holds the blocks of about MASKED_BYTES_AN_SM of the
    bytes their rows mask (masked_per_row; half of each row where kv_lens or
    q_offsets decide it, as in a square causal mask) (2 blocks at least; 48 KB a
    block at most, what a launch may take unasked: 4 blocks on an H100 or H200); 0
    where not held down."""
    target = MASKED_BYTES_AN_SM.get(backend_name)
    if not target:
        return 0
    masked = masked_per_row(shape, opts)
    masked_bytes = (shape[3] / 2 if masked is None else masked) * itemsize
    blocks = max(2, round(target / max(SPLIT[backend_name][0] * masked_bytes, 1)))
    shared = min(shared_an_sm() // blocks - 1024,  # 1 KB a block: the system's
                 fastpath.SHARED_UNASKED)
    return shared if shared >= 1024 else 0


def _aot_variants(warp: int):
    """Every variant the launcher produces for a target of ``warp`` lanes: each
    element width, with and without the word view, and each mask option."""
    options = {"": PLAIN.constants(), "_kv_lens": dict(PLAIN.constants(), USE_KV_LENS=True),
               "_q_offsets": dict(PLAIN.constants(), USE_Q_OFFSETS=True),
               "_not_causal": dict(PLAIN.constants(), CAUSAL=False),
               "_mask_fn": dict(PLAIN.constants(), HAS_MASK_FN=True, MASK_FN=_odd_keys)}
    warps, rows = LAUNCH["hip"]
    for bits, per_word in (("uint16", 4), ("uint32", 2), ("uint64", 1)):
        for word in sorted({1, per_word}):
            for suffix, option_constants in options.items():
                if suffix and word == 1 and per_word > 1:
                    continue  # options are independent of the word path: once per width
                yield (f"causal_mask_{bits}" + ("_words" if word > 1 else "") + suffix,
                       dict(ELEMENT=bits, LANES=warps * warp, ROWS=rows, WORD=word, VEC=0,
                            ALIGNED=False, SPLIT_MOST=SPLIT["hip"][1], **option_constants))
        itemsize = 8 // per_word
        for suffix, option_constants in options.items():  # the 16-byte path (no mask_fn)
            if suffix != "_mask_fn":
                yield (f"causal_mask_{bits}_vec" + suffix,
                       dict(ELEMENT=bits, LANES=warp, ROWS=SPLIT["hip"][0], WORD=per_word,
                            VEC=16 // itemsize, ALIGNED=False, SPLIT_MOST=SPLIT["hip"][1],
                            **option_constants))


def _odd_keys(b, h, q_pos, k):
    """A stand-in predicate for the ahead-of-time catalog: keep odd keys."""
    return k % 2 == 1


def _mask(s, bits, opts, chosen, fast_key=None, host_key=None, live_kv_lens=None,
          live_q_offsets=None) -> None:
    """Mask validated scores ``s`` on backend ``chosen`` (``fast_key``, cuda: keep the
    launch for fastpath's replay; ``live_kv_lens``, ``live_q_offsets``: int64 CUDA
    vectors of the same values, read in place)."""
    with op.operands(chosen, (s, True), mask_fn=opts.mask_fn) as ((target,), stream):
        if not chosen.is_gpu_kernel:
            kv_lens, q_offsets = opts.per_sequence()
            op.run_host(CAUSAL_MASK, chosen, kc.host_kind(s.size), opts.constants(),
                        (target.bits, bits, opts.offset, opts.window, kv_lens, q_offsets),
                        host_key)
            return
        ptr, strides = _layout_of(target.bits, bits.itemsize)
        constants, grid, block, scalars, shared = plan_launch(
            s.shape, bits.itemsize, target.words is not None, bits, opts, chosen,
            vec_layout(ptr, s.shape, strides, bits.itemsize, opts),
            lambda: op.device_attribute(chosen, "MAX_SHARED_MEMORY_PER_MULTIPROCESSOR"))
        kv_lens, q_offsets = op.per_sequence_on(chosen, opts, stream, live_kv_lens,
                                                live_q_offsets)
        words = target.words if constants["WORD"] > 1 else no_words(chosen)
        op.launch(CAUSAL_MASK, chosen, op.Launch.of(
            constants, grid, block, dict(s=target.bits, w=words, kv_lens=kv_lens,
                                         q_offsets=q_offsets, **scalars), shared),
                  stream, fast_key)


def apply_causal_mask(scores, *, offset=None, fill=float("-inf"), window=None, kv_lens=None,
                      q_offsets=None, mask_fn=None, causal=True, backend="auto"):
    """The mask family's entry: :func:`numba_causal.apply_causal_mask` (its
    semantics) without the hand-over to torch's custom ops, which that public
    function makes for autograd and torch.compile (numba_causal/api.py)."""
    host_key = None
    if type(scores) is np.ndarray and mask_fn is None:
        host_key = fastpath.host_key("mask", backend, (fastpath.array_key(scores, True),), (
            fastpath.exact(offset), fastpath.exact(window), fastpath.exact(fill),
            fastpath.exact(causal), kv_lens is not None, q_offsets is not None))
        replay = fastpath.host_replay(host_key)
        if replay is not None:  # the same call as before: validated then, see fastpath.py
            # this call's values, checked
            replay(scores, **fastpath.per_sequence_given(kv_lens, q_offsets, scores))
            return scores
    fast_key = live_kv_lens = live_q_offsets = None
    if mask_fn is None:
        # torch CUDA scores: a repeated call is one replayed launch (fastpath.py);
        # kv_lens and q_offsets replay as int64 CUDA tensors, read at each launch
        live_kv_lens, live_q_offsets, on_gpu = fastpath.per_sequence_on_gpu(
            kv_lens, q_offsets, scores)
        if kv_lens is None and q_offsets is None:
            fast_key = fastpath.call_key(scores, backend, offset, window, fill, causal)
            if fast_key is not None and fastpath.launch_known(fast_key, scores,
                                                              _plan_from_tensor):
                return scores
        elif on_gpu:
            base = fastpath.call_key(scores, backend, offset, window, fill, causal)
            fast_key = None if base is None else fastpath.tensors_key(
                "mask", base, scores, kv_lens=live_kv_lens, q_offsets=live_q_offsets)
            if fastpath.replayed(fast_key):
                return scores
    chosen = get_backend(backend)
    s = inspect_scores(scores)
    opts = mask_options(s.shape, offset=offset, window=window, kv_lens=kv_lens,
                        q_offsets=q_offsets, mask_fn=mask_fn, causal=causal)
    bits = fill_bits(s.dtype, fill)
    if s.size:
        cuda = chosen.name == "cuda"
        _mask(s, bits, opts, chosen, fast_key if cuda else None,
              host_key if chosen.name == "cpu" else None, live_kv_lens if cuda else None,
              live_q_offsets if cuda else None)
    return scores


def _plan_from_tensor(scores, key, backend):
    """The fast path's plan for a torch CUDA tensor seen under ``key``, from shapes
    alone: (family, constants, grid, block, args by name, dynamic shared bytes),
    arrays as fastpath.DeviceArray descriptions; None when there is nothing to
    launch."""
    s = inspect_scores(scores)
    if s.size == 0:
        return None
    opts = mask_options(s.shape, offset=key.offset, window=key.window, causal=key.causal)
    bits = fill_bits(s.dtype, key.fill)
    ptr, itemsize = s.cai["data"][0], bits.itemsize
    words = fastpath.words_of(ptr, s.shape, s.strides, itemsize)
    constants, grid, block, scalars, shared = plan_launch(
        s.shape, itemsize, words is not None, bits, opts, backend,
        vec_layout(ptr, s.shape, s.strides, itemsize, opts),
        lambda: fastpath.shared_an_sm(key.device))
    args = dict(s=fastpath.DeviceArray(ptr, s.shape, s.strides, itemsize, bits.dtype.name),
                w=words or fastpath.NULL_ARRAY4,
                kv_lens=fastpath.NULL_ARRAY1, q_offsets=fastpath.NULL_ARRAY1, **scalars)
    return CAUSAL_MASK, constants, grid, block, args, shared


def causal_mask_reference(scores, *, offset=None, fill=float("-inf"), window=None,
                          kv_lens=None, q_offsets=None, mask_fn=None, causal=True):
    """The plain ``@njit`` CPU reference: same semantics as ``apply_causal_mask``,
    evaluated element by element, in place on a NumPy array (or torch CPU tensor)."""
    s = inspect_scores(scores)
    if s.on_device:
        raise TypeError("causal_mask_reference works on host arrays; copy the scores to the host")
    opts = mask_options(s.shape, offset=offset, window=window, kv_lens=kv_lens,
                        q_offsets=q_offsets, mask_fn=mask_fn, causal=causal)
    bits = fill_bits(s.dtype, fill)
    if s.size:
        kv, qo = opts.per_sequence()
        op.run_host(CAUSAL_MASK, get_backend("cpu"), "reference", opts.constants(),
                    (s.host, bits, opts.offset, opts.window, kv, qo))
    return scores


# --- benchmark (numba-causal bench --ops mask) -------------------------------------------

def bench_causal_mask(ctx, shape, dtype):
    """One benchmark row: checked bit for bit against an independent mask, then timed.
    Floor: the masked elements written once at the fill bandwidth of the run. Peers:
    ``masked_fill_`` with a boolean triangle and torch.compile of it (GPU),
    ``numpy.copyto(where=)`` (CPU)."""
    from .benchkit import ITEMSIZE, gpu_case, masked_count

    nbytes = masked_count(shape) * ITEMSIZE[dtype]
    timer, chosen = ctx.timer, ctx.backend
    if ctx.on_gpu:
        import torch

        x, where = gpu_case(shape, dtype)
        before = x.clone()
        apply_causal_mask(x, backend=chosen)
        want = before.masked_fill(where, float("-inf"))
        bits = {2: torch.int16, 4: torch.int32, 8: torch.int64}[x.element_size()]
        if not torch.equal(x.view(bits), want.view(bits)):
            raise AssertionError("mask result differs from torch.masked_fill reference")
        del before, want
        ms = timer(lambda: apply_causal_mask(x, backend=chosen.name))
        peer_ms = _torch_peers(ctx, x, where) if ctx.peers else {}
        del x, where
    else:
        from .dtypes import host_dtype

        rng = np.random.default_rng()
        x = rng.standard_normal(shape, dtype=np.float32).astype(host_dtype(dtype))
        before = x.copy()
        seq_len, cache_len = shape[-2:]
        where = np.triu(np.ones((seq_len, cache_len), bool), k=cache_len - seq_len + 1)
        apply_causal_mask(x, backend=chosen)
        want = before.copy()
        want[..., where] = -np.inf
        if not np.array_equal(x.view(np.uint8), want.view(np.uint8)):
            raise AssertionError("mask result differs from the NumPy definition")
        ms = timer(lambda: apply_causal_mask(x, backend=chosen))
        peer_ms = {}
        if ctx.peers:
            peer_ms["numpy.copyto"] = timer(lambda: np.copyto(x, -np.inf, where=where))
    return ctx.row("mask", shape, dtype, ms, nbytes, ctx.fill_gbps(), peer_ms)


def _torch_peers(ctx, x, where) -> dict:
    import sys

    import torch

    timer = ctx.timer
    peers = {"torch.masked_fill_": timer(lambda: x.masked_fill_(where, float("-inf")))}
    if ctx.use_compile:
        offset = x.shape[-1] - x.shape[-2]

        @torch.compile(dynamic=False)
        def compiled(t):
            q = torch.arange(t.shape[-2], device=t.device)[:, None] + offset
            k = torch.arange(t.shape[-1], device=t.device)[None, :]
            return t.masked_fill_(k > q, float("-inf"))

        try:
            peers["torch.compile"] = timer(lambda: compiled(x))
        except Exception as exc:  # compile may be unavailable; say so in the table
            print(f"torch.compile peer skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
    return peers


CAUSAL_MASK = op.register(op.Family(
    name="causal_mask",
    dependent_launch=True,
    gpu_kernel=causal_mask_kernel, cpu_kernel=causal_mask_cpu,
    reference=causal_mask_definition,
    helpers=(kept_keys, host_row),
    gpu_helpers=(fill_keys, masked_bits, edge_sectors, fill_chunks, merged_chunk,
                 mask_edges_vec, mask_row_vec, vec_row, edge_block_count, block_roles,
                 mask_edge_rows, mask_rows_vec),
    args=(op.array("s", "ELEMENT", 4), op.array("w", "uint64", 4), op.scalar("fill", "ELEMENT"),
          op.scalar("fill_word", "uint64"), op.scalar("offset", "int64"),
          op.scalar("window", "int64"), op.array("kv_lens", "int64", 1),
          op.array("q_offsets", "int64", 1)),
    aot_variants=_aot_variants,
    bench=bench_causal_mask, bench_label="mask",
    bench_shapes={"gpu": [((4, 32, 2048, 2048), ("float32", "float16", "bfloat16")),
                          ((8, 32, 1, 4096), ("float32",)),
                          ((8, 32, 1024, 4096), ("float16",)),
                          ((1, 8, 8192, 8192), ("float32",)),
                          ((4096, 4096), ("float32",))],
                  "cpu": [((4, 32, 1024, 1024), ("float32",)),
                          ((8, 32, 1, 4096), ("float32",)),
                          ((1, 4, 2048, 2048), ("float16",)),
                          ((2048, 2048), ("float32",))],
                  "quick": [((1, 4, 256, 256), ("float32", "float16")),
                            ((256, 512), ("float32",))]},
))
