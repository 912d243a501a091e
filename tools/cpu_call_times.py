"""Host time of small CPU calls, replayed (fastpath's host fast path) and on the full
path (validation every call), in one process.

    python tools/cpu_call_times.py [CALLS]

Each row: the mean of CALLS calls (default 3000) in one loop after 50 warm-up calls,
`time.perf_counter`; the full path with ``fastpath.host_replay`` made to find nothing.
Calls: apply_rotary of a decode step (q [1,32,1,128], k [1,8,1,128], float32,
interleaved, rotary_dim 64) at a new offset, or new positions, each call;
causal_softmax_backward and causal_softmax on [1,1,8,8] float32 with ``out``.
"""

import sys
import time

import numpy as np

import numba_causal as nc
from numba_causal import fastpath


def mean_us(fn, calls):
    for i in range(50):
        fn(i)
    start = time.perf_counter()
    for i in range(calls):
        fn(i)
    return (time.perf_counter() - start) / calls * 1e6


def main(calls):
    rng = np.random.default_rng()
    q = rng.standard_normal((1, 32, 1, 128), dtype=np.float32)
    k = rng.standard_normal((1, 8, 1, 128), dtype=np.float32)
    p, g = rng.random((1, 1, 8, 8), dtype=np.float32), rng.random((1, 1, 8, 8), dtype=np.float32)
    out = np.empty_like(p)
    rows = {
        "apply_rotary, a new offset a call": lambda i: nc.apply_rotary(
            q, k, offset=i, interleaved=True, rotary_dim=64, backend="cpu"),
        "apply_rotary, new positions a call": lambda i: nc.apply_rotary(
            q, k, positions=np.array([i]), interleaved=True, rotary_dim=64, backend="cpu"),
        "causal_softmax_backward [1,1,8,8]": lambda i: nc.causal_softmax_backward(
            p, g, out=out, backend="cpu"),
        "causal_softmax [1,1,8,8]": lambda i: nc.causal_softmax(p, out=out, backend="cpu"),
    }
    replayed = {name: mean_us(fn, calls) for name, fn in rows.items()}
    fastpath.clear()
    fastpath.host_replay = lambda key: None
    full = {name: mean_us(fn, calls) for name, fn in rows.items()}
    print(f"{'call':40s} {'full path us':>13s} {'replayed us':>12s}")
    for name in rows:
        print(f"{name:40s} {full[name]:13.1f} {replayed[name]:12.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
