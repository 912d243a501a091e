"""The benchmark: ``python -m numba_causal bench`` (or ``numba-causal bench``).

For each shape and dtype it draws fresh random scores, checks our result against
an independent mask in full, then times ``apply_causal_mask`` (median of many
runs; device events on a GPU) and reports:

* the floor: bytes the kernel must write (only the masked elements) over the
  fill bandwidth measured in the same run, and floor / time;
* the peers a user would otherwise write — on a GPU with PyTorch,
  ``x.masked_fill_(bool_triu, -inf)`` and ``torch.compile`` of masked_fill with
  an iota mask; on the CPU, ``np.copyto(x, -inf, where=triu)`` — and our
  speed-up over each.

On a GPU it adds ``causal_softmax`` rows: checked against a float64 softmax,
floor = the kept triangle read once plus the matrix written once at a copy
bandwidth measured in the run; peers torch eager and torch.compile of
``softmax(masked_fill(scale * x))`` and a Triton row kernel (triton_peer.py),
each checked before it is timed.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .backends import NAMES, get_backend
from .dtypes import host_dtype
from .mask import apply_causal_mask

DEFAULT_SHAPES = {
    "gpu": [((4, 32, 2048, 2048), ("float32", "float16", "bfloat16")),
            ((8, 32, 1, 4096), ("float32",)),
            ((1, 8, 8192, 8192), ("float32",)),
            ((4096, 4096), ("float32",))],
    "cpu": [((4, 32, 1024, 1024), ("float32",)),
            ((8, 32, 1, 4096), ("float32",)),
            ((1, 4, 2048, 2048), ("float16",)),
            ((2048, 2048), ("float32",))],
    "quick": [((1, 4, 256, 256), ("float32", "float16")), ((256, 512), ("float32",))],
}
#: causal_softmax rows of the GPU sweep (scale 1/sqrt(128))
SOFTMAX_SHAPES = [((4, 32, 2048, 2048), ("float32", "float16", "bfloat16"))]
SOFTMAX_SCALE = 128 ** -0.5
ITEMSIZE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}


@dataclass
class Row:
    """One benchmark row; times in milliseconds, bandwidths in GB/s."""

    backend: str
    shape: tuple
    dtype: str
    ms: float
    floor_ms: float
    floor_ratio: float
    write_gbps: float
    peers: dict = field(default_factory=dict)  # name -> ms
    speedup: dict = field(default_factory=dict)  # name -> peer ms / our ms
    op: str = "mask"  # "mask" (apply_causal_mask) or "softmax" (causal_softmax)
    max_rel_error: float = 0.0  # softmax: max |ours - float64| / row max, checked before timing


def masked_count(shape) -> int:
    """Elements the causal mask must write (default bottom-right offset)."""
    *lead, seq_len, cache_len = shape
    offset = cache_len - seq_len
    q = np.arange(seq_len)
    per_row = np.clip(cache_len - (q + offset + 1), 0, cache_len)
    return int(per_row.sum()) * int(np.prod(lead or [1]))


def parse_shapes(text: str) -> list:
    """'4x32x2048x2048:float32,float16;4096x4096' -> [((4,32,2048,2048), (...)), ...]."""
    cases = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        dims, _, kinds = part.partition(":")
        shape = tuple(int(d) for d in dims.lower().split("x"))
        if len(shape) not in (2, 4):
            raise argparse.ArgumentTypeError(f"shape {dims!r} must have 2 or 4 dimensions")
        cases.append((shape, tuple(kinds.split(",")) if kinds else ("float32",)))
    return cases


def _progress(total: int, enabled: bool):
    try:
        if not enabled:
            raise ImportError
        from tqdm.auto import tqdm

        return tqdm(total=total, disable=not enabled, unit="case", file=sys.stderr)
    except ImportError:  # a minimal stand-in
        class Bar:
            n = 0

            def update(self, k=1):
                self.n += k
                if enabled:
                    print(f"\r[{self.n}/{total}]", end="", file=sys.stderr, flush=True)

            def set_description(self, _):
                pass

            def close(self):
                if enabled:
                    print(file=sys.stderr)
        return Bar()


# --- timing ------------------------------------------------------------------------

class CpuTimer:
    """Median wall time of ``fn()`` on the host."""

    def __init__(self, repeats=20, warmup=2):
        self.repeats, self.warmup = repeats, warmup

    def __call__(self, fn) -> float:
        for _ in range(self.warmup):
            fn()
        times = []
        for _ in range(self.repeats):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return 1e3 * float(np.median(times))


class TorchTimer:
    """Median time of ``fn()`` measured with CUDA events on the current stream.

    Each sample times ``inner`` back-to-back calls between two events (enough to
    span about a millisecond) and divides, so the host's launch cost overlaps the
    device work as it does in a real loop.
    """

    def __init__(self, repeats=50, warmup=5):
        import torch

        self.torch, self.repeats, self.warmup = torch, repeats, warmup

    def _events(self, fn, inner):
        torch = self.torch
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            fn()
        stop.record()
        stop.synchronize()
        return start.elapsed_time(stop) / inner

    def __call__(self, fn) -> float:
        for _ in range(self.warmup):
            fn()
        self.torch.cuda.synchronize()
        inner = max(1, min(100, int(1.0 / max(self._events(fn, 1), 1e-3))))
        return float(np.median([self._events(fn, inner) for _ in range(self.repeats)]))


# --- inputs and checks --------------------------------------------------------------

def _torch_dtype(torch, name):
    return getattr(torch, name)


def _gpu_case(shape, dtype):
    """Fresh random torch scores on the GPU and the independent expected mask."""
    import torch

    x = torch.randn(shape, device="cuda", dtype=_torch_dtype(torch, dtype))
    seq_len, cache_len = shape[-2:]
    q = torch.arange(seq_len, device="cuda")[:, None] + (cache_len - seq_len)
    k = torch.arange(cache_len, device="cuda")[None, :]
    return x, k > q


def _check_gpu(ours, before, where):
    import torch

    want = before.masked_fill(where, float("-inf"))
    bits = {2: torch.int16, 4: torch.int32, 8: torch.int64}[ours.element_size()]
    if not torch.equal(ours.view(bits), want.view(bits)):
        raise AssertionError("mask result differs from torch.masked_fill reference")


def _fill_bandwidth_gpu(timer) -> float:
    """GB/s of a large device fill (write only), measured now."""
    import torch

    buf = torch.empty(2**28, device="cuda", dtype=torch.float32)  # 1 GiB
    ms = timer(lambda: buf.fill_(float("-inf")))
    bw = buf.numel() * 4 / (ms * 1e6)
    del buf
    return bw


def _fill_bandwidth_cpu(timer) -> float:
    """GB/s of a large host fill (write only): the better of NumPy's fill and a
    parallel row-by-row fill, measured now."""
    from numba import njit, prange

    @njit(parallel=True)
    def parallel_fill(rows, value):
        for r in prange(rows.shape[0]):
            rows[r, :] = value

    buf = np.random.default_rng(0).standard_normal(2**27, dtype=np.float32)  # 512 MiB
    rows = buf.reshape(-1, 1024)
    best = min(timer(lambda: buf.fill(-np.inf)),
               timer(lambda: parallel_fill(rows, np.float32(-np.inf))))
    return buf.nbytes / (best * 1e6)


def _torch_peers(x, where, timer, use_compile=True):
    import torch

    peers = {"torch.masked_fill_": timer(lambda: x.masked_fill_(where, float("-inf")))}
    if use_compile:
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


def call_overhead_us(backend="auto", calls=2000) -> dict:
    """Host time per call (µs) on a tiny [1,1,8,8] input: ours vs the usual peer.

    Calls are issued back to back and synchronised once at the end, so this is the
    launch cost a Python loop pays, not kernel time.
    """
    chosen = get_backend(backend)
    if chosen.name in ("cuda", "hip"):
        import torch

        x = torch.randn(1, 1, 8, 8, device="cuda")
        where = torch.ones(8, 8, dtype=torch.bool, device="cuda").triu(1)
        sync = torch.cuda.synchronize
        fns = {"ours": lambda: apply_causal_mask(x, backend=chosen.name),
               "torch.masked_fill_": lambda: x.masked_fill_(where, float("-inf"))}
    else:
        x = np.random.default_rng().standard_normal((1, 1, 8, 8), dtype=np.float32)
        where = np.triu(np.ones((8, 8), bool), 1)
        sync = (lambda: None)
        fns = {"ours": lambda: apply_causal_mask(x, backend=chosen),
               "numpy.copyto": lambda: np.copyto(x, -np.inf, where=where)}
    out = {name: float("inf") for name in fns}
    for _trial in range(5):  # interleaved trials; the best of each
        for name, fn in fns.items():
            for _ in range(50):
                fn()
            sync()
            t = time.perf_counter()
            for _ in range(calls):
                fn()
            sync()
            out[name] = min(out[name], 1e6 * (time.perf_counter() - t) / calls)
    return out


_FIRST_CALL = '''
import time, sys
import torch
x = torch.randn(1, 1, 64, 64, device="cuda"); torch.cuda.synchronize()
want = x.masked_fill(torch.ones(64, 64, dtype=torch.bool, device="cuda").triu(1), float("-inf"))
t = time.perf_counter(); import numba_causal as nc; t_import = time.perf_counter() - t
t = time.perf_counter(); nc.apply_causal_mask(x, backend=sys.argv[1]); torch.cuda.synchronize()
t_call = time.perf_counter() - t
assert torch.equal(x, want), "first call gave a wrong mask"
print(t_import, t_call)
'''


def first_call_seconds(backend="cuda") -> dict:
    """Seconds of the first apply_causal_mask in a new process (torch and its CUDA
    context already up; ``import numba_causal`` timed apart): with an empty
    on-disk kernel cache, then warm."""
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = [subprocess.run([sys.executable, "-c", _FIRST_CALL, backend], env=env,
                               check=True, capture_output=True, text=True).stdout.split()[-2:]
                for _ in range(3)]
    imports, calls = [float(r[0]) for r in runs], [float(r[1]) for r in runs]
    return {"cold": calls[0], "warm": min(calls[1:]), "import": min(imports)}


# --- the sweep ---------------------------------------------------------------------

def run_benchmark(backend="auto", cases=None, repeats=None, progress=True, peers=True,
                  use_compile=True, softmax=None) -> dict:
    """Run the sweep; returns {"device": ..., "fill_gbps": ..., "rows": [Row, ...]}.

    ``softmax`` adds the causal_softmax rows (default: on a GPU, with the default sweep)."""
    chosen = get_backend(backend)
    on_gpu = chosen.name in ("cuda", "hip")
    softmax = (on_gpu and cases is None) if softmax is None else softmax
    if cases is None:
        cases = DEFAULT_SHAPES["gpu" if on_gpu else "quick" if chosen.name == "sim" else "cpu"]
    flat = [(shape, dtype) for shape, dtypes in cases for dtype in dtypes]
    if on_gpu:
        import torch

        timer = TorchTimer(repeats or 50)
        device = torch.cuda.get_device_name()
        fill_gbps = _fill_bandwidth_gpu(timer)
    else:
        timer = CpuTimer(repeats or (3 if chosen.name == "sim" else 10), warmup=1)
        device = f"{chosen.name} on host CPU"
        fill_gbps = _fill_bandwidth_cpu(CpuTimer(5, 1))
    rows = []
    bar = _progress(len(flat), progress)
    for shape, dtype in flat:
        bar.set_description(f"{'x'.join(map(str, shape))} {dtype}")
        rows.append(_bench_case(chosen, shape, dtype, timer, fill_gbps, on_gpu, peers, use_compile))
        bar.update(1)
    copy_gbps = None
    if on_gpu and softmax:
        copy_gbps = _copy_bandwidth_gpu(timer)
        for shape, dtype in [(sh, dt) for sh, dts in SOFTMAX_SHAPES for dt in dts]:
            rows.append(_bench_softmax(chosen, shape, dtype, timer, copy_gbps, peers, use_compile))
    bar.close()
    return {"backend": chosen.name, "device": device, "fill_gbps": fill_gbps,
            "copy_gbps": copy_gbps, "date": time.strftime("%Y-%m-%d"), "rows": rows}


def _copy_bandwidth_gpu(timer) -> float:
    """GB/s (bytes read + written) of a large device-to-device copy, measured now."""
    import torch

    src = torch.randn(2**28, device="cuda")
    dst = torch.empty_like(src)
    ms = timer(lambda: dst.copy_(src))
    del src, dst
    return 2 * 2**28 * 4 / (ms * 1e6)


def _max_rel_error(out, want) -> float:
    """max over rows of |out - want| / the row's largest probability (``want``: float64)."""
    return float(((out.double() - want).abs().amax(-1) / want.amax(-1)).max())


def _bench_softmax(chosen, shape, dtype, timer, copy_gbps, peers, use_compile) -> Row:
    """causal_softmax on the GPU: accuracy against float64 first, then time and peers.
    Floor: the kept lower triangle read once and the whole matrix written once."""
    import torch

    from .softmax import causal_softmax

    x, where = _gpu_case(shape, dtype)
    out = torch.full_like(x, float("nan"))
    causal_softmax(x, scale=SOFTMAX_SCALE, out=out, backend=chosen.name)
    want = torch.softmax((SOFTMAX_SCALE * x.double()).masked_fill(where, float("-inf")), -1)
    err = _max_rel_error(out, want)
    # 1e-6 for float32; 1e-3 for 16-bit, or one unit in the last place of the stored
    # output where that is coarser (bfloat16: 2**-8 relative)
    tolerance = {"float32": 1e-6, "float64": 1e-12, "float16": 1e-3, "bfloat16": 2.0**-8}[dtype]
    if not err <= tolerance:
        raise AssertionError(f"causal_softmax error {err:.2e} on {shape} {dtype}")
    ms = timer(lambda: causal_softmax(x, scale=SOFTMAX_SCALE, out=out, backend=chosen.name))
    item = ITEMSIZE[dtype]
    total = int(np.prod(shape))
    nbytes = (total - masked_count(shape)) * item + total * item
    peer_ms = {}
    if peers:
        def eager(t):
            return torch.softmax((SOFTMAX_SCALE * t).masked_fill(where, float("-inf")), -1)

        peer_ms["torch eager"] = timer(lambda: eager(x))
        if use_compile:
            compiled = torch.compile(eager, dynamic=False)
            peer_ms["torch.compile"] = timer(lambda: compiled(x))
        peer_ms.update(_triton_softmax_peer(x, out, want, timer))
    floor_ms = nbytes / (copy_gbps * 1e6)
    del x, out, want
    return Row(chosen.name, tuple(shape), dtype, ms, floor_ms, floor_ms / ms, nbytes / (ms * 1e6),
               peer_ms, {k: v / ms for k, v in peer_ms.items()}, op="softmax",
               max_rel_error=err)


def _triton_softmax_peer(x, out, want, timer) -> dict:
    """{"triton row kernel": ms} for the Triton code a user would write
    (triton_peer.py), checked first; {} where triton is not installed."""
    try:
        from .triton_peer import causal_softmax_triton
    except ImportError:
        return {}
    causal_softmax_triton(x, SOFTMAX_SCALE, out)
    err = _max_rel_error(out, want)
    if not err <= 2.0**-8:
        raise AssertionError(f"triton peer error {err:.2e}")
    return {"triton row kernel": timer(lambda: causal_softmax_triton(x, SOFTMAX_SCALE, out))}


def _bench_case(chosen, shape, dtype, timer, fill_gbps, on_gpu, peers, use_compile) -> Row:
    nbytes = masked_count(shape) * ITEMSIZE[dtype]
    if on_gpu:
        x, where = _gpu_case(shape, dtype)
        before = x.clone()
        apply_causal_mask(x, backend=chosen)
        _check_gpu(x, before, where)
        del before
        ms = timer(lambda: apply_causal_mask(x, backend=chosen.name))
        peer_ms = _torch_peers(x, where, timer, use_compile) if peers else {}
        del x, where
    else:
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
        if peers:
            peer_ms["numpy.copyto"] = timer(lambda: np.copyto(x, -np.inf, where=where))
    floor_ms = nbytes / (fill_gbps * 1e6)
    return Row(chosen.name, tuple(shape), dtype, ms, floor_ms, floor_ms / ms, nbytes / (ms * 1e6),
               peer_ms, {k: v / ms for k, v in peer_ms.items()})


def format_table(result: dict) -> str:
    """A Markdown table of the rows."""
    names = sorted({p for r in result["rows"] for p in r.peers})
    head = ["op", "shape", "dtype", "ours ms", "floor ms", "floor/ours", "GB/s"]
    head += [f"{n} ms" for n in names] + [f"vs {n}" for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in result["rows"]:
        ratio = f"{r.floor_ratio:.2f}" if r.floor_ms > 0 else "n/a (nothing to mask)"
        cells = [r.op, "x".join(map(str, r.shape)), r.dtype, f"{r.ms:.4f}", f"{r.floor_ms:.4f}",
                 ratio, f"{r.write_gbps:.0f}"]
        cells += [f"{r.peers[n]:.4f}" if n in r.peers else "-" for n in names]
        cells += [f"{r.speedup[n]:.2f}x" if n in r.speedup else "-" for n in names]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(result: dict, path: str) -> None:
    """Bar chart of effective write bandwidth per case, ours vs peers, with the fill line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    names = ["ours"] + sorted({p for r in rows for p in r.peers})
    labels = [f"{r.op}\n{'x'.join(map(str, r.shape))}\n{r.dtype}" for r in rows]
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(rows)), 4))
    for i, name in enumerate(names):
        vals = [r.write_gbps if name == "ours" else
                (r.write_gbps * r.ms / r.peers[name] if name in r.peers else 0) for r in rows]
        ax.bar(np.arange(len(rows)) + i * width, vals, width, label=name)
    ax.axhline(result["fill_gbps"], color="k", ls="--", lw=1, label="fill bandwidth (mask floor)")
    if result.get("copy_gbps"):
        ax.axhline(result["copy_gbps"], color="grey", ls=":", lw=1,
                   label="copy bandwidth (softmax floor)")
    ax.set_xticks(np.arange(len(rows)) + 0.4 - width / 2, labels, fontsize=8)
    ax.set_ylabel("bytes that must move / time (GB/s)")
    ax.set_title(f"numba_causal on {result['device']} ({result['date']})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    """Command-line entry: ``numba-causal bench [--backend B] [--shapes S] [--json F] [--plot F]``."""
    parser = argparse.ArgumentParser(prog="numba-causal bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="auto", choices=("auto",) + NAMES)
    parser.add_argument("--shapes", type=parse_shapes, default=None,
                        help="e.g. '4x32x2048x2048:float32,float16;4096x4096'")
    parser.add_argument("--quick", action="store_true", help="a small sweep (seconds, any machine)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per case")
    parser.add_argument("--no-peers", action="store_true", help="skip the PyTorch/NumPy peers")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile peer")
    parser.add_argument("--json", metavar="FILE", help="write the rows as JSON")
    parser.add_argument("--plot", metavar="FILE.png", help="write a bandwidth bar chart")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--overhead", action="store_true",
                        help="also time per-call host overhead and (GPU) the first call of a process")
    args = parser.parse_args(argv)
    cases = args.shapes or (DEFAULT_SHAPES["quick"] if args.quick else None)
    result = run_benchmark(args.backend, cases, args.repeats, not args.no_progress,
                           not args.no_peers, not args.no_compile)
    copy = f", copy bandwidth {result['copy_gbps']:.0f} GB/s" if result.get("copy_gbps") else ""
    print(f"numba_causal bench, backend {result['backend']} on {result['device']}, "
          f"{result['date']}; fill bandwidth {result['fill_gbps']:.0f} GB/s{copy}")
    print(format_table(result))
    if args.overhead:
        result["overhead_us"] = call_overhead_us(result["backend"])
        print("per-call host overhead, [1,1,8,8]: " +
              ", ".join(f"{k} {v:.1f} us" for k, v in result["overhead_us"].items()))
        if result["backend"] in ("cuda", "hip"):
            result["first_call_s"] = first_call_seconds(result["backend"])
            print("first call in a new process: cold cache {cold:.3f} s, warm cache {warm:.3f} s "
                  "(import numba_causal {import:.3f} s)".format(**result["first_call_s"]))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dict(result, rows=[asdict(r) for r in result["rows"]]), fh, indent=1)
    if args.plot:
        plot(result, args.plot)
    return 0 if all(math.isfinite(r.ms) for r in result["rows"]) else 1
