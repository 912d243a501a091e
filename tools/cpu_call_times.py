"""Host time of small CPU calls, replayed (fastpath's host fast path) and on the full
path (validation every call), in one process.

    python tools/cpu_call_times.py [CALLS]

Each row: the mean of CALLS calls (default 3000) in one loop after 50 warm-up calls,
`time.perf_counter`; the full path with ``fastpath.host_replay`` made to find nothing.
Calls: apply_rotary of a decode step (q [1,32,1,128], k [1,8,1,128], float32,
interleaved, rotary_dim 64) at a new offset, or new positions, each call;
causal_softmax_backward and causal_softmax on [1,1,8,8] float32 with ``out``; then
calls given new per-sequence values each time (replayed since 2026-12-05's evening:
the full path before): the mask, the softmax and its backward on [2,1,8,8] with
``kv_lens`` and ``q_offsets``, a causal_attention step (q [2,4,1,64], k and v
[2,2,32,64]) with ``q_offsets``, and the rotary decode step above with ``q_offsets``.
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
    p2, g2 = rng.random((2, 1, 8, 8), dtype=np.float32), rng.random((2, 1, 8, 8), dtype=np.float32)
    out2, scratch = np.empty_like(p2), p2.copy()
    aq = rng.standard_normal((2, 4, 1, 64), dtype=np.float32)
    ak, av = (rng.standard_normal((2, 2, 32, 64), dtype=np.float32) for _ in range(2))
    a_out = np.empty_like(aq)
    rows = {
        "apply_rotary, a new offset a call": lambda i: nc.apply_rotary(
            q, k, offset=i, interleaved=True, rotary_dim=64, backend="cpu"),
        "apply_rotary, new positions a call": lambda i: nc.apply_rotary(
            q, k, positions=np.array([i]), interleaved=True, rotary_dim=64, backend="cpu"),
        "apply_rotary, new q_offsets a call": lambda i: nc.apply_rotary(
            q, k, q_offsets=[i], interleaved=True, rotary_dim=64, backend="cpu"),
        "causal_softmax_backward [1,1,8,8]": lambda i: nc.causal_softmax_backward(
            p, g, out=out, backend="cpu"),
        "causal_softmax [1,1,8,8]": lambda i: nc.causal_softmax(p, out=out, backend="cpu"),
        "apply_causal_mask [2,1,8,8], kv_lens": lambda i: nc.apply_causal_mask(
            scratch, kv_lens=[8 - i % 3, 5], backend="cpu"),
        "causal_softmax [2,1,8,8], kv_lens, q_offsets": lambda i: nc.causal_softmax(
            p2, out=out2, kv_lens=[8 - i % 3, 5], q_offsets=[i % 4, 1], backend="cpu"),
        "causal_softmax_backward [2,1,8,8], q_offsets": lambda i: nc.causal_softmax_backward(
            p2, g2, out=out2, q_offsets=[i % 4, 1], backend="cpu"),
        "causal_attention step, q_offsets": lambda i: nc.causal_attention(
            aq, ak, av, out=a_out, q_offsets=[i % 32, 31], backend="cpu"),
    }
    replayed = {name: mean_us(fn, calls) for name, fn in rows.items()}
    fastpath.clear()
    fastpath.host_replay = lambda key: None
    full = {name: mean_us(fn, calls) for name, fn in rows.items()}
    print(f"{'call':46s} {'full path us':>13s} {'replayed us':>12s}")
    for name in rows:
        print(f"{name:46s} {full[name]:13.1f} {replayed[name]:12.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
