"""Tune the mask kernel within its design, on a real GPU (cuda backend).

Each variant keeps the design -- grid (seq_len, heads, batch), lanes striding over
a row -- and changes one knob: lanes per row (a multiple of the warp), rows per
block, loop start aligned to the lane count, or wide (8-byte) stores through a
uint64 view of contiguous rows. Prints a table of time and fraction of the fill
floor per variant and shape; writes JSON to the path in argv[1] if given.

    python tools/gpu/tune_mask.py [out.json]
    python tools/gpu/tune_mask.py edges    # the edge-sector two-pass experiment
    python tools/gpu/tune_mask.py bounds   # what any valid mask can reach (bounds_main)
    python tools/gpu/tune_mask.py options  # window= and kv_lens= against plain causal
    python tools/gpu/tune_mask.py edges16 [words]  # edge sectors read first, 16-byte stores
    python tools/gpu/tune_mask.py prefetch  # edge sectors asked of L2, partial stores, no wait
    python tools/gpu/tune_mask.py sector-reads  # one 32-byte read a row: edge, random, first
    python tools/gpu/tune_mask.py structure  # the product rebuilt without its reads / stores
    python tools/gpu/tune_mask.py twopass  # edges asked of L2 first, then a many-wave fill
    python tools/gpu/tune_mask.py threepass  # edges saved, stores with no read, edges written last
    python tools/gpu/tune_mask.py split [first]  # stores with no read beside edge blocks, one launch
    python tools/gpu/tune_mask.py fed  # edges to an L2-kept scratch, a fill fed from it
    python tools/gpu/tune_mask.py rows-in-flight [small|short]  # each MASKED_BYTES_AN_SM
    python tools/gpu/tune_mask.py persist [two] [short]  # store blocks striding; two launches
    python tools/gpu/tune_mask.py index  # 64-bit row indices at several KB masked an SM
    python tools/gpu/tune_mask.py lines  # the edge thread completes its sector's 128-byte line
    python tools/gpu/tune_mask.py fed-package  # the package's edges to a scratch, fed to its rows

The package's mask took split's form on 2026-12-04 (r56): edge blocks first, store
blocks with no read, an SM held to about ROW_BYTES_AN_SM of rows (mask.vec_shared; since
r77 MASKED_BYTES_AN_SM of masked bytes).
``structure`` (copy16 made a no-op) was written for the earlier one-wave kernel that
staged edge sectors with copy16; on the current kernel its "no edge copies" row is
the kernel as it is.
"""

import dataclasses
import json
import sys
import time

import numpy as np
import torch
from numba import int64, uint32, uint64

import numba_causal.mask as mask
from numba_causal import compile as kc
from numba_causal import intrinsics
from numba_causal.compile import GPU, compile_time
from numba_causal.backends import get_backend
from numba_causal.bench import BenchContext, TorchTimer, masked_count
from numba_causal.benchkit import queued_gpu_ms

gpu = GPU
LANES, ROWS, WORD = compile_time("LANES", "ROWS", "WORD")  # WORD: elements per 8-byte word


def seed_kernel(s, fill, offset):
    """The seed's design as first measured: lanes start at the first masked key."""
    batch, heads, seq_len, cache_len = s.shape
    lane = int64(gpu.threadIdx.x)
    for b in range(int64(gpu.blockIdx.z), batch, int64(gpu.gridDim.z)):
        for h in range(int64(gpu.blockIdx.y), heads, int64(gpu.gridDim.y)):
            q = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
            if q < seq_len:
                hi = max(min(q + offset + 1, cache_len), 0)
                for k in range(hi + lane, cache_len, LANES):
                    s[b, h, q, k] = fill


def aligned_kernel(s, fill, offset):
    """Variant: each lane starts at the lane-aligned key below the first masked key."""
    batch, heads, seq_len, cache_len = s.shape
    lane = int64(gpu.threadIdx.x)
    for b in range(int64(gpu.blockIdx.z), batch, int64(gpu.gridDim.z)):
        for h in range(int64(gpu.blockIdx.y), heads, int64(gpu.gridDim.y)):
            q = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
            if q < seq_len:
                hi = max(min(q + offset + 1, cache_len), 0)
                for k in range(hi - hi % LANES + lane, cache_len, LANES):
                    if k >= hi:
                        s[b, h, q, k] = fill


def partial_words(row, hi, words, cache_len, fill, lane):
    """The masked keys no whole 8-byte word covers, element by element: from ``hi``
    up to the first whole masked word, and past the last whole word of the row.
    Returns that first whole masked word (the word variants below share this)."""
    first = (hi + WORD - 1) // WORD
    k = hi + lane
    if k < min(first * WORD, cache_len):
        row[k] = fill
    k = max(words * WORD, hi) + lane
    if k < cache_len:
        row[k] = fill
    return first


def wide_kernel(s, w, fill, fill_word, offset):
    """Variant: the masked tail written as 8-byte words (w: uint64 view of s's rows),
    the partial word at the row's first masked key element by element; lane
    chunks not aligned."""
    batch, heads, seq_len, cache_len = s.shape
    words = w.shape[3]
    lane = int64(gpu.threadIdx.x)
    for b in range(int64(gpu.blockIdx.z), batch, int64(gpu.gridDim.z)):
        for h in range(int64(gpu.blockIdx.y), heads, int64(gpu.gridDim.y)):
            q = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
            if q < seq_len:
                hi = max(min(q + offset + 1, cache_len), 0)
                first_word = partial_words(s[b, h, q], hi, words, cache_len, fill, lane)
                for j in range(first_word + lane, words, LANES):
                    w[b, h, q, j] = fill_word


def wide4_kernel(s, w, fill, fill_word, offset):
    """Variant: aligned whole words, each lane storing 4 words per pass (unrolled)."""
    batch, heads, seq_len, cache_len = s.shape
    words = w.shape[3]
    lane = int64(gpu.threadIdx.x)
    for b in range(int64(gpu.blockIdx.z), batch, int64(gpu.gridDim.z)):
        for h in range(int64(gpu.blockIdx.y), heads, int64(gpu.gridDim.y)):
            q = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
            if q < seq_len:
                hi = max(min(q + offset + 1, cache_len), 0)
                wrow = w[b, h, q]
                first = partial_words(s[b, h, q], hi, words, cache_len, fill, lane)
                j = first - first % (4 * LANES) + lane
                while j < words:
                    if j >= first:
                        wrow[j] = fill_word
                    if j + LANES >= first and j + LANES < words:
                        wrow[j + LANES] = fill_word
                    if j + 2 * LANES >= first and j + 2 * LANES < words:
                        wrow[j + 2 * LANES] = fill_word
                    if j + 3 * LANES >= first and j + 3 * LANES < words:
                        wrow[j + 3 * LANES] = fill_word
                    j += 4 * LANES


def sector_kernel(s, w, fill, fill_word, offset):
    """EXPERIMENT, not a valid mask: the masked tail rounded up to a 32-byte sector
    (leaves up to 7 fp32 / 15 fp16 keys unmasked), to measure what the one
    partially written sector per row costs."""
    batch, heads, seq_len, cache_len = s.shape
    words = w.shape[3]
    lane = int64(gpu.threadIdx.x)
    for b in range(int64(gpu.blockIdx.z), batch, int64(gpu.gridDim.z)):
        for h in range(int64(gpu.blockIdx.y), heads, int64(gpu.gridDim.y)):
            q = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
            if q < seq_len:
                hi = max(min(q + offset + 1, cache_len), 0)
                wrow = w[b, h, q]
                first = (hi + 4 * WORD - 1) // (4 * WORD) * 4  # whole sectors only
                for j in range(first - first % LANES + lane, words, LANES):
                    if j >= first:
                        wrow[j] = fill_word


def sweep_kernel(s, w, fill, fill_word, offset):
    """Variant: a block of LANES lanes sweeps ROWS consecutive rows one after another,
    so the block's stores at any moment cover one contiguous stretch."""
    batch, heads, seq_len, cache_len = s.shape
    words = w.shape[3]
    lane = int64(gpu.threadIdx.x)
    for b in range(int64(gpu.blockIdx.z), batch, int64(gpu.gridDim.z)):
        for h in range(int64(gpu.blockIdx.y), heads, int64(gpu.gridDim.y)):
            for r in range(ROWS):
                q = int64(gpu.blockIdx.x) * ROWS + r
                if q < seq_len:
                    hi = max(min(q + offset + 1, cache_len), 0)
                    wrow = w[b, h, q]
                    first = partial_words(s[b, h, q], hi, words, cache_len, fill, lane)
                    for j in range(first - first % LANES + lane, words, LANES):
                        if j >= first:
                            wrow[j] = fill_word


EPW = compile_time("EPW")  # elements per 32-bit word (edge experiment)
ALIGN, ITEM = compile_time("ALIGN", "ITEM")  # bytes (bound experiment)


def tail_kernel(flat, words, n_rows, fill_u32, offset, seq_len):
    """BOUND EXPERIMENT, not a valid mask: each row's masked tail from its first
    masked byte rounded UP to ALIGN bytes (ALIGN >= 16: 16, a sector, a line, ...)
    to the row's end, as 16-byte stores (a warp per row, lanes on lane-aligned
    chunks as the product's), no read at all. With ALIGN >= 32 no sector is
    partially written (so none is read back by the memory system): the time of
    the triangle's write pattern alone, a bound for any valid mask (which writes
    at least these bytes, plus the kept bits of every edge sector). ``flat``: the
    rows' uint32 words, ``words`` a row."""
    r = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
    if r < n_rows:
        rounded_tail(flat, r, words, fill_u32, offset, seq_len, int64(gpu.threadIdx.x))


def tail_bound(backend, helpers, item, n_rows):
    """tail_kernel over ``n_rows`` rows of ``item``-byte keys, 4 rows a block: the
    stores-alone bound of the mains (every whole masked sector stored, the tails rounded
    up to a sector; NOT a valid mask)."""
    return kc.build(backend, tail_kernel, helpers, ROWS=4, ALIGN=32, ITEM=item)[
        -(-n_rows // 4), (32, 4)]


def rounded_tail(flat, r, words, fill_u32, offset, seq_len, lane):
    """Row ``r``'s tail from its first masked byte rounded up to ALIGN bytes, 16-byte
    stores of fill in lane passes from multiples of 32 chunks (the bound kernels)."""
    first = (first_masked(r, words, offset, seq_len) * ITEM + ALIGN - 1) // ALIGN * (ALIGN // 16)
    for c in range(first - first % 32 + lane, words // 4, 32):
        if c >= first:
            store_v4(flat, r * words + 4 * c, fill_u32, fill_u32, fill_u32, fill_u32)


def tail_strided_kernel(flat, words, n_rows, fill_u32, offset, seq_len):
    """tail_kernel's stores (BOUND EXPERIMENT, not a valid mask) on the product's grid:
    block ``x`` of G (one wave) takes rows ``x + i * G``, warp ``w`` of WARPS_T its rows
    ``i = w, w + WARPS_T, ...``: the stores alone, in the product's order."""
    g = int64(gpu.gridDim.x)
    x = int64(gpu.blockIdx.x)
    for i in range(int64(gpu.threadIdx.y), (n_rows - x + g - 1) // g, WARPS_T):
        rounded_tail(flat, x + i * g, words, fill_u32, offset, seq_len, int64(gpu.threadIdx.x))


WARPS_T = compile_time("WARPS_T")
MODE, SH_T = compile_time("MODE", "SH_T")  # staged experiment


def region_after(hi):
    """The first chunk after the EC-chunk region (EC 2: the 32-byte sector; 4: the
    64-byte pair; 8: the 128-byte line) in which key ``hi`` lies, or ``hi``'s own
    chunk where it starts one (no region to rewrite)."""
    if (hi * ITEM) % (16 * EC) != 0:
        return (hi * ITEM) // (16 * EC) * EC + EC
    return hi * ITEM // 16


def whole_from(flat, row, words, first, fill_u32, lane):
    """Chunks ``first`` to the row's end as 16-byte stores of fill, in passes of 32
    chunks from a multiple of 32 (a warp store: whole 128-byte lines)."""
    for c in range(first - first % 32 + lane, words // 4, 32):
        if c >= first:
            store_v4(flat, row + 4 * c, fill_u32, fill_u32, fill_u32, fill_u32)


def stage_regions(sh, flat, x, g, mine, words, offset, seq_len, warp, lane):
    """A thread a row (of the block's rows ``x + i g``) starts copying (cp.async) the
    row's edge region into ``sh[4 EC i:]`` where its tail starts inside one."""
    for i in range(warp * 32 + lane, mine, 32 * WARPS_T):
        r = x + i * g
        hi = first_masked(r, words, offset, seq_len)
        if (hi * ITEM) % (16 * EC) != 0:
            rc = (hi * ITEM) // (16 * EC) * EC
            for j in range(EC):
                copy16(sh, (i * EC + j) * 4, flat, r * words + (rc + j) * 4)
    async_commit()


def edge_region16(flat, sh, i, row, hi, fill_u32, lane):
    """Lanes below EC write the row's edge region whole (where its tail starts inside
    one), its kept elements' bits from ``sh[4 EC i:]``."""
    if (hi * ITEM) % (16 * EC) != 0 and lane < EC:
        c = (hi * ITEM) // (16 * EC) * EC + lane
        elem = c * 16 // ITEM
        per = 4 // ITEM
        e = (i * EC + lane) * 4
        store_v4(flat, row + 4 * c, edge_word(sh[e], elem, hi, fill_u32),
                 edge_word(sh[e + 1], elem + per, hi, fill_u32),
                 edge_word(sh[e + 2], elem + 2 * per, hi, fill_u32),
                 edge_word(sh[e + 3], elem + 3 * per, hi, fill_u32))


EC = compile_time("EC")  # chunks of 16 bytes a staged edge region


def tail_staged_kernel(flat, words, n_rows, fill_u32, offset, seq_len):
    """STAGED EXPERIMENT on the product's grid (block ``x`` of G: rows ``x + i G``, warp
    ``w`` of WARPS_T its rows ``i = w, w + WARPS_T, ...``; all of a block's rows in one
    round; EC 2: the edge sector): a thread a row first starts the copy (cp.async) of
    its row's edge region into shared memory (stage_regions). MODE 0: every thread waits for its
    copies, one barrier, then each row's whole masked sectors and then its edge
    sector with its kept bits (a valid mask). MODE 1: as 0, the edge sector not
    written (NOT valid: the cost of the copies and the barrier alone). MODE 2: each
    warp first writes the whole sectors of its first row while the copies are in
    flight, then the wait and the barrier, then that row's edge sector and the rest
    (valid). MODE 3: as 0, but each row's edge region first, then the chunks after
    it, in address order (valid); with EC 4 or 8 the region is the 64-byte pair or
    the 128-byte line the tail starts in, copied and rewritten whole."""
    sh = gpu.shared.array(SH_T, uint32)
    lane = int64(gpu.threadIdx.x)
    warp = int64(gpu.threadIdx.y)
    g = int64(gpu.gridDim.x)
    x = int64(gpu.blockIdx.x)
    mine = (n_rows - x + g - 1) // g
    stage_regions(sh, flat, x, g, mine, words, offset, seq_len, warp, lane)
    start = warp
    if MODE == 2 and warp < mine:
        r = x + warp * g
        whole_from(flat, r * words, words, region_after(first_masked(r, words, offset, seq_len)),
                   fill_u32, lane)
    async_wait(0)
    gpu.syncthreads()
    if MODE == 2 and warp < mine:
        r = x + warp * g
        edge_region16(flat, sh, warp, r * words, first_masked(r, words, offset, seq_len),
                      fill_u32, lane)
        start = warp + WARPS_T
    for i in range(start, mine, WARPS_T):
        r = x + i * g
        hi = first_masked(r, words, offset, seq_len)
        if MODE == 3:
            edge_region16(flat, sh, i, r * words, hi, fill_u32, lane)
        whole_from(flat, r * words, words, region_after(hi), fill_u32, lane)
        if MODE == 0 or MODE == 2:
            edge_region16(flat, sh, i, r * words, hi, fill_u32, lane)



RB, WARPS_N, SH_WORDS, STRIDED = compile_time("RB", "WARPS_N", "SH_WORDS", "STRIDED")  # fused


def _make_store_v4_hint(policy):
    """``store_v4_<policy>(a, i, w0, w1, w2, w3)``: store_v4 (16 bytes at &a[i]) with
    an L2 eviction priority: ``st.global.L2::cache_hint`` under a
    ``createpolicy.fractional.L2::<policy>`` policy (evict_first, evict_last), or,
    for ``cs``, ``st.global.cs`` (streamed: evict first in L1 and L2)."""
    from llvmlite import ir
    from numba.core import types
    from numba_causal.intrinsics import _I32, _I64, _element_pointer, _is_array, _is_int, _word

    if policy == "cs":
        text = ("{ .reg .u64 g; cvta.to.global.u64 g, $0; "
                "st.global.cs.v4.u32 [g], {$1, $2, $3, $4}; }")
    else:
        text = ("{ .reg .u64 g; .reg .b64 p; cvta.to.global.u64 g, $0; "
                f"createpolicy.fractional.L2::{policy}.b64 p, 1.0; "
                "st.global.L2::cache_hint.v4.u32 [g], {$1, $2, $3, $4}, p; }")

    def store_v4_hint(typingctx, array, index, w0, w1, w2, w3):
        if not (_is_array(array) and _is_int(index)):
            return None

        def codegen(context, builder, sig, args):
            ptr = _element_pointer(context, builder, sig.args[0], args[0], sig.args[1], args[1])
            asm = ir.InlineAsm(ir.FunctionType(ir.VoidType(), [_I64] + [_I32] * 4), text,
                               "l,r,r,r,r,~{memory}", side_effect=True)
            builder.call(asm, [builder.ptrtoint(ptr, _I64)] + [
                _word(builder, v, t) for v, t in zip(args[2:], sig.args[2:])])
            return context.get_dummy_value()
        return types.void(array, index, w0, w1, w2, w3), codegen
    from numba.cuda.extending import intrinsic
    return intrinsic(store_v4_hint)


def hinted_stores(scratch, fill):
    """(name, function) pairs binding ``store_scratch`` and ``store_fill`` (the
    scratch-fed experiment's two kinds of store) to store_v4 (``""``) or a hinted
    store (``cs``, ``evict_first``, ``evict_last``)."""
    plain = dict(intrinsics.device_primitives("cuda"))["store_v4"]
    return tuple((name, _make_store_v4_hint(hint) if hint else plain)
                 for name, hint in (("store_scratch", scratch), ("store_fill", fill)))


def fed_kernel(flat, scratch, words, n_rows, fill_u32, offset, seq_len):
    """EDGE EXPERIMENT, the second launch after gather16_kernel: a warp a row
    (ROWS a block, many waves) writes every whole sector after the row's edge
    through ``store_fill`` and then (lanes 0 and 1) the edge sector whole, its kept
    elements from the scratch words lanes 0 and 1 loaded first (an L2 hit when the
    scratch stayed there): the row is never read."""
    lane = int64(gpu.threadIdx.x)
    r = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
    if r < n_rows:
        hi = first_masked(r, words, offset, seq_len)
        edge = (hi * ITEM) % 32 != 0
        w0 = w1 = w2 = w3 = uint32(0)
        if edge and lane < 2:
            w0, w1, w2, w3 = load_v4(scratch, r * 8 + 4 * lane)
        first = (hi * ITEM + 31) // 32 * 2
        for c in range(first - first % 32 + lane, words // 4, 32):
            if c >= first:
                store_fill(flat, r * words + 4 * c, fill_u32, fill_u32, fill_u32, fill_u32)
        if edge and lane < 2:
            sector = (hi * ITEM) // 32
            per = 4 // ITEM
            elem = (sector * 32 + 16 * lane) // ITEM
            store_fill(flat, r * words + sector * 8 + 4 * lane, edge_word(w0, elem, hi, fill_u32),
                       edge_word(w1, elem + per, hi, fill_u32),
                       edge_word(w2, elem + 2 * per, hi, fill_u32),
                       edge_word(w3, elem + 3 * per, hi, fill_u32))


EVERY, EDGE_AT = compile_time("EVERY", "EDGE_AT")  # split experiment


def edge_rmw(flat, r, words, fill_u32, offset, seq_len):
    """Row ``r``'s edge sector read and written back whole (two 16-byte loads, two
    16-byte stores): its kept elements with their own bits, the rest fill; a row
    whose masked tail starts on a sector boundary touches nothing."""
    hi = first_masked(r, words, offset, seq_len)
    if (hi * ITEM) % 32 != 0:
        w0, w1, w2, w3, w4, w5, w6, w7 = read_edge(flat, r, words, hi)
        sector = (hi * ITEM) // 32
        per = 4 // ITEM
        elem = sector * 32 // ITEM
        at = r * words + sector * 8
        store_v4(flat, at, edge_word(w0, elem, hi, fill_u32),
                 edge_word(w1, elem + per, hi, fill_u32),
                 edge_word(w2, elem + 2 * per, hi, fill_u32),
                 edge_word(w3, elem + 3 * per, hi, fill_u32))
        store_v4(flat, at + 4, edge_word(w4, elem + 4 * per, hi, fill_u32),
                 edge_word(w5, elem + 5 * per, hi, fill_u32),
                 edge_word(w6, elem + 6 * per, hi, fill_u32),
                 edge_word(w7, elem + 7 * per, hi, fill_u32))


def split_kernel(flat, words, n_rows, fill_u32, offset, seq_len):
    """EDGE EXPERIMENT, a valid mask in one launch with no wait: two kinds of block
    touch disjoint sectors, so neither waits for the other. Store blocks (ROWS warps,
    a row each) write every whole sector after a row's edge (tail_kernel's stores at
    ALIGN 32, no read); edge blocks (32 * ROWS threads, a row each) read each edge
    sector and write it back whole (edge_rmw). EDGE_AT 0: an edge block before each
    EVERY store blocks, taking their rows; 1: after them; 2: every edge block
    first in the grid."""
    b = int64(gpu.blockIdx.x)
    lane = int64(gpu.threadIdx.x)
    tid = int64(gpu.threadIdx.y) * 32 + lane
    if EDGE_AT == 2:
        n_edge = (n_rows + 32 * ROWS - 1) // (32 * ROWS)
        if b < n_edge:
            if b * 32 * ROWS + tid < n_rows:
                edge_rmw(flat, b * 32 * ROWS + tid, words, fill_u32, offset, seq_len)
            return
        sb = b - n_edge
    else:
        g = b // (EVERY + 1)
        k = b % (EVERY + 1)
        if k == (0 if EDGE_AT == 0 else EVERY):
            for r in range(g * EVERY * ROWS + tid, min((g + 1) * EVERY * ROWS, n_rows),
                           32 * ROWS):
                edge_rmw(flat, r, words, fill_u32, offset, seq_len)
            return
        sb = g * EVERY + k - (1 if EDGE_AT == 0 else 0)
    r = sb * ROWS + int64(gpu.threadIdx.y)
    if r < n_rows:
        rounded_tail(flat, r, words, fill_u32, offset, seq_len, lane)


def split_blocks(n_rows, rows, every, edge_at):
    """split_kernel's grid size."""
    n_store = -(-n_rows // rows)
    if edge_at == 2:
        return -(-n_rows // (32 * rows)) + n_store
    return -(-n_store // every) * (every + 1)


def first_masked(r, words, offset, seq_len):
    """The first masked key of row ``r`` (bottom-right causal at ``offset``) of rows
    of ``words`` 32-bit words of ITEM-byte keys."""
    return max(min(r % seq_len + offset + 1, words * 4 // ITEM), 0)


def read_edge(flat, r, words, hi):
    """The 8 words of row ``r``'s edge sector, the one in which key ``hi`` lies (two
    16-byte loads)."""
    at = r * words + (hi * ITEM) // 32 * 8
    w0, w1, w2, w3 = load_v4(flat, at)
    w4, w5, w6, w7 = load_v4(flat, at + 4)
    return w0, w1, w2, w3, w4, w5, w6, w7


def edge_word(old, word_elem, hi, fill_u32):
    """One 32-bit word of a row's edge sector whose first element is ``word_elem``:
    its elements before ``hi`` keep ``old``'s bits, the rest take the fill's."""
    m = uint32(0)
    for e in range(4 // ITEM):
        if word_elem + e >= hi:
            m |= uint32((1 << (8 * ITEM)) - 1) << uint32(8 * ITEM * e)
    return (old & ~m) | (fill_u32 & m)


def write_row16(flat, row, words, hi, fill_u32, lane, e0, e1, e2, e3, e4, e5, e6, e7):
    """A row's masked tail as 16-byte stores by a warp: every whole masked sector,
    then (lanes 0 and 1) the edge sector's two chunks, its kept elements from the
    words e0..e7 (read before, when the edge starts inside a sector)."""
    chunks = words // 4
    first = (hi * ITEM + 31) // 32 * 2  # first chunk of the first whole masked sector
    for c in range(first - first % 32 + lane, chunks, 32):
        if c >= first:
            store_v4(flat, row + 4 * c, fill_u32, fill_u32, fill_u32, fill_u32)
    if (hi * ITEM) % 32 != 0 and lane < 2:
        sector = (hi * ITEM) // 32
        at = row + sector * 8 + 4 * lane
        elem = (sector * 32 + 16 * lane) // ITEM
        per = 4 // ITEM
        if lane == 0:
            store_v4(flat, at, edge_word(e0, elem, hi, fill_u32),
                     edge_word(e1, elem + per, hi, fill_u32),
                     edge_word(e2, elem + 2 * per, hi, fill_u32),
                     edge_word(e3, elem + 3 * per, hi, fill_u32))
        else:
            store_v4(flat, at, edge_word(e4, elem, hi, fill_u32),
                     edge_word(e5, elem + per, hi, fill_u32),
                     edge_word(e6, elem + 2 * per, hi, fill_u32),
                     edge_word(e7, elem + 3 * per, hi, fill_u32))


def gather16_kernel(flat, scratch, words, n_rows, offset, seq_len):
    """EDGE EXPERIMENT (16 bytes), pass 1: a thread per row reads the row's edge
    sector (two 16-byte loads) into ``scratch`` [rows * 8] when the masked tail
    starts inside one, through ``store_scratch`` (store_v4, or one with an L2
    eviction hint: hinted_stores)."""
    r = int64(gpu.blockIdx.x) * int64(gpu.blockDim.x) + int64(gpu.threadIdx.x)
    if r < n_rows:
        hi = first_masked(r, words, offset, seq_len)
        if (hi * ITEM) % 32 != 0:
            w0, w1, w2, w3, w4, w5, w6, w7 = read_edge(flat, r, words, hi)
            store_scratch(scratch, r * 8, w0, w1, w2, w3)
            store_scratch(scratch, r * 8 + 4, w4, w5, w6, w7)


def scatter16_kernel(flat, scratch, words, n_rows, fill_u32, offset, seq_len):
    """EDGE EXPERIMENT (16 bytes), the third pass of threepass_main: a thread per row
    writes the row's edge sector whole (two 16-byte stores) from its words in
    ``scratch`` (gather16_kernel's), its kept elements with their own bits, the rest
    fill; a row whose tail starts on a sector writes nothing."""
    r = int64(gpu.blockIdx.x) * int64(gpu.blockDim.x) + int64(gpu.threadIdx.x)
    if r < n_rows:
        hi = first_masked(r, words, offset, seq_len)
        if (hi * ITEM) % 32 != 0:
            sector = (hi * ITEM) // 32
            per = 4 // ITEM
            for half in range(2):
                w0, w1, w2, w3 = load_v4(scratch, r * 8 + 4 * half)
                elem = (sector * 32 + 16 * half) // ITEM
                store_v4(flat, r * words + sector * 8 + 4 * half,
                         edge_word(w0, elem, hi, fill_u32),
                         edge_word(w1, elem + per, hi, fill_u32),
                         edge_word(w2, elem + 2 * per, hi, fill_u32),
                         edge_word(w3, elem + 3 * per, hi, fill_u32))


def fill16_kernel(flat, scratch, words, n_rows, fill_u32, offset, seq_len):
    """EDGE EXPERIMENT (16 bytes), pass 2: a warp per row writes its masked tail as
    16-byte stores, the edge sector whole from ``scratch`` (no read of the row)."""
    lane = int64(gpu.threadIdx.x)
    r = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
    if r < n_rows:
        hi = first_masked(r, words, offset, seq_len)
        e0 = e1 = e2 = e3 = e4 = e5 = e6 = e7 = uint32(0)
        if (hi * ITEM) % 32 != 0 and lane < 2:
            e0, e1, e2, e3 = load_v4(scratch, r * 8)
            e4, e5, e6, e7 = load_v4(scratch, r * 8 + 4)
        write_row16(flat, r * words, words, hi, fill_u32, lane, e0, e1, e2, e3, e4, e5, e6,
                    e7)


def fused16_kernel(flat, words, n_rows, fill_u32, offset, seq_len):
    """EDGE EXPERIMENT (16 bytes), one launch: a block of WARPS_N warps takes RB
    consecutive rows; it first reads all their edge sectors into shared memory (a
    thread per row), then its warps write the rows' masked tails, the edge sectors
    whole from shared memory. With a grid that is resident at once, every read is
    issued at the start, before the stores. STRIDED: the block's i-th row is
    ``blockIdx.x + i * gridDim.x`` (rows of every length in each block: a one-wave
    grid stays balanced over a causal triangle), else ``blockIdx.x * RB + i``."""
    sh = gpu.shared.array(SH_WORDS, uint32)  # RB * 8
    lane = int64(gpu.threadIdx.x)
    warp = int64(gpu.threadIdx.y)
    tid = warp * 32 + lane
    r0 = int64(gpu.blockIdx.x) if STRIDED else int64(gpu.blockIdx.x) * RB
    step = int64(gpu.gridDim.x) if STRIDED else int64(1)
    for i in range(tid, RB, 32 * WARPS_N):
        r = r0 + i * step
        if r < n_rows:
            hi = first_masked(r, words, offset, seq_len)
            if (hi * ITEM) % 32 != 0:
                w0, w1, w2, w3, w4, w5, w6, w7 = read_edge(flat, r, words, hi)
                sh[i * 8] = w0
                sh[i * 8 + 1] = w1
                sh[i * 8 + 2] = w2
                sh[i * 8 + 3] = w3
                sh[i * 8 + 4] = w4
                sh[i * 8 + 5] = w5
                sh[i * 8 + 6] = w6
                sh[i * 8 + 7] = w7
    gpu.syncthreads()
    for i in range(warp, RB, WARPS_N):
        r = r0 + i * step
        if r < n_rows:
            hi = first_masked(r, words, offset, seq_len)
            write_row16(flat, r * words, words, hi, fill_u32, lane, sh[i * 8], sh[i * 8 + 1],
                        sh[i * 8 + 2], sh[i * 8 + 3], sh[i * 8 + 4], sh[i * 8 + 5],
                        sh[i * 8 + 6], sh[i * 8 + 7])


PB = compile_time("PB")  # rows per batch of the pipelined fused experiment


def stage_edges(flat, sh, r0, step, i0, n_rows, words, offset, seq_len, tid):
    """Start copying (cp.async: no thread waits) the edge sectors of the block's rows
    i0 .. i0 + PB into shared memory, one 16-byte half a thread, and commit them as
    one group."""
    for j in range(tid, 2 * PB, 32 * WARPS_N):
        i = i0 + j // 2
        r = r0 + i * step
        if i < RB and r < n_rows:
            hi = first_masked(r, words, offset, seq_len)
            if (hi * ITEM) % 32 != 0:
                half = j % 2
                copy16(sh, i * 8 + 4 * half, flat, r * words + (hi * ITEM) // 32 * 8 + 4 * half)
    async_commit()


def fusedp16_kernel(flat, words, n_rows, fill_u32, offset, seq_len):
    """EDGE EXPERIMENT (16 bytes), pipelined: as fused16_kernel STRIDED (the block's
    i-th row is ``blockIdx.x + i * gridDim.x``), but the RB rows go in batches of PB:
    batch k + 1's edge sectors are copied into shared memory (cp.async) while the
    warps write batch k's rows, so only the first batch's reads are not overlapped
    with stores."""
    sh = gpu.shared.array(SH_WORDS, uint32)  # RB * 8
    lane = int64(gpu.threadIdx.x)
    warp = int64(gpu.threadIdx.y)
    tid = warp * 32 + lane
    r0 = int64(gpu.blockIdx.x)
    step = int64(gpu.gridDim.x)
    stage_edges(flat, sh, r0, step, 0, n_rows, words, offset, seq_len, tid)
    for k in range((RB + PB - 1) // PB):
        if (k + 1) * PB < RB:
            stage_edges(flat, sh, r0, step, (k + 1) * PB, n_rows, words, offset, seq_len, tid)
            async_wait(1)
        else:
            async_wait(0)
        gpu.syncthreads()
        for i in range(k * PB + warp, min((k + 1) * PB, RB), WARPS_N):
            r = r0 + i * step
            if r < n_rows:
                hi = first_masked(r, words, offset, seq_len)
                write_row16(flat, r * words, words, hi, fill_u32, lane, sh[i * 8],
                            sh[i * 8 + 1], sh[i * 8 + 2], sh[i * 8 + 3], sh[i * 8 + 4],
                            sh[i * 8 + 5], sh[i * 8 + 6], sh[i * 8 + 7])


AHEAD, LAST, EL_BITS = compile_time("AHEAD", "LAST", "EL_BITS")  # prefetch experiment


def _make_prefetch_l2(hint):
    """``prefetch_l2(a, i)``: ask L2 for the sector of ``a[i]`` (``prefetch.global.L2``
    with eviction priority ``hint``); no register waits for it (fire and forget)."""
    from llvmlite import ir
    from numba.core import types
    from numba_causal.intrinsics import _I64, _element_pointer, _is_array, _is_int

    def prefetch_l2(typingctx, array, index):
        if not (_is_array(array) and _is_int(index)):
            return None

        def codegen(context, builder, sig, args):
            ptr = _element_pointer(context, builder, sig.args[0], args[0], sig.args[1], args[1])
            asm = ir.InlineAsm(ir.FunctionType(ir.VoidType(), [_I64]),
                               "{ .reg .u64 g; cvta.to.global.u64 g, $0; "
                               f"prefetch.global.L2{hint} [g]; }}", "l", side_effect=True)
            builder.call(asm, [builder.ptrtoint(ptr, _I64)])
            return context.get_dummy_value()
        return types.void(array, index), codegen
    from numba.cuda.extending import intrinsic
    return intrinsic(prefetch_l2)


def prefetch_primitives():
    """(name, intrinsic) pairs ``prefetch_last`` and ``prefetch_normal``: prefetch_l2
    with evict_last and evict_normal priority, for a kernel's helper list."""
    return (("prefetch_last", _make_prefetch_l2("::evict_last")),
            ("prefetch_normal", _make_prefetch_l2("::evict_normal")))


def prefetch_edge(el, r, words, offset, seq_len):
    """Ask L2 (no wait) for row ``r``'s edge sector, where its masked tail starts
    inside one (``el``: the rows' elements; LAST: evict_last priority)."""
    hi = first_masked(r, words, offset, seq_len)
    if (hi * ITEM) % 32 != 0:
        at = r * (words * 4 // ITEM) + hi
        if LAST:
            prefetch_last(el, at)
        else:
            prefetch_normal(el, at)


def write_row_partial(flat, el, r, words, hi, fill_u32, fill_el, lane):
    """Row ``r``'s masked tail with no read: the masked elements of its edge sector
    as element stores (one warp store, a byte-masked partial sector: L2 merges it
    with the sector's kept bytes, fetched by then or on eviction), then every whole
    masked sector as 16-byte stores."""
    keys = words * 4 // ITEM
    end = min((hi * ITEM + 31) // 32 * 32 // ITEM, keys)  # the first whole sector's key
    if hi + lane < end:
        el[r * keys + hi + lane] = fill_el
    chunks = words // 4
    first = end * ITEM // 16
    row = r * words
    for c in range(first - first % 32 + lane, chunks, 32):
        if c >= first:
            store_v4(flat, row + 4 * c, fill_u32, fill_u32, fill_u32, fill_u32)


def partial_kernel(flat, el, words, n_rows, fill_u32, fill_el, offset, seq_len):
    """PREFETCH EXPERIMENT, a valid mask that reads nothing and writes no kept byte: a
    warp per row (ROWS consecutive rows a block, a grid of many waves) writes the
    row's masked elements only (write_row_partial). AHEAD > 0: lane 0 first asks L2
    for the edge sector of row ``r + AHEAD`` (rows ``< AHEAD`` ask for their own), so
    the sector is in L2 when that row's partial store arrives and nothing is read
    back at eviction; no thread ever waits for a read."""
    lane = int64(gpu.threadIdx.x)
    r = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
    if r < n_rows:
        if AHEAD > 0:
            if lane == 0 and r + AHEAD < n_rows:
                prefetch_edge(el, r + AHEAD, words, offset, seq_len)
            if lane == 1 and r < AHEAD:
                prefetch_edge(el, r, words, offset, seq_len)
        hi = first_masked(r, words, offset, seq_len)
        write_row_partial(flat, el, r, words, hi, fill_u32, fill_el, lane)


def partial_strided_kernel(flat, el, words, n_rows, fill_u32, fill_el, offset, seq_len):
    """PREFETCH EXPERIMENT, one wave: block ``x`` of G takes rows ``x + i * G`` (as the
    product), warp ``w`` its rows ``i = w, w + WARPS_N, ...``. The block's threads
    first ask L2 for the edge sectors of its first AHEAD rows (all of them when
    AHEAD >= its rows), then a warp writing row ``i`` asks for row ``i + AHEAD``'s;
    rows are written as partial_kernel's (no read, no wait)."""
    lane = int64(gpu.threadIdx.x)
    warp = int64(gpu.threadIdx.y)
    g = int64(gpu.gridDim.x)
    x = int64(gpu.blockIdx.x)
    mine = (n_rows - x + g - 1) // g
    for i in range(warp * 32 + lane, min(AHEAD, mine), 32 * WARPS_N):
        prefetch_edge(el, x + i * g, words, offset, seq_len)
    for i in range(warp, mine, WARPS_N):
        if lane == 0 and i + AHEAD < mine:
            prefetch_edge(el, x + (i + AHEAD) * g, words, offset, seq_len)
        r = x + i * g
        hi = first_masked(r, words, offset, seq_len)
        write_row_partial(flat, el, r, words, hi, fill_u32, fill_el, lane)


def prefetch_main():
    """Valid masks that never wait for a read (issue 12 item 3): each row's edge
    sector written partially (its masked elements only), L2 asked for the sector
    beforehand (prefetch.global.L2, evict_last or normal) so that it merges there,
    at several distances, on a grid of many waves and on the product's one-wave
    strided grid; against the product, the same partial stores with no prefetch,
    and the stores-alone bound (tails rounded up to a sector: not a valid mask).
    Bit-exact against the definition."""
    timer, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    helpers = intrinsics.device_primitives("cuda") + prefetch_primitives() + (
        first_masked, rounded_tail, prefetch_edge, write_row_partial)
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        name, n_rows, item, words = case_layout(x)
        flat = word_view(backend, x)
        el = backend.gpu.from_cuda_array_interface(dict(
            x.view({2: torch.int16, 4: torch.int32}[item]).__cuda_array_interface__,
            typestr=f"<u{item}", shape=(n_rows * shape[3],), strides=None, stream=None),
            owner=x, sync=False)
        fill = fill_u32_of(x)
        fill_u32 = np.uint32(fill)
        fill_el = np.uint32(fill) if item == 4 else np.uint16(fill & 0xFFFF)
        offset = np.int64(shape[3] - shape[2])
        args = (flat, el, np.int64(words), np.int64(n_rows), fill_u32, fill_el, offset,
                np.int64(shape[2]))
        runs = {"product": run_variant("product", x, 1, 4)}
        bound = tail_bound(backend, helpers, item, n_rows)
        runs["bound: stores alone (tails rounded up to a sector, NOT a valid mask)"] = (
            lambda: bound(flat, np.int64(words), np.int64(n_rows), np.uint32(0xFF800000),
                          offset, np.int64(shape[2])))
        for ahead, last in [(0, 0), (4096, 1), (16384, 1), (65536, 1), (16384, 0),
                            (n_rows, 1)]:
            k = kc.build(backend, partial_kernel, helpers, ROWS=8, AHEAD=ahead, LAST=last,
                         ITEM=item)[-(-n_rows // 8), (32, 8)]
            what = "no prefetch" if ahead == 0 else \
                f"prefetch {ahead} rows ahead, {'evict_last' if last else 'evict_normal'}"
            runs[f"partial, many waves, {what}"] = lambda k=k: k(*args)
        for blocks, warps in [(660, 8)]:
            rb = -(-n_rows // blocks)
            for ahead, last in [(0, 0), (2 * warps, 1), (4 * warps, 1), (8 * warps, 1),
                                (4 * warps, 0), (rb, 1), (rb, 0)]:
                k = kc.build(backend, partial_strided_kernel, helpers, WARPS_N=warps,
                             AHEAD=ahead, LAST=last, ITEM=item)[blocks, (32, warps)]
                what = "no prefetch" if ahead == 0 else ("all edges first" if ahead == rb else
                                                        f"prefetch {ahead} rows ahead") + \
                    f", {'evict_last' if last else 'evict_normal'}"
                runs[f"partial, {blocks} blocks strided, {what}"] = lambda k=k: k(*args)
        for label, run in runs.items():
            ok, ms = checked_ms(run, x, before, want, timer)
            print(f"{name} {label}: {ms:.4f} ms  floor {floor_ms:.4f}  ratio {floor_ms / ms:.3f}"
                  f"{'' if ok or 'NOT' in label else '  WRONG'}", flush=True)
        del x, before, want, flat, el


WHERE, EVERY = compile_time("WHERE", "EVERY")  # sector-read experiment


def sector_reads_kernel(flat, sink, words, n_rows, offset, seq_len):
    """SECTOR-READ EXPERIMENT: a thread per EVERY-th row reads one 32-byte sector of
    the row (two 16-byte loads) and writes one word only if their xor is a value it
    never is in practice (so the loads stay). WHERE 0: the row's edge sector (where
    its causal tail starts, as the mask must read it); 1: a sector at a pseudo-random
    column; 2: the row's first sector (every read one row stride after the last)."""
    r = (int64(gpu.blockIdx.x) * int64(gpu.blockDim.x) + int64(gpu.threadIdx.x)) * EVERY
    if r < n_rows:
        sectors = words // 8
        if WHERE == 0:
            sector = min(first_masked(r, words, offset, seq_len) * ITEM // 32, sectors - 1)
        elif WHERE == 1:
            sector = ((r * 2654435761) >> 7) % sectors
        else:
            sector = int64(0)
        w0, w1, w2, w3 = load_v4(flat, r * words + sector * 8)
        w4, w5, w6, w7 = load_v4(flat, r * words + sector * 8 + 4)
        acc = w0 ^ w1 ^ w2 ^ w3 ^ w4 ^ w5 ^ w6 ^ w7
        if acc == uint32(0x9E3779B9):
            sink[0] = acc


def sector_reads_main():
    """What one 32-byte read a row costs (issue 12 item 3): the edge sectors the mask
    must read, against a sector at a random column and the row's first, for every
    row and every second row, alone in a launch (gpu_ms: the GPU's time, not the
    launch's host time) -- is the cost the rows' count, their addresses, or the
    diagonal's?"""
    fill_floor_timer()
    backend = get_backend("cuda")
    helpers = intrinsics.device_primitives("cuda") + (first_masked, rounded_tail)
    sink = backend.gpu.as_cuda_array(torch.zeros(1, dtype=torch.int32, device="cuda"))
    for shape, dtype in (SHAPES[0], SHAPES[1], SHAPES[3]):
        x = torch.randn(shape, device="cuda", dtype=dtype)
        n_rows = shape[0] * shape[1] * shape[2]
        item = x.element_size()
        words = shape[3] * item // 4
        flat = word_view(backend, x)
        for every in (1, 2, 4):
            for where, label in ((0, "edge sector"), (1, "random column"), (2, "first sector")):
                k = kc.build(backend, sector_reads_kernel, helpers, WHERE=where, EVERY=every,
                             ITEM=item)[-(-n_rows // (256 * every)), 256]
                ms = gpu_ms(lambda: k(flat, sink, np.int64(words), np.int64(n_rows),
                                      np.int64(shape[3] - shape[2]), np.int64(shape[2])))
                reads = -(-n_rows // every)
                print(f"{'x'.join(map(str, shape)):>16} {str(dtype)[6:]:>8} one {label} "
                      f"every {every} rows ({reads} reads): {ms * 1e3:.1f} us, "
                      f"{reads / ms / 1e6:.2f} G sectors/s", flush=True)
        del x, flat


gpu_ms = queued_gpu_ms  # the GPU's time of a call, the host's launch left out


def _void_intrinsic(n_args, name):
    """An intrinsic of ``n_args`` arguments that does nothing (a primitive left out)."""
    from numba.core import types
    from numba.cuda.extending import intrinsic

    def body(typingctx, *args):
        def codegen(context, builder, sig, args):
            return context.get_dummy_value()
        return types.void(*args), codegen
    params = ", ".join(f"a{i}" for i in range(n_args))
    namespace = {"body": body}
    exec(f"def {name}(typingctx, {params}):\n    return body(typingctx, {params})", namespace)
    return intrinsic(namespace[name])


EDGE_LAST = compile_time("EDGE_LAST")  # two-pass experiment


def prefetch_edges_kernel(flat, words, n_rows, offset, seq_len):
    """TWO-PASS EXPERIMENT, pass 1: a thread a row asks L2 for the row's edge sector
    (prefetch.global.L2, LAST: evict_last) and waits for nothing."""
    r = int64(gpu.blockIdx.x) * int64(gpu.blockDim.x) + int64(gpu.threadIdx.x)
    if r < n_rows:
        hi = first_masked(r, words, offset, seq_len)
        if (hi * ITEM) % 32 != 0:
            at = r * words + (hi * ITEM) // 32 * 8
            if LAST:
                prefetch_last(flat, at)
            else:
                prefetch_normal(flat, at)


def fill_own_kernel(flat, words, n_rows, fill_u32, offset, seq_len):
    """TWO-PASS EXPERIMENT, pass 2 (or alone): a warp a row, ROWS consecutive rows a
    block, many waves; lanes 0 and 1 read the row's edge sector (an L2 hit after pass
    1) and write it whole with its kept bits (a valid mask), EDGE_LAST 0: first (the
    warp waits for the read), 1: after the row's other sectors (it does not)."""
    lane = int64(gpu.threadIdx.x)
    r = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
    if r < n_rows:
        hi = first_masked(r, words, offset, seq_len)
        row = r * words
        need = (hi * ITEM) % 32 != 0
        sector = (hi * ITEM) // 32
        c = 2 * sector + lane
        e0 = e1 = e2 = e3 = uint32(0)
        if need and lane < 2:
            e0, e1, e2, e3 = load_v4(flat, row + 4 * c)
        per = 4 // ITEM
        elem = c * 16 // ITEM
        if EDGE_LAST == 0 and need and lane < 2:
            store_v4(flat, row + 4 * c, edge_word(e0, elem, hi, fill_u32),
                     edge_word(e1, elem + per, hi, fill_u32),
                     edge_word(e2, elem + 2 * per, hi, fill_u32),
                     edge_word(e3, elem + 3 * per, hi, fill_u32))
        chunks = words // 4
        first = (hi * ITEM + 31) // 32 * 2
        for k in range(first - first % 32 + lane, chunks, 32):
            if k >= first:
                store_v4(flat, row + 4 * k, fill_u32, fill_u32, fill_u32, fill_u32)
        if EDGE_LAST == 1 and need and lane < 2:
            store_v4(flat, row + 4 * c, edge_word(e0, elem, hi, fill_u32),
                     edge_word(e1, elem + per, hi, fill_u32),
                     edge_word(e2, elem + 2 * per, hi, fill_u32),
                     edge_word(e3, elem + 3 * per, hi, fill_u32))


def twopass_main():
    """Many-wave fills that read each row's edge sector in the row's own warp (a valid
    mask; issue 12 item 3), alone or after a launch that asks L2 for every edge
    sector first (prefetch, evict_last or normal), the edge written first or last;
    against the product and the stores-alone bound, on the GPU alone (gpu_ms)."""
    _, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    helpers = intrinsics.device_primitives("cuda") + prefetch_primitives() + (
        first_masked, rounded_tail, edge_word)
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        name, n_rows, item, words = case_layout(x)
        flat = word_view(backend, x)
        geo, pos, fill = row_args(x)
        runs = {"product": run_variant("product", x, 1, 4)}
        bound = tail_bound(backend, helpers, item, n_rows)
        runs["bound: stores alone (NOT valid)"] = lambda: bound(flat, *geo, fill, *pos)
        pre = {last: kc.build(backend, prefetch_edges_kernel, helpers, LAST=last, ITEM=item)[
            -(-n_rows // 256), 256] for last in (0, 1)}
        for rows in (4, 8):
            for edge_last in (0, 1):
                fk = kc.build(backend, fill_own_kernel, helpers, ROWS=rows, EDGE_LAST=edge_last,
                              ITEM=item)[-(-n_rows // rows), (32, rows)]
                where = "last" if edge_last else "first"
                runs[f"own reads, edge {where}, {rows} rows a block"] = (
                    lambda f=fk: f(flat, *geo, fill, *pos))
                for last in (1, 0):
                    runs[f"prefetch pass ({'evict_last' if last else 'evict_normal'}) + own "
                         f"reads, edge {where}, {rows} rows a block"] = (
                        lambda f=fk, p=pre[last]: (p(flat, *geo, *pos),
                                                   f(flat, *geo, fill, *pos)))
        for label, run in runs.items():
            ok, ms = checked_ms(run, x, before, want, gpu_ms)
            print(f"{name} {label}: {ms * 1e3:.1f} us  ratio {floor_ms / ms:.3f}"
                  f"{'' if ok or 'NOT' in label else '  WRONG'}", flush=True)
        del x, before, want, flat


def threepass_main():
    """A valid mask in three launches (issue 12 item 3), no read while the triangle's
    stores stream: (1) a thread a row copies its edge sector to a scratch buffer
    (gather16_kernel), (2) the whole masked sectors after each edge, no read at all
    (tail_kernel at ALIGN 32: the stores-alone bound's kernel, many waves; or
    tail_strided_kernel on the package's grid), (3) a thread a row writes its edge
    sector whole from the scratch (scatter16_kernel). Against the package and each
    pass alone, on the GPU alone (gpu_ms); bit-exact against the definition."""
    _, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    helpers = intrinsics.device_primitives("cuda") + (first_masked, rounded_tail, read_edge,
                                                      edge_word) + hinted_stores("", "")
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        name, n_rows, item, words = case_layout(x)
        flat = word_view(backend, x)
        scratch_t, scratch = edge_scratch(backend, n_rows)
        geo, pos, fill = row_args(x)
        rows_grid = (-(-n_rows // 256), 256)
        gather = kc.build(backend, gather16_kernel, helpers, ITEM=item)[rows_grid]
        scatter = kc.build(backend, scatter16_kernel, helpers, ITEM=item)[rows_grid]
        stores = {"many waves": kc.build(backend, tail_kernel, helpers, ROWS=4, ALIGN=32,
                                         ITEM=item)[-(-n_rows // 4), (32, 4)],
                  "the package's grid": kc.build(backend, tail_strided_kernel, helpers,
                                                 WARPS_T=8, ALIGN=32, ITEM=item)[660, (32, 8)]}
        runs = {"the package": (run_variant("product", x, 1, 4), True)}
        for where, store in stores.items():
            runs[f"three passes, stores on {where}"] = (
                lambda st=store: (gather(flat, scratch, *geo, *pos),
                                  st(flat, *geo, fill, *pos),
                                  scatter(flat, scratch, *geo, fill, *pos)), True)
            runs[f"pass 2 alone, {where} (NOT valid)"] = (
                lambda st=store: st(flat, *geo, fill, *pos), False)
        runs["pass 1 alone (edges to scratch)"] = (
            lambda: gather(flat, scratch, *geo, *pos), False)
        runs["pass 3 alone (edges from scratch)"] = (
            lambda: scatter(flat, scratch, *geo, fill, *pos), False)
        report_runs(name, runs, x, before, want, floor_ms)
        del x, before, want, flat, scratch, scratch_t


INDEX64 = compile_time("INDEX64")  # package_direct's row indices (vec_row_int64)
SPLIT_MOST = compile_time("SPLIT_MOST")  # mask.SPLIT's most store blocks (edge_block_count)


def vec_row_int64(s, r, offset, window, kv_lens, q_offsets):
    """mask.vec_row with the package's host_row (64-bit divisions) instead of 32-bit
    index arithmetic: in every block (INDEX64 3), the edge blocks only (1) or the
    store blocks only (2)."""
    batch, heads, seq_len, cache_len = s.shape
    edge_blocks, block = block_roles(int64(batch) * heads * seq_len, int64(gpu.gridDim.x),
                                     int64(gpu.blockIdx.x))
    edge = block < edge_blocks
    if not (INDEX64 & (1 if edge else 2)):
        return vec_row32(s, r, offset, window, kv_lens, q_offsets)
    b, h, q, _, lo, hi = host_row(r, heads, seq_len, cache_len, offset, window, kv_lens,
                                  q_offsets)
    return s[uint64(b), uint64(h), uint64(q)], i32(lo), i32(hi)


EDGE_ILP = compile_time("EDGE_ILP")  # rows an edge thread takes a pass (edge_rows_ilp)


def one_edge(lo, hi, chunks):
    """(the row's edge sector or -1, whether it has two: mask.edge_sectors)."""
    s0, s1 = edge_sectors(lo, hi, mul32(chunks, VEC))
    return (s0 if s0 >= 0 else s1), s0 >= 0 and s1 >= 0


def load_sector(row, sector, chunks):
    """The 8 words of chunks 2 * sector and 2 * sector + 1 of ``row`` (zeros for a
    chunk past the row or no sector)."""
    w0 = w1 = w2 = w3 = w4 = w5 = w6 = w7 = u32(0)
    if sector >= 0:
        w0, w1, w2, w3 = load_v4(row, u32(mul32(2 * sector, VEC)))
        if 2 * sector + 1 < chunks:
            w4, w5, w6, w7 = load_v4(row, u32(mul32(2 * sector + 1, VEC)))
    return w0, w1, w2, w3, w4, w5, w6, w7


def store_sector(row, sector, chunks, lo, hi, fill_lo, fill_hi, w0, w1, w2, w3, w4, w5, w6,
                 w7):
    """load_sector's words written back whole (mask.merged_chunk)."""
    if sector >= 0:
        kb = mul32(2 * sector, VEC)
        a0, a1, a2, a3 = merged_chunk(w0, w1, w2, w3, kb, lo, hi, fill_lo, fill_hi)
        store_v4(row, u32(kb), a0, a1, a2, a3)
        if 2 * sector + 1 < chunks:
            b0, b1, b2, b3 = merged_chunk(w4, w5, w6, w7, add32(kb, VEC), lo, hi, fill_lo,
                                          fill_hi)
            store_v4(row, u32(kb + VEC), b0, b1, b2, b3)


def ilp_roles(rows, blocks, block):
    """mask.block_roles for two rows an edge thread (EDGE_ILP 2): half the edge blocks."""
    return edge_block_count(rows, EDGE_ILP * LANES, ROWS, SPLIT_MOST), block


def edge_rows_ilp(s, block, edge_blocks, rows, chunks, fill_lo, fill_hi, offset, window,
                  kv_lens, q_offsets):
    """EDGE EXPERIMENT: mask.mask_edge_rows with each edge thread taking two rows a
    pass, both rows' edge sectors loaded before either is written, so that an SM
    held to fewer blocks keeps as many edge loads in flight. A row with two edge
    sectors (window=) goes through mask.mask_edges_vec."""
    threads = LANES * ROWS
    first = block * 2 * threads + mad32(gpu.threadIdx.y, LANES, gpu.threadIdx.x)
    for ra in range(first, rows, edge_blocks * 2 * threads):
        rb = ra + threads
        row_a, lo_a, hi_a = vec_row(s, ra, offset, window, kv_lens, q_offsets)
        sa, two_a = one_edge(lo_a, hi_a, chunks)
        row_b, lo_b, hi_b = vec_row(s, min(rb, rows - 1), offset, window, kv_lens, q_offsets)
        sb, two_b = one_edge(lo_b, hi_b, chunks)
        if rb >= rows:
            sb, two_b = -1, False
        if two_a or two_b:
            mask_edges_vec(row_a, lo_a, hi_a, chunks, fill_lo, fill_hi)
            if rb < rows:
                mask_edges_vec(row_b, lo_b, hi_b, chunks, fill_lo, fill_hi)
        else:
            a0, a1, a2, a3, a4, a5, a6, a7 = load_sector(row_a, sa, chunks)
            b0, b1, b2, b3, b4, b5, b6, b7 = load_sector(row_b, sb, chunks)
            store_sector(row_a, sa, chunks, lo_a, hi_a, fill_lo, fill_hi, a0, a1, a2, a3,
                         a4, a5, a6, a7)
            store_sector(row_b, sb, chunks, lo_b, hi_b, fill_lo, fill_hi, b0, b1, b2, b3,
                         b4, b5, b6, b7)


EDGE_BLOCKS = compile_time("EDGE_BLOCKS")  # persist_roles' edge blocks
EDGES_LAST = compile_time("EDGES_LAST")  # ... at the grid's end instead of its start


def persist_roles(rows, blocks, block):
    """STORE-BLOCK EXPERIMENT: mask.block_roles with EDGE_BLOCKS edge blocks (a
    compile-time count: as many as the package's grid of a row a warp has) and any
    number of store blocks, which stride over the rows: a grid of a few waves of
    store blocks instead of one block every ROWS rows, so that an SM starts fewer
    blocks (65,536 store blocks for 4x32x2048 rows: 2 GHz / 465 M blocks a second in
    float16); with EDGES_LAST the grid's last EDGE_BLOCKS blocks take the edges."""
    edge_blocks = int64(EDGE_BLOCKS)
    return edge_blocks, (block + edge_blocks) % blocks if EDGES_LAST else block


def rebound(helpers, *pairs):
    """The package's mask helpers with ``pairs`` ((name, function)) bound in place of
    the package's functions of those names."""
    names = {name for name, _ in pairs}
    return tuple(h for h in helpers if getattr(h, "__name__", None) not in names) + pairs


def ilp_helpers(helpers):
    """The package's mask helpers with two rows an edge thread (ilp_roles,
    edge_rows_ilp)."""
    return rebound(helpers, ("block_roles", ilp_roles), ("mask_edge_rows", edge_rows_ilp)) + (
        one_edge, load_sector, store_sector)


def ilp_grid(n_rows, backend_name="cuda", warp=32):
    """edge_rows_ilp's grid: a store block every mask.SPLIT rows, and half the package's
    edge blocks (ilp_roles)."""
    rows, most = mask.SPLIT[backend_name]
    store_blocks = mask.store_block_count(backend_name, n_rows, rows, most, None)
    return (store_blocks + mask.edge_block_count(n_rows, 2 * warp, rows, most), 1, 1)


def package_direct(x, backend, index64=0, per_sm=0, rows=0, edge_ilp=0, store_waves=0,
                   edges_last=False, lines=False, **overrides):
    """The package's mask kernel for ``x`` (a contiguous [b, h, s, l] CUDA tensor,
    default bottom-right causal) as the launcher plans it, compiled without PDL and
    launched by numba directly (no fast path, no programmatic dependent launch);
    ``overrides``: compile-time constants changed (LAUNCH_BOUNDS None: none);
    ``index64``: rows indexed by host_row (vec_row_int64's INDEX64), as before
    2026-12-04 r50; ``per_sm``: at most that many blocks an SM (unused dynamic shared
    memory of 228 KB / per_sm - 1 KB a block, an H100's or H200's SM, 48 KB at most: 4
    or more), 0: as the package holds them (mask.vec_shared);
    ``rows``: rows (warps) a block other than mask.SPLIT's; ``edge_ilp``: 2 for
    ilp_helpers (two rows an edge thread a pass); ``store_waves``: store
    blocks striding over the rows, that many times the blocks the GPU holds at once
    (persist_roles), the package's edge blocks before them; ``edges_last``:
    the package's grid with its edge blocks last (persist_roles); ``lines``: the edge
    thread completes its edge sector's 128-byte line (line_helpers)."""
    from numba_causal.options import mask_options

    shape, item = tuple(x.shape), x.element_size()
    bits = np.array(fill_u32_of(x) & ((1 << (8 * item)) - 1), dtype=f"<u{item}")[()]
    saved = mask.SPLIT["cuda"]
    if rows:
        mask.SPLIT["cuda"] = (rows,) + saved[1:]
    try:
        constants, grid, block, scalars, _ = mask.plan_launch(shape, item, True, bits,
                                                           mask_options(shape), backend, True)
        if edge_ilp:
            grid = ilp_grid(shape[0] * shape[1] * shape[2])
        # the package's edge blocks (mask.edge_block_count)
        edge_blocks = mask.edge_block_count(shape[0] * shape[1] * shape[2], 32,
                                            constants["ROWS"], constants["SPLIT_MOST"])
    finally:
        mask.SPLIT["cuda"] = saved
    constants.update(ELEMENT=bits.dtype.name, PDL=False, **overrides)
    if constants.get("LAUNCH_BOUNDS", 0) is None:
        del constants["LAUNCH_BOUNDS"]
    family = mask.CAUSAL_MASK
    helpers = family.gpu_helper_list("cuda")
    if index64:
        helpers = rebound(helpers, ("vec_row", vec_row_int64)) + (("vec_row32", mask.vec_row),)
    shared = (min(228 * 1024 // per_sm - 1024, 48 * 1024) if per_sm else
              package_shared(backend, shape, item))
    if edge_ilp:
        helpers = ilp_helpers(helpers)
    if lines:
        helpers = line_helpers(helpers)
    if store_waves or edges_last:
        helpers = rebound(helpers, ("block_roles", persist_roles))
    if store_waves:
        sms = backend.gpu.get_current_device().MULTIPROCESSOR_COUNT
        held = min(228 * 1024 // (shared + 1024) if shared else 64, 64 // constants["ROWS"])
        grid = (edge_blocks + store_waves * sms * held, 1, 1)
    built = kc.build(backend, family.gpu_kernel, helpers, INDEX64=index64, EDGE_ILP=edge_ilp,
                     EDGE_BLOCKS=edge_blocks, EDGES_LAST=edges_last, **constants)
    args = package_args(x, backend, scalars)
    kernel = built[grid, block, 0, shared]
    return lambda: kernel(*args)


FED_PART, FED_ORDER = compile_time("FED_PART", "FED_ORDER")  # fed_package experiment


def mask_rows_fed(s, fill_word, offset, window, kv_lens, q_offsets):
    """FED EXPERIMENT on the package's kernel (bound in place of mask.mask_rows_vec):
    the edge blocks (EDGE_BLOCKS, first in the grid) do not write the rows' edge
    sectors back but copy them to a scratch buffer (``kv_lens``' memory, unused by a
    plain causal mask: 32 bytes a row, through ``store_scratch``: plain or L2
    evict_last); each row's store warp then writes the edge sector whole with the rest
    of the row (its kept bits from the scratch, loaded first: an L2 hit when the
    scratch stayed there), so that the edge sector's write-back lands in L2 beside
    the row's first masked sectors instead of on its own. FED_PART 1: edge blocks
    only, 2: store blocks only (EDGE_BLOCKS 0), 3: both in one launch (the store
    warp's scratch load is NOT ordered after the edge block's store: a timing
    experiment). FED_ORDER 0: the edge sector after the row's other stores, 1:
    before them. Causal masks (one edge sector a row)."""
    batch, heads, seq_len, cache_len = s.shape
    rows = batch * heads * seq_len
    chunks = i32(cache_len // VEC)
    fill_lo, fill_hi = u32(fill_word & uint64(0xFFFFFFFF)), u32(fill_word >> uint64(32))
    blocks = int64(gpu.gridDim.x)
    edge_blocks = int64(EDGE_BLOCKS)
    block = int64(gpu.blockIdx.x)
    if block < edge_blocks:
        threads = LANES * ROWS
        first = block * threads + mad32(gpu.threadIdx.y, LANES, gpu.threadIdx.x)
        for r in range(first, rows, edge_blocks * threads):
            row, lo, hi = vec_row(s, r, offset, window, kv_lens, q_offsets)
            _, sector = edge_sectors(lo, hi, mul32(chunks, VEC))
            if sector >= 0:
                kb = mul32(2 * sector, VEC)
                w0, w1, w2, w3 = load_v4(row, u32(kb))
                store_scratch(kv_lens, r * 4, w0, w1, w2, w3)
                if 2 * sector + 1 < chunks:
                    v0, v1, v2, v3 = load_v4(row, u32(kb + VEC))
                    store_scratch(kv_lens, r * 4 + 2, v0, v1, v2, v3)
        return
    lane = i32(gpu.threadIdx.x)
    first = (block - edge_blocks) * ROWS + int64(gpu.threadIdx.y)
    for r in range(first, rows, (blocks - edge_blocks) * ROWS):
        row, lo, hi = vec_row(s, r, offset, window, kv_lens, q_offsets)
        _, sector = edge_sectors(lo, hi, mul32(chunks, VEC))
        c = add32(mul32(sector, 2), lane)
        mine = sector >= 0 and lane < 2 and c < chunks
        w0 = w1 = w2 = w3 = u32(0)
        if mine:
            w0, w1, w2, w3 = load_v4(kv_lens, r * 4 + 2 * lane)
        if FED_ORDER == 0:
            mask_row_vec(row, lo, hi, chunks, fill_lo, fill_hi, lane)
        if mine:
            kb = mul32(c, VEC)
            a0, a1, a2, a3 = merged_chunk(w0, w1, w2, w3, kb, lo, hi, fill_lo, fill_hi)
            store_v4(row, u32(kb), a0, a1, a2, a3)
        if FED_ORDER == 1:
            mask_row_vec(row, lo, hi, chunks, fill_lo, fill_hi, lane)


def fed_package(x, backend, part=3, order=0, scratch_hint="evict_last", fill_hint="",
                hold=True):
    """The package's kernel with mask_rows_fed (a scratch of 32 bytes a row as its
    kv_lens argument): ``part`` 3 one launch (edge blocks first, held as the package),
    "two": a launch of edge blocks (a thread a row, 4 warps a block, not held) then
    one of store blocks (held as the package unless not ``hold``); ``order``:
    FED_ORDER; ``scratch_hint`` / ``fill_hint``: L2 eviction hints of the scratch
    stores and of every store of the row ("" plain, "evict_last", "evict_first",
    "cs")."""
    from numba_causal.options import mask_options

    shape, item = tuple(x.shape), x.element_size()
    n_rows = shape[0] * shape[1] * shape[2]
    bits = np.array(fill_u32_of(x) & ((1 << (8 * item)) - 1), dtype=f"<u{item}")[()]
    constants, grid, block, scalars, _ = mask.plan_launch(shape, item, True, bits,
                                                       mask_options(shape), backend, True)
    constants.update(ELEMENT=bits.dtype.name, PDL=False, FED_ORDER=order,
                     HINTS=(scratch_hint, fill_hint))
    helpers = mask.CAUSAL_MASK.gpu_helper_list("cuda") + (("mask_rows_vec", mask_rows_fed),)
    plain = dict(intrinsics.device_primitives("cuda"))["store_v4"]
    helpers += (("store_scratch", _make_store_v4_hint(scratch_hint) if scratch_hint
                 else plain),)
    if fill_hint:
        helpers += (("store_v4", _make_store_v4_hint(fill_hint)),)
    shared = package_shared(backend, shape, item) if hold else 0
    edge_blocks = mask.edge_block_count(n_rows, 32, constants["ROWS"], constants["SPLIT_MOST"])
    store_blocks = grid[0] - edge_blocks
    scratch_t = torch.zeros(n_rows * 4, dtype=torch.int64, device="cuda")
    scratch = backend.gpu.from_cuda_array_interface(dict(
        scratch_t.__cuda_array_interface__, stream=None), owner=scratch_t, sync=False)
    s, words, fill, fill_word, offset, window, _, none = package_args(x, backend, scalars)
    args = (s, words, fill, fill_word, offset, window, scratch, none)
    if part == 3:
        kernel = kc.build(backend, mask.CAUSAL_MASK.gpu_kernel, helpers, FED_PART=3,
                          EDGE_BLOCKS=edge_blocks, **constants)[grid, block, 0, shared]
        return lambda: kernel(*args)
    edges = kc.build(backend, mask.CAUSAL_MASK.gpu_kernel, helpers, FED_PART=1,
                     EDGE_BLOCKS=edge_blocks, **constants)[edge_blocks, block]
    stores = kc.build(backend, mask.CAUSAL_MASK.gpu_kernel, helpers, FED_PART=2,
                      EDGE_BLOCKS=0, **constants)[store_blocks, block, 0, shared]
    return lambda: (edges(*args), stores(*args))


#: (label, fed_package arguments) of fed_package_main
FED_TRIALS = [
    (f"{'one launch (scratch NOT ordered)' if part == 3 else 'two launches'}, edge sector "
     f"{'first' if order else 'last'}, scratch {sh or 'plain'}, row stores {fh or 'plain'}"
     f"{'' if hold else ', not held'}",
     dict(part=part, order=order, scratch_hint=sh, fill_hint=fh, hold=hold))
    for part, order, sh, fh, hold in [
        (3, 0, "evict_last", "", True), (3, 1, "evict_last", "", True),
        (3, 0, "", "", True), (3, 0, "evict_last", "evict_first", True),
        (2, 0, "evict_last", "", True), (2, 1, "evict_last", "", True),
        (2, 0, "", "", True), (2, 0, "evict_last", "evict_first", True),
        (2, 0, "evict_last", "", False)]]


def compared_with_package(extra):
    """Each of SHAPES against the package (its public call, and its kernel launched
    directly): ``extra(x, backend)``'s runs ({label: (run, valid)}) beside them, each
    checked bit for bit against the definition, then timed on the GPU alone
    (report_runs)."""
    _, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        runs = {"the package": (run_variant("product", x, 1, 4), True),
                "launched directly": (package_direct(x, backend), True), **extra(x, backend)}
        report_runs(case_layout(x)[0], runs, x, before, want, floor_ms)
        del x, before, want, runs
        torch.cuda.empty_cache()


def fed_package_main():
    """The package's kernel fed from a scratch (mask_rows_fed: the edge sectors copied
    first, written whole by each row's store warp with the rest of its row), in one
    launch and in two, with L2 hints (compared_with_package)."""
    compared_with_package(lambda x, backend: {
        label: (fed_package(x, backend, **kw), True) for label, kw in FED_TRIALS})


#: (label, package_direct arguments) of the package's kernel in split_main
PACKAGE_TRIALS = [("two rows an edge thread", [("edge_ilp", 2)])] + [
    (f"{rows} rows a block, at most {n} blocks an SM ({rows * n} warps)"
     f"{', two rows an edge thread' if ilp else ''}",
     [("per_sm", n), ("rows", rows), ("edge_ilp", ilp)])
    for rows, n in [(4, 4), (4, 7), (2, 4), (2, 6), (1, 12)] for ilp in (0, 2)]
#: (label, package_direct arguments) of persist_main: store blocks striding
PERSIST_TRIALS = [
    (f"store blocks {waves}x what the GPU holds"
     f"{f', {rows} rows a block, at most {n} blocks an SM' if rows else ''}",
     [("store_waves", waves), ("rows", rows), ("per_sm", n)])
    for rows, n, all_waves in [(0, 0, (1, 2, 4, 8, 16)), (8, 4, (2, 4, 8)), (4, 5, (2, 4, 8)),
                               (4, 9, (2, 4, 8))]
    for waves in all_waves]


def two_launches(x, backend, edges_first=True, edge_rows=4, parts="both", shared=None,
                 lines=False, **overrides):
    """A valid mask in two launches of the package's kernel with persist_roles, on
    disjoint sectors: one of edge blocks only (EDGE_BLOCKS the whole grid, a thread a
    row, ``edge_rows`` warps a block, no shared memory held: as many edge loads in
    flight as the SMs take), one of store blocks only (EDGE_BLOCKS 0, a warp a row,
    held as the package holds them, or by ``shared`` bytes a block); ``edges_first``:
    their order on the stream; ``parts`` "edges" or "stores": that launch alone (NOT a
    valid mask);
    ``overrides``: the store launch's compile-time constants changed (ALIGNED);
    ``lines``: line_helpers in both launches."""
    from numba_causal.options import mask_options

    shape, item = tuple(x.shape), x.element_size()
    n_rows = shape[0] * shape[1] * shape[2]
    bits = np.array(fill_u32_of(x) & ((1 << (8 * item)) - 1), dtype=f"<u{item}")[()]
    constants, grid, block, scalars, _ = mask.plan_launch(shape, item, True, bits,
                                                       mask_options(shape), backend, True)
    constants.update(ELEMENT=bits.dtype.name, PDL=False)
    helpers = rebound(mask.CAUSAL_MASK.gpu_helper_list("cuda"), ("block_roles", persist_roles))
    if lines:
        helpers = line_helpers(helpers)
    if shared is None:
        shared = package_shared(backend, shape, item)
    edge_blocks = -(-n_rows // (32 * edge_rows))
    edges = kc.build(backend, mask.CAUSAL_MASK.gpu_kernel, helpers, EDGE_BLOCKS=edge_blocks,
                     EDGES_LAST=False, **dict(constants, ROWS=edge_rows))[
        edge_blocks, (32, edge_rows)]
    stores = kc.build(backend, mask.CAUSAL_MASK.gpu_kernel, helpers, EDGE_BLOCKS=0,
                      EDGES_LAST=False, **dict(constants, **overrides))[
        -(-n_rows // constants["ROWS"]), block, 0, shared]
    args = package_args(x, backend, scalars)
    if parts != "both":
        alone = edges if parts == "edges" else stores
        return lambda: alone(*args)
    first, second = (edges, stores) if edges_first else (stores, edges)
    return lambda: (first(*args), second(*args))


#: (label, two_launches arguments, valid) of persist_main's "two" rows
TWO_TRIALS = [
    ("two launches, edges first", {}, True),
    ("edges alone, 4 rows a block (NOT valid)", dict(parts="edges"), False),
    ("stores alone, held as the package (NOT valid)", dict(parts="stores"), False),
    ("stores alone, not held (NOT valid)", dict(parts="stores", shared=0), False),
    ("stores alone, 48 KB a block (NOT valid)", dict(parts="stores", shared=48 * 1024), False),
    ("stores alone, held as the package, aligned passes (NOT valid)",
     dict(parts="stores", ALIGNED=True), False),
    ("stores alone, not held, aligned passes (NOT valid)",
     dict(parts="stores", shared=0, ALIGNED=True), False),
    ("stores alone, held as the package, unaligned passes (NOT valid)",
     dict(parts="stores", ALIGNED=False), False)]


def persist_main():
    """The package's mask against the same kernel with a few waves of store blocks
    striding over the rows (persist_roles: fewer blocks for the GPU to start),
    and as two launches (two_launches: the edge blocks at full occupancy), each part
    alone; each valid one bit-exact against the definition, all timed on the GPU alone
    (gpu_ms). ``short``: SHORT_SHAPES of 256 queries and more instead of SHAPES."""
    _, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    helpers = intrinsics.device_primitives("cuda") + (first_masked, rounded_tail)
    shapes = [c for c in SHORT_SHAPES if c[0][2] >= 256] if "short" in sys.argv[2:] else SHAPES
    for shape, dtype in shapes:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        name, n_rows, item, words = case_layout(x)
        flat = word_view(backend, x)
        geo, pos, fill = row_args(x)
        bound = tail_bound(backend, helpers, item, n_rows)
        runs = {"the package": (run_variant("product", x, 1, 4), True),
                "the package's kernel, launched directly": (package_direct(x, backend), True),
                "the package's kernel, launched directly, edge blocks last": (
                    package_direct(x, backend, edges_last=True), True),
                "stores alone, tail_kernel (NOT valid)": (
                    lambda: bound(flat, *geo, fill, *pos), False),
                **{k: (two_launches(x, backend, **v), ok) for k, v, ok in TWO_TRIALS},
                **({} if "two" in sys.argv[2:] else {
                    f"the package's kernel, launched directly, {k}": (package_direct(
                        x, backend, **dict(v)), True) for k, v in PERSIST_TRIALS})}
        report_runs(name, runs, x, before, want, floor_ms)
        del x, before, want, flat


def split_main():
    """A valid mask in one launch of two kinds of block on disjoint sectors
    (split_kernel): stores with no read, and edge sectors read and written back
    whole by other blocks meanwhile, interleaved (an edge block every EVERY store
    blocks, before or after them) or all first; against the package and the
    stores-alone bound, on the GPU alone (gpu_ms); bit-exact against the definition."""
    _, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    helpers = intrinsics.device_primitives("cuda") + (first_masked, rounded_tail, read_edge,
                                                       edge_word, edge_rmw)
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        name, n_rows, item, words = case_layout(x)
        flat = word_view(backend, x)
        geo, pos, fill = row_args(x)
        bound = tail_bound(backend, helpers, item, n_rows)
        runs = {"the package": (run_variant("product", x, 1, 4), True),
                "the package's kernel, launched directly": (package_direct(x, backend), True),
                **{f"the package's kernel, launched directly, {k}": (
                    package_direct(x, backend, **dict(v)), True) for k, v in PACKAGE_TRIALS},
                "stores alone (NOT valid)": (lambda: bound(flat, *geo, fill, *pos), False)}
        spread = [] if "first" in sys.argv[2:] else [(e, a) for e in (8, 32, 128) for a in (0, 1)]
        for rows in (4, 8):
            for every, edge_at in [(0, 2)] + spread:
                k = kc.build(backend, split_kernel, helpers, ROWS=rows, ALIGN=32, ITEM=item,
                             EVERY=max(every, 1), EDGE_AT=edge_at)[
                    split_blocks(n_rows, rows, max(every, 1), edge_at), (32, rows)]
                where = ("all first" if edge_at == 2 else
                         f"one {'before' if edge_at == 0 else 'after'} every {every}")
                runs[f"split, {rows} rows a block, edge blocks {where}"] = (
                    lambda f=k: f(flat, *geo, fill, *pos), True)
        report_runs(name, runs, x, before, want, floor_ms)
        del x, before, want, flat


def fed_main():
    """A valid mask in two launches (issue 12 item 3): the edge sectors to a scratch
    buffer with an L2 eviction hint (gather16_kernel), then a many-wave fill whose
    rows take their edge sector's kept bits from the scratch (fed_kernel; the fill's
    stores plain or streamed, so that they do not evict the scratch from L2);
    against the package, split_kernel (edges first) and the stores-alone bound, on
    the GPU alone (gpu_ms); bit-exact against the definition."""
    _, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    base = intrinsics.device_primitives("cuda") + (first_masked, rounded_tail, read_edge,
                                                    edge_word, edge_rmw)
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        name, n_rows, item, words = case_layout(x)
        flat = word_view(backend, x)
        scratch_t, scratch = edge_scratch(backend, n_rows)
        geo, pos, fill = row_args(x)
        bound = tail_bound(backend, base, item, n_rows)
        split = kc.build(backend, split_kernel, base, ROWS=4, ALIGN=32, ITEM=item, EVERY=1,
                         EDGE_AT=2)[split_blocks(n_rows, 4, 1, 2), (32, 4)]
        runs = {"the package": (run_variant("product", x, 1, 4), True),
                "stores alone (NOT valid)": (lambda: bound(flat, *geo, fill, *pos), False),
                "split, edge blocks all first": (lambda: split(flat, *geo, fill, *pos), True)}
        for hint_scratch, hint_fill in [("", ""), ("evict_last", ""), ("", "cs"),
                                        ("evict_last", "cs"), ("evict_last", "evict_first")]:
            helpers = base + hinted_stores(hint_scratch, hint_fill)
            gather = kc.build(backend, gather16_kernel, helpers, ITEM=item,
                              HINTS=(hint_scratch, hint_fill))[-(-n_rows // 256), 256]
            for rows in (4, 8):
                fed = kc.build(backend, fed_kernel, helpers, ROWS=rows, ITEM=item,
                               HINTS=(hint_scratch, hint_fill))[-(-n_rows // rows), (32, rows)]
                runs[f"fed, scratch stores {hint_scratch or 'plain'}, fill stores "
                     f"{hint_fill or 'plain'}, {rows} rows a block"] = (
                    lambda g=gather, f=fed: (g(flat, scratch, *geo, *pos),
                                             f(flat, scratch, *geo, fill, *pos)), True)
        report_runs(name, runs, x, before, want, floor_ms)
        del x, before, want, flat, scratch, scratch_t


def package_shared(backend, shape, itemsize):
    """The dynamic shared bytes a block of the package's 16-byte path takes for a
    default causal mask of ``shape`` (mask.vec_shared of its masked bytes a row)."""
    from numba_causal.options import mask_options

    return mask.vec_shared("cuda", shape, itemsize, mask_options(shape), lambda: int(
        backend.gpu.get_current_device().MAX_SHARED_MEMORY_PER_MULTIPROCESSOR))


def rows_in_flight_main(kbytes=(32, 40, 48, 56, 64, 80, 112)):
    """The package's mask at each ``mask.MASKED_BYTES_AN_SM["cuda"]`` (KB of masked
    bytes an SM's blocks hold at once: mask.vec_shared; 0: not held), each case
    checked bit for bit, then timed on the GPU alone (gpu_ms); the shared bytes a
    block each setting gives are printed. ``rows-in-flight small``: SMALL_SHAPES
    (grids of one or two waves), ``rows-in-flight short``: SHORT_SHAPES (a few
    queries over a long cache), each not held, held as the package holds them, and
    held as it did before 2026-12-04 r77 (by whole rows: masked_per_row taken as
    half a row)."""
    from numba_causal import apply_causal_mask, fastpath

    _, fill_gbps = fill_floor_timer()
    saved, counted = mask.MASKED_BYTES_AN_SM["cuda"], mask.masked_per_row
    shapes, settings = SHAPES, [(kb, False) for kb in kbytes]
    if "small" in sys.argv[2:] or "short" in sys.argv[2:]:
        shapes = SMALL_SHAPES if "small" in sys.argv[2:] else SHORT_SHAPES
        settings = [(0, False), (saved // 1024, False), (saved // 1024, True)]
    try:
        for shape, dtype in shapes:
            x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
            name = case_layout(x)[0]
            for kb, by_rows in settings:
                mask.MASKED_BYTES_AN_SM["cuda"] = kb * 1024 or None
                mask.masked_per_row = (lambda shape, opts: shape[3] / 2) if by_rows else counted
                fastpath.clear()
                shared = package_shared(get_backend("cuda"), shape, x.element_size())
                ok, ms = checked_ms(lambda: apply_causal_mask(x, backend="cuda"), x, before,
                                    want, gpu_ms)
                label = (f"{kb} KB masked an SM" + (" (by whole rows: before r77)"
                                                    if by_rows else "")) if kb else "not held"
                print(f"{name} {label} ({shared} B shared a block): {ms * 1e3:.1f} us  "
                      f"ratio {floor_ms / ms:.3f}{'' if ok else '  WRONG'}", flush=True)
            del x, before, want
    finally:
        mask.MASKED_BYTES_AN_SM["cuda"], mask.masked_per_row = saved, counted
        fastpath.clear()


LINE_CHUNKS = 8  # 16-byte chunks in a 128-byte line (line_edges)


def line_end(sector, chunks):
    """The chunk after the 128-byte line that holds 32-byte sector ``sector`` of a
    row (rows start on 128-byte boundaries), at most ``chunks``."""
    return min(mul32(mul32(sector, 2) // LINE_CHUNKS + 1, LINE_CHUNKS), chunks)


def edges_vec_line(row, lo, hi, chunks, fill_lo, fill_hi):
    """LINE EXPERIMENT: mask.mask_edges_vec (bound here as package_edges_vec), then,
    after a row's right edge sector (the one ``hi`` falls inside), the rest of that
    sector's 128-byte line filled by the same thread, so that the line's masked part is
    written at one time by one thread (its write-back one burst) and the store blocks
    start on a line (mask_row_vec_line)."""
    package_edges_vec(row, lo, hi, chunks, fill_lo, fill_hi)
    _, right = edge_sectors(lo, hi, mul32(chunks, VEC))
    if right >= 0:
        c = add32(mul32(right, 2), 2)
        stop = line_end(right, chunks)
        while c < stop:
            store_v4(row, u32(mul32(c, VEC)), fill_lo, fill_hi, fill_lo, fill_hi)
            c = add32(c, 1)


def mask_row_vec_line(row, lo, hi, chunks, fill_lo, fill_hi, lane):
    """mask.mask_row_vec for edges_vec_line: where a row has a right edge sector, its
    stores after the keys start at the next 128-byte line."""
    head = min(mul32(lo // (2 * VEC), 2), chunks)
    _, right = edge_sectors(lo, hi, mul32(chunks, VEC))
    if right >= 0:
        tail = line_end(right, chunks)
    else:
        tail = chunks if hi >= mul32(chunks, VEC) else min(
            mul32((hi + 2 * VEC - 1) // (2 * VEC), 2), chunks)
    fill_chunks(row, 0, head, fill_lo, fill_hi, lane)
    fill_chunks(row, tail, chunks, fill_lo, fill_hi, lane)


def line_helpers(helpers):
    """The package's mask helpers with line_edges: edges_vec_line (the package's
    mask_edges_vec under another name inside it), mask_row_vec_line."""
    return rebound(helpers, ("mask_edges_vec", edges_vec_line),
                   ("mask_row_vec", mask_row_vec_line)) + (
        ("package_edges_vec", mask.mask_edges_vec), line_end)


def lines_main():
    """The package's kernel with line_edges (the edge thread completes its edge
    sector's 128-byte line; the store blocks start on the next line) against the
    package and the direct launch, and each part alone as two_launches times it
    (NOT valid; compared_with_package)."""
    compared_with_package(lambda x, backend: {
        "launched directly, line edges": (package_direct(x, backend, lines=True), True),
        "launched directly, line edges, edge blocks last": (
            package_direct(x, backend, lines=True, edges_last=True), True),
        "two launches, edges first": (two_launches(x, backend), True),
        "two launches, line edges, edges first": (two_launches(x, backend, lines=True), True),
        "stores alone (NOT valid)": (two_launches(x, backend, parts="stores"), False),
        "stores alone, line tails (NOT valid)": (
            two_launches(x, backend, parts="stores", lines=True), False),
        "edges alone (NOT valid)": (two_launches(x, backend, parts="edges"), False),
        "edges alone, line fills (NOT valid)": (
            two_launches(x, backend, parts="edges", lines=True), False)})


#: index_main's settings: KB of masked bytes an SM (mask.MASKED_BYTES_AN_SM; r73 ran
#: 112, 144 and 176 KB of whole rows, the same blocks), and where rows are
#: indexed in 64-bit arithmetic (vec_row_int64's INDEX64: 0 none, 1 edge blocks, 2 store
#: blocks, 3 both)
INDEX_TRIALS = [(kb, where) for kb in (56, 72, 88) for where in (0, 1, 2, 3)]


def index_main():
    """The package's kernel launched directly with its rows indexed in 64-bit
    arithmetic (host_row: slower row starts, so fewer rows in flight; r51-r52 found
    it faster for float32 before an SM's blocks were held down) in the edge blocks,
    the store blocks or both, at several KB of masked bytes an SM (mask.MASKED_BYTES_AN_SM):
    whether the two compose. Each checked bit for bit, timed on the GPU alone."""
    _, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    saved = mask.MASKED_BYTES_AN_SM["cuda"]
    where_names = ("32-bit row indices", "64-bit in edge blocks", "64-bit in store blocks",
                   "64-bit in both")
    try:
        for shape, dtype in SHAPES:
            x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
            name = case_layout(x)[0]
            runs = {"the package": (run_variant("product", x, 1, 4), True)}
            for kb, where in INDEX_TRIALS:
                mask.MASKED_BYTES_AN_SM["cuda"] = kb * 1024
                runs[f"launched directly, {kb} KB masked an SM, {where_names[where]}"] = (
                    package_direct(x, backend, index64=where), True)
            mask.MASKED_BYTES_AN_SM["cuda"] = saved
            report_runs(name, runs, x, before, want, floor_ms)
            del x, before, want
    finally:
        mask.MASKED_BYTES_AN_SM["cuda"] = saved


def structure_main():
    """Where the product's time goes (issue 12 item 3): its own recorded launch rebuilt
    as it is, without the edge sectors' copies (copy16 a no-op: the edge sectors'
    kept bits are then wrong, NOT a valid mask), and without its stores (store_v4 a
    no-op: the reads and the index work alone), each timed on the GPU alone (gpu_ms);
    with the stores-alone bound (tail_kernel, sectors) and the sector reads alone."""
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from time_kernels import recorded_launches

    from numba_causal import apply_causal_mask, fastpath

    _, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    uncached = dataclasses.replace(backend, disk_cache=False)  # helpers made here
    helpers = intrinsics.device_primitives("cuda") + (first_masked, rounded_tail)
    sink = backend.gpu.as_cuda_array(torch.zeros(1, dtype=torch.int32, device="cuda"))
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        fastpath.clear()
        with recorded_launches() as launches:  # (the fast path's launch is not recorded:
            # kv_lens as a list of full lengths takes the planned route, the same mask)
            apply_causal_mask(x, kv_lens=[shape[3]] * shape[0], backend="cuda")
        torch.cuda.synchronize()
        ok = torch.equal(x.view(torch.uint8), want.view(torch.uint8))
        _, plan, stream, family = launches[-1]
        args = tuple(plan.args[a.name] for a in family.args)
        rows = {"product (the public call)": (lambda: apply_causal_mask(x, backend="cuda"), ok)}
        for label, extra in (("rebuilt as it is", ()),
                             ("no edge copies (NOT valid)",
                              (("copy16", _void_intrinsic(4, "copy16")),)),
                             ("no stores (reads and index work only)",
                              (("store_v4", _void_intrinsic(6, "store_v4")),))):
            built = kc.build(uncached, family.gpu_kernel, family.gpu_helper_list("cuda") + extra,
                             STRUCTURE=label, **family.variant(plan.constants, False))
            go = built[plan.grid, plan.block, stream or 0, plan.shared]
            run = (lambda go=go: go(*args))
            rows[label] = (run, leaves_want(run, x, before, want))
        name, n_rows, item, words = case_layout(x)
        fill = fill_u32_of(x)
        flat = word_view(backend, x)
        pos = (np.int64(shape[3] - shape[2]), np.int64(shape[2]))
        geo = (np.int64(words), np.int64(n_rows), np.uint32(fill), *pos)
        bound_geo = (np.int64(words), np.int64(n_rows), np.uint32(0xFF800000), *pos)
        grids = ((660, 8), (1320, 4))
        bound = tail_bound(backend, helpers, item, n_rows)
        rows["bound: stores alone (tails rounded up to a sector, NOT valid)"] = (
            lambda: bound(flat, *bound_geo), False)
        for blocks, warps in grids:
            strided = kc.build(backend, tail_strided_kernel, helpers, WARPS_T=warps, ALIGN=32,
                               ITEM=item)[blocks, (32, warps)]
            rows[f"bound on the product's grid ({blocks} blocks of {warps} warps, rows "
                 f"strided; NOT valid)"] = (lambda k=strided: k(flat, *bound_geo), False)
        staged_helpers = helpers + (edge_word, region_after, whole_from, stage_regions,
                                    edge_region16)
        cases = ([(1, 2, g, "edges copied first, edge sector not written: NOT valid")
                  for g in grids]
                 + [(0, 2, g, "edges copied first, edge sector after the row") for g in grids]
                 + [(2, 2, g, "first rows written while the edges are copied") for g in grids]
                 + [(3, ec, g, f"edge region of {16 * ec} bytes first, then the row")
                    for ec, g in ((2, grids[0]), (4, grids[0]), (4, grids[1]), (8, grids[1]))])
        for mode, ec, (blocks, warps), what in cases:
            rb = -(-n_rows // blocks)
            if 4 * ec * rb * 4 * -(-blocks // 132) > 220 * 1024:
                continue  # the regions of a wave do not fit in shared memory
            staged = kc.build(backend, tail_staged_kernel, staged_helpers, WARPS_T=warps,
                              MODE=mode, EC=ec, SH_T=4 * ec * rb, ITEM=item)[blocks, (32, warps)]
            run = (lambda k=staged: k(flat, *geo))
            rows[f"staged, {what}, {blocks} blocks of {warps} warps"] = (
                run, leaves_want(run, x, before, want))
        reads = kc.build(backend, sector_reads_kernel, helpers, WHERE=0, EVERY=1, ITEM=item)[
            -(-n_rows // 256), 256]
        rows["the edge sectors' reads alone (a thread a row)"] = (
            lambda: reads(flat, sink, np.int64(words), np.int64(n_rows), *pos), False)
        for label, (run, valid) in rows.items():
            ms = gpu_ms(run)
            print(f"{name} {label}: {ms * 1e3:.1f} us  floor {floor_ms * 1e3:.1f}  ratio "
                  f"{floor_ms / ms:.3f}{'  (valid)' if valid else ''}", flush=True)
        del x, before, want, flat


def gather_edges_kernel(u, scratch, offset, seq_len):
    """EDGE EXPERIMENT, pass 1: the 32-byte sector in which each row's masked tail
    starts (when it starts inside one), read into ``scratch`` [rows, 8] (uint32).
    ``u``: the rows as [rows, words] uint32; a thread per word of a sector, so a
    warp reads four rows' edge sectors at once and nothing else is read."""
    t = int64(gpu.blockIdx.x) * int64(gpu.blockDim.x) + int64(gpu.threadIdx.x)
    r = t // 8
    i = t - r * 8
    if r < u.shape[0]:
        cache_len = u.shape[1] * EPW
        hi = max(min(r % seq_len + offset + 1, cache_len), 0)
        per_sector = 8 * EPW
        if hi % per_sector != 0:
            scratch[r, i] = u[r, (hi // per_sector) * 8 + i]


def fill_edges_kernel(u, w, scratch, fill_word, fill_u32, offset, seq_len):
    """EDGE EXPERIMENT, pass 2: every whole masked sector as 8-byte words (as the
    sector experiment), and each row's edge sector written once, whole, from
    ``scratch`` (its kept keys' bits, the rest fill) by 8 lanes: no partial sector
    store and no read of the row (only of scratch, 32 bytes a row, in L2)."""
    lane = int64(gpu.threadIdx.x)
    r = int64(gpu.blockIdx.x) * ROWS + int64(gpu.threadIdx.y)
    if r < u.shape[0]:
        words = w.shape[1]
        cache_len = u.shape[1] * EPW
        hi = max(min(r % seq_len + offset + 1, cache_len), 0)
        per_sector = 8 * EPW
        first = (hi + per_sector - 1) // per_sector * 4  # first whole sector, in 8-byte words
        wrow = w[r]
        for j in range(first - first % LANES + lane, words, LANES):
            if j >= first:
                wrow[j] = fill_word
        if hi % per_sector != 0 and lane < 8:
            base = (hi // per_sector) * per_sector + lane * EPW  # first element of this word
            m = uint32(0)
            for e in range(EPW):
                if base + e >= hi:
                    m |= uint32((1 << (32 // EPW)) - 1) << uint32(e * (32 // EPW))
            word = scratch[r, lane]
            u[r, (hi // per_sector) * 8 + lane] = (word & ~m) | (fill_u32 & m)


def run_edges(x, rows, offset=None):
    """The two passes of the edge experiment on contiguous ``x``: launchers
    {"both", "gather", "fill"} sharing one scratch buffer."""
    backend = get_backend("cuda")
    shape = x.shape
    n_rows = shape[0] * shape[1] * shape[2]
    item = x.element_size()
    epw = 4 // item
    fill = np.array(-np.inf, dtype={2: np.float16, 4: np.float32}[item]) \
        .view({2: np.uint16, 4: np.uint32}[item])[()]
    if x.dtype == torch.bfloat16:
        fill = np.uint16(0xFF80)
    fill_u32 = np.array([fill] * epw, dtype=fill.dtype).view(np.uint32)[0]
    fill_word = np.array([fill_u32] * 2, dtype=np.uint32).view(np.uint64)[0]
    u = backend.gpu.from_cuda_array_interface(dict(
        x.view(torch.int32).__cuda_array_interface__, typestr="<u4",
        shape=(n_rows, shape[3] // epw), strides=None, stream=None), owner=x, sync=False)
    w = backend.gpu.from_cuda_array_interface(dict(
        x.view(torch.int64).__cuda_array_interface__, typestr="<u8",
        shape=(n_rows, shape[3] // (2 * epw)), strides=None, stream=None), owner=x, sync=False)
    scratch_t = torch.empty((n_rows, 8), dtype=torch.int32, device="cuda")
    scratch = backend.gpu.from_cuda_array_interface(dict(
        scratch_t.__cuda_array_interface__, typestr="<u4", stream=None), owner=scratch_t,
        sync=False)
    offset = shape[3] - shape[2] if offset is None else offset
    gather = kc.build(backend, gather_edges_kernel, EPW=epw)[-(-n_rows * 8 // 256), 256]
    fill_k = kc.build(backend, fill_edges_kernel, LANES=32, ROWS=rows, EPW=epw)[
        -(-n_rows // rows), (32, rows)]
    seq_len = shape[2]

    def gather_pass():
        gather(u, scratch, offset, seq_len)

    def fill_pass():
        fill_k(u, w, scratch, fill_word, fill_u32, offset, seq_len)

    def both():
        gather_pass()
        fill_pass()
    return {"both": both, "gather": gather_pass, "fill": fill_pass}


def fill_u32_of(x):
    """-inf in ``x``'s dtype, repeated to fill one 32-bit word."""
    return {4: 0xFF800000, 2: 0xFC00FC00}[x.element_size()] if x.dtype != torch.bfloat16 \
        else 0xFF80FF80


def case_layout(x):
    """(printed name, rows, bytes a key, 32-bit words a row) of a [b, h, s, l] case."""
    shape = tuple(x.shape)
    return (f"{'x'.join(map(str, shape)):>16} {str(x.dtype)[6:]:>8}",
            shape[0] * shape[1] * shape[2], x.element_size(), shape[3] * x.element_size() // 4)


def word_view(backend, x):
    """The contiguous CUDA tensor ``x`` as one flat numba device array of its uint32
    words (zero-copy, on no stream)."""
    return backend.gpu.from_cuda_array_interface(dict(
        x.view(torch.int32).__cuda_array_interface__, typestr="<u4",
        shape=(x.numel() * x.element_size() // 4,), strides=None, stream=None), owner=x,
        sync=False)


def row_args(x):
    """(geo, pos, fill) that the tool's row kernels take for a [b, h, s, l] case ``x``:
    (32-bit words a row, rows), (offset, seq_len) of the default bottom-right mask,
    and the fill as one uint32 word."""
    _, n_rows, _, words = case_layout(x)
    shape = x.shape
    return ((np.int64(words), np.int64(n_rows)),
            (np.int64(shape[3] - shape[2]), np.int64(shape[2])), np.uint32(fill_u32_of(x)))


def edge_scratch(backend, n_rows):
    """(tensor, uint32 device view) of a zeroed scratch buffer of 8 words a row: one
    edge sector each."""
    tensor = torch.zeros(n_rows * 8, dtype=torch.int32, device="cuda")
    return tensor, word_view(backend, tensor)


def fill_floor_timer():
    """(timer, fill GB/s measured now), the header line printed."""
    timer = TorchTimer(repeats=30, warmup=3)
    fill_gbps = BenchContext(get_backend("cuda"), timer).fill_gbps()
    print(f"{torch.cuda.get_device_name()} fill bandwidth {fill_gbps:.0f} GB/s, "
          f"{time.strftime('%Y-%m-%d')}", flush=True)
    return timer, fill_gbps


def leaves_want(run, x, before, want) -> bool:
    """Whether one ``run()`` from ``before`` leaves ``x`` bit for bit ``want``."""
    x.copy_(before)
    run()
    torch.cuda.synchronize()
    return torch.equal(x.view(torch.uint8), want.view(torch.uint8))


def checked_ms(run, x, before, want, timer):
    """(leaves_want, then the time of ``run`` in ms by ``timer``)."""
    return leaves_want(run, x, before, want), timer(run)


def package_args(x, backend, scalars):
    """The package's kernel arguments for ``x`` (a contiguous [b, h, s, l] CUDA tensor,
    viewed as unsigned keys; no word view, no kv_lens or q_offsets) and
    mask.plan_launch's ``scalars``."""
    from numba_causal.arrays import no_words

    item = x.element_size()
    s = backend.gpu.from_cuda_array_interface(dict(
        x.view({2: torch.int16, 4: torch.int32}[item]).__cuda_array_interface__,
        typestr=f"<u{item}", stream=None), owner=x, sync=False)
    none = backend.gpu.to_device(np.zeros(1, np.int64))
    return (s, no_words(backend), scalars["fill"], scalars["fill_word"], scalars["offset"],
            scalars["window"], none, none)


def report_runs(name, runs, x, before, want, floor_ms):
    """Each of ``runs`` ({label: (run, valid)}) checked against ``want`` and timed on
    the GPU alone (gpu_ms), a line each: µs and floor/time, WRONG where a valid run
    left other bits than ``want``."""
    for label, (run, valid) in runs.items():
        ok, ms = checked_ms(run, x, before, want, gpu_ms)
        print(f"{name} {label}: {ms * 1e3:.1f} us  ratio {floor_ms / ms:.3f}"
              f"{'' if ok or not valid else '  WRONG'}", flush=True)


def mask_case(shape, dtype, fill_gbps):
    """(x, its original values, the masked result wanted, the fill floor in ms) of a
    fresh random case (default bottom-right causal mask)."""
    x = torch.randn(shape, device="cuda", dtype=dtype)
    before = x.clone()
    q = torch.arange(shape[2], device="cuda")[:, None] + shape[3] - shape[2]
    where = torch.arange(shape[3], device="cuda")[None, :] > q
    want = before.masked_fill(where, float("-inf"))
    return x, before, want, masked_count(shape) * x.element_size() / (fill_gbps * 1e6)


def edges_main():
    """The edge experiment against the product kernel, per shape: both passes (a
    valid mask: checked bit for bit), and each pass alone, against the fill floor."""
    timer, fill_gbps = fill_floor_timer()
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        for kind, rows in [("product", 4), ("edges both", 8), ("edges both", 4),
                           ("edges gather", 8), ("edges fill", 8)]:
            x.copy_(before)
            if kind == "product":
                fn = run_variant("product", x, 1, rows)
            else:
                passes = run_edges(x, rows)
                fn = passes[kind.split()[1]]
                if kind == "edges fill":
                    passes["gather"]()  # the fill reads what this gather leaves
            fn()
            torch.cuda.synchronize()
            ok = torch.equal(x.view(torch.uint8), want.view(torch.uint8))
            ms = timer(fn)
            print(f"{'x'.join(map(str, shape)):>16} {str(dtype):>15} {kind:>12} rows {rows:2d}: "
                  f"{ms:.4f} ms  floor {floor_ms:.4f}  ratio {floor_ms / ms:.3f}"
                  f"{'' if ok or kind == 'edges gather' else '  WRONG'}", flush=True)
        del x, before, want


def edges16_main(only=("",)):
    """Valid masks with every store whole sectors (16-byte chunks): the edge sectors
    read first -- by a launch of their own into a scratch buffer (two passes), or
    by each block into shared memory before its stores (fused, RB rows a block) --
    against the product. Bit-exact against the definition. ``only``: run the variants
    whose label holds one of these words (and the product)."""
    timer, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    helpers = intrinsics.device_primitives("cuda") + (first_masked, read_edge, edge_word,
                                                      write_row16, stage_edges) + hinted_stores(
                                                          "", "")
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        name = f"{'x'.join(map(str, shape)):>16} {str(dtype)[6:]:>8}"
        n_rows = shape[0] * shape[1] * shape[2]
        words = shape[3] * x.element_size() // 4
        item = x.element_size()
        flat = word_view(backend, x)
        scratch_t, scratch = edge_scratch(backend, n_rows)
        fill = fill_u32_of(x)
        fill_u32 = np.uint32(fill)
        offset = np.int64(shape[3] - shape[2])
        common = (np.int64(words), np.int64(n_rows))
        gather = kc.build(backend, gather16_kernel, helpers, ITEM=item)[-(-n_rows // 256), 256]
        runs = {}
        for rows in (4, 8):
            fill_k = kc.build(backend, fill16_kernel, helpers, ROWS=rows, ITEM=item)[
                -(-n_rows // rows), (32, rows)]
            runs[f"two passes, rows {rows}"] = (lambda fk=fill_k: (
                gather(flat, scratch, *common, offset, np.int64(shape[2])),
                fk(flat, scratch, *common, fill_u32, offset, np.int64(shape[2]))))
        runs["gather alone"] = lambda: gather(flat, scratch, *common, offset, np.int64(shape[2]))
        # 46 registers a thread (ptxas): 5 blocks of 8 warps or 2 of 16 per SM are
        # resident, so 660 and 264 blocks are one wave on an H200's 132 SMs
        one_wave = [(-(-n_rows // 660), 8), (-(-n_rows // 264), 16)]
        for strided in (False, True):
            for rb, warps in ([(32, 8), (256, 8)] if not strided else []) + one_wave:
                fused = kc.build(backend, fused16_kernel, helpers, RB=rb, WARPS_N=warps,
                                 SH_WORDS=8 * rb, ITEM=item, STRIDED=strided)[
                    -(-n_rows // rb), (32, warps)]
                runs[f"fused{' strided' if strided else ''}, {rb} rows x {warps} warps a block"] = (
                    lambda f=fused: f(flat, *common, fill_u32, offset, np.int64(shape[2])))
        for (rb, warps), pb in [(w, pb) for w in one_wave for pb in (16, 32, 64)]:
            pipe = kc.build(backend, fusedp16_kernel, helpers, RB=rb, WARPS_N=warps, PB=pb,
                            SH_WORDS=8 * rb, ITEM=item)[-(-n_rows // rb), (32, warps)]
            runs[f"pipelined, {rb} rows x {warps} warps a block, batches of {pb}"] = (
                lambda f=pipe: f(flat, *common, fill_u32, offset, np.int64(shape[2])))
        fn = run_variant("product", x, 1, 4)
        runs = dict([("product", fn)] + list(runs.items()))
        for label, run in runs.items():
            if label != "product" and not any(w in label for w in only):
                continue
            ok, ms = checked_ms(run, x, before, want, timer)
            print(f"{name} {label}: {ms:.4f} ms  floor {floor_ms:.4f}  ratio {floor_ms / ms:.3f}"
                  f"{'' if ok or label == 'gather alone' else '  WRONG'}", flush=True)
        del x, before, want, flat, scratch, scratch_t


def options_main():
    """The package's mask with window= and kv_lens= (two edge sectors a row, per-row
    lengths) against plain causal, per byte written: each case checked bit for bit
    against ``masked_fill`` of its own boolean mask, then timed; the floor is the
    case's masked bytes at the fill bandwidth of this run."""
    from numba_causal import apply_causal_mask

    timer, fill_gbps = fill_floor_timer()
    shape = (4, 32, 2048, 2048)
    q = torch.arange(shape[2], device="cuda")[:, None] + shape[3] - shape[2]
    k = torch.arange(shape[3], device="cuda")[None, :]
    kv_lens = torch.randint(shape[3] // 2, shape[3] + 1, (shape[0],), device="cuda")
    cases = {"plain causal": (dict(), k > q),
             "window=1024": (dict(window=1024), (k > q) | (k <= q - 1024)),
             "window=64": (dict(window=64), (k > q) | (k <= q - 64)),
             "kv_lens": (dict(kv_lens=kv_lens),
                         (k > q) | (k[None, None] >= kv_lens[:, None, None, None]))}
    for dtype in (torch.float32, torch.float16):
        plain_gbps = None
        for label, (options, where) in cases.items():
            x = torch.randn(shape, device="cuda", dtype=dtype)
            want = x.masked_fill(where, float("-inf"))
            apply_causal_mask(x, **options)
            torch.cuda.synchronize()
            ok = torch.equal(x.view(torch.uint8), want.view(torch.uint8))
            nbytes = int(where.expand(shape).sum().item()) * x.element_size()
            ms = timer(lambda: apply_causal_mask(x, **options))
            gbps = nbytes / ms / 1e6
            plain_gbps = plain_gbps or gbps
            print(f"{str(dtype)[6:]:>8} {label:>14}: {ms:.4f} ms  floor/ours "
                  f"{nbytes / (fill_gbps * 1e6) / ms:.3f}  {gbps:.0f} GB/s  per byte vs plain "
                  f"{gbps / plain_gbps:.2f}x{'' if ok else '  WRONG'}", flush=True)
            del x, want


def bounds_main():
    """How close ANY valid mask can get (issue 12 item 3): the product against
    (1) torch's in-place ``tril_`` (writes zeros to exactly the masked keys of a
    square causal mask: the same stores a user's own kernel makes), (2) the bound
    experiment (tail_kernel) with each row's tail rounded up to 16, 32, 64, 128,
    512 bytes (>= 32: no sector is read back; invalid masks, timed for the bound
    only), (3) every key of every row written (a plain fill through the same
    kernel shape). Ratios are to the fill floor of the masked bytes."""
    timer, fill_gbps = fill_floor_timer()
    backend = get_backend("cuda")
    helpers = intrinsics.device_primitives("cuda") + (first_masked, rounded_tail)
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        name = f"{'x'.join(map(str, shape)):>16} {str(dtype)[6:]:>8}"
        fn = run_variant("product", x, 1, 4)
        fn()
        torch.cuda.synchronize()
        ok = torch.equal(x.view(torch.uint8), want.view(torch.uint8))
        ms = timer(fn)
        print(f"{name} product (valid{'' if ok else ', WRONG'}): {ms:.4f} ms  "
              f"floor {floor_ms:.4f}  ratio {floor_ms / ms:.3f}", flush=True)
        if shape[2] == shape[3]:
            x.copy_(before)
            x.tril_()
            torch.cuda.synchronize()
            ok = torch.equal(x.view(torch.uint8),
                             before.masked_fill(want.isneginf() & ~before.isneginf(), 0)
                             .view(torch.uint8))
            ms = timer(lambda: x.tril_())
            print(f"{name} torch tril_ (in place, zeros{'' if ok else ', NOT the mask pattern'}"
                  f"): {ms:.4f} ms  ratio {floor_ms / ms:.3f}", flush=True)
        n_rows = shape[0] * shape[1] * shape[2]
        words = shape[3] * x.element_size() // 4
        flat = word_view(backend, x)
        for align, offset in [(16, 0), (32, 0), (64, 0), (128, 0), (512, 0),
                              (32, -shape[3])]:
            k = kc.build(backend, tail_kernel, helpers, ROWS=4, ALIGN=align,
                         ITEM=x.element_size())[-(-n_rows // 4), (32, 4)]
            args = (flat, np.int64(words), np.int64(n_rows), np.uint32(0xFF800000),
                    np.int64(offset), np.int64(shape[2]))
            ms = timer(lambda: k(*args))
            what = "every key of every row (a fill)" if offset < 0 else \
                f"tails rounded up to {align:3d} bytes"
            written = n_rows * words * 4 if offset < 0 else None
            extra = f"  {written / ms / 1e6:.0f} GB/s" if written else ""
            print(f"{name} bound: {what}: {ms:.4f} ms  ratio {floor_ms / ms:.3f}{extra}",
                  flush=True)
        del x, before, want, flat


def run_variant(kind, x, warps, rows, offset=None):
    backend = get_backend("cuda")
    lanes = 32 * warps
    shape = x.shape
    grid = kc.fold_grid(backend, -(-shape[2] // rows), shape[1], shape[0])
    bits = {2: torch.int16, 4: torch.int32, 8: torch.int64}[x.element_size()]
    typ = {2: "<u2", 4: "<u4", 8: "<u8"}[x.element_size()]
    fill = np.array(-np.inf, dtype={2: np.float16, 4: np.float32, 8: np.float64}[x.element_size()]) \
        .view({2: np.uint16, 4: np.uint32, 8: np.uint64}[x.element_size()])[()]
    if x.dtype == torch.bfloat16:
        fill = np.uint16(0xFF80)
    cai = dict(x.view(bits).__cuda_array_interface__, typestr=typ, stream=None)
    s = backend.gpu.from_cuda_array_interface(cai, owner=x, sync=False)
    offset = shape[3] - shape[2] if offset is None else offset
    if kind == "product":
        mask.LAUNCH["cuda"] = (warps, rows)
        from numba_causal import apply_causal_mask
        return lambda: apply_causal_mask(x, backend="cuda", offset=offset)
    if kind in ("seed", "aligned"):
        source = seed_kernel if kind == "seed" else aligned_kernel
        k = kc.build(backend, source, LANES=lanes, ROWS=rows)
        launch = k[grid, (lanes, rows)]
        return lambda: launch(s, fill, offset)
    word = 8 // x.element_size()
    wcai = dict(cai, typestr="<u8", shape=shape[:3] + (shape[3] // word,),
                strides=tuple(st * x.element_size() for st in x.stride()[:3]) + (8,))
    w = backend.gpu.from_cuda_array_interface(wcai, owner=x, sync=False)
    fill_word = np.array([fill] * word, dtype=fill.dtype).view(np.uint64)[0]
    source = {"wide": wide_kernel, "wide4": wide4_kernel, "sweep": sweep_kernel,
              "sector-experiment": sector_kernel}[kind]
    k = kc.build(backend, source, (partial_words,), LANES=lanes, ROWS=rows, WORD=word)
    launch = k[grid, (lanes, 1 if kind == "sweep" else rows)]
    return lambda: launch(s, w, fill, fill_word, offset)


# (variant, warps of lanes per row, rows per block). "product" is numba_causal's own
# kernel (lane chunks aligned, whole 8-byte words where the layout allows).
VARIANTS = [("seed", 1, 1), ("aligned", 1, 8), ("wide", 1, 8),
            ("product", 1, 1), ("product", 1, 4), ("product", 1, 8), ("product", 1, 16),
            ("product", 2, 4), ("product", 2, 8), ("product", 4, 2), ("product", 4, 4),
            ("wide4", 1, 8), ("wide4", 2, 4), ("sweep", 8, 8), ("sweep", 4, 16),
            ("sector-experiment", 1, 8)]
SHAPES = [((4, 32, 2048, 2048), torch.float32), ((4, 32, 2048, 2048), torch.float16),
          ((4, 32, 2048, 2048), torch.bfloat16), ((1, 8, 8192, 8192), torch.float32)]


#: rows_in_flight_main's small cases: grids the GPU holds at once, or nearly
SMALL_SHAPES = [((1, 1, 4096, 4096), torch.float32), ((1, 1, 4096, 4096), torch.float16),
                ((1, 32, 1024, 1024), torch.float32), ((8, 32, 16, 4096), torch.float16),
                ((1, 8, 2048, 2048), torch.bfloat16)]
#: ... ``rows-in-flight short``: a few queries over a long cache (chunked prefill,
#: speculative decoding), from nearly nothing masked a row to a few KB
SHORT_SHAPES = [((8, 32, s, 4096), dtype) for s in (4, 16, 64, 256, 1024)
                for dtype in (torch.float16, torch.float32)] + [
    ((1, 32, s, 32768), torch.float16) for s in (16, 256)]


def main():
    timer, fill_gbps = fill_floor_timer()
    results = []
    for shape, dtype in SHAPES:
        x, before, want, floor_ms = mask_case(shape, dtype, fill_gbps)
        for kind, warps, rows in VARIANTS:
            x.copy_(before)
            fn = run_variant(kind, x, warps, rows)
            fn()
            torch.cuda.synchronize()
            ok = torch.equal(x.view(torch.uint8), want.view(torch.uint8)) \
                or kind == "sector-experiment"  # knowingly incomplete
            ms = timer(fn)
            row = dict(shape=shape, dtype=str(dtype), variant=kind, lanes=32 * warps, rows=rows,
                       ms=ms, floor_ms=floor_ms, ratio=floor_ms / ms, correct=ok)
            results.append(row)
            print(f"{'x'.join(map(str, shape)):>16} {str(dtype):>15} {kind:>8} lanes {32 * warps:4d} "
                  f"rows {rows:2d}: {ms:.4f} ms  floor {floor_ms:.4f}  ratio {floor_ms / ms:.3f}"
                  f"{'' if ok else '  WRONG'}", flush=True)
        del x, before, want
    # every key masked: the same kernel as a plain fill, against torch's fill_
    x = torch.randn((4, 32, 2048, 2048), device="cuda")
    fn = run_variant("product", x, 1, 8, offset=-2048)
    ms, ms_torch = timer(fn), timer(lambda: x.fill_(float("-inf")))
    gb = x.numel() * 4 / 1e6
    print(f"all keys masked 4x32x2048x2048 fp32: product {ms:.4f} ms ({gb / ms:.0f} GB/s), "
          f"torch fill_ {ms_torch:.4f} ms ({gb / ms_torch:.0f} GB/s)")
    results.append(dict(variant="all-masked", ms=ms, torch_fill_ms=ms_torch))
    mask.LAUNCH["cuda"] = (1, 8)
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as fh:
            json.dump(dict(fill_gbps=fill_gbps, device=torch.cuda.get_device_name(), rows=results),
                      fh, indent=1)


#: subcommands (the module docstring lists them); none: main()
COMMANDS = {"edges": edges_main, "bounds": bounds_main, "options": options_main,
            "sector-reads": sector_reads_main, "twopass": twopass_main,
            "structure": structure_main, "prefetch": prefetch_main,
            "threepass": threepass_main, "split": split_main, "fed": fed_main,
            "rows-in-flight": rows_in_flight_main, "persist": persist_main,
            "index": index_main, "lines": lines_main, "fed-package": fed_package_main,
            "edges16": lambda: edges16_main(tuple(sys.argv[2:]) or ("",))}  # [words]

if __name__ == "__main__":
    COMMANDS.get(sys.argv[1] if len(sys.argv) > 1 else "", main)()
