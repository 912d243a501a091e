"""The simulator backend's own safety: numba-cuda's simulator runs a block's lanes as
Python threads, and what they share must be shared (backends.py)."""

import threading
import time

import numpy as np
import pytest

from numba_causal import backends

kernelapi = pytest.importorskip("numba.cuda.simulator.kernelapi",
                                reason="numba-cuda (its simulator) is not installed")
from numba import cuda  # noqa: E402  (the simulator swaps it for its fake in a kernel)


def _lanes_allocate(count=8):
    """``count`` threads ask one FakeCUDAShared for the array of one call site at
    once (its allocation made slow, so that they overlap): the arrays they got."""
    shared = kernelapi.FakeCUDAShared(0)
    start = threading.Barrier(count)
    got = [None] * count

    def lane(i):
        start.wait()
        got[i] = shared.array((4,), np.float32)  # one call site for every lane

    threads = [threading.Thread(target=lane, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return got


class _SlowNumpy:
    """numpy, whose ``empty`` takes 20 ms (the simulator's allocation calls it)."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def empty(*args, **kwargs):
        time.sleep(0.02)
        return np.empty(*args, **kwargs)


def test_block_threads_get_one_shared_array(monkeypatch):
    """Without the lock (numba-cuda's own lookup), each of the overlapping threads
    makes its own array, and a reduction through "shared" memory reads lanes that
    were never written."""
    backends.lock_simulator_shared_arrays()
    monkeypatch.setattr(kernelapi, "np", _SlowNumpy())
    arrays = _lanes_allocate()
    assert len({id(a) for a in arrays}) == 1


def test_call_sites_still_name_distinct_arrays():
    backends.lock_simulator_shared_arrays()
    shared = kernelapi.FakeCUDAShared(0)
    a = shared.array((2,), np.float32)
    b = shared.array((2,), np.float32)
    assert a is not b
    assert all(shared.array((2,), np.float32) is not x for x in (a, b))
    again = [shared.array((3,), np.int32) for _ in range(2)]  # one site, called twice
    assert again[0] is again[1]


def _barrier_kernel(out, rounds, fail):
    """Every lane adds its neighbour's value ``rounds`` times through shared memory,
    two barriers a round; a lane that raises on the last round aborts the block."""
    buf = cuda.shared.array(8, np.float64)
    lane = cuda.threadIdx.x
    value = float(lane)
    for r in range(rounds):
        buf[lane] = value
        cuda.syncthreads()
        value += buf[(lane + 1) % 8]
        cuda.syncthreads()
        if fail[0] and r == rounds - 1 and lane == 3:
            raise ValueError("lane 3 failed")
    out[cuda.blockIdx.x, lane] = value


def test_quiet_polling_keeps_barriers_and_failures():
    """The simulator's block manager with the poll that yields (backends.py): each
    barrier still holds every lane (the sums are those of lock-step rounds, checked
    against NumPy), blocks run in turn, and a lane's exception still aborts the
    launch and reaches the caller."""
    from numba.cuda import simulator

    backends.quiet_simulator_polling()
    backends.quiet_simulator_polling()  # idempotent
    from numba.cuda.simulator import kernel as sim_kernel

    assert sim_kernel.BlockManager.run.numba_causal_quiet
    kernel = simulator.jit(_barrier_kernel)
    out = np.zeros((3, 8))
    kernel[3, 8](out, 5, np.zeros(1))
    want = np.arange(8, dtype=np.float64)
    for _ in range(5):
        want = want + np.roll(want, -1)
    assert np.array_equal(out, np.broadcast_to(want, (3, 8)))
    with pytest.raises(ValueError, match="lane 3 failed"):
        kernel[1, 8](out, 2, np.ones(1))
