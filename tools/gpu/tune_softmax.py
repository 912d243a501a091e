"""Tune causal_softmax's launch shape on a real GPU (cuda backend).

Each variant sets softmax.LAUNCH["cuda"] = (warps per row, rows per block, most
keys per lane held in registers: a row longer than lanes x keys goes tile by
tile, the online route, and is read twice). Every variant is checked against a
float64 softmax before it is timed (softmax.bench_causal_softmax); the floor is the kept
triangle read once plus the matrix written once at the copy bandwidth measured
in this run. Peers (torch eager, torch.compile, a Triton row kernel) once per
dtype. Prints a table; writes JSON to argv[1] if given.

    python tools/gpu/tune_softmax.py [out.json]
"""

import json
import sys
import time

import torch

from numba_causal import compile as kc
from numba_causal import softmax
from numba_causal.backends import get_backend
from numba_causal.bench import BenchContext, TorchTimer

# (warps per row, rows per block, most keys per lane in registers)
VARIANTS = [(4, 1, 16), (4, 2, 16), (2, 2, 32), (2, 4, 32), (1, 4, 32), (1, 8, 32),
            (1, 8, 64), (1, 16, 32), (1, 8, 16), (4, 1, 4)]
SHAPE = (4, 32, 2048, 2048)
DTYPES = ["float32", "float16", "bfloat16"]


def registers(lanes, rows):
    """(registers, local-memory bytes) per thread of the last softmax kernel compiled
    with these lanes and rows (local bytes > 0: the register row spilled)."""
    found = (None, None)
    for entry in kc.compiled("cuda", "causal_softmax_kernel"):
        if entry.constants["LANES"] == lanes and entry.constants["ROWS"] == rows:
            for compiled in entry.kernel.overloads.values():
                found = (compiled.regs_per_thread, compiled.local_mem_per_thread)
    return found


def main(argv):
    backend = get_backend("cuda")
    timer = TorchTimer(20)
    peers_ctx = BenchContext(backend, timer)
    ours_ctx = BenchContext(backend, timer, peers=False, _bandwidth=peers_ctx._bandwidth)
    copy_gbps = peers_ctx.copy_gbps()
    print(f"{torch.cuda.get_device_name()}  copy {copy_gbps:.0f} GB/s  {time.strftime('%F %T')}")
    results = []
    for dtype in DTYPES:
        peers = softmax.bench_causal_softmax(peers_ctx, SHAPE, dtype).peers
        print(f"{dtype} peers: " + ", ".join(f"{k} {v:.3f} ms" for k, v in peers.items()))
        for warps, rows, chunk in VARIANTS:
            lanes = warps * backend.warp
            softmax.LAUNCH["cuda"] = (warps, rows, chunk)
            kc.forget()
            try:
                row = softmax.bench_causal_softmax(ours_ctx, SHAPE, dtype)
            except Exception as exc:  # a variant that fails to compile or launch
                print(f"{dtype} {lanes}x{rows} chunk{chunk}: "
                      f"{type(exc).__name__}: {exc}")
                continue
            ratios = {k: v / row.ms for k, v in peers.items()}
            regs, local = registers(lanes, rows)
            results.append(dict(dtype=dtype, lanes=lanes, rows=rows, chunk=chunk, ms=row.ms, of_floor=row.floor_ratio,
                                err=row.max_rel_error, vs_peers=ratios, regs=regs, local_bytes=local))
            print(f"{dtype:9s} lanes {lanes:3d} rows {rows} keys {chunk:2d} regs {regs} "
                  f"local {local}: "
                  f"{row.ms:.3f} ms  {row.floor_ratio:.2f} of floor  err {row.max_rel_error:.1e}  "
                  + "  ".join(f"{v:.2f}x {k}" for k, v in ratios.items()), flush=True)
    if len(argv) > 1:
        with open(argv[1], "w") as f:
            json.dump(dict(device=torch.cuda.get_device_name(), copy_gbps=copy_gbps,
                           shape=SHAPE, results=results), f, indent=1)


if __name__ == "__main__":
    main(sys.argv)
