"""The simulator backend's own safety: numba-cuda's simulator runs a block's lanes as
Python threads, and what they share must be shared (backends.py)."""

import threading
import time

import numpy as np
import pytest

from numba_causal import backends

kernelapi = pytest.importorskip("numba.cuda.simulator.kernelapi",
                                reason="numba-cuda (its simulator) is not installed")


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
