"""The op layer: the one path every kernel family takes.

A kernel family (``mask.py``, ``softmax.py``, ...) is one module that declares,
side by side, its GPU kernel (the one source for hip, cuda and the simulator),
its CPU kernel, its reference, its helpers and its GPU kernel's argument list,
in a :class:`Family`; and a public function that validates the user's input and
plans a launch. Everything else happens here, once for every family:

1. **validate** — the family's function calls ``arrays.inspect_scores`` /
   ``options.mask_options`` before anything is written;
2. **pick the backend** — :func:`backends.get_backend` (the only place);
3. **device views and stream** — :func:`operands`: host arrays copied to a GPU
   backend and back only on success, device arrays used in place, and the one
   stream the launch runs on (every other operand's stream synchronised first);
4. **build** — :meth:`Family.build`: the source bound to the backend with the
   variant's compile-time constants (``compile.build``, cached in the process
   and on disk);
5. **launch** — :func:`launch` (GPU: grid, block, stream, the arguments in the
   declared order; recorded for the fast path) or :func:`run_host` (CPU kernel
   or reference).

The declaration also yields the ahead-of-time catalog (:func:`aot_catalog`: every
variant each family's launcher can produce, for the AMD compile check), the
fast path's argument types (:meth:`Family.signature`) and the benchmark rows
(``Family.bench``). Adding a family = its module, registered with
:func:`register`, + its test file (+ a docs page); see docs/authoring-kernels.md.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Optional

import numpy as np

from . import compile as kc
from . import intrinsics, primitives
from .arrays import constant_on, device_copy, on_gpu, scores_on
from .backends import Backend, spelling
from .options import NO_VALUES

# --- declaration -----------------------------------------------------------------------


@dataclass(frozen=True)
class Arg:
    """One argument of a GPU kernel: ``type`` is a numba type name ('int64',
    'uint64') or the name of a compile-time constant holding one (e.g.
    'ELEMENT'); ``ndim`` 0 for a scalar, else an array's rank."""

    name: str
    type: str
    ndim: int = 0

    def type_name(self, constants) -> str:
        value = constants.get(self.type, self.type)
        return getattr(value, "name", None) or str(value)


def array(name: str, type: str, ndim: int) -> Arg:
    """An array argument of ``ndim`` dimensions."""
    return Arg(name, type, ndim)


def scalar(name: str, type: str) -> Arg:
    """A scalar argument."""
    return Arg(name, type, 0)


@dataclass(frozen=True)
class Family:
    """A kernel family, as its module declares it.

    ``gpu_kernel``: the one GPU source (hip, cuda, sim); ``cpu_kernel``: the
    ``@njit(parallel=True)`` loop; ``reference``: the element-by-element
    definition. ``helpers``: device functions all three call; ``gpu_helpers``:
    those only the GPU kernel calls (tiles, reductions), ``cpu_helpers`` those
    only the host loops call (a GPU variant's code, and so its digest, leaves
    them out); the backend's spelling
    of each primitive (primitives.py) is added per backend. ``args``: the GPU
    kernel's arguments in order (:func:`array`, :func:`scalar`).
    ``aot_variants(warp)``: every (name, constants) the launcher can produce for
    a target of ``warp`` lanes, for the ahead-of-time catalog.
    ``dependent_launch``: the GPU kernel's first statement is ``if PDL:
    grid_dependency_wait()`` (no global memory touched before it), so that on a
    GPU that can (:func:`dependent_launches`) it is compiled with ``PDL`` True and
    replayed as a programmatic dependent of the kernel before it (see
    :meth:`variant`). ``bench``: an
    optional ``(bench.BenchContext, shape, dtype) -> bench.Row``,
    ``bench_label`` its short name in tables and ``--ops``; ``bench_shapes`` its
    default cases [(shape, dtypes)] per sweep ('gpu', 'cpu', 'quick');
    ``bench_sizes`` the sizes a case's shape may have and ``bench_layout`` what
    they mean, ``bench_modes`` the ``+MODE`` a case's dtype may carry (rotary's
    ``float16+table``; a mode ending in ``N`` takes a positive integer there:
    softmax's ``windowN``, ``float16+window1024``; ``bench --shapes`` checks all
    three).
    """

    name: str
    gpu_kernel: Callable
    cpu_kernel: Callable
    reference: Callable
    args: tuple
    helpers: tuple = ()
    gpu_helpers: tuple = ()
    cpu_helpers: tuple = ()
    aot_variants: Optional[Callable] = None
    dependent_launch: bool = False
    bench: Optional[Callable] = None
    bench_label: str = ""
    bench_shapes: dict = field(default_factory=dict)
    bench_sizes: tuple = (2, 4)
    bench_layout: str = "seq_len x cache_len or batch x heads x seq_len x cache_len"
    bench_modes: tuple = ()
    #: (shape, dtype, backend name) -> why the benchmark cannot run that --shapes case
    #: there ("" when it can): checked with the layout before the run
    bench_check: Optional[Callable] = None

    def takes_mode(self, mode: str) -> bool:
        """``mode`` is one of bench_modes (``NAMEN``: NAME and a positive integer)."""
        for known in self.bench_modes:
            if mode == known:
                return True
            if known.endswith("N") and mode.startswith(known[:-1]):
                number = mode[len(known) - 1:]
                if number.isdigit() and int(number) > 0:
                    return True
        return False

    def gpu_helper_list(self, target: str, definitions: bool = False) -> tuple:
        """The GPU kernel's helpers, with the spelling of the primitives for
        ``target`` ('cuda', 'hip', 'sim'; backends.spelling): primitives.py's lane
        exchange, intrinsics.py's 16-bit conversions, wide loads, 32-bit indices
        (``definitions``: their Python definitions, for a digest)."""
        return (self.helpers + self.gpu_helpers + primitives.gpu_primitives(target)
                + intrinsics.device_primitives(target, definitions=definitions))

    def variant(self, constants, dependent: bool = False) -> dict:
        """The compile-time constants of a GPU variant as planned (``constants``),
        with ``PDL`` for a ``dependent_launch`` family: ``dependent``, whether the
        GPU replays it as a programmatic dependent launch
        (:func:`dependent_launches`; False for the AOT catalog)."""
        made = dict(constants)
        if self.dependent_launch:
            made["PDL"] = bool(dependent)
        return made

    def host_helper_list(self) -> tuple:
        """The CPU kernel's and the reference's helpers (with the CPU spelling of
        the intrinsics)."""
        return self.helpers + self.cpu_helpers + intrinsics.device_primitives("cpu")

    def build(self, backend: Backend, kind: str, constants: dict):
        """The compiled kernel of ``kind`` ('kernel', 'cpu', 'cpu_serial',
        'reference') for ``backend`` with ``constants`` (cached)."""
        if kind == "kernel":
            return kc.build(backend, self.gpu_kernel, self.gpu_helper_list(spelling(backend)),
                            **constants)
        source = self.reference if kind == "reference" else self.cpu_kernel
        return kc.build(backend, source, self.host_helper_list(), kind=kind, **constants)

    def signature(self, constants: dict, layouts=None) -> str:
        """The GPU kernel's numba signature for a variant; ``layouts`` (one letter per
        array argument, 'C' by default) as numba types the arrays."""
        layouts = iter(layouts or ())
        parts = []
        for arg in self.args:
            name = arg.type_name(constants)
            if arg.ndim:
                layout = next(layouts, "C")
                dims = ",".join([":"] * (arg.ndim - 1) + ["::1" if layout == "C" else ":"])
                parts.append(f"{name}[{dims}]")
            else:
                parts.append(name)
        return f"void({', '.join(parts)})"

    def variant_digest(self, backend_name: str, constants: dict) -> str:
        """A digest of the code a GPU variant compiles (kernel, helpers, constants)."""
        return kc.variant_digest(self.gpu_kernel, self.gpu_helper_list(backend_name, True),
                                 constants)


@dataclass(frozen=True)
class Launch:
    """A planned GPU launch: compile-time constants, grid, block, the arguments
    by name (ordered by the family's ``args`` at launch) and the bytes of dynamic
    shared memory a block takes (``shared``: its ``gpu.shared.array(0, ...)``)."""

    constants: MappingProxyType
    grid: tuple
    block: tuple
    args: MappingProxyType
    shared: int = 0

    @staticmethod
    def of(constants: dict, grid, block, args: dict, shared: int = 0) -> "Launch":
        return Launch(MappingProxyType(dict(constants)), tuple(grid), tuple(block),
                      MappingProxyType(dict(args)), int(shared))


_FAMILIES: dict = {}
_REGISTER_LOCK = threading.Lock()

#: modules holding the kernel families, imported for the catalog and the benchmark
FAMILY_MODULES = ("numba_causal.mask", "numba_causal.softmax", "numba_causal.softmax_backward",
                  "numba_causal.rotary", "numba_causal.attention")


def register(family: Family) -> Family:
    """Make ``family`` known to the AOT catalog and the benchmark; returns it."""
    with _REGISTER_LOCK:
        _FAMILIES[family.name] = family
    return family


def families() -> dict:
    """Every registered family by name (importing the package's family modules):
    the package's in FAMILY_MODULES order, then others in their order of
    registration (an order that does not hang on which module was imported first)."""
    import importlib
    import importlib.util

    for module in FAMILY_MODULES:
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
    with _REGISTER_LOCK:
        registered = list(_FAMILIES.items())
    rank = {module: i for i, module in enumerate(FAMILY_MODULES)}
    ordered = sorted(enumerate(registered), key=lambda item: (
        rank.get(getattr(item[1][1].gpu_kernel, "__module__", None), len(rank)), item[0]))
    return {name: family for _, (name, family) in ordered}


def aot_catalog(gpu, warp: int) -> list:
    """Every GPU kernel variant of every family bound to namespace ``gpu``
    (``numba.hip`` or ``numba.cuda``) for a target whose warp (wavefront) is
    ``warp`` lanes, uncompiled: a list of compile.KernelSpec."""
    backend_name = "hip" if gpu.__name__.endswith("hip") else "cuda"
    specs, shared = [], {}  # helpers bound alike are compiled once (kc.bind_for_aot)
    for family in families().values():
        for name, constants in (family.aot_variants(warp) if family.aot_variants else ()):
            constants = family.variant(constants)
            fn = kc.bind_for_aot(family.gpu_kernel, family.gpu_helper_list(backend_name),
                                 constants, gpu, shared)
            specs.append(kc.KernelSpec(name, fn, family.signature(constants), family.name,
                                       dict(constants)))
    return specs


# --- operands and stream ---------------------------------------------------------------

@contextlib.contextmanager
def operands(backend: Backend, *arrays, mask_fn=None):
    """Views of validated arrays (arrays.Scores) where ``backend``'s kernels run,
    and the one stream to launch on: yields ([Launchable, ...], stream).

    Each entry of ``arrays`` is ``(scores, written)``: a written host array on a
    GPU backend is copied back once the body succeeded, never on failure. The
    launch runs on the stream of the first written array; any other operand's
    stream is synchronised first, so its data is in place before the kernel reads
    it. GPU arrays must all live on one GPU (else ValueError, before anything is
    written); that GPU is made current for the body, whatever device was current.

    With a ``mask_fn`` on a host backend (cpu, the simulator), where the kernel
    calls the user's predicate and its exception propagates, the written host
    arrays are copied first and put back if the body raises: a predicate that
    raises only for some arguments (the validation's probe calls it once) leaves
    nothing written, and its exception comes back as a ValueError that names it.
    """
    devices = sorted({s.device for s, _ in arrays if s.on_device and s.device is not None})
    if len(devices) > 1:
        raise ValueError(f"arguments live on different GPUs ({', '.join(f'cuda:{d}' for d in devices)}):"
                         " pass them on one device")
    kept = []  # (host memory the op writes, a copy of it): put back if the kernel raises
    if mask_fn is not None and not backend.on_device:
        kept = [(s.host, s.host.copy()) for s, written in arrays
                if written and s.host is not None]
    try:
        with contextlib.ExitStack() as stack:
            # launches, views, streams and device constants on the arrays' own GPU
            stack.enter_context(on_gpu(backend, devices[0] if devices else None))
            views = [stack.enter_context(scores_on(s, backend, write_back=written))
                     for s, written in arrays]
            written = [v for v, (_, w) in zip(views, arrays) if w] or views
            stream = written[0].stream
            for view in views:
                if view.stream is not stream and hasattr(view.stream, "synchronize"):
                    view.stream.synchronize()
            yield views, stream
            if backend.on_device and hasattr(stream, "synchronize") and any(
                    w and not s.on_device for s, w in arrays):
                # host arrays are copied back on their own streams (on leaving the
                # views): the kernel on the launch stream must be done first
                stream.synchronize()
    except BaseException as exc:
        for memory, before in kept:
            np.copyto(memory, before)
        if kept and isinstance(exc, Exception):
            raise ValueError(f"mask_fn raised {type(exc).__name__} while the kernel ran: {exc} "
                             "(the op's outputs are as they were before the call)") from exc
        raise


def per_sequence_on(backend: Backend, opts, stream, live_kv_lens=None,
                    live_q_offsets=None) -> tuple:
    """(kv_lens, q_offsets) of mask options where ``backend``'s kernels read them
    (a constant one-element array for an option not given). ``live_kv_lens``,
    ``live_q_offsets``: int64 device vectors of the same (validated) values
    (fastpath.kv_lens_on_gpu, q_offsets_on_gpu), read in place (a replayed launch
    then reads its values of the moment) instead of a copy."""
    kv_lens, q_offsets = opts.per_sequence()
    if not backend.on_device:  # the simulator reads host arrays wrapped as device ones
        wrap = backend.wrap_host or (lambda a: a)
        return wrap(kv_lens), wrap(q_offsets)
    dummy = constant_on(backend, "no per-sequence values", NO_VALUES)

    def on_device(host, live):
        if host is None:
            return dummy
        if live is None:
            return device_copy(backend, host, stream)
        return backend.gpu.from_cuda_array_interface(live.__cuda_array_interface__,
                                                     owner=live, sync=False)

    return (on_device(opts.kv_lens, live_kv_lens),
            on_device(opts.q_offsets, live_q_offsets))


# --- launch ------------------------------------------------------------------------------

def _planned_kernel(family: Family, backend: Backend, plan: Launch) -> tuple:
    """(constants, kernel, args) of ``plan``: the variant of ``family``'s GPU kernel
    that op.launch launches (PDL where dependent_launches), built (cached), and its
    arguments in the family's order."""
    constants = family.variant(plan.constants, dependent_launches(backend))
    args = tuple(plan.args[arg.name] for arg in family.args)
    return constants, family.build(backend, "kernel", constants), args


def launch(family: Family, backend: Backend, plan: Launch, stream, fast_key=None, keep=(),
           then=False):
    """Compile (cached) and launch ``family``'s GPU kernel as planned, on
    ``stream``; with a ``fast_key`` (cuda), keep the launch for the fast path, and
    with it the objects in ``keep`` (workspaces the launch's arguments point into);
    ``then``: after the launch kept last for ``fast_key`` (a replay makes both)."""
    constants, kernel, args = _planned_kernel(family, backend, plan)
    with kc.launch_guard(backend, "kernel"), _no_numba_warnings():
        if plan.shared:
            allow_shared(backend, kernel, args, plan.shared)
            configured = kernel[plan.grid, plan.block, stream or 0, plan.shared]
        elif stream:
            configured = kernel[plan.grid, plan.block, stream]
        else:
            configured = kernel[plan.grid, plan.block]
        configured(*args)
    if fast_key is not None and backend.name == "cuda":
        from . import fastpath

        fastpath.remember(fast_key, family, constants, kernel, plan.grid, plan.block, stream,
                          args, keep, then, plan.shared)
    return kernel


_CAPABILITIES: dict = {}


def compute_capability(backend: Backend) -> tuple:
    """(major, minor) of ``backend``'s current GPU (asked once per device)."""
    device = backend.gpu.get_current_device()
    cc = _CAPABILITIES.get(device.id)
    if cc is None:
        cc = _CAPABILITIES[device.id] = tuple(device.compute_capability)
    return cc


def device_attribute(backend: Backend, name: str) -> int:
    """``backend``'s current GPU's CUdevice_attribute ``name`` without its prefix (e.g.
    "MULTIPROCESSOR_COUNT"; numba asks the driver once per device). cuda."""
    return int(getattr(backend.gpu.get_current_device(), name))


def dependent_launches(backend: Backend) -> bool:
    """Whether ``backend``'s current GPU replays kernels as programmatic dependent
    launches (PDL): cuda, compute capability 9.0 or later and a driver with
    ``cuLaunchKernelEx`` (fastpath.launches_dependent). Such a launch is placed
    while the kernel before it on the stream ends, instead of after: back-to-back
    decode calls on an H200 took about 2 µs less each (docs/attention.md)."""
    if backend.name != "cuda":
        return False
    from . import fastpath

    return fastpath.launches_dependent(compute_capability(backend))


def allow_shared(backend: Backend, kernel, args, nbytes: int) -> None:
    """Let ``kernel``'s variant for ``args`` take ``nbytes`` of dynamic shared memory
    a block: on cuda, past the 48 KiB a block gets without asking, up to what the
    device allows (fastpath.allow_function_shared: the variant's one limit, shared
    with the fast path's replays, only ever raised); the simulator needs nothing."""
    from . import fastpath

    if backend.name != "cuda" or nbytes <= fastpath.SHARED_UNASKED:
        return
    function = _cu_function(kernel, args)
    fastpath.allow_function_shared(fastpath.function_handle(function.handle), nbytes)


def _cu_function(kernel, args):
    """The compiled CUfunction (numba's wrapper) of ``kernel``'s variant for ``args``."""
    argtypes = tuple(kernel.typeof_pyval(a) for a in args)
    overload = kernel.overloads.get(argtypes) or kernel.compile(argtypes)
    return overload._codelibrary.get_cufunc()


_CLUSTERS_AT_ONCE: dict = {}


def clusters_at_once(family: Family, backend: Backend, plan: Launch) -> int:
    """How many thread-block clusters of ``plan`` (a launch of ``family``'s kernel
    with CLUSTER_DIMS) ``backend``'s current GPU runs at once: the driver's
    cuOccupancyMaxActiveClusters for the variant op.launch would launch, at the plan's
    block and dynamic shared bytes (asked once per variant and configuration; cuda)."""
    _, kernel, args = _planned_kernel(family, backend, plan)
    with kc.launch_guard(backend, "kernel"), _no_numba_warnings():
        if plan.shared:
            allow_shared(backend, kernel, args, plan.shared)
        function = _cu_function(kernel, args)
    block = tuple(plan.block) + (1,) * (3 - len(plan.block))
    key = (id(function), block, plan.shared)
    found = _CLUSTERS_AT_ONCE.get(key)
    if found is None or found[0] is not function:
        from numba.cuda.cudadrv.driver import binding, driver

        config = binding.CUlaunchConfig()
        config.gridDimX, config.gridDimY, config.gridDimZ = plan.grid
        config.blockDimX, config.blockDimY, config.blockDimZ = block
        config.sharedMemBytes = plan.shared
        config.numAttrs = 0
        found = _CLUSTERS_AT_ONCE[key] = (
            function, int(driver.cuOccupancyMaxActiveClusters(function.handle, config)))
    return found[1]


_WARNINGS_LOCK = threading.Lock()


@contextlib.contextmanager
def _no_numba_warnings():
    """Numba's warnings about our own launches (e.g. numba-cuda's "Grid size 6 will
    likely result in GPU under-utilization" for a small input: the grid is what the
    input needs) are ours to act on, not the user's: kept out of their output. The
    lock keeps our own threads' ``catch_warnings`` from interleaving."""
    import sys
    import warnings

    categories = [getattr(sys.modules.get(name), "NumbaWarning", None)
                  for name in ("numba.core.errors", "numba.cuda.core.errors")]
    with _WARNINGS_LOCK, warnings.catch_warnings():
        for category in categories:
            if isinstance(category, type) and issubclass(category, Warning):
                warnings.simplefilter("ignore", category)
        yield


def run_host(family: Family, backend: Backend, kind: str, constants: dict, args: tuple,
             fast_key=None, arrays: int = 1):
    """Compile (cached) and run ``family``'s CPU kernel (``kind`` 'cpu' or
    'cpu_serial') or its reference ('reference') on host arrays. With a
    ``fast_key`` (fastpath.host_key), keep the call for the host fast path: the
    first ``arrays`` arguments are views of the caller's arrays, the rest fixed."""
    kernel = family.build(backend, kind, constants)
    guard = kc.launch_guard(backend, kind)
    with guard:
        kernel(*args)
    if fast_key is not None:
        from . import fastpath

        fastpath.remember_host(fast_key, kernel, guard, args, arrays)
