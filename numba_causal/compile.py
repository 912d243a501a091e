"""Binding kernel source to a backend, and the process-wide cache of compiled kernels.

A kernel is written once as a plain Python function against a global namespace
named ``hip`` (``hip.blockIdx``, ``hip.threadIdx``, ...) and a few upper-case
compile-time constants (``LANES``, ``ROWS``, ``MASK_FN``, ...). ``build`` copies
the function with fresh globals in which ``hip`` is ``numba.hip`` (ROCm) or
``numba.cuda`` (NVIDIA and the simulator), the constants are set, and the helper
functions it calls are compiled as device functions of that backend; then it
compiles the copy with the backend's ``jit``. Numba specialises the result
lazily per argument types (dtype and layout) and we keep it for the process;
GPU backends also cache it on disk when the kernel has no user predicate.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import types
from dataclasses import dataclass

from numba import njit

from .backends import Backend

_LOCK = threading.RLock()
_KERNELS: dict = {}


def bind(fn, namespace: dict, qualname: str = None):
    """A copy of ``fn`` whose global names resolve in ``namespace``."""
    copy = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = qualname or fn.__qualname__
    copy.__module__ = fn.__module__
    copy.__doc__ = fn.__doc__
    return copy


def plain_python(fn):
    """The Python function behind a numba dispatcher (or ``fn`` itself)."""
    return getattr(fn, "py_func", fn)


def _tag(constants: dict) -> str:
    """The integer constants as a name suffix; a long one is cut and ends in a hash
    of the whole (numba's cache file names must stay under the file system's 255)."""
    tag = "_".join(f"{k.lower()}{int(v)}" for k, v in sorted(constants.items())
                   if isinstance(v, (bool, int)))
    if len(tag) > 80:
        tag = f"{tag[:60]}_{hashlib.sha1(tag.encode()).hexdigest()[:16]}"
    return "__" + tag


def bound_namespace(kernel, helpers, constants: dict, gpu, device_jit) -> dict:
    """Globals for ``kernel``: its module's, with ``hip``, constants and device helpers.

    A helper is a function, bound under its own name, or a ``(name, function)``
    pair (a backend's spelling of a primitive, e.g. lanes.lane_xor_for)."""
    namespace = dict(kernel.__globals__)
    namespace.update(constants)
    namespace["hip"] = gpu
    for helper in helpers:
        name, fn = helper if isinstance(helper, tuple) else (helper.__name__, helper)
        namespace[name] = device_jit(bind(fn, namespace))
    if "MASK_FN" in constants:
        namespace["MASK_FN"] = device_jit(plain_python(constants["MASK_FN"]))
    return namespace


def _jitters(backend: Backend, kind: str):
    """(kernel jit, device-function jit) for a backend; ``kind`` is 'kernel',
    'cpu' (parallel host loop), 'cpu_serial' (the same loop on one thread) or
    'reference' (serial host loop)."""
    if kind == "kernel":
        return backend.jit, (lambda f: backend.jit(device=True)(f))
    parallel = kind == "cpu"
    return (lambda f, cache=False: njit(parallel=parallel, cache=cache)(f)), njit


def build(backend: Backend, kernel, helpers=(), kind="kernel", **constants):
    """The compiled form of ``kernel`` for ``backend`` (cached per process).

    ``constants`` become compile-time globals of the kernel; a ``MASK_FN``
    constant (a user predicate) is compiled as a device function.
    """
    key = (backend.name, kind, kernel, tuple(sorted(constants.items(), key=lambda kv: kv[0])))
    with _LOCK:
        compiled = _KERNELS.get(key)
        if compiled is not None:
            return compiled
        jit, device_jit = _jitters(backend, kind)
        gpu = backend.gpu if kind == "kernel" else None
        namespace = bound_namespace(kernel, helpers, constants, gpu, device_jit)
        user_code = constants.get("MASK_FN") is not None and not getattr(
            constants.get("MASK_FN"), "_numba_causal_builtin", False)
        # numba caches on disk only what it can locate: code from a file, not a notebook cell
        on_disk = (not user_code and os.path.isfile(kernel.__code__.co_filename)
                   and (backend.disk_cache if kind == "kernel" else kind.startswith("cpu")))
        # the qualname names the variant: numba's disk cache keys on it, not on jit flags
        fn = bind(kernel, namespace, f"{kernel.__qualname__}__{kind}{_tag(constants)}")
        compiled = jit(fn, cache=True) if on_disk else jit(fn)
        _KERNELS[key] = compiled
        return compiled


#: elements from which host kernels run rows on several threads: below it, waking
#: the threads costs more than the work (and milliseconds on a busy machine)
CPU_PARALLEL_MIN = 1 << 20


def host_kind(size: int) -> str:
    """'cpu' (parallel rows) for a large array, 'cpu_serial' for a small one."""
    return "cpu" if size >= CPU_PARALLEL_MIN else "cpu_serial"


def launch_guard(backend: Backend, kind: str):
    """The lock a launch must hold (Backend.launch_lock): the simulator runs one
    kernel at a time per process, numba's workqueue layer one parallel region at a
    time, and numba-cuda's first launch of a kernel loads its module unlocked."""
    if kind in ("kernel", "cpu") and backend.launch_lock is not None:
        return backend.launch_lock
    return contextlib.nullcontext()


def fold_grid(backend: Backend, x: int, y: int, z: int) -> tuple:
    """The launch grid: (x, y, z) clipped to the backend's limits.

    Kernels stride over each grid dimension, so a clipped dimension (batch or
    heads beyond 65535) folds into a loop instead of failing to launch.
    """
    lx, ly, lz = backend.grid_limits
    return (max(1, min(x, lx)), max(1, min(y, ly)), max(1, min(z, lz)))


@dataclass(frozen=True)
class KernelSpec:
    """A kernel bound to a GPU namespace, ready for ahead-of-time compilation
    (e.g. ``numba.hip.compile_llvm_ir(spec.pyfunc, spec.signature, ...)``)."""

    name: str
    pyfunc: object
    signature: str


def keep_all(b, h, q_pos, k):
    """The default predicate: keep every key (compiled away)."""
    return True


keep_all._numba_causal_builtin = True
