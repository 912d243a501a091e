"""Is the fused softmax's ``window=`` gap per byte in its memory traffic or in its
work? (issue 12: ``window=`` and ``kv_lens=`` no slower than plain causal per byte)

    python3 tools/gpu/window_pattern.py [ROUNDS] > out.txt

On [4, 32, 2048, 2048] float16 and float32 rows (plain causal, ``window=1024``,
``kv_lens`` uniform in [1024, 2048]) times, each on the GPU alone (calls queued behind
a sleeping kernel, CUDA events):

* ``package``: ``causal_softmax`` itself (out=, the cuda backend);
* ``traffic``: a kernel with nothing but the package's memory traffic, on its launch
  (blocks of 64 lanes x 2 rows, 16-byte chunks dealt to lanes as the package deals
  them, CHUNK chunks a lane): each row's chunks that hold kept keys are loaded, then
  every chunk of the row is stored (the loaded words where kept, zeros elsewhere). No
  barrier, no arithmetic;
* ``traffic+barrier``: the same with a block barrier between the loads and the
  stores (the package's stores wait for its row reductions, hence for every load of
  the block);
* ``stores only`` and ``loads only``: each half of that traffic alone (its GB/s over
  the bytes of that half);

each with the SM held to the package's 9 blocks (16-bit rows; float32 7) by
dynamic shared memory, as its launch bound holds the package (``free``: not held).
Bytes = kept keys read + every key written (the benchmark's count). Prints GB/s and
each option's GB/s over plain causal's for each kernel: if the traffic alone shows
the same ratio as the package, the gap is the access pattern's (the memory system's
per-row cost), not the kernel's work. H100, 2026-12-05: it does (docs/benchmarks.md).
"""

from __future__ import annotations

import statistics
import sys

import torch
from numba import cuda, int32, uint32
from numba.cuda.extending import intrinsic

from numba_causal import intrinsics
from numba_causal.benchkit import queued_gpu_ms
import numba_causal as nc

load_v4 = intrinsic(intrinsics._make_load_vec(4))
store_v4 = intrinsic(intrinsics._store_v4)


KERNEL = """
def traffic(s, out, window, kv_lens, use_kv):
    b, h = cuda.blockIdx.z, cuda.blockIdx.y
    q = cuda.blockIdx.x * 2 + cuda.threadIdx.y
    lane = int32(cuda.threadIdx.x)
    seq_len, cache_len = s.shape[2], s.shape[3]
    kv_len = kv_lens[b] if use_kv else cache_len
    pos = q + (cache_len - seq_len)
    hi = min(pos + 1, kv_len)
    lo = max(pos - window + 1, 0) if window > 0 else 0
    lo_w, hi_w = int32(lo // VEC), int32((hi + VEC - 1) // VEC)
    row, out_row = s[b, h, q], out[b, h, q]
    raw = cuda.local.array(RAW, uint32)
    for j in range(CHUNK):
        w = lane + j * 64
        if LOADS and lo_w <= w and w < hi_w:
            t = load_v4(row, uint32(w * VEC))
            raw[4 * j] = t[0]
            raw[4 * j + 1] = t[1]
            raw[4 * j + 2] = t[2]
            raw[4 * j + 3] = t[3]
        else:
            raw[4 * j] = raw[4 * j + 1] = raw[4 * j + 2] = raw[4 * j + 3] = uint32(0)
    if BARRIER:
        cuda.syncthreads()
    if STORES:
        for j in range(CHUNK):
            w = lane + j * 64
            store_v4(out_row, uint32(w * VEC), raw[4 * j], raw[4 * j + 1], raw[4 * j + 2],
                     raw[4 * j + 3])
    else:  # keep the loads: a store no row makes (the words' xor is never this)
        acc = uint32(0)
        for j in range(4 * CHUNK):
            acc ^= raw[j]
        if acc == uint32(0x9E3779B9) and lane == 9999:
            out_row[0] = 0
"""


def _kernels(vec, chunk, barrier, loads=True, stores=True):
    """The traffic kernel for ``vec`` keys a chunk, ``chunk`` chunks a lane (the
    constants baked into its text: a local array's size must be a literal)."""
    namespace = dict(cuda=cuda, int32=int32, uint32=uint32, load_v4=load_v4,
                     store_v4=store_v4, VEC=vec, CHUNK=chunk, RAW=4 * chunk,
                     BARRIER=barrier, LOADS=loads, STORES=stores)
    exec(KERNEL.replace("RAW", str(4 * chunk)), namespace)
    return cuda.jit(namespace["traffic"])


def copy_gbps():
    a = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    a.random_(0, 255)
    b = torch.empty_like(a)
    ms = queued_gpu_ms(lambda: b.copy_(a), n=10)
    return 2 * a.numel() / ms / 1e6


KERNELS = {  # name: (loads, barrier, stores, SM held as the package)
    "traffic": (True, False, True, True),
    "traffic+barrier": (True, True, True, True),
    "traffic+barrier free": (True, True, True, False),
    "stores only": (False, False, True, True),
    "loads only": (True, False, False, True),
}


def _calls(dtype, blocks, shape, options):
    """{(option, kernel): call} on fresh random scores of ``dtype``, and {option: bytes}."""
    batch, heads, seq_len, cache_len = shape
    itemsize = torch.empty(0, dtype=dtype).element_size()
    vec = 16 // itemsize
    chunk = cache_len // vec // 64
    x = torch.randn(shape, dtype=dtype, device="cuda")
    out = torch.empty_like(x)
    bits = x.view(torch.int16 if itemsize == 2 else torch.int32)
    obits = out.view(bits.dtype)
    shared = (228 * 1024) // blocks - 1024
    grid = (seq_len // 2, heads, batch)
    calls, nbytes = {}, {}
    for name, opts in options.items():
        ones = torch.ones(shape, dtype=torch.float16, device="cuda")
        kept = int(torch.isfinite(nc.apply_causal_mask(ones, **opts)).sum())
        del ones
        # the bytes each kernel must move: kept keys read, every key written (the halves:
        # what each moves)
        nbytes[name] = {"reads": kept * itemsize, "writes": x.numel() * itemsize}
        window = opts.get("window", 0)
        kv_dev = opts["kv_lens"].cuda() if "kv_lens" in opts else torch.zeros(1, dtype=torch.int64,
                                                                              device="cuda")
        use_kv = "kv_lens" in opts
        calls[name, "package"] = (
            lambda opts=opts: nc.causal_softmax(x, out=out, backend="cuda", **opts))
        for kname, (loads, barrier, stores, held) in KERNELS.items():
            kern = _kernels(vec, chunk, barrier, loads, stores)
            calls[name, kname] = (
                lambda kern=kern, held=held, window=window, kv_dev=kv_dev, use_kv=use_kv:
                kern[grid, (64, 2), 0, shared if held else 0](bits, obits, window, kv_dev,
                                                               use_kv))
        calls[name, "package"]()
        torch.cuda.synchronize()
    return calls, nbytes


def main(rounds=3):
    torch.manual_seed(0)
    print(torch.cuda.get_device_name(), flush=True)
    shape = (4, 32, 2048, 2048)
    kv = torch.randint(1024, 2049, (shape[0],), dtype=torch.int64)
    print(f"kv_lens {kv.tolist()}", flush=True)
    options = {"plain": {}, "window1024": {"window": 1024}, "kv_lens": {"kv_lens": kv}}
    gbps = {}
    for dtype, blocks in ((torch.float16, 9), (torch.float32, 7)):
        calls, nbytes = _calls(dtype, blocks, shape, options)
        for r in range(rounds):
            copy = copy_gbps()
            print(f"{dtype} round {r}: copy {copy:.0f} GB/s", flush=True)
            for (name, kname), fn in calls.items():
                ms = queued_gpu_ms(fn)
                moved = {"stores only": ("writes",), "loads only": ("reads",)}.get(
                    kname, ("reads", "writes"))
                rate = sum(nbytes[name][part] for part in moved) / ms / 1e6
                gbps.setdefault((str(dtype), kname, name), []).append(rate)
                print(f"  {kname:21s} {name:10s} {ms * 1000:8.1f} us {rate:7.0f} GB/s "
                      f"({rate / copy:.3f} of copy)", flush=True)
        del calls
        torch.cuda.empty_cache()
    print("\nmedian GB/s (bytes the package must move: kept keys read, every key written; "
          "the halves: what each moves); option over plain causal")
    for dt in ("torch.float16", "torch.float32"):
        for kname in ("package",) + tuple(KERNELS):
            med = {n: statistics.median(gbps[(dt, kname, n)]) for n in options}
            print(f"{dt} {kname:21s} plain {med['plain']:6.0f}  window1024 "
                  f"{med['window1024']:6.0f} ({med['window1024'] / med['plain']:.3f}x)  "
                  f"kv_lens {med['kv_lens']:6.0f} ({med['kv_lens'] / med['plain']:.3f}x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
