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
import importlib.util
import json
import os
import pathlib
import threading
from collections import OrderedDict

from .backends import ENV_VAR, Backend

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


def _compute_capability(device: int) -> tuple:
    lib, major, minor = _cuda(), ctypes.c_int(), ctypes.c_int()
    _check(lib.cuDeviceGetAttribute(ctypes.byref(major), 75, device), "cuDeviceGetAttribute")
    _check(lib.cuDeviceGetAttribute(ctypes.byref(minor), 76, device), "cuDeviceGetAttribute")
    return major.value, minor.value


class _Replay:
    """One launch, ready to repeat: function handle, launch shape, stream, parameters."""

    __slots__ = ("handle", "dims", "stream", "params", "_keep", "_launch")

    def __init__(self, handle, grid, block, stream, values):
        self.handle = handle
        self.dims = tuple(grid) + (tuple(block) + (1, 1))[:3]
        self.stream = stream
        self._keep = values
        self.params = (ctypes.c_void_p * len(values))(*[ctypes.addressof(v) for v in values])
        self._launch = _cuda().cuLaunchKernel

    def __call__(self) -> bool:
        err = self._launch(self.handle, *self.dims, 0, self.stream, self.params, None)
        if err == _CUDA_ERROR_INVALID_CONTEXT:  # this thread has no context yet
            return False
        _check(err, "cuLaunchKernel")
        return True


# --- keys ---------------------------------------------------------------------------------

def _applies(backend) -> bool:
    """Whether 'auto'/'cuda' means numba-cuda on an NVIDIA GPU here (checked once)."""
    backend = getattr(backend, "name", backend)
    if backend not in ("auto", "cuda"):
        return False
    if backend == "auto" and os.environ.get(ENV_VAR, "auto") not in ("auto", "cuda", ""):
        return False
    ok = _state.get("applies")
    if ok is None:
        import torch

        ok = (torch.version.hip is None and importlib.util.find_spec("numba_cuda") is not None
              and os.environ.get("NUMBA_ENABLE_CUDASIM", "0") in ("0", ""))
        _state["applies"] = ok
        _state["raw_stream"] = torch._C._cuda_getCurrentRawStream
    return ok


def call_key(scores, backend, offset, window, fill, causal):
    """The call-site key for a torch CUDA tensor, or None when the fast path does not apply."""
    cls = type(scores)
    if cls.__name__ != "Tensor" or cls.__module__ != "torch" or not _applies(backend) \
            or not scores.is_cuda or scores.requires_grad:
        return None
    # a key must say all that validation saw: 1 == 1.0 == True, so only exact types
    if not (offset is None or type(offset) is int) or not (window is None or type(window) is int) \
            or type(fill) not in (float, int) or type(causal) is not bool:
        return None
    device = scores.get_device()
    return (scores.data_ptr(), tuple(scores.shape), scores.stride(), scores.dtype, device,
            _state["raw_stream"](device), offset, window, fill, causal,
            getattr(backend, "name", backend))


def launch_known(key, scores) -> bool:
    """Launch the call ``key`` stands for if it was seen before (in this process, or on
    disk); False when the full path must run."""
    entry = _CACHE.get(key)
    if entry is None:
        entry = _from_disk(key, scores)
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


# --- parameters, as numba-cuda lays them out -----------------------------------------------

_CTYPES = {"uint16": ctypes.c_uint16, "uint32": ctypes.c_uint32, "uint64": ctypes.c_uint64,
           "int64": ctypes.c_int64}


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


def _source_digest() -> str:
    digest = _state.get("source")
    if digest is None:
        from importlib.metadata import version

        from . import __version__

        h = hashlib.sha256(f"{__version__} numba-cuda {version('numba-cuda')}".encode())
        here = pathlib.Path(__file__).parent
        for name in ("mask.py", "compile.py"):
            h.update((here / name).read_bytes())
        digest = _state["source"] = h.hexdigest()
    return digest


def _variant_digest(constants, spec, cc) -> str:
    plain = {k: (v if isinstance(v, (bool, int)) else getattr(v, "__qualname__", repr(v)))
             for k, v in constants.items()}
    text = json.dumps([_source_digest(), sorted(plain.items()), spec, list(cc)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _numba_spec(ty) -> list:
    from numba.core import types

    if isinstance(ty, types.Array):
        return ["array", str(ty.dtype), ty.ndim, ty.layout]
    return [str(ty)]


def remember(key, constants, dispatcher, grid, block, stream, args) -> None:
    """Keep the launch just made through ``dispatcher`` for ``key``: in memory, and the
    cubin on disk for later processes. Any surprise in numba's internals just
    leaves the fast path unused."""
    from numba.core import types

    try:
        argtypes = tuple(dispatcher.typeof_pyval(a) for a in args)
        kernel = dispatcher.overloads[argtypes]
        library = kernel._codelibrary
        handle = _function_handle(library.get_cufunc().handle)
        values = []
        for ty, val in zip(argtypes, args):
            if isinstance(ty, types.Array):
                values += _array_params(val.device_ctypes_pointer.value or 0, val.shape,
                                        val.strides, val.dtype.itemsize)
            else:
                values.append(_CTYPES[str(ty)](int(val)))
        stream_handle = int(stream.handle) if stream is not None and stream.handle else key[5]
        _remember(key, _Replay(handle, grid, block, stream_handle, values))
        cc = _compute_capability(key[4])
        digest = _variant_digest(constants, [_numba_spec(t) for t in argtypes], cc)
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


def _function_handle(handle) -> int:
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


def _from_disk(key, scores):
    """Plan the launch for ``scores`` in pure Python and load its stored cubin."""
    from . import mask
    from .arrays import inspect_scores, words_layout
    from .dtypes import fill_bits
    from .options import mask_options

    _ptr, _shape, _strides, _dtype, device, stream, offset, window, fill, causal, _name = key
    s = inspect_scores(scores)
    opts = mask_options(s.shape, offset=offset, window=window, causal=causal)
    bits = fill_bits(s.dtype, fill)
    if s.size == 0:
        return None
    ptr, itemsize = s.cai["data"][0], bits.itemsize
    words = words_layout(ptr, s.shape, s.strides, itemsize)
    constants, grid, block, scalars = mask.plan_launch(
        s.shape, itemsize, words is not None, bits, opts, _CUDA_BACKEND)
    null4, null1 = ((1, 1, 1, 1), (8, 8, 8, 8)), ((1,), (8,))
    arrays = [(ptr, s.shape, s.strides, itemsize, str(bits.dtype)),
              (ptr if words else 0,) + (words or null4) + (8, "uint64"),
              (0,) + null1 + (8, "int64"), (0,) + null1 + (8, "int64")]
    spec = [["array", arrays[0][4], 4, _layout(*arrays[0][1:4])],
            ["array", "uint64", 4, _layout(*arrays[1][1:4])]]
    spec += [[str(bits.dtype)], ["uint64"], ["int64"], ["int64"]]
    spec += [["array", "int64", 1, "C"], ["array", "int64", 1, "C"]]
    digest = _variant_digest(constants, spec, _compute_capability(device))
    function = _load_function(digest, device)
    if function is None:
        return None
    values = _array_params(*arrays[0][:4]) + _array_params(*arrays[1][:4])
    values += [_CTYPES[str(bits.dtype)](int(scalars[0])), ctypes.c_uint64(int(scalars[1])),
               ctypes.c_int64(scalars[2]), ctypes.c_int64(scalars[3])]
    values += _array_params(*arrays[2][:4]) + _array_params(*arrays[3][:4])
    entry = _Replay(function, grid, block, stream, values)
    _remember(key, entry)
    return entry
