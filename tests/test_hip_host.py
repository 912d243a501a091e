"""The hip backend's host side, without an AMD GPU.

The Backend is built by ``backends.hip_backend`` exactly as on ROCm, for real
AMD targets (gfx90a: 64-lane wavefronts; gfx1100: 32), but its ``numba.hip``
namespace is a stand-in: ``jit`` compiles for numba-cuda's simulator and records
each launch, and device arrays are host memory behind the same methods numba-hip
offers (``to_device``, ``from_cuda_array_interface``, ``stream``, ``copy_to_host``).
This checks what the host code decides — unsigned views and fill bits per
dtype, the 8-byte word view, lanes per row from the wavefront, grid folding,
the copy back — and that the launched kernel source masks correctly. It proves
nothing about AMD hardware or numba-hip's own code generation (see
tests/test_hip_codegen.py for that).
"""

import ctypes
import dataclasses
import types

import numpy as np
import pytest

import numba_causal as nc
from numba_causal import compile as kc
from numba_causal import mask
from numba_causal.backends import hip_backend
from helpers import BF16, assert_bits_equal, expected, masked_where, random_scores

cuda = pytest.importorskip("numba.cuda")
simulator = pytest.importorskip("numba.cuda.simulator")
from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray  # noqa: E402


class FakeDeviceArray(FakeCUDAArray):
    """Host memory with the device-array methods the launcher uses."""

    @property
    def device_ctypes_pointer(self):
        return ctypes.c_void_p(self._ary.ctypes.data)

    @property
    def __cuda_array_interface__(self):
        return {"shape": self._ary.shape, "strides": self._ary.strides,
                "data": (self._ary.ctypes.data, False), "typestr": self._ary.dtype.str,
                "version": 3}

    def copy_to_host(self, stream=None):
        return self._ary.copy()


class FakeStream:
    handle = 0

    def synchronize(self):
        pass


class FakeHip(types.SimpleNamespace):
    """numba.hip's API surface as the launcher uses it, running on the simulator."""

    def __init__(self):
        super().__init__(launches=[], copies=[])

    def jit(self, fn=None, device=False, cache=False):
        if fn is None:  # used as jit(device=True)(fn)
            return lambda f: self.jit(f, device=device, cache=cache)
        # the kernel source names `gpu`; the simulator swaps numba.cuda for its fake
        # (in place: the bound namespace is build()'s own copy, and its helpers are
        # added to it after this call)
        fn.__globals__["gpu"] = cuda
        run = fn
        compiled = simulator.jit(run, device=device)
        return compiled if device else _Recorder(compiled, self.launches)

    def to_device(self, host, stream=None):
        self.copies.append(host.shape)
        return FakeDeviceArray(np.array(host, copy=True))

    def from_cuda_array_interface(self, desc, owner=None, sync=True):
        memory = owner._ary.reshape(-1).view(np.uint8)  # a contiguous fake allocation
        return FakeDeviceArray(np.ndarray(desc["shape"], np.dtype(desc["typestr"]), buffer=memory,
                                          offset=desc["data"][0] - memory.ctypes.data,
                                          strides=desc["strides"]))

    def stream(self):
        return FakeStream()


class _Recorder:
    def __init__(self, kernel, log):
        self.kernel, self.log = kernel, log

    def __getitem__(self, config):
        grid, block = config[0], config[1]
        self.log.append((grid, block, config[2:]))
        return self.kernel[grid, block]


@pytest.fixture(params=[("gfx90a", 64), ("gfx942", 64), ("gfx1100", 32)], ids=lambda p: p[0])
def hip(request, monkeypatch):
    arch, wave = request.param
    fake = FakeHip()
    backend = hip_backend(fake, arch)
    assert backend.warp == wave
    # the fake runs kernels on the simulator: the simulator's (Python) spelling of
    # the device primitives (backends.spelling), not numba-hip's LLVM intrinsics
    backend = dataclasses.replace(backend, extras=dict(backend.extras, spelling="sim"))
    assert backend.launch_lock is not None  # first launches load modules one at a time
    monkeypatch.setitem(mask.LAUNCH, "hip", (1, 2))  # small blocks: the simulator is slow
    monkeypatch.setattr(kc, "_KERNELS", {})  # compile afresh for this fake device
    return backend, fake, wave


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"] + (["bfloat16"] if BF16 else []))
def test_host_array_masked_through_device_copy(hip, rng, dtype):
    backend, fake, wave = hip
    x = random_scores(rng, (2, 1, 3, 21), dtype)
    before = x.copy()
    nc.apply_causal_mask(x, backend=backend)
    assert_bits_equal(x, expected(before, masked_where(x.shape)))
    (grid, block, _), = [launch for launch in fake.launches]
    assert block == (wave, 2)  # lanes per row follow the target's wavefront
    assert grid == (2, 1, 2)  # ceil(seq_len / rows), heads, batch
    assert (2, 1, 3, 21) in fake.copies  # the scores went through to_device


def test_word_view_and_fill_bits(hip, rng, monkeypatch):
    backend, fake, _ = hip
    seen = {}
    real = mask.plan_launch

    def spy(shape, itemsize, has_words, bits, opts, backend_, *layout):
        seen.update(itemsize=itemsize, has_words=has_words, bits=int(bits))
        return real(shape, itemsize, has_words, bits, opts, backend_, *layout)

    monkeypatch.setattr(mask, "plan_launch", spy)
    x = random_scores(rng, (1, 1, 2, 16), "float16")
    nc.apply_causal_mask(x, backend=backend)
    assert seen == {"itemsize": 2, "has_words": True, "bits": 0xFC00}
    x = random_scores(rng, (1, 1, 2, 16), "float32")[..., 1:]  # unaligned rows: no word view
    nc.apply_causal_mask(x, backend=backend)
    assert seen == {"itemsize": 4, "has_words": False, "bits": 0xFF800000}


def test_grid_folds_beyond_the_limit(hip, rng):
    backend, fake, _ = hip
    assert kc.fold_grid(backend, 8, 70000, 100000) == (8, 65535, 65535)
    small = backend.__class__(**{**backend.__dict__, "grid_limits": (2**31 - 1, 2, 3)})
    x = random_scores(rng, (7, 5, 2, 9))  # batch 7 > 3, heads 5 > 2: loops in the kernel
    before = x.copy()
    nc.apply_causal_mask(x, backend=small)
    assert fake.launches[-1][0] == (1, 2, 3)
    assert_bits_equal(x, expected(before, masked_where(x.shape)))


def test_failure_leaves_host_array_untouched(hip, rng, monkeypatch):
    backend, fake, _ = hip
    x = random_scores(rng, (1, 2, 4, 8))
    before = x.copy()

    def broken(*args, **kwargs):
        raise RuntimeError("hipErrorOutOfMemory (simulated)")

    monkeypatch.setattr(fake, "to_device", broken)
    with pytest.raises(RuntimeError, match="hipErrorOutOfMemory"):
        nc.apply_causal_mask(x, backend=backend)
    assert_bits_equal(x, before)
