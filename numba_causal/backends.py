"""Backend choice, in one place.

======  ==========================================================  ===============
name    runs on                                                     installed by
======  ==========================================================  ===============
hip     AMD GPUs, the kernel compiled by numba-hip (``@hip.jit``)    extra ``rocm``
cuda    NVIDIA GPUs, the same kernel source compiled by numba-cuda  extra ``cuda``
sim     numba-cuda's simulator: the same GPU kernel source, on CPU  extra ``cuda``
cpu     ``@njit(parallel=True)`` on the host                        always
======  ==========================================================  ===============

``'auto'`` (or the environment variable ``NUMBA_CAUSAL_BACKEND``) picks hip, then
cuda, then cpu. ``sim`` is never picked automatically: it is slow and exists so
that the GPU kernel's own logic can be tested on a machine with no GPU.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import Callable, Optional

ENV_VAR = "NUMBA_CAUSAL_BACKEND"
NAMES = ("hip", "cuda", "sim", "cpu")
AUTO_ORDER = ("hip", "cuda", "cpu")
#: what to do when a backend's package is missing (numba-causal installs from a checkout)
INSTALL_HINT = {
    "hip": "pip install -e '.[rocm]' in a checkout of numba-causal (numba-hip), in an "
           "environment without numba-cuda, on a machine with ROCm and an AMD GPU",
    "cuda": "pip install -e '.[cuda]' in a checkout of numba-causal (numba-cuda), on a "
            "machine with an NVIDIA GPU and driver",
    "sim": "pip install -e '.[cuda]' in a checkout of numba-causal (numba-cuda ships the "
           "simulator)",
    "cpu": "always installed",
}

#: what to do when the package is there but the machine is not ready, by cause
_CAUSE_HINT = {
    "no-rocm": "numba-hip is installed but cannot load ROCm: install ROCm (the HIP runtime) "
               "or put its libraries on LD_LIBRARY_PATH",
    "no-amd-gpu": "numba-hip is installed; it needs an AMD GPU, and there is none here",
    "no-nvidia-gpu": "numba-cuda is installed; it needs an NVIDIA GPU and driver, and finds "
                     "none here (check nvidia-smi)",
    "cudasim": "unset NUMBA_ENABLE_CUDASIM to use the real GPU (the sim backend runs the "
               "simulator without it)",
}


class UnknownBackend(ValueError):
    """A backend name that is none of 'auto', hip, cuda, sim, cpu (given, or
    $NUMBA_CAUSAL_BACKEND's)."""


class BackendUnavailable(RuntimeError):
    """A backend was asked for by name but cannot run on this machine; ``cause``:
    'missing' (its package is not installed) or what else is wrong (_CAUSE_HINT)."""

    def __init__(self, message, cause="missing"):
        super().__init__(message)
        self.cause = cause


class Unavailable(str):
    """Why a backend is unavailable (a str, as before), with ``hint``: what to do."""

    hint: str = ""


def install_hint(name: str, reason=None) -> str:
    """What to do to get backend ``name``, for the reason it is unavailable here."""
    return getattr(reason, "hint", "") or INSTALL_HINT[name]


@dataclass(frozen=True)
class Backend:
    """What a launcher needs to know about where a kernel runs.

    ``gpu`` is the namespace the GPU kernel source is written against (the global
    name ``hip`` inside kernels): ``numba.hip`` on ROCm, ``numba.cuda`` on NVIDIA
    and in the simulator. ``jit`` compiles kernels and device functions for it.
    ``warp`` is the hardware SIMD width (wavefront); ``grid_limits`` the largest
    grid along x, y, z, beyond which launchers fold work into loops.
    ``wrap_host`` wraps host arrays for the kernel launcher, and ``launch_lock``
    serialises launches (the simulator runs one kernel at a time per process; numba's
    workqueue threading layer one parallel region at a time; numba-cuda loads a
    kernel's module at its first launch without a lock of its own, and two threads
    doing so at once fail; the launch itself is asynchronous, so the lock is held
    for microseconds).
    """

    name: str
    gpu: object = None
    jit: Optional[Callable] = None
    warp: int = 1
    grid_limits: tuple = (2**31 - 1, 65535, 65535)
    on_device: bool = False
    disk_cache: bool = False
    wrap_host: Optional[Callable] = None
    launch_lock: object = field(default=None, compare=False, hash=False)
    extras: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_gpu_kernel(self) -> bool:
        """True when the GPU kernel source runs (hip, cuda, sim)."""
        return self.gpu is not None


#: the GPU targets whose device primitives are spelled apart (primitives.py, intrinsics.py)
SPELLINGS = ("cuda", "hip", "sim")


def spelling(backend: Backend) -> str:
    """Which spelling of the device primitives ``backend``'s kernels take: its
    name for cuda, hip and sim; the simulator's (plain Python) for any other GPU
    namespace (e.g. a stand-in device in tests), unless ``extras['spelling']``
    says otherwise."""
    return backend.extras.get("spelling") or (backend.name if backend.name in SPELLINGS
                                              else "sim")


def wavefront_size(arch: str) -> int:
    """SIMD width of an AMD target: 64 on GCN/CDNA (gfx9xx), 32 on RDNA (gfx10+)."""
    arch = arch.split(":")[0]
    if not arch.startswith("gfx") or len(arch) < 6:
        raise ValueError(f"not an AMD GPU architecture name: {arch!r}")
    return 32 if len(arch) >= 7 and arch[3:5] in ("10", "11", "12") else 64


@functools.lru_cache(maxsize=None)
def _numba_cuda_installed() -> bool:
    """Whether numba-cuda is installed (looked up once: the fast path asks per call)."""
    found = _ONCE.get("numba_cuda")
    if found is None:
        found = _ONCE["numba_cuda"] = importlib.util.find_spec("numba_cuda") is not None
    return found


#: answers looked up once per process (what is installed; what 'auto' means for torch)
_ONCE: dict = {}


def _probe_hip() -> Backend:
    if importlib.util.find_spec("numba.hip") is None:
        raise BackendUnavailable("numba-hip is not installed")
    try:
        from numba import hip  # numba-hip
    except Exception as exc:  # ROCm libraries missing
        raise BackendUnavailable(f"numba.hip cannot be imported ({exc})", "no-rocm") from None
    if not hip.is_available():
        raise BackendUnavailable("numba-hip found no AMD GPU", "no-amd-gpu")
    return hip_backend(hip, str(getattr(hip.get_current_device(), "amdgpu_arch", "gfx90a")))


def hip_backend(hip, arch: str) -> Backend:
    """The hip Backend for namespace ``hip`` (``numba.hip``) on GPU architecture ``arch``:
    lanes follow the target's wavefront (64 on CDNA, 32 on RDNA)."""
    return Backend("hip", gpu=hip, jit=hip.jit, warp=wavefront_size(arch),
                   grid_limits=(2**31 - 1, 65535, 65535), on_device=True,
                   disk_cache=True, launch_lock=threading.Lock(), extras={"arch": arch})


def _probe_cuda() -> Backend:
    if not _numba_cuda_installed():
        raise BackendUnavailable("numba-cuda is not installed")
    from numba import cuda
    from numba.cuda.core import config

    if config.ENABLE_CUDASIM:
        raise BackendUnavailable("NUMBA_ENABLE_CUDASIM=1 replaces the CUDA driver", "cudasim")
    if not cuda.is_available():
        raise BackendUnavailable("numba-cuda found no NVIDIA GPU or driver", "no-nvidia-gpu")
    return Backend("cuda", gpu=cuda, jit=cuda.jit, warp=32, on_device=True,
                   disk_cache=True, launch_lock=threading.Lock())


def _probe_sim() -> Backend:
    if not _numba_cuda_installed():
        raise BackendUnavailable("numba-cuda is not installed")
    from numba import cuda
    from numba.cuda import simulator
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

    # Kernels keep `hip = numba.cuda`; the simulator swaps that module for its
    # per-thread fake while a kernel runs, so real CUDA and sim can coexist.
    # Host arrays are passed wrapped as its "device" arrays: no copy, so two
    # views of one buffer (elements and 8-byte words) stay one memory.
    lock_simulator_shared_arrays()
    quiet_simulator_polling()
    return Backend("sim", gpu=cuda, jit=simulator.jit, warp=32,
                   grid_limits=(2**31 - 1, 65535, 65535), on_device=False,
                   wrap_host=FakeCUDAArray, launch_lock=threading.Lock())


def lock_simulator_shared_arrays() -> None:
    """Make numba-cuda's simulator hand every thread of a block the same shared array.

    Its ``cuda.shared.array`` looks the block's array up by call site and, when
    missing, makes and stores one, without a lock: two of a block's threads (Python
    threads) that both find it missing each make their own, and a reduction through
    "shared" memory then reads lanes that were never written (seen as a wrong row
    sum, now and then, under load: tests/test_simulator.py makes it happen every
    time). The same lookup, under a lock; idempotent."""
    from numba.cuda.simulator import kernelapi

    cls = kernelapi.FakeCUDAShared
    if getattr(cls.array, "numba_causal_locked", False):
        return
    original = cls.array
    lock = threading.Lock()

    def array(self, shape, dtype, alignment=None):
        if alignment is not None or shape == 0:  # refused, or the one dynamic buffer
            return original(self, shape, dtype, alignment)
        if isinstance(dtype, kernelapi.types.Type):
            dtype = kernelapi.numpy_support.as_dtype(dtype)
        caller = sys._getframe(1)  # the call site names the array, as the simulator's
        site = (caller.f_code.co_filename, caller.f_lineno)
        with lock:
            found = self._allocations.get(site)
            if found is None:
                found = self._allocations[site] = kernelapi.np.empty(shape, dtype)
        return found

    array.numba_causal_locked = True
    cls.array = array


#: how long numba-cuda's simulator waits between polls of a block's threads that
#: find no barrier to release (tests/test_simulator.py)
SIM_POLL_S = 1e-4


def quiet_simulator_polling() -> None:
    """Make numba-cuda's simulator yield between polls of a block's threads.

    Its block manager runs the block's lanes as Python threads and, until all have
    finished, polls them in a busy loop (every lane's barrier flag, then
    ``is_alive`` of each), holding the interpreter lock the lanes need to reach
    their barriers: in a profile of a 32-lane kernel, 70 % of the time went to the
    polls. The same loop (numba-cuda 0.30.4's ``BlockManager.run``: the same
    threads, barrier releases and exception handling), sleeping SIM_POLL_S after a
    poll that releases nothing: 1.5-2x faster on the package's kernels.
    Idempotent."""
    import time

    from numba.cuda.simulator import kernel as sim_kernel

    manager = sim_kernel.BlockManager
    if getattr(manager.run, "numba_causal_quiet", False):
        return

    def run(self, grid_point, *args):
        threads = set()
        livethreads = set()
        blockedthreads = set()
        for block_point in sim_kernel.np.ndindex(*self._block_dim):

            def target():
                self._f(*args)

            t = sim_kernel.BlockThread(target, self, grid_point, block_point, self._debug)
            t.start()
            threads.add(t)
            livethreads.add(t)
        while livethreads:
            for t in livethreads:
                if t.syncthreads_blocked:
                    blockedthreads.add(t)
                elif t.exception:  # abort the others, unjoined, as the simulator does
                    for t_other in threads:
                        t_other.abort = True
                        t_other.syncthreads_blocked = False
                        t_other.syncthreads_event.set()
                    raise t.exception[0].with_traceback(t.exception[1])
            if livethreads == blockedthreads:
                for t in blockedthreads:
                    t.syncthreads_blocked = False
                    t.syncthreads_event.set()
                blockedthreads = set()
            else:
                time.sleep(SIM_POLL_S)  # the lanes run meanwhile
            livethreads = set([t for t in livethreads if t.is_alive()])
        for t in threads:
            if t.exception:
                raise t.exception[0].with_traceback(t.exception[1])

    run.numba_causal_quiet = True
    manager.run = run


def _probe_cpu() -> Backend:
    # numba's default (workqueue) threading layer runs one parallel region at a time
    return Backend("cpu", launch_lock=threading.Lock())


_PROBES = {"hip": _probe_hip, "cuda": _probe_cuda, "sim": _probe_sim, "cpu": _probe_cpu}


_PROBE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=None)
def _probe(name: str):
    """The Backend, or the reason it is unavailable (probed once per process: two
    threads asking at once must get the same Backend, and so the same lock)."""
    with _PROBE_LOCK:
        return _probe_once(name)


@functools.lru_cache(maxsize=None)
def _probe_once(name: str):
    try:
        return _PROBES[name]()
    except BackendUnavailable as exc:
        reason = Unavailable(str(exc))
        reason.hint = _CAUSE_HINT.get(exc.cause) or INSTALL_HINT[name]
        return reason


def available_backends() -> list:
    """Names of the backends that work here, in the order 'auto' prefers them."""
    order = AUTO_ORDER + ("sim",)
    return [n for n in order if isinstance(_probe(n), Backend)]


def unavailable_reasons() -> dict:
    """For each backend that does not work here, why not."""
    return {n: _probe(n) for n in NAMES if not isinstance(_probe(n), Backend)}


def requested(name="auto") -> str:
    """The backend name a call asks for: ``name``, or for 'auto'/None the
    environment variable's choice (still 'auto' when it is unset)."""
    if name is None or name == "auto":
        name = _environment_choice() or "auto"
    return str(name).lower()


_ENV_KEY = ENV_VAR.encode()


def _environment_choice():
    """$NUMBA_CAUSAL_BACKEND as os.environ holds it, read without os.environ's per-call
    key encoding (about 0.5 us; the fast path reads it on every 'auto' call)."""
    data = getattr(os.environ, "_data", None)
    if os.name == "posix" and isinstance(data, dict):
        raw = data.get(_ENV_KEY)
        return None if raw is None else os.fsdecode(raw)
    return os.environ.get(ENV_VAR)


def auto_means_cuda_for_torch(torch) -> bool:
    """Whether 'auto' resolves to cuda for a tensor of this torch's CUDA build,
    decided without importing numba's CUDA target (the fast path's question): the
    AUTO_ORDER rule for an NVIDIA tensor, where hip cannot apply and cuda needs
    numba-cuda on the real driver."""
    choice = requested("auto")
    if choice != "auto":
        return choice == "cuda"
    found = _ONCE.get("auto cuda")
    if found is None:  # numba reads NUMBA_ENABLE_CUDASIM once, at import: so do we
        found = _ONCE["auto cuda"] = (
            getattr(torch.version, "hip", None) is None and _numba_cuda_installed()
            and os.environ.get("NUMBA_ENABLE_CUDASIM", "0") in ("0", ""))
    return found


def get_backend(name: str = "auto") -> Backend:
    """Resolve a backend name ('auto', 'hip', 'cuda', 'sim', 'cpu') to a Backend.

    Raises ValueError for an unknown name and BackendUnavailable, naming what is
    available and what to install, for a backend that cannot run here.
    """
    if isinstance(name, Backend):
        return name
    asked = name
    name = requested(name)
    if name == "auto":
        return next(_probe(n) for n in AUTO_ORDER if isinstance(_probe(n), Backend))
    if name not in _PROBES:
        via = f" (from ${ENV_VAR})" if asked in (None, "auto") else ""
        raise UnknownBackend(f"unknown backend {name!r}{via}; choose one of "
                             f"{('auto',) + NAMES}")
    found = _probe(name)
    if isinstance(found, Backend):
        return found
    via = f" (from ${ENV_VAR})" if asked in (None, "auto") else ""
    raise BackendUnavailable(
        f"backend {name!r}{via} is not available here: {found}. "
        f"Available: {', '.join(available_backends())}. To get it: {install_hint(name, found)}."
    )
