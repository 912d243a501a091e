"""Arrays on any GPU of the process: the op layer launches on the arrays' own
device whatever device is current, keys its caches (device views, streams,
constants) by device, and refuses arguments on different devices before
anything is written.

The keying runs here on a stand-in GPU namespace with two fake devices (the
simulator does the launching); the same paths on real GPUs are the tests marked
``gpu`` below, and the two-GPU ones skip, with the reason, on fewer GPUs.
"""

import contextlib
import types

import numpy as np
import pytest

import numba_causal as nc
from numba_causal import arrays, op
from numba_causal.arrays import Scores
from numba_causal.backends import Backend

cuda = pytest.importorskip("numba.cuda")


class TwoFakeGPUs(types.SimpleNamespace):
    """A GPU namespace with devices 0 and 1: records which device is current when a
    view, stream or constant is made."""

    def __init__(self):
        super().__init__(current=0, made=[])

    @property
    def gpus(self):
        fake = self

        class Gpus:
            def __getitem__(self, index):
                @contextlib.contextmanager
                def current():
                    before, fake.current = fake.current, index
                    try:
                        yield
                    finally:
                        fake.current = before
                return current()
        return Gpus()

    def from_cuda_array_interface(self, desc, owner=None, sync=True):
        self.made.append(("view", self.current, desc["data"][0], desc["typestr"]))
        return ("view", self.current, desc["data"][0], desc["typestr"])

    def external_stream(self, handle):
        self.made.append(("stream", self.current, handle))
        return ("stream", self.current, handle)

    def legacy_default_stream(self):
        return 0

    def to_device(self, host, stream=None):
        self.made.append(("constant", self.current))
        return ("constant", self.current)


def device_scores(ptr, device, stream=7):
    """A validated description of device memory on ``device`` (no memory behind it:
    the fake namespace never touches it)."""
    shape, strides = (1, 1, 2, 8), (64, 64, 32, 4)
    cai = {"shape": shape, "strides": strides, "data": (ptr, False), "typestr": "<u4",
           "version": 3, "stream": stream}
    return Scores("float32", shape, strides, 4, cai=cai, device=device)


@pytest.fixture
def two_gpus():
    gpu = TwoFakeGPUs()
    backend = Backend("fake-two-gpus", gpu=gpu, jit=None, warp=32, on_device=True)
    yield backend, gpu
    for cache in (arrays._DEVICE_VIEWS, arrays._STREAMS, arrays._CONSTANTS):
        for key in [k for k in cache if k[0] == backend.name]:
            del cache[key]


def test_views_streams_and_constants_are_made_on_the_arrays_device(two_gpus):
    backend, gpu = two_gpus
    for device in (1, 0, 1):
        with op.operands(backend, (device_scores(4096, device), True)) as (views, stream):
            assert gpu.current == device
            assert views[0].bits == ("view", device, 4096, "<u4")
            assert views[0].words == ("view", device, 4096, "<u8")
            assert stream == ("stream", device, 7)
            assert arrays.constant_on(backend, "test constant", np.zeros(1)) == \
                ("constant", device)
    assert gpu.current == 0  # the caller's device is current again
    # one view, stream and constant per device: cached by device, never shared
    assert sorted(set(gpu.made)) == sorted(gpu.made)
    assert sorted(m[:2] for m in gpu.made) == [("constant", 0), ("constant", 1), ("stream", 0),
                                               ("stream", 1), ("view", 0), ("view", 0),
                                               ("view", 1), ("view", 1)]


def test_same_pointer_on_two_devices_is_two_views(two_gpus):
    backend, gpu = two_gpus
    with op.operands(backend, (device_scores(8192, 0), True)) as (views0, _):
        pass
    with op.operands(backend, (device_scores(8192, 1), True)) as (views1, _):
        pass
    assert views0[0].bits != views1[0].bits


def test_arguments_on_different_devices_are_refused_before_anything(two_gpus):
    backend, gpu = two_gpus
    with pytest.raises(ValueError, match=r"different GPUs \(cuda:0, cuda:1\)"):
        with op.operands(backend, (device_scores(4096, 0), False), (device_scores(8192, 1), True)):
            pytest.fail("the body must not run")
    assert gpu.made == []  # no view, stream or copy was made


def test_a_device_less_array_runs_on_the_current_device(two_gpus):
    backend, gpu = two_gpus
    gpu.current = 1
    with op.operands(backend, (device_scores(4096, None), True)) as (views, _):
        assert views[0].bits == ("view", 1, 4096, "<u4")


# --- real GPUs ---------------------------------------------------------------------------

def _torch_cuda_devices() -> int:
    try:
        import torch
    except ImportError:
        return 0
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


needs_cuda = pytest.mark.skipif(
    "cuda" not in nc.available_backends() or _torch_cuda_devices() < 1,
    reason="needs the cuda backend and a torch CUDA build")
needs_two = pytest.mark.skipif(_torch_cuda_devices() < 2,
                               reason="needs two CUDA GPUs (kind nvidia-h200-x2)")


@pytest.mark.gpu
@needs_cuda
def test_tensor_on_current_device_is_masked_in_place():
    import torch

    x = torch.randn(2, 3, 5, 9, device="cuda")
    want = x.masked_fill(torch.ones(5, 9, dtype=torch.bool, device="cuda").triu(5), -np.inf)
    nc.apply_causal_mask(x, backend="cuda")
    assert torch.equal(x, want)


@pytest.mark.gpu
@needs_two
def test_tensors_on_the_second_gpu_whatever_is_current():
    import torch

    torch.cuda.set_device(0)
    x = torch.randn(2, 3, 5, 9, device="cuda:1")
    want_mask = x.masked_fill(torch.ones(5, 9, dtype=torch.bool, device="cuda:1").triu(5),
                              -np.inf)
    nc.apply_causal_mask(x, backend="cuda")
    assert torch.equal(x, want_mask)
    probs = nc.causal_softmax(x, scale=0.5, backend="cuda")
    assert probs.device == x.device
    assert torch.allclose(probs, torch.softmax(0.5 * want_mask, -1), atol=1e-6)
    assert torch.cuda.current_device() == 0


@pytest.mark.gpu
@needs_two
def test_mixed_devices_are_refused_and_nothing_written():
    import torch

    x = torch.randn(1, 1, 4, 4, device="cuda:0")
    out = torch.full((1, 1, 4, 4), 7.0, device="cuda:1")
    with pytest.raises(ValueError, match="different GPUs"):
        nc.causal_softmax(x, out=out, backend="cuda")
    assert bool((out == 7).all())
