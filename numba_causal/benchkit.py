"""What every kernel family's benchmark uses (``op.Family.bench``, next to its
kernels): rows, the context of a run (backend, timer, peers, the bandwidths
measured in the same run), timers, and input and check helpers. The sweep, the
table and the command line are bench.py's.

The floor of a row is the bytes its kernel must move over the bandwidth
measured in the same run (a fill for ops that only write, a copy for ops that
read and write); floor / time is the fraction of the hardware's bandwidth
reached: 1.0 is the best possible, higher is better.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .backends import Backend

#: bytes per element of each dtype name
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
    op: str = "mask"  # the family's label: "mask", "softmax", ...
    max_rel_error: float = 0.0  # max |ours - float64| / row max, checked before timing


@dataclass
class BenchContext:
    """What a family's benchmark gets: the backend, the timer, whether to time
    peers (and torch.compile), and the bandwidths of this run (measured once, on
    first use)."""

    backend: Backend
    timer: object
    peers: bool = True
    use_compile: bool = True
    _bandwidth: dict = field(default_factory=dict)

    @property
    def on_gpu(self) -> bool:
        return self.backend.name in ("cuda", "hip")

    def fill_gbps(self) -> float:
        """GB/s of a large fill (write only), measured in this run."""
        if "fill" not in self._bandwidth:
            self._bandwidth["fill"] = (_fill_bandwidth_gpu(self.timer) if self.on_gpu
                                       else _fill_bandwidth_cpu(CpuTimer(5, 1)))
        return self._bandwidth["fill"]

    def copy_gbps(self) -> float:
        """GB/s (bytes read + written) of a large copy, measured in this run."""
        if "copy" not in self._bandwidth:
            self._bandwidth["copy"] = (_copy_bandwidth_gpu(self.timer) if self.on_gpu
                                       else _copy_bandwidth_cpu(CpuTimer(5, 1)))
        return self._bandwidth["copy"]

    def row(self, op_label, shape, dtype, ms, nbytes, floor_gbps, peer_ms, err=0.0) -> Row:
        """A Row for ``nbytes`` that must move at ``floor_gbps``, timed ``ms``."""
        floor_ms = nbytes / (floor_gbps * 1e6)
        return Row(self.backend.name, tuple(shape), dtype, ms, floor_ms, floor_ms / ms,
                   nbytes / (ms * 1e6), dict(peer_ms), {k: v / ms for k, v in peer_ms.items()},
                   op=op_label, max_rel_error=err)


def masked_count(shape) -> int:
    """Elements the causal mask must write (default bottom-right offset)."""
    *lead, seq_len, cache_len = shape
    offset = cache_len - seq_len
    q = np.arange(seq_len)
    per_row = np.clip(cache_len - (q + offset + 1), 0, cache_len)
    return int(per_row.sum()) * int(np.prod(lead or [1]))


# --- timing ------------------------------------------------------------------------

class CpuTimer:
    """Median wall time of ``fn()`` on the host, timed after ``settle`` seconds of
    sleep: a thread pool that ran just before (OpenBLAS under a NumPy matmul, such
    as a case's own check; torch's or numba's) spins for a while after it returns
    and would take the cores from ``fn`` (2026-12-03, 2 cores: the attention CPU
    kernel timed 6 ms right after a float64 matmul, 2.4-3 ms otherwise)."""

    def __init__(self, repeats=20, warmup=2, settle=0.25):
        self.repeats, self.warmup, self.settle = repeats, warmup, settle

    def __call__(self, fn) -> float:
        time.sleep(self.settle)
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
    span SPAN_MS, at most MOST_INNER calls) and divides, so the host's launch cost
    overlaps the device work as it does in a real loop; the one gap a sample cannot
    overlap, the host's first launch after the start event (10-25 us), is then
    under 0.3 % of it.
    """

    SPAN_MS, MOST_INNER = 10.0, 1000

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
        once = max(self._events(fn, 1), 1e-3)
        inner = max(1, min(self.MOST_INNER, int(-(-self.SPAN_MS // once))))
        return float(np.median([self._events(fn, inner) for _ in range(self.repeats)]))


def queued_gpu_ms(fn, n=20, rounds=5) -> float:
    """The GPU's time of ``fn()`` (ms a call, median of ``rounds``): ``n`` calls queued
    behind a sleeping kernel (torch.cuda._sleep, about 2 ms) and timed by CUDA events,
    so that the host's time to launch (through numba's dispatcher about 29 us, more
    than a short kernel takes) is not timed. For the tools under tools/gpu, which
    time kernels alone; the benchmark's rows time the call (TorchTimer)."""
    import torch

    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(rounds):
        torch.cuda._sleep(4_000_000)  # the n launches are queued before it ends
        start.record()
        for _ in range(n):
            fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) / n)
    return float(np.median(times))


# --- bandwidths --------------------------------------------------------------------

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


def _copy_bandwidth_gpu(timer) -> float:
    """GB/s (bytes read + written) of a large device-to-device copy, measured now."""
    import torch

    src = torch.randn(2**28, device="cuda")
    dst = torch.empty_like(src)
    ms = timer(lambda: dst.copy_(src))
    del src, dst
    return 2 * 2**28 * 4 / (ms * 1e6)


def _copy_bandwidth_cpu(timer) -> float:
    """GB/s (bytes read + written) of a large host copy, measured now."""
    src = np.random.default_rng().standard_normal(2**24, dtype=np.float32)
    dst = np.empty_like(src)
    ms = timer(lambda: np.copyto(dst, src))
    return 2 * src.nbytes / (ms * 1e6)


def rows_fit(shape) -> str:
    """Why the rows of a softmax-like benchmark case ([..., seq_len, cache_len], the
    default bottom-right mask) cannot be checked ("" when they can): its float64
    check has no fully masked row, which seq_len > cache_len would make."""
    seq_len, cache_len = shape[-2:]
    if seq_len > cache_len:
        return (f"needs seq_len <= cache_len (got {seq_len} > {cache_len}: its rows "
                f"before the first key would be fully masked)")
    return ""


def max_rel_error(out, want) -> float:
    """max over rows of |out - want| / the row's largest |want| (torch tensors;
    ``want`` in float64)."""
    return float(((out.double() - want).abs().amax(-1) / want.abs().amax(-1)).max())


def gpu_case(shape, dtype):
    """Fresh random torch scores on the GPU and the default causal mask (True: masked)."""
    import torch

    x = torch.randn(shape, device="cuda", dtype=getattr(torch, dtype))
    seq_len, cache_len = shape[-2:]
    q = torch.arange(seq_len, device="cuda")[:, None] + (cache_len - seq_len)
    k = torch.arange(cache_len, device="cuda")[None, :]
    return x, k > q
