"""Scores arrays: validation and conversion, in one place.

``inspect_scores`` checks a user's array once, before anything is written, and
describes it as 4-D ``[batch, heads, seq_len, cache_len]`` unsigned bits (2-D
input is seen as ``[1, 1, seq_len, cache_len]``). ``scores_on`` then hands a
backend an array it can launch on:

* NumPy arrays (and torch CPU tensors) are used in place by ``cpu`` and ``sim``;
  a GPU backend copies them to the device and, only once the kernel has
  succeeded, back into the same array.
* Objects with ``__cuda_array_interface__`` (torch, CuPy, numba device arrays)
  are used in place on the GPU, zero-copy, on the stream they name.
* torch bfloat16 has no array-interface type string: it is viewed as int16.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import dtypes
from .backends import Backend


@dataclass
class Scores:
    """A validated scores array.

    ``dtype`` is the logical dtype name; ``shape`` and ``strides`` (bytes) are
    4-D; ``host`` is a 4-D unsigned NumPy view for host memory, ``cai`` a 4-D
    unsigned ``__cuda_array_interface__`` dict for device memory.
    """

    dtype: str
    shape: tuple
    strides: tuple
    ndim: int
    host: Optional[np.ndarray] = None
    cai: Optional[dict] = None
    owner: object = None
    device: Optional[int] = None  # the GPU holding device memory; None: host, or unknown

    @property
    def on_device(self) -> bool:
        return self.cai is not None

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


#: what each accepted rank means, for error messages
_RANK_TEXT = {(2, 4): "2-D [seq_len, cache_len] or 4-D [batch, heads, seq_len, cache_len]",
              (4,): "4-D [batch, heads, seq_len, head_dim]"}


def _check_rank(shape, name="scores", ranks=(2, 4)) -> None:
    if len(shape) not in ranks:
        text = _RANK_TEXT.get(tuple(ranks), " or ".join(f"{r}-D" for r in ranks))
        raise ValueError(f"{name} must be {text}; got shape {tuple(shape)}")


def _check_layout(shape, strides, itemsize, name="scores", writable=True,
                  on_device=False) -> None:
    """Strides must be whole elements, and an array that is written must not overlap
    itself. A host array that is only read may (a broadcast view, stride 0: the host
    kernels read it in place, a GPU backend copies it); GPU memory may not, written
    or read: the GPU kernels assume disjoint rows (2026-12-04 r87: k and v expanded
    with stride 0 read wrong on an H200)."""
    if any(s % itemsize for s in strides):
        raise ValueError(f"strides {tuple(strides)} are not multiples of the item size {itemsize}")
    if 0 in shape or not (writable or on_device):
        return
    dims = sorted((abs(s), n) for s, n in zip(strides, shape) if n > 1)
    extent = itemsize
    for stride, n in dims:
        if stride < extent:
            break
        extent = stride * n
    else:
        return  # nested strides: no two elements share memory
    # interleaved strides can still be disjoint: count distinct addresses when affordable
    if int(np.prod(shape)) <= _EXACT_OVERLAP_MAX:
        offsets = np.zeros(1, dtype=np.int64)
        for n, st in zip(shape, strides):
            offsets = (offsets[:, None] + np.arange(n, dtype=np.int64) * st).ravel()
        if np.unique(offsets).size == offsets.size:
            return
    if not writable:
        raise ValueError(
            f"{name} overlap themselves in GPU memory (shape {tuple(shape)}, strides "
            f"{tuple(strides)}: a broadcast view?), which the GPU kernels do not read: pass "
            f"a contiguous copy ({name}.contiguous() in torch)")
    raise ValueError(
        f"{name} overlap themselves (shape {tuple(shape)}, strides {tuple(strides)}); "
        "writing in place would write one element twice: pass a copy")


#: largest array whose interleaved strides are checked element by element
_EXACT_OVERLAP_MAX = 1 << 22


def _as_4d(shape, strides):
    if len(shape) != 2:
        return tuple(shape), tuple(strides)
    seq_len, cache_len = shape
    span = abs(strides[0]) * seq_len or 1
    return (1, 1, seq_len, cache_len), (span, span) + tuple(strides)


def _from_host(a: np.ndarray, name: str, owner, writable, what, ranks) -> Scores:
    """Host memory: a float array, or a same-width integer view of one (torch)."""
    _check_rank(a.shape, what, ranks)
    if not a.dtype.isnative:
        raise TypeError(f"{what} must be in native byte order; got dtype {a.dtype.str} "
                        f"(use {what}.astype({what}.dtype.newbyteorder('=')))")
    dtypes.check_dtype(name, what)
    if writable and not a.flags.writeable:
        raise ValueError(f"{what} are read-only: they are written in place")
    _check_layout(a.shape, a.strides, a.itemsize, what, writable)
    bits = a.view(dtypes.bits_dtype(name))
    bits4 = bits if bits.ndim != 2 else bits[None, None]
    return Scores(name, bits4.shape, bits4.strides, a.ndim, host=bits4, owner=owner)


def cai_strides(cai: dict, itemsize: int) -> tuple:
    """A ``__cuda_array_interface__``'s strides in bytes (None there means C-contiguous)."""
    if cai.get("strides") is not None:
        return tuple(cai["strides"])
    strides, acc = [], itemsize
    for n in reversed(tuple(cai["shape"])):
        strides.insert(0, acc)
        acc *= n
    return tuple(strides)


def _gpu_index(x) -> Optional[int]:
    """The ordinal of the GPU holding array ``x`` where it says (torch, CuPy), else None."""
    device = getattr(x, "device", None)
    index = getattr(device, "index", None)  # torch
    if index is None:
        index = getattr(device, "id", None)  # CuPy
    return index if isinstance(index, int) else None


def _from_cai(desc: dict, name: str, owner, writable, what, ranks) -> Scores:
    shape = tuple(desc["shape"])
    _check_rank(shape, what, ranks)
    dtypes.check_dtype(name, what)
    itemsize = dtypes.SUPPORTED[name][0]
    strides = cai_strides(desc, itemsize)
    ptr, readonly = desc["data"]
    if readonly and writable:
        raise ValueError(f"{what} are read-only: they are written in place")
    if any(s < 0 for s in strides):
        raise ValueError(f"{what}: negative strides {strides} are not supported on the GPU: "
                         "pass a copy")
    _check_layout(shape, strides, itemsize, what, writable, on_device=True)
    shape4, strides4 = _as_4d(shape, strides)
    view = dtypes.bits_dtype(name)
    cai = {"shape": shape4, "strides": strides4, "data": (ptr, False),
           "typestr": view.str, "version": 3, "stream": desc.get("stream")}
    return Scores(name, shape4, strides4, len(shape), cai=cai, owner=owner,
                  device=_gpu_index(owner))


def inspect_scores(x, writable=True, name="scores", ranks=(2, 4)) -> Scores:
    """Validate array ``x`` (called ``name`` in errors) and describe it; raises
    before anything is written.

    Rank not in ``ranks`` -> ValueError; non-float dtype -> TypeError; read-only or
    self-overlapping (when ``writable``: the array will be written; a host array
    only read may be a broadcast view, GPU memory may not) or fractionally strided
    -> ValueError. A 2-D array is seen as [1, 1, ...].
    """
    what = name
    if _is_torch(x):
        name = dtypes.dtype_name(x.dtype)
        _check_rank(tuple(x.shape), what, ranks)
        dtypes.check_dtype(name, what)
        if x.requires_grad:
            raise ValueError(f"{what} require grad: a kernel launch would bypass autograd; "
                             f"pass {what}.detach() (or call under torch.no_grad())")
        width = {2: "int16", 4: "int32", 8: "int64"}[x.element_size()]
        import torch

        ints = x.view(getattr(torch, width))
        if x.device.type == "cuda":
            # launch on the tensor's current torch stream (0: the legacy default stream)
            stream = torch.cuda.current_stream(x.device).cuda_stream or 1
            return _from_cai(dict(ints.__cuda_array_interface__, stream=stream), name, x,
                             writable, what, ranks)
        if x.device.type != "cpu":
            raise TypeError(f"{what} live on device {x.device}, which no backend handles")
        return _from_host(ints.detach().numpy(), name, x, writable, what, ranks)
    desc = getattr(x, "__cuda_array_interface__", None)
    if desc is not None:
        name = dtypes.TYPESTR.get(desc["typestr"], desc["typestr"])
        if name == desc["typestr"]:
            _check_rank(tuple(desc["shape"]), what, ranks)
            raise TypeError(f"{what} must be a floating-point array (float16, bfloat16, float32 "
                            f"or float64); got type string {desc['typestr']!r}")
        return _from_cai(desc, name, x, writable, what, ranks)
    if isinstance(x, np.ndarray):
        return _from_host(x, dtypes.dtype_name(x.dtype), x, writable, what, ranks)
    raise TypeError(f"{what} must be a NumPy array, a torch tensor or an object with "
                    f"__cuda_array_interface__; got {type(x).__name__}")


# --- device views --------------------------------------------------------------

_DEVICE_VIEWS: "OrderedDict[tuple, object]" = OrderedDict()
_DEVICE_VIEWS_LOCK = threading.Lock()
_DEVICE_VIEWS_MAX = 64


def current_device(backend: Backend) -> Optional[int]:
    """The GPU ``backend``'s launches go to in this thread (op.operands sets it from
    the arrays), or None where the backend has none."""
    return getattr(_CURRENT, "device", None) if backend.on_device else None


_CURRENT = threading.local()


@contextlib.contextmanager
def on_gpu(backend: Backend, device: Optional[int]):
    """Make GPU ``device`` current for ``backend`` in this thread (numba's
    ``gpus[device]``) while the body runs; no-op for None or a host backend."""
    gpus = getattr(backend.gpu, "gpus", None)
    if device is None or not backend.on_device or gpus is None:
        yield
        return
    before = getattr(_CURRENT, "device", None)
    _CURRENT.device = device
    try:
        with gpus[device]:
            yield
    finally:
        _CURRENT.device = before


def _device_view(backend: Backend, cai: dict):
    """A backend device array over ``cai``'s memory, cached by device, pointer and
    layout.

    The cached view holds no reference to the user's tensor (so nothing is kept
    alive); a later tensor at the same address with the same layout is the same
    memory, so reusing the view is exact.
    """
    key = (backend.name, current_device(backend), cai["data"][0], cai["shape"], cai["strides"],
           cai["typestr"])
    with _DEVICE_VIEWS_LOCK:
        view = _DEVICE_VIEWS.get(key)
        if view is not None:
            _DEVICE_VIEWS.move_to_end(key)
            return view
    desc = dict(cai, stream=None)
    view = backend.gpu.from_cuda_array_interface(desc, owner=None, sync=False)
    with _DEVICE_VIEWS_LOCK:
        _DEVICE_VIEWS[key] = view
        if len(_DEVICE_VIEWS) > _DEVICE_VIEWS_MAX:
            _DEVICE_VIEWS.popitem(last=False)
    return view


_CONSTANTS: dict = {}


def constant_on(backend: Backend, name: str, host: np.ndarray):
    """A device copy of a never-written host array, made once per backend, device
    and name (host backends get ``host`` itself)."""
    if not backend.on_device:
        return host
    key = (backend.name, current_device(backend), name)
    with _DEVICE_VIEWS_LOCK:
        if key not in _CONSTANTS:
            _CONSTANTS[key] = backend.gpu.to_device(host)
        return _CONSTANTS[key]


_NO_WORDS = np.zeros((1, 1, 1, 1), dtype=np.uint64)


def no_words(backend: Backend):
    """What a kernel with a word-view argument gets when it runs with WORD == 1 (it
    never touches it): one small constant uint64 array per backend."""
    return constant_on(backend, "no words", _NO_WORDS)


_STREAMS: dict = {}


def _stream(backend: Backend, handle):
    """The backend stream for a CAI stream handle (None/1 legacy default, 2 per-thread)."""
    gpu = backend.gpu
    key = (backend.name, current_device(backend), handle)
    if key not in _STREAMS:
        if handle in (None, 0, 1):
            _STREAMS[key] = gpu.legacy_default_stream() if hasattr(gpu, "legacy_default_stream") else 0
        elif handle == 2:
            _STREAMS[key] = gpu.per_thread_default_stream()
        else:
            _STREAMS[key] = gpu.external_stream(handle)
    return _STREAMS[key]


def words_layout(ptr: int, shape, strides, itemsize: int):
    """(shape, strides) of an 8-byte-word view of the rows, or None.

    Possible when keys are contiguous and every row starts on an 8-byte boundary;
    the view covers the first ``cache_len // per_word`` whole words of each row.
    """
    per_word = 8 // itemsize
    if per_word < 2 or strides[3] != itemsize or shape[3] < per_word or ptr % 8 or \
            any(st % 8 for st in strides[:3]):
        return None
    return tuple(shape[:3]) + (shape[3] // per_word,), tuple(strides[:3]) + (8,)


def _words_cai(cai: dict, itemsize: int):
    """The ``__cuda_array_interface__`` of the 8-byte word view of ``cai``'s rows, or None."""
    layout = words_layout(cai["data"][0], cai["shape"], cai_strides(cai, itemsize), itemsize)
    return None if layout is None else dict(cai, shape=layout[0], strides=layout[1],
                                            typestr="<u8")


def _host_words(bits: np.ndarray):
    """The 8-byte word view of a host array's rows, or None."""
    layout = words_layout(bits.ctypes.data, bits.shape, bits.strides, bits.itemsize)
    if layout is None:
        return None
    return bits.view(np.uint8)[..., :layout[0][3] * 8].view(np.uint64)


@dataclass
class Launchable:
    """What a kernel launch takes: the 4-D bits, an optional 8-byte word view of
    the same rows (``words``; None when the layout does not allow one) and the
    stream (None on host backends)."""

    bits: object
    words: object
    stream: object


@contextlib.contextmanager
def scores_on(scores: Scores, backend: Backend, write_back=True):
    """Yield a Launchable for ``backend``; write back on success (unless the
    array is only read: ``write_back=False``).

    Host arrays on a GPU backend are copied to the device; the copy back into the
    user's array happens only if the body raised nothing, so a failure leaves the
    user's data as it was.
    """
    if scores.on_device:
        if not backend.on_device:
            raise TypeError(
                f"scores live in GPU memory but backend {backend.name!r} works on host arrays: "
                "use backend='auto' (or 'cuda'/'hip'), or copy the scores to the host"
            )
        cai = scores.cai
        words = _words_cai(cai, dtypes.bits_dtype(scores.dtype).itemsize)
        yield Launchable(_device_view(backend, cai),
                         None if words is None else _device_view(backend, words),
                         _stream(backend, cai.get("stream")))
        return
    if not backend.on_device:
        wrap = backend.wrap_host or (lambda a: a)
        # the word view is for GPU kernels (the simulator's too); CPU kernels read bits
        words = _host_words(scores.host) if backend.is_gpu_kernel else None
        yield Launchable(wrap(scores.host), None if words is None else wrap(words), None)
        return
    # canonical C strides (a [None, None] view has stride 0 on its size-1 axes, which
    # numba-cuda would copy element by element)
    host = np.ascontiguousarray(scores.host).reshape(-1).reshape(scores.shape)
    stream = backend.gpu.stream()
    device = backend.gpu.to_device(host, stream=stream)
    words = _words_cai(device.__cuda_array_interface__, host.itemsize)
    if words is not None:
        words = backend.gpu.from_cuda_array_interface(words, owner=device, sync=False)
    yield Launchable(device, words, stream)
    if write_back:
        result = device.copy_to_host(stream=stream)
        stream.synchronize()
        scores.host[...] = result


# --- outputs ---------------------------------------------------------------------------

def extent(a: Scores) -> tuple:
    """(first byte, one past the last byte) of an array's memory."""
    start = a.cai["data"][0] if a.on_device else a.host.ctypes.data
    low = sum((n - 1) * st for n, st in zip(a.shape, a.strides) if st < 0)
    high = sum((n - 1) * st for n, st in zip(a.shape, a.strides) if st > 0)
    return start + low, start + high + dtypes.SUPPORTED[a.dtype][0]


def same_memory(a: Scores, b: Scores) -> bool:
    """True when ``a`` and ``b`` are the same elements (the same array, in place)."""
    return extent(a) == extent(b) and a.strides == b.strides and a.shape == b.shape


def overlaps(a: Scores, b: Scores) -> bool:
    """True when ``a`` and ``b`` share memory: exactly on the host, by address
    range on the GPU."""
    if a.size == 0 or b.size == 0:
        return False
    if not a.on_device and not b.on_device and not np.may_share_memory(a.host, b.host):
        return False  # their address ranges are apart (NumPy's bounds check, in C)
    (a0, a1), (b0, b1) = extent(a), extent(b)
    overlap = a0 < b1 and b0 < a1
    if overlap and not a.on_device and not b.on_device:
        try:
            overlap = np.shares_memory(a.host, b.host, max_work=10**6)
        except np.exceptions.TooHardError:
            pass
    return overlap


def check_like(s: Scores, o: Scores, name: str, other: str) -> None:
    """``o`` (called ``other``) must have ``s``'s (called ``name``) dtype, shape
    and kind of memory (host or GPU): TypeError/ValueError otherwise."""
    if o.dtype != s.dtype:
        raise TypeError(f"{other} must have the dtype of {name} ({s.dtype}); got {o.dtype}")
    if o.shape != s.shape or o.ndim != s.ndim:
        shape = s.shape if s.ndim != 2 else s.shape[2:]
        got = o.shape if o.ndim != 2 else o.shape[2:]
        raise ValueError(f"{other} must have the shape of {name} {shape}; got {got}")
    if o.on_device != s.on_device:
        raise TypeError(f"{other} and {name} must both be host arrays or both GPU arrays")


def check_out(s: Scores, o: Scores, name: str = "scores") -> bool:
    """Validate output ``o`` against input ``s``; True when it is the same memory
    (in place). Any other overlap is refused."""
    check_like(s, o, name, "out")
    if s.size == 0:
        return False
    if same_memory(s, o):
        return True
    if overlaps(s, o):
        raise ValueError(f"out overlaps {name} without being the same array: pass "
                         f"out={name} (in place) or a separate array")
    return False


def empty_like(x, s: Scores, backend: Backend, shape=None):
    """A new array for a result, of the kind ``x`` is (NumPy, torch, or a device
    array of ``backend`` for other GPU arrays), of ``s``'s dtype and ``shape``
    (default: ``x``'s)."""
    if shape is None:
        shape = s.shape if s.ndim != 2 else s.shape[2:]
    if _is_torch(x):
        import torch

        return torch.empty(tuple(shape), dtype=x.dtype, device=x.device)
    if isinstance(x, np.ndarray):
        return np.empty(tuple(shape), x.dtype)
    return backend.gpu.device_array(tuple(shape), dtypes.host_dtype(s.dtype))


def device_copy(backend: Backend, host: np.ndarray, stream):
    """``host`` (a small never-written array: per-sequence values, tables) where
    ``backend``'s kernels read it: a device copy made on ``stream``, or ``host``
    itself on host backends."""
    if not backend.on_device:
        return host
    return backend.gpu.to_device(host, stream=stream or 0)
