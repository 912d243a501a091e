"""The device primitive whose spelling differs per backend: exchanging a value
between the lanes of a row.

``lane_xor(exchange, slot, lane, value, mask)`` returns ``value`` as held by lane
``lane ^ mask`` of the same row (``mask`` below the warp width); every lane of
the block must call it together:

* cuda: a warp shuffle, ``shfl_xor_sync`` (``exchange`` unused);
* hip: ``shfl_xor`` over the wavefront (``exchange`` unused);
* sim: numba-cuda's simulator has no shuffles, so the value goes through
  ``exchange`` (shared memory, [rows, lanes] of the value's type) between two
  barriers: the same data flow, spelled with what the simulator runs.

``gpu_primitives(backend_name)`` lists it as a (name, function) helper for
``compile.build``, which binds it into the kernel's namespace with the
variant's ``WARP`` (the backend's warp or wavefront width).
"""

from __future__ import annotations

from numba import int32

from .compile import GPU, compile_time

gpu = GPU
WARP = compile_time("WARP")


def lane_xor_cuda(exchange, slot, lane, value, mask):
    """``value`` of lane ``lane ^ mask``: a warp shuffle (numba-cuda)."""
    return gpu.shfl_xor_sync(0xFFFFFFFF, value, int32(mask))


def lane_xor_hip(exchange, slot, lane, value, mask):
    """``value`` of lane ``lane ^ mask``: a wavefront shuffle (numba-hip)."""
    return gpu.shfl_xor(value, int32(mask), int32(WARP))


def lane_xor_shared(exchange, slot, lane, value, mask):
    """``value`` of lane ``lane ^ mask``: through shared memory, between barriers."""
    exchange[slot, lane] = value
    gpu.syncthreads()
    other = exchange[slot, lane ^ mask]
    gpu.syncthreads()
    return other


_LANE_XOR = {"cuda": lane_xor_cuda, "hip": lane_xor_hip, "sim": lane_xor_shared}


def gpu_primitives(backend_name: str) -> tuple:
    """(name, function) pairs: the backend's spelling of each primitive."""
    return (("lane_xor", _LANE_XOR[backend_name]),)


def uses_shared_exchange(backend_name: str) -> bool:
    """True where ``lane_xor`` needs its shared ``exchange`` buffer (the simulator)."""
    return _LANE_XOR[backend_name] is lane_xor_shared
