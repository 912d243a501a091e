"""Faults on the device path: a failure surfaces as the Python exception that names
its cause, and the user's host array is left exactly as it was.

Without a GPU this is done with a fake device: a ``Backend`` whose ``gpu``
namespace keeps "device" memory in host arrays and can be told to fail at one
call (stream creation, the copy to the device, a view, the launch, the copy back,
the synchronisation). A control case shows that, with no fault, the fake device's
memory does reach the user's array, so "unchanged" is not vacuous. On a real
cuda/hip device (marked gpu) the fault is injected after the real copy and launch.
"""

import ctypes
import itertools
from collections import Counter

import numpy as np
import pytest

import numba_causal as nc
from numba_causal import arrays
from numba_causal import compile as kc
from numba_causal.arrays import inspect_scores, scores_on
from numba_causal.backends import Backend
from helpers import DTYPES, assert_bits_equal, bits_of, expected, masked_where, random_scores

MARKER = 0x5A  # the byte a fake kernel writes everywhere it is let loose


class SimulatedDeviceError(RuntimeError):
    """A driver error as the library would see one."""


class FakeDeviceArray:
    """Device memory that is a host array; enough of numba's DeviceNDArray for scores_on."""

    def __init__(self, gpu, array):
        self.gpu, self.array = gpu, array

    shape = property(lambda self: self.array.shape)
    strides = property(lambda self: self.array.strides)
    dtype = property(lambda self: self.array.dtype)
    size = property(lambda self: self.array.size)

    @property
    def device_ctypes_pointer(self):
        return ctypes.c_void_p(self.array.ctypes.data)

    @property
    def __cuda_array_interface__(self):
        return {"shape": self.shape, "strides": self.strides, "typestr": self.dtype.str,
                "data": (self.array.ctypes.data, False), "version": 3, "stream": None}

    def copy_to_host(self, stream=0):
        self.gpu.hit("copy_to_host")
        return self.array.copy()


class FakeStream:
    def __init__(self, gpu):
        self.gpu = gpu
        self.handle = None

    def synchronize(self):
        self.gpu.hit("synchronize")


class FakeGPU:
    """The ``gpu`` namespace of a fake device. ``fail_at=(call, n)``: the n-th call of
    that kind raises SimulatedDeviceError naming itself."""

    def __init__(self, fail_at=None):
        self.fail_at = fail_at
        self.calls = Counter()
        self.allocations = []
        self.sent = []  # the host arrays as to_device received them

    def hit(self, call):
        self.calls[call] += 1
        if self.fail_at == (call, self.calls[call]):
            raise SimulatedDeviceError(
                f"CUDA_ERROR_OUT_OF_MEMORY: simulated device failure in {call} "
                f"(call {self.calls[call]})")

    def stream(self):
        self.hit("stream")
        return FakeStream(self)

    def to_device(self, host, stream=0):
        self.hit("to_device")
        self.sent.append(host)
        device = FakeDeviceArray(self, np.array(host, copy=True))
        self.allocations.append(device)
        return device

    def from_cuda_array_interface(self, desc, owner=None, sync=True):
        self.hit("view")
        base = owner.array
        offset = desc["data"][0] - base.ctypes.data
        view = np.ndarray(desc["shape"], dtype=np.dtype(desc["typestr"]), buffer=base.base
                          if base.base is not None else base, offset=offset,
                          strides=desc["strides"])
        return FakeDeviceArray(self, view)

    def launch(self, args):
        """The fake kernel: scribble over the scores (first argument), then maybe fail."""
        args[0].array.view(np.uint8)[...] = MARKER
        self.hit("launch")

    def jit(self, fn=None, device=False, cache=False, **kwargs):
        if fn is None:
            return lambda f: self.jit(f, device=device, cache=cache)
        return fn if device else FakeKernel(self)


class FakeKernel:
    def __init__(self, gpu):
        self.gpu = gpu

    def __getitem__(self, config):
        return lambda *args: self.gpu.launch(args)


_names = itertools.count()


@pytest.fixture
def fake_backend():
    """make(fail_at) -> a fresh fake-device Backend; caches keyed by its name are
    cleaned up afterwards."""
    made = []

    def make(fail_at=None):
        gpu = FakeGPU(fail_at)
        backend = Backend(f"fake-device-{next(_names)}", gpu=gpu, jit=gpu.jit, warp=32,
                          on_device=True)
        made.append(backend.name)
        return backend

    yield make
    caches = [kc._KERNELS, arrays._STREAMS, arrays._DEVICE_VIEWS, arrays._CONSTANTS]
    for cache in caches:
        for key in list(cache):
            name = key[0] if isinstance(key, tuple) else key
            if name in made:
                del cache[key]


def host_scores(dtype="float32", shape=(2, 3, 16, 24)):
    x = random_scores(np.random.default_rng(6), shape, dtype)
    return x, bits_of(x).tobytes()


FAULTS = {
    "stream": ("stream", 1),
    "copy to device (out of memory)": ("to_device", 1),
    "second allocation, after the copy": ("to_device", 2),
    "word view": ("view", 1),
    "launch, after the kernel wrote": ("launch", 1),
    "copy back": ("copy_to_host", 1),
    "synchronize": ("synchronize", 1),
}


def test_fake_device_control(fake_backend):
    """No fault: what the (fake) kernel wrote on the device reaches the host array,
    every step of the device path ran, and the fault cases below cover them all."""
    backend = fake_backend()
    x, _ = host_scores()
    assert nc.apply_causal_mask(x, backend=backend) is x
    assert np.all(x.view(np.uint8) == MARKER)
    ran = set(backend.gpu.calls)
    assert ran == {call for call, _ in FAULTS.values()}
    assert backend.gpu.calls["to_device"] >= 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_device_fault_leaves_host_array(fake_backend, fault, dtype):
    call, nth = FAULTS[fault]
    control = fake_backend()
    nc.apply_causal_mask(host_scores(dtype)[0], backend=control)
    if control.gpu.calls[call] < nth:  # e.g. float64 rows need no 8-byte word view
        pytest.skip(f"the device path makes no {call} call {nth} for {dtype}")
    backend = fake_backend(FAULTS[fault])
    x, before = host_scores(dtype)
    with pytest.raises(SimulatedDeviceError, match=f"OUT_OF_MEMORY.*{call}") as err:
        nc.apply_causal_mask(x, backend=backend)
    assert bits_of(x).tobytes() == before
    assert err.value.__class__ is SimulatedDeviceError  # surfaced as raised, not rewrapped


@pytest.mark.parametrize("view", ["strided", "reversed keys", "2-D"])
def test_device_fault_on_views(fake_backend, view):
    """The host copy of a strided view is made contiguous; a failure writes nothing
    into the view nor around it."""
    backend = fake_backend(("launch", 1))
    buf, _ = host_scores("float16", (3, 4, 12, 20))
    before = bits_of(buf).tobytes()
    v = {"strided": buf[::2, 1:3, 1:-1, ::2], "reversed keys": buf[..., ::-1],
         "2-D": buf[1, 2]}[view]
    with pytest.raises(SimulatedDeviceError):
        nc.apply_causal_mask(v, backend=backend, window=4)
    assert bits_of(buf).tobytes() == before


def test_scores_on_copy_fails(fake_backend):
    """arrays.scores_on: the copy to the device fails (out of memory) -> the error
    propagates from the with statement and the host array is untouched."""
    backend = fake_backend(("to_device", 1))
    x, before = host_scores()
    body_ran = []
    with pytest.raises(SimulatedDeviceError, match="to_device"):
        with scores_on(inspect_scores(x), backend):
            body_ran.append(True)
    assert not body_ran
    assert bits_of(x).tobytes() == before


def test_scores_on_body_fails_after_writing(fake_backend):
    """The launch (the with body) wrote device memory, then failed: no copy back."""
    backend = fake_backend()
    x, before = host_scores()
    with pytest.raises(RuntimeError, match="kernel failed"):
        with scores_on(inspect_scores(x), backend):
            backend.gpu.allocations[0].array.view(np.uint8)[...] = MARKER
            raise RuntimeError("kernel failed: illegal address")
    assert bits_of(x).tobytes() == before
    assert "copy_to_host" not in backend.gpu.calls


@pytest.mark.parametrize("call", ["copy_to_host", "synchronize"])
def test_scores_on_copy_back_fails(fake_backend, call):
    backend = fake_backend((call, 1))
    x, before = host_scores()
    with pytest.raises(SimulatedDeviceError, match=call):
        with scores_on(inspect_scores(x), backend):
            backend.gpu.allocations[0].array.view(np.uint8)[...] = MARKER
    assert bits_of(x).tobytes() == before


def test_scores_on_success_writes_back(fake_backend):
    """Control for the three above: a body that succeeds is written back."""
    backend = fake_backend()
    x, _ = host_scores()
    with scores_on(inspect_scores(x), backend):
        backend.gpu.allocations[0].array.view(np.uint8)[...] = MARKER
    assert np.all(x.view(np.uint8) == MARKER)


HOST_VIEWS = {
    "4-D contiguous": lambda a: a,
    "4-D sliced": lambda a: a[:, 1:, ::2, 1:-1],
    "2-D": lambda a: a[0, 0],
    "size-1 axis reversed": lambda a: a[::-1][:1],
    "1x1 from reversed keys": lambda a: a[0, 0, :1, ::-1][:, :1],
}


@pytest.mark.parametrize("view", list(HOST_VIEWS.values()), ids=list(HOST_VIEWS))
def test_host_copy_has_canonical_strides(fake_backend, view):
    """The copy a GPU backend sends to the device is one numba-cuda sees as
    C-contiguous (its own dummyarray says so), whatever view the user passed."""
    dummyarray = pytest.importorskip("numba.cuda.cudadrv.dummyarray")
    backend = fake_backend()
    x = view(host_scores("float32", (2, 3, 6, 8))[0])
    nc.apply_causal_mask(x, backend=backend)
    sent = backend.gpu.sent[0]
    layout = dummyarray.Array.from_desc(0, sent.shape, sent.strides, sent.itemsize)
    assert layout.is_c_contig, f"sent shape {sent.shape} strides {sent.strides}"


def test_backend_instance_accepted():
    """get_backend passes a Backend instance through: the way the fake gets in."""
    backend = Backend("fake-device-identity", on_device=True)
    assert nc.get_backend(backend) is backend


# --- on a real GPU -------------------------------------------------------------------

def gpu_only(backend):
    if backend not in ("cuda", "hip"):
        pytest.skip("needs a real GPU backend; the fake device above covers the logic")


class InjectedFault(RuntimeError):
    pass


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES)
def test_real_device_fault_after_kernel(backend, dtype, monkeypatch):
    """The real copy to the device and the real kernel run, then the launch raises:
    the device copy is masked, the user's host array is not touched."""
    gpu_only(backend)
    real_build = kc.build
    launched = []

    def failing_build(*args, **kwargs):
        kernel = real_build(*args, **kwargs)

        class Failing:
            def __getitem__(self, config):
                launch = kernel[config]

                def run(*launch_args):
                    launch(*launch_args)
                    launched.append(launch_args[0])
                    raise InjectedFault("injected after the kernel: simulated launch failure")

                return run

        return Failing()

    monkeypatch.setattr(kc, "build", failing_build)
    x, before = host_scores(dtype, (2, 3, 33, 70))
    want = expected(x.copy(), masked_where(x.shape))
    with pytest.raises(InjectedFault, match="simulated launch failure"):
        nc.apply_causal_mask(x, backend=backend)
    assert bits_of(x).tobytes() == before
    assert len(launched) == 1
    on_device = launched[0].copy_to_host().reshape(x.shape).view(x.dtype)
    assert_bits_equal(on_device, want)  # the kernel did run on the copy


@pytest.mark.gpu
def test_real_device_copy_fails(backend, monkeypatch):
    """The copy to the device raises (as an out-of-memory would): host untouched."""
    gpu_only(backend)
    gpu = nc.get_backend(backend).gpu

    def out_of_memory(*args, **kwargs):
        raise SimulatedDeviceError("CUDA_ERROR_OUT_OF_MEMORY: simulated in to_device")

    monkeypatch.setattr(gpu, "to_device", out_of_memory)
    x, before = host_scores()
    with pytest.raises(SimulatedDeviceError, match="OUT_OF_MEMORY"):
        nc.apply_causal_mask(x, backend=backend)
    assert bits_of(x).tobytes() == before
