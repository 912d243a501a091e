"""Tune the mask kernel within its design, on a real GPU (cuda backend).

Each variant keeps the design -- grid (seq_len, heads, batch), lanes striding over
a row -- and changes one knob: lanes per row (a multiple of the warp), rows per
block, loop start aligned to the lane count, or wide (8-byte) stores through a
uint64 view of contiguous rows. Prints a table of time and fraction of the fill
floor per variant and shape; writes JSON to the path in argv[1] if given.

    python tools/gpu/tune_mask.py [out.json]
"""

import json
import sys
import time

import numpy as np
import torch
from numba import int64, uint32

import numba_causal.mask as mask
from numba_causal import compile as kc
from numba_causal.compile import GPU, compile_time
from numba_causal.backends import get_backend
from numba_causal.bench import BenchContext, TorchTimer, masked_count

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


def fill_floor_timer():
    """(timer, fill GB/s measured now), the header line printed."""
    timer = TorchTimer(repeats=30, warmup=3)
    fill_gbps = BenchContext(get_backend("cuda"), timer).fill_gbps()
    print(f"{torch.cuda.get_device_name()} fill bandwidth {fill_gbps:.0f} GB/s, "
          f"{time.strftime('%Y-%m-%d')}", flush=True)
    return timer, fill_gbps


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


if __name__ == "__main__":
    if sys.argv[1:2] == ["edges"]:
        edges_main()
    else:
        main()
