"""Fast launches of the mask kernel on torch CUDA tensors (the cuda backend).

numba-cuda's dispatcher types and marshals every argument on every launch (tens
of microseconds), a torch tensor's ``__cuda_array_interface__`` costs as much
again, and the first launch of a process initialises numba's CUDA target (about
a second) even when the compiled kernel is on disk. This module keeps both out
of the way for the common call ``apply_causal_mask(torch_cuda_tensor)``:

* **Per call site.** After a launch through the full path, the compiled
  kernel's driver handle and its packed parameters are kept under a key of
  everything that decided them (address, shape, strides, dtype, device, stream,
  offset, window, fill, causal). The same call again validates nothing anew (the
  key holds all that was validated) and costs one ``cuLaunchKernel``.
* **Across processes.** The cubin numba compiled is stored on disk with the
  variant that produced it (compile-time constants, argument types, compute
  capability, source digest). A new process plans the launch from the tensor in
  pure Python, loads the cubin with the driver and launches it, without
  importing numba's CUDA target at all.

Anything else (per-sequence arrays, predicates, other array types, a thread
with no current CUDA context) takes the full path, which is always correct.
"""

from __future__ import annotations

import ctypes
import hashlib
import inspect
import json
import math
import os
import pathlib
import threading
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from .arrays import words_layout
from .backends import Backend, auto_means_cuda_for_torch
from .options import LIMIT, per_sequence_array

_LOCK = threading.Lock()
_CACHE: "OrderedDict[tuple, _Replay]" = OrderedDict()
_CACHE_MAX = 256
_MODULES: dict = {}  # (digest, context) -> CUfunction
_CUDA_ERROR_INVALID_CONTEXT = 201
_CUDA_BACKEND = Backend("cuda", warp=32, on_device=True)  # shapes only: for planning
_state: dict = {}


# --- the driver, through ctypes -------------------------------------------------------

def _cuda():
    lib = _state.get("libcuda")
    if lib is None:
        lib = ctypes.CDLL("libcuda.so.1")
        lib.cuLaunchKernel.argtypes = [ctypes.c_void_p] + [ctypes.c_uint] * 7 + [ctypes.c_void_p] * 3
        lib.cuLaunchKernel.restype = ctypes.c_int
        _state["libcuda"] = lib
    return lib


def _check(err, what):
    if err:
        raise RuntimeError(f"{what} failed with CUDA error {err}")


def _current_context(device: int):
    """The current context if it is on ``device``, else None."""
    lib = _cuda()
    ctx, dev = ctypes.c_void_p(), ctypes.c_int()
    if lib.cuCtxGetCurrent(ctypes.byref(ctx)) or not ctx.value:
        return None
    if lib.cuCtxGetDevice(ctypes.byref(dev)) or dev.value != device:
        return None
    return ctx.value


def _device_attribute(device: int, attribute: int) -> int:
    """CUDA device ``device``'s CUdevice_attribute number ``attribute``, from the
    driver (no numba)."""
    value = ctypes.c_int()
    _check(_cuda().cuDeviceGetAttribute(ctypes.byref(value), attribute, device),
           "cuDeviceGetAttribute")
    return value.value


def _compute_capability(device: int) -> tuple:
    return _device_attribute(device, 75), _device_attribute(device, 76)  # major, minor


def shared_an_sm(device: int) -> int:
    """Bytes of shared memory an SM of CUDA device ``device`` has
    (CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, 81)."""
    return _device_attribute(device, 81)


class _LaunchAttribute(ctypes.Structure):
    """CUlaunchAttribute: an id, then its value (a 64-byte union) 8 bytes in."""

    _fields_ = [("id", ctypes.c_uint), ("pad", ctypes.c_char * 4),
                ("value", ctypes.c_char * 64)]


class _LaunchConfig(ctypes.Structure):
    """CUlaunchConfig: grid, block, dynamic shared bytes, stream, attributes."""

    _fields_ = [("grid_x", ctypes.c_uint), ("grid_y", ctypes.c_uint), ("grid_z", ctypes.c_uint),
                ("block_x", ctypes.c_uint), ("block_y", ctypes.c_uint),
                ("block_z", ctypes.c_uint), ("shared", ctypes.c_uint),
                ("stream", ctypes.c_void_p), ("attrs", ctypes.POINTER(_LaunchAttribute)),
                ("count", ctypes.c_uint)]


#: CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION: the launch may begin while
#: the kernel before it on the stream ends (its value: an int, 1)
_PROGRAMMATIC_STREAM_SERIALIZATION = 6


def launches_dependent(cc) -> bool:
    """Whether a GPU of compute capability ``cc`` takes programmatic dependent
    launches here: sm_90 or later, and a driver with cuLaunchKernelEx (CUDA 12.0
    and later). op.dependent_launches asks this once per device."""
    if tuple(cc) < (9, 0):
        return False
    try:
        _cuda().cuLaunchKernelEx
    except AttributeError:
        return False
    return True


def dependent_config(dims, shared, stream) -> tuple:
    """(CUlaunchConfig, its one attribute) of a programmatic dependent launch of
    ``dims`` (grid x, y, z, block x, y, z) on ``stream``."""
    attr = _LaunchAttribute(_PROGRAMMATIC_STREAM_SERIALIZATION)
    ctypes.memmove(ctypes.addressof(attr) + _LaunchAttribute.value.offset,
                   ctypes.byref(ctypes.c_int(1)), ctypes.sizeof(ctypes.c_int))
    return _LaunchConfig(*dims, shared, stream, ctypes.pointer(attr), 1), attr


class _Replay:
    """One launch, ready to repeat: function handle, launch shape, stream, parameters.

    The driver call's arguments are made once, as ctypes objects, and the call goes
    through a function pointer without ``argtypes``: a replay converts nothing.
    ``dependent``: the kernel waits for the grids before it on entry
    (op.Family.dependent_launch, compiled with PDL), so it is launched as their
    programmatic dependent (cuLaunchKernelEx); should the driver refuse that
    launch (nothing runs then), it and later replays launch plainly."""

    __slots__ = ("handle", "dims", "stream", "params", "_keep", "_args", "_launch",
                 "_dependent")

    def __init__(self, handle, grid, block, stream, values, keep=(), shared=0,
                 dependent=False):
        self.handle = handle
        self.dims = tuple(grid) + (tuple(block) + (1, 1))[:3]
        self.stream = stream
        self._keep = (values, keep)
        self.params = (ctypes.c_void_p * len(values))(*[ctypes.addressof(v) for v in values])
        self._args = ((ctypes.c_void_p(handle),) + tuple(ctypes.c_uint(d) for d in self.dims)
                      + (ctypes.c_uint(shared), ctypes.c_void_p(stream), self.params, None))
        self._launch = _raw_launch()
        self._dependent = None
        if dependent:
            config, attr = dependent_config(self.dims, shared, stream)
            self._dependent = (_raw_launch_ex(), (ctypes.byref(config), self._args[0],
                                                  self.params, None), config, attr)

    def __call__(self) -> bool:
        if self._dependent is not None:
            launch_ex, args = self._dependent[:2]
            err = launch_ex(*args)
            if err == _CUDA_ERROR_INVALID_CONTEXT:  # this thread has no context yet
                return False
            if not err:
                return True
            self._dependent = None  # refused (nothing launched): plain launches from now
        err = self._launch(*self._args)
        if err == _CUDA_ERROR_INVALID_CONTEXT:  # this thread has no context yet
            return False
        if err:
            _check(err, "cuLaunchKernel")
        return True


class _Chain:
    """Launches replayed one after the other on their stream (a split launch and
    the merge that reads its partials)."""

    __slots__ = ("first", "then")

    def __init__(self, first, then):
        self.first, self.then = first, then

    def __call__(self) -> bool:
        return self.first() and self.then()


def _raw_launch_ex():
    """cuLaunchKernelEx as a ctypes function pointer of its own (see _raw_launch)."""
    launch = _state.get("raw_launch_ex")
    if launch is None:
        launch = _state["raw_launch_ex"] = _cuda()["cuLaunchKernelEx"]
        launch.restype = ctypes.c_int
    return launch


def _raw_launch():
    """cuLaunchKernel as a ctypes function pointer of its own, without argtypes
    (its arguments come as ctypes objects)."""
    launch = _state.get("raw_launch")
    if launch is None:
        launch = _state["raw_launch"] = _cuda()["cuLaunchKernel"]
        launch.restype = ctypes.c_int
    return launch


# --- keys ---------------------------------------------------------------------------------

class CallKey(NamedTuple):
    """Everything that decided a launch for a torch CUDA tensor (what validation saw)."""

    ptr: int
    shape: tuple
    strides: tuple
    dtype: object
    device: int
    stream: int
    offset: object
    window: object
    fill: object
    causal: bool
    backend: str


def _applies(backend, torch) -> bool:
    """Whether ``backend`` means numba-cuda on an NVIDIA GPU for a torch CUDA tensor."""
    name = getattr(backend, "name", backend)
    if name == "cuda":
        return True
    return name == "auto" and auto_means_cuda_for_torch(torch)


def _torch():
    """torch (imported by the caller's tensor already), kept at hand."""
    torch = _state.get("torch")
    if torch is None:
        import torch

        _state["torch"] = torch
        _state["Tensor"] = torch.Tensor
        # absent from a CPU-only build of torch; needed only for a CUDA tensor
        _state["raw_stream"] = getattr(torch._C, "_cuda_getCurrentRawStream", None)
        _state["is_compiling"] = torch.compiler.is_compiling
    return torch


def _is_tensor(x) -> bool:
    """Whether ``x`` is a torch.Tensor (torch then kept at hand)."""
    if type(x) is not _state.get("Tensor"):
        cls = type(x)
        if cls.__name__ != "Tensor" or cls.__module__ != "torch":
            return False
        _torch()
    return True


def call_key(scores, backend, offset, window, fill, causal):
    """The call-site key for a torch CUDA tensor, or None when the fast path does
    not apply: a plain tuple laid out as CallKey (equal to it and hashed alike;
    the named form is made only when a launch is planned or recorded)."""
    if not _is_tensor(scores):
        return None
    if not scores.is_cuda or scores.requires_grad:
        return None
    # a key must say all that validation saw: 1 == 1.0 == True, so only exact types
    if not (offset is None or type(offset) is int) or not (window is None or type(window) is int) \
            or type(fill) not in (float, int) or type(causal) is not bool:
        return None
    if fill != fill or (fill == 0 and type(fill) is float and math.copysign(1.0, fill) < 0):
        return None  # NaN (its payload) and -0.0 (== 0.0 as a key) take the full path
    if backend != "cuda" and not _applies(backend, _state["torch"]):
        return None
    device = scores.get_device()
    return (scores.data_ptr(), scores.shape, scores.stride(), scores.dtype, device,
            _state["raw_stream"](device), offset, window, fill, causal,
            getattr(backend, "name", backend))


class TensorsKey(NamedTuple):
    """Everything that decided a launch of ``op`` ('softmax', 'softmax_backward',
    'attention') on torch CUDA tensors: the first tensor's CallKey fields (``fill``
    holding the scale) and each other tensor's (address, shape, strides), in
    argument order. Replayed from memory only (no stored cubin)."""

    op: str
    call: tuple
    others: tuple

    @property
    def stream(self) -> int:
        return self.call[5]  # CallKey.stream


def tensors_key(op, base, first, *others, kv_lens=None, q_offsets=None):
    """The call-site key (a plain tuple laid out as TensorsKey) of ``op`` on torch
    CUDA tensor ``first`` (``base``: its call_key, ``fill`` holding the scale) and
    torch CUDA tensors ``others``, or None when the fast path does not apply.
    ``kv_lens``, ``q_offsets``: int64 CUDA tensors the launch reads in place
    (kv_lens_on_gpu, q_offsets_on_gpu), each keyed by its own address, shape and
    strides under the op name ``op + ' kv_lens'`` / ``' q_offsets'``."""
    geometry = ()
    for t in others:
        if type(t) is not type(first) or not t.is_cuda or t.requires_grad \
                or t.dtype != first.dtype:
            return None
        geometry += ((t.data_ptr(), t.shape, t.stride()),)
    for name, t in (("kv_lens", kv_lens), ("q_offsets", q_offsets)):
        if t is not None:
            op += " " + name
            geometry += ((t.data_ptr(), t.shape, t.stride()),)
    return op, base, geometry


def live_int64(values, like):
    """``values`` when a kernel can read them where they live, on every replayed
    launch: a contiguous 1-D int64 torch CUDA tensor on ``like``'s device (else
    None: kv_lens_on_gpu stages host values and small CUDA integers, others are
    validated and copied at each call). Used for kv_lens,
    whose every value has a meaning (kept_keys clamps it to [0, cache_len])."""
    if values is None or type(values) is not type(like) or not _is_tensor(like) \
            or not values.is_cuda \
            or values.device != like.device or values.dim() != 1 \
            or str(values.dtype) != "torch.int64" or values.stride() != (1,) \
            or values.requires_grad:
        return None
    return values


#: (option, thread, device, stream, batch) -> the int64 CUDA tensor per-sequence values
#: are staged in (kv_lens_on_gpu, q_offsets_on_gpu); the oldest dropped past STAGED_MOST
_staged: "OrderedDict" = OrderedDict()
STAGED_MOST = 64
#: CUDA integer tensors every value of which is valid (within +-2**62)
_SMALL_INTS = ("torch.int8", "torch.int16", "torch.int32", "torch.uint8")


def _staged_on_gpu(name, values, like):
    """Per-sequence ``values`` of option ``name`` copied in stream order (no
    synchronisation) into an int64 CUDA tensor kept for this thread, device, stream and
    batch, for a launch on torch CUDA tensor ``like`` (4-D, its first dimension the
    batch): host values (a NumPy array, a list, a CPU tensor), checked as mask_options
    checks them, or a 1-D CUDA integer tensor of the batch's length on ``like``'s
    device: small integers (int32, as inference engines keep them: every value valid)
    copied, int64 (as torch keeps positions) clamped to +-2**62 on the way, which leaves
    every mask as the value itself defines it (a position past either limit keeps every
    key or none, whatever cache_len and window; a length, all or none), so that no
    value need be read on the host. None where neither applies, or for host values
    mask_options refuses: the full path then says why. The kept tensor is written again
    by the next such call on the same stream, after the launches before it on that
    stream: a launch reads its own call's values."""
    if values is None or not _is_tensor(like) or not like.is_cuda or like.requires_grad \
            or like.dim() != 4:
        return None
    batch = like.shape[0]
    if _is_tensor(values) and values.is_cuda:
        if values.device != like.device or tuple(values.shape) != (batch,) \
                or str(values.dtype) not in _SMALL_INTS + ("torch.int64",):
            return None
        source = values
    else:
        try:
            host = per_sequence_array(name, values, batch)
        except (TypeError, ValueError):
            return None
        # from pageable memory: staged by the driver at once, so ``host`` may go. It is
        # the options' own copy: made writable, as torch warns of a read-only array
        host.setflags(write=True)
        source = _state["torch"].from_numpy(host)
    torch = _state["torch"]
    device = like.get_device()
    key = (name, threading.get_ident(), device, _state["raw_stream"](device), batch)
    staged = _staged.get(key)
    if staged is None:
        staged = _staged[key] = torch.empty(batch, dtype=torch.int64, device=like.device)
        while len(_staged) > STAGED_MOST:
            _staged.popitem(last=False)
    if source.dtype == torch.int64 and source.is_cuda:
        torch.clamp(source, -LIMIT, LIMIT, out=staged)
    else:
        staged.copy_(source, non_blocking=True)
    return staged


def kv_lens_on_gpu(values, like):
    """``kv_lens`` as an int64 CUDA tensor that a launch on torch CUDA tensor ``like``
    reads where it lies, so that a repeated call replays its launch instead of taking
    the full path (about 1 ms of host time on the GPU machine, 2026-12-05): ``values``
    itself when live_int64 takes it, else staged (_staged_on_gpu), else None."""
    live = live_int64(values, like)
    return live if live is not None else _staged_on_gpu("kv_lens", values, like)


def q_offsets_on_gpu(values, like):
    """``q_offsets`` as an int64 CUDA tensor for a launch on ``like``, staged
    (_staged_on_gpu: host values, CUDA integers), else None. Unlike kv_lens, an int64
    CUDA tensor is not read in place: a kernel adds a position to its row, so it is
    first clamped to +-2**62 (on the GPU, in stream order)."""
    return _staged_on_gpu("q_offsets", values, like)


def per_sequence_on_gpu(kv_lens, q_offsets, like):
    """(kv_lens, q_offsets, replayable) for a launch on ``like``: each option as
    kv_lens_on_gpu / q_offsets_on_gpu give it (None where not given or not staged;
    the full path reads what is given), and whether every option given is on the
    GPU, so that the launch may be keyed and replayed (tensors_key)."""
    live_kv_lens = kv_lens_on_gpu(kv_lens, like)
    live_q_offsets = q_offsets_on_gpu(q_offsets, like)
    return (live_kv_lens, live_q_offsets,
            (kv_lens is None or live_kv_lens is not None)
            and (q_offsets is None or live_q_offsets is not None))


def new_output(scores, shape=None):
    """A new torch tensor for a result of ``scores``' shape (or ``shape``), dtype and
    device (what arrays.empty_like makes for a torch input)."""
    return _state["torch"].empty(tuple(scores.shape) if shape is None else shape,
                                 dtype=scores.dtype, device=scores.device)


def torch_op_wanted(x) -> bool:
    """Whether a call on ``x`` must go through the torch custom ops (torch_ops.py):
    a torch tensor that requires grad, or any tensor while torch.compile traces."""
    if type(x) is not _state.get("Tensor"):
        if not type(x).__module__.startswith("torch"):
            return False
        _torch()
    if x.requires_grad:
        return True
    return _state["is_compiling"]()


def known_launch(key):
    """The launch recorded in this process for ``key``, or None (callable: True
    once launched, False when this thread has no CUDA context)."""
    return _CACHE.get(key)


def replayed(key) -> bool:
    """Launch again what was recorded for ``key`` (None: nothing): whether it ran, so
    the call is done (False: none recorded, or this thread has no CUDA context)."""
    entry = None if key is None else known_launch(key)
    return entry is not None and entry()


def launch_known(key, scores, planner) -> bool:
    """Launch the call ``key`` stands for if it was seen before (in this process, or on
    disk: then ``planner(scores, key, backend)`` plans it from shapes alone, see
    mask._plan_from_tensor); False when the full path must run."""
    entry = _CACHE.get(key)
    if entry is None:
        entry = _from_disk(key if type(key) is not tuple else CallKey._make(key), scores,
                           planner)
        if entry is None:
            return False
    return entry()


def _remember(key, entry) -> None:
    with _LOCK:
        _CACHE[key] = entry
        if len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)


def clear() -> None:
    """Forget every recorded launch in this process (the disk store stays)."""
    with _LOCK:
        _CACHE.clear()
        _MODULES.clear()
        _HOST.clear()


# --- parameters, as numba-cuda lays them out -----------------------------------------------

_CTYPES = {"uint16": ctypes.c_uint16, "uint32": ctypes.c_uint32, "uint64": ctypes.c_uint64,
           "int64": ctypes.c_int64, "float32": ctypes.c_float, "float64": ctypes.c_double}


class DeviceArray(NamedTuple):
    """A device array as a kernel argument: address, shape, byte strides, item
    size and element type name."""

    ptr: int
    shape: tuple
    strides: tuple
    itemsize: int
    dtype: str


#: what a kernel gets for an array argument it never reads (4-D uint64, 1-D int64)
NULL_ARRAY4 = DeviceArray(0, (1, 1, 1, 1), (8, 8, 8, 8), 8, "uint64")
NULL_ARRAY1 = DeviceArray(0, (1,), (8,), 8, "int64")


def words_of(ptr, shape, strides, itemsize):
    """The 8-byte word view of rows at ``ptr`` as a DeviceArray, or None."""
    layout = words_layout(ptr, shape, strides, itemsize)
    return None if layout is None else DeviceArray(ptr, layout[0], layout[1], 8, "uint64")


def _array_params(ptr, shape, strides, itemsize) -> list:
    size = 1
    for n in shape:
        size *= n
    return ([ctypes.c_void_p(0), ctypes.c_void_p(0), ctypes.c_int64(size), ctypes.c_int64(itemsize),
             ctypes.c_void_p(ptr)] + [ctypes.c_int64(n) for n in shape]
            + [ctypes.c_int64(st) for st in strides])


def _layout(shape, strides, itemsize) -> str:
    """numba's layout letter, conservatively: 'C'/'F' only for truly contiguous memory."""
    def contiguous(order):
        want = itemsize
        for n, st in order:
            if n > 1 and st != want:
                return False
            want *= n
        return True

    dims = list(zip(shape, strides))
    if contiguous(reversed(dims)):
        return "C"
    return "F" if contiguous(dims) else "A"


# --- the disk store ------------------------------------------------------------------------

def store_dir() -> pathlib.Path:
    """Where compiled kernels are kept: $NUMBA_CAUSAL_CACHE_DIR, else numba_causal/
    under $NUMBA_CACHE_DIR or ~/.cache."""
    explicit = os.environ.get("NUMBA_CAUSAL_CACHE_DIR")
    if explicit:
        return pathlib.Path(explicit)
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "numba_causal"


def _variant_digest(family, constants, spec, cc) -> str:
    """The store's name for a compiled variant: the code it compiled (kernel,
    helpers, constants: compile.variant_digest), its argument types, the device's
    compute capability and the numba-cuda that compiled it."""
    from importlib.metadata import version

    code = _state.get(("code", family.name, repr(sorted(constants.items()))))
    if code is None:
        code = family.variant_digest("cuda", constants)
        _state[("code", family.name, repr(sorted(constants.items())))] = code
    text = json.dumps([code, f"numba-cuda {version('numba-cuda')}", spec, list(cc)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _numba_spec(ty) -> list:
    from numba.core import types

    if isinstance(ty, types.Array):
        return ["array", str(ty.dtype), ty.ndim, ty.layout]
    return [str(ty)]


def remember(key, family, constants, dispatcher, grid, block, stream, args, keep=(),
             then=False, shared=0) -> None:
    """Keep the launch just made through ``dispatcher`` for ``key``: in memory (with
    ``keep``, the workspaces its arguments point into, alive as long as it is), and
    the cubin on disk for later processes. ``then``: the launch follows the one
    just kept for ``key`` (a replay makes both, in order; memory only); ``shared``:
    its dynamic shared bytes (a launch that takes more than SHARED_UNASKED is
    replayed from memory only). Any surprise in numba's internals just leaves the
    fast path unused."""
    from numba.core import types

    if type(key) is tuple:
        key = (TensorsKey if type(key[0]) is str else CallKey)._make(key)
    try:
        argtypes = tuple(dispatcher.typeof_pyval(a) for a in args)
        kernel = dispatcher.overloads[argtypes]
        library = kernel._codelibrary
        handle = function_handle(library.get_cufunc().handle)
        values = []
        for ty, val in zip(argtypes, args):
            if isinstance(ty, types.Array):
                values += _array_params(val.device_ctypes_pointer.value or 0, val.shape,
                                        val.strides, val.dtype.itemsize)
            else:
                make = _CTYPES[str(ty)]
                values.append(make(float(val) if isinstance(ty, types.Float) else int(val)))
        stream_handle = int(stream.handle) if stream is not None and stream.handle else key.stream
        replay = _Replay(handle, grid, block, stream_handle, values, keep, shared,
                         dependent=bool(constants.get("PDL")))
        if shared > SHARED_UNASKED:
            allow_function_shared(handle, shared)
        if then:
            with _LOCK:
                first = _CACHE.pop(key, None)
                if type(first) is _Replay and not isinstance(key, CallKey):
                    _CACHE[key] = _Chain(first, replay)
            return
        _remember(key, replay)
        if not isinstance(key, CallKey) or shared > SHARED_UNASKED:
            return  # replayed from memory only
        cc = _compute_capability(key.device)
        digest = _variant_digest(family, constants, [_numba_spec(t) for t in argtypes], cc)
        _write_record(digest, library.get_cubin(cc), library._entry_name)
    except Exception:  # noqa: BLE001 - the full path stays correct without us
        return


def _write_record(digest, cubin, entry_name) -> None:
    folder = store_dir()
    target = folder / f"{digest}.cubin"
    if target.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    code = bytes(getattr(cubin, "code", cubin))
    tmp = folder / f".{digest}.{os.getpid()}.tmp"
    (folder / f"{digest}.json").write_text(json.dumps({"entry": entry_name}))
    tmp.write_bytes(code)
    os.replace(tmp, target)


#: dynamic shared bytes a block may take without its kernel's
#: CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES raised (op.allow_shared and the
#: replays raise it only past this); a launch from a stored cubin takes at most this
#: (its planner, mask._plan_from_tensor, says how much)
SHARED_UNASKED = 48 * 1024


_SHARED_SET: dict = {}  # CUfunction -> dynamic shared bytes it is known to allow at least


def function_shared(function: int) -> int:
    """The dynamic shared bytes a block of CUfunction ``function`` may take now (its
    CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 8, as the driver holds it)."""
    value = ctypes.c_int()
    _check(_cuda().cuFuncGetAttribute(ctypes.byref(value), 8, ctypes.c_void_p(function)),
           "cuFuncGetAttribute")
    return value.value


def allow_function_shared(function: int, nbytes: int) -> None:
    """Let a block of CUfunction ``function`` take ``nbytes`` of dynamic shared memory:
    its limit (function_shared) raised to ``nbytes`` where the driver holds less,
    never lowered. The one setter of the limit, for numba's launches (op.allow_shared)
    and the replays alike: one kernel's variant launched by both with different sizes
    keeps the largest either asked for (a limit set below another launch's size fails
    that launch). ``_SHARED_SET`` only spares the driver query."""
    if _SHARED_SET.get(function, 0) >= nbytes:
        return
    if function_shared(function) < nbytes:
        _check(_cuda().cuFuncSetAttribute(ctypes.c_void_p(function), 8, ctypes.c_int(nbytes)),
               "cuFuncSetAttribute")
    _SHARED_SET[function] = nbytes


def function_handle(handle) -> int:
    """A CUfunction for cuLaunchKernel (cuda.core loads kernels as CUkernel)."""
    if type(handle).__name__ == "CUkernel":
        from cuda.bindings import driver

        err, function = driver.cuKernelGetFunction(handle)
        _check(int(err), "cuKernelGetFunction")
        handle = function
    return int(handle)


def _load_function(digest, device):
    context = _current_context(device)
    if context is None:
        return None
    cached = _MODULES.get((digest, context))
    if cached is not None:
        return cached
    folder = store_dir()
    try:
        code = (folder / f"{digest}.cubin").read_bytes()
        entry = json.loads((folder / f"{digest}.json").read_text())["entry"]
    except (OSError, ValueError, KeyError):
        return None
    lib, module, function = _cuda(), ctypes.c_void_p(), ctypes.c_void_p()
    image = ctypes.create_string_buffer(code, len(code))
    if lib.cuModuleLoadData(ctypes.byref(module), image):
        return None
    _check(lib.cuModuleGetFunction(ctypes.byref(function), module, entry.encode()),
           "cuModuleGetFunction")
    _MODULES[(digest, context)] = function.value
    return function.value


def _from_disk(key, scores, planner):
    """Plan the launch for ``scores`` in pure Python and load its stored cubin. The
    plan: (family, constants, grid, block, args by name, dynamic shared bytes: 48 KB
    at most), as mask._plan_from_tensor gives it, or None."""
    plan = planner(scores, key, _CUDA_BACKEND)
    if plan is None:
        return None
    family, constants, grid, block, named, shared = plan
    cc = _compute_capability(key.device)
    constants = family.variant(constants, launches_dependent(cc))  # as op.launch made it
    spec, values = [], []
    for arg in family.args:  # the declared order; types from the planned values
        value = named[arg.name]
        if arg.ndim:
            spec.append(["array", value.dtype, arg.ndim, _layout(*value[1:4])])
            values += _array_params(*value[:4])
        else:
            type_name = np.asarray(value).dtype.name
            spec.append([type_name])
            values.append(_CTYPES[type_name](int(value)))
    digest = _variant_digest(family, constants, spec, cc)
    function = _load_function(digest, key.device)
    if function is None:
        return None
    entry = _Replay(function, grid, block, key.stream, values, shared=shared,
                    dependent=bool(constants.get("PDL")))
    _remember(key, entry)
    return entry


# --- host calls (the cpu backend) ------------------------------------------------------------
#
# A small call on the CPU costs more in Python than in the kernel: validation, option
# parsing, the backend lookup, the compiled-kernel cache key and numba's dispatch of
# fresh views. A call on a plain NumPy array whose every input is of an exact
# type is keyed by everything validation saw (shape, strides, dtype, writeability,
# the options' values, and the addresses where an overlap check depended on them);
# the same call again re-creates the kernel's views of the caller's arrays and
# calls the compiled kernel with the arguments kept from the first time.

_HOST: "OrderedDict[tuple, HostReplay]" = OrderedDict()
_HOST_MAX = 256


class HostReplay:
    """A host kernel call, ready to repeat on new arrays of the recorded layout."""

    __slots__ = ("kernel", "guard", "views", "fixed", "names")

    def __init__(self, kernel, guard, views, fixed):
        self.kernel, self.guard, self.views, self.fixed = kernel, guard, views, fixed
        # the kernel's parameter names of the recorded other arguments
        params = list(inspect.signature(getattr(kernel, "py_func", kernel)).parameters)
        self.names = {name: i for i, name in enumerate(params[len(views):])}

    def __call__(self, *arrays, **given) -> None:
        """Run on ``arrays``, with the recorded other arguments, those named in
        ``given`` replaced by the call's own (of the recorded types: per-call values
        validated anew, as kv_lens or a rotary offset)."""
        args = [a.view(dt) if a.ndim == 4 else a.view(dt)[None, None]
                for a, dt in zip(arrays, self.views)]
        fixed = self.fixed
        if given:
            fixed = list(fixed)
            for name, value in given.items():
                fixed[self.names[name]] = value
        with self.guard:
            self.kernel(*args, *fixed)


def exact(value) -> object:
    """``value`` as a key part that tells apart everything validation tells apart,
    or ``_UNKEYED`` (no fast path): None, exact ints and bools, non-NaN floats by
    their bits (0.0 and -0.0 differ)."""
    kind = type(value)
    if value is None or kind is int:
        return value
    if kind is bool:  # True == 1 as a dict key, but validation refuses True as an offset
        return "True" if value else "False"
    if kind is float and value == value:
        return value.hex()
    return _UNKEYED


_UNKEYED = object()


def array_key(a, writable: bool):
    """The key part of a plain NumPy array (None: no fast path)."""
    if type(a) is not np.ndarray:
        return None
    return (a.shape, a.strides, a.dtype, a.flags.writeable if writable else None)


def apart_out_key(out, inputs):
    """The key part of ``out``, a NumPy array written by a call that reads
    ``inputs``, when their address ranges are apart for sure (NumPy's bounds check);
    None (no fast path) where they may share memory, the full path's check being
    exact, or where ``out`` is no NumPy array."""
    if type(out) is not np.ndarray or any(np.may_share_memory(out, a) for a in inputs):
        return None
    return array_key(out, True)


class _Same:
    """An object in a key by identity (held, so its id stays its own)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __hash__(self):
        return id(self.obj)

    def __eq__(self, other):
        return type(other) is _Same and other.obj is self.obj


def same(obj) -> object:
    """A key part telling ``obj`` apart by identity (held by the key), None as None."""
    return None if obj is None else _Same(obj)


def host_key(family: str, backend, arrays: tuple, values: tuple):
    """The host fast path's key for a call of ``family`` on ``arrays`` (array_key
    parts) with option ``values``, or None when it does not apply."""
    if None in arrays or any(v is _UNKEYED for v in values):
        return None
    if backend is None or type(backend) is str:
        backend = os.environ.get("NUMBA_CAUSAL_BACKEND", "auto") if backend in (None, "auto") \
            else backend
    elif isinstance(backend, Backend):  # a Backend object: itself, not its (maybe unhashable) parts
        backend = _Same(backend)
    else:
        return None
    return (family, backend, arrays, values)


def host_replay(key):
    """The recorded call for ``key``, or None."""
    return _HOST.get(key)


def per_sequence_given(kv_lens, q_offsets, scores) -> dict:
    """A host replay's per-call values of the options given (HostReplay's ``given``)
    for NumPy ``scores`` (or q: 4-D, its first dimension the batch; 2-D, one
    sequence): ``kv_lens`` and ``q_offsets`` checked as the options check them (raises
    as the full path would, before anything is written), for a key that told apart
    whether each was given."""
    batch = scores.shape[0] if scores.ndim == 4 else 1
    given = {}
    if kv_lens is not None:
        given["kv_lens"] = per_sequence_array("kv_lens", kv_lens, batch)
    if q_offsets is not None:
        given["q_offsets"] = per_sequence_array("q_offsets", q_offsets, batch)
    return given


def remember_host(key, kernel, guard, args, arrays) -> None:
    """Keep a host call for ``key``: the first ``arrays`` of ``args`` are views of the
    caller's arrays (re-made on replay), the rest are reused as they are."""
    if key is None or key[0] is None:
        return
    entry = HostReplay(kernel, guard, tuple(a.dtype for a in args[:arrays]), tuple(args[arrays:]))
    with _LOCK:
        _HOST[key] = entry
        if len(_HOST) > _HOST_MAX:
            _HOST.popitem(last=False)
