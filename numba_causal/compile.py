"""One kernel source, four compiled forms: binding a source to a backend, and the
process-wide cache of compiled kernels.

A kernel is a plain Python function written against a global GPU namespace
named ``gpu`` (``gpu.blockIdx``, ``gpu.threadIdx``, ``gpu.shared.array`` ...)
and upper-case compile-time constants (``LANES``, ``ROWS``, ``MASK_FN`` ...).
A module declares both at its top, explicitly::

    from .compile import GPU, compile_time
    gpu = GPU                                   # numba.hip or numba.cuda, per backend
    LANES, ROWS = compile_time("LANES", "ROWS")  # set per variant

Neither holds a value: using one outside a bound kernel raises. ``build``
copies the function with fresh globals in which ``gpu`` is ``numba.hip``
(ROCm) or ``numba.cuda`` (NVIDIA and the simulator) and the constants hold the
variant's values; each helper function it calls is bound the same way, with
*its own* module's globals, and compiled as a device function of that backend
(``@njit`` for host kinds). Numba freezes globals at compile time, so every
constant is a compile-time constant of the compiled kernel and an unused branch
compiles away.

The compiled kernel is cached for the process, keyed by backend, kind, source
and constants. GPU kernels and the CPU kernel are also cached on disk by numba
(unless they hold a user predicate). The disk cache entry is named by a digest
of the code actually compiled (the kernel and every helper, see
``code_digest``): change or move a helper and the old binary is never replayed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import types
import warnings
from dataclasses import dataclass
from typing import NamedTuple

from numba import njit

from .backends import Backend

_LOCK = threading.RLock()
#: (backend name, kind, source, constants) -> compiled kernel; read it through compiled()
_KERNELS: dict = {}
#: (backend name, source, helpers, constants) -> the bound namespace of a host kernel,
#: shared by its kinds 'cpu' and 'cpu_serial' (their helpers compile alike)
_HOST_NAMESPACES: dict = {}


class Compiled(NamedTuple):
    """One compiled kernel of this process: where and what it was built from."""

    backend: str
    kind: str
    source: str
    constants: dict
    kernel: object


def compiled(backend: str = None, source: str = None) -> list:
    """The kernels compiled in this process (optionally only ``backend``'s, or
    only those from the function named ``source``), oldest first."""
    with _LOCK:
        items = list(_KERNELS.items())
    found = [Compiled(key[0], key[1], key[2].__name__, dict(key[3]), kernel)
             for key, kernel in items]
    return [c for c in found if (backend is None or c.backend == backend)
            and (source is None or c.source == source)]


def forget() -> None:
    """Drop every compiled kernel of this process (numba's disk cache stays): a
    later call compiles anew, e.g. after a launch table changed."""
    with _LOCK:
        _KERNELS.clear()
        _HOST_NAMESPACES.clear()


class CompileTime:
    """A name a kernel module declares and ``build`` binds per variant. It has no
    value in Python: any use outside a bound kernel is an error."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"<compile-time {self.name}: bound per variant by numba_causal.compile.build>"

    def _unbound(self, *args, **kwargs):
        raise TypeError(f"{self.name} is a compile-time name of a kernel; it has a value "
                        "only inside a kernel bound by numba_causal.compile.build")

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise AttributeError(f"{self.name}.{attr}: {self.name} is a compile-time name of a "
                             "kernel, bound per backend by numba_causal.compile.build")

    __bool__ = __index__ = __int__ = __float__ = __call__ = _unbound
    __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = __rsub__ = _unbound
    __floordiv__ = __mod__ = __lt__ = __le__ = __gt__ = __ge__ = _unbound


def compile_time(*names: str):
    """Placeholders for compile-time constants (one, or a tuple for several)."""
    made = tuple(CompileTime(n) for n in names)
    return made[0] if len(made) == 1 else made


#: the GPU namespace placeholder: kernels say ``gpu = GPU`` and use ``gpu.threadIdx``
GPU = CompileTime("gpu")


def bind(fn, namespace: dict, qualname: str = None):
    """A copy of ``fn`` (its attributes too) whose global names resolve in ``namespace``."""
    copy = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = qualname or fn.__qualname__
    copy.__module__ = fn.__module__
    copy.__doc__ = fn.__doc__
    copy.__dict__.update(fn.__dict__)
    return copy


def outlined(fn):
    """Mark a host helper as the body of a parallel loop: the host kinds, which
    inline their other helpers, compile it as a function of its own and call it.
    numba's parallel passes, which copy and rewrite a loop's body several times,
    then see one call, and 'cpu' and 'cpu_serial' of one variant share the one
    compilation (build binds both kinds in one namespace). attention's CPU kernel
    (float32, many rows a task, this 2-core machine): 'cpu' 27-32 s to compile
    before, 16-19 s so, and 'cpu_serial' 2 s after it."""
    fn._numba_causal_outlined = True
    return fn


def is_outlined(fn) -> bool:
    """``fn`` was marked by ``outlined``."""
    return getattr(plain_python(fn), "_numba_causal_outlined", False)


def plain_python(fn):
    """The Python function behind a numba dispatcher or @intrinsic (or ``fn`` itself)."""
    return getattr(fn, "py_func", None) or getattr(fn, "_defn", None) or fn


def code_bytes(code, out: list) -> None:
    """Append ``code``'s bytecode, names and constants (nested functions' too) to
    ``out``: what a digest of the code reads (also tools/amd/codegen.py's)."""
    out.append(code.co_code)
    out.append(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            code_bytes(const, out)
        elif isinstance(const, frozenset):  # `x in {...}`: set order varies per process
            out.append(repr(sorted(const, key=repr)).encode())
        else:
            out.append(repr(const).encode())


def global_names(code) -> set:
    """The global names ``code`` and the functions nested in it use."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= global_names(const)
    return names


def _ours(fn) -> bool:
    """``fn`` is this package's own plain Python function (library code is pinned by
    its version, which numba's disk cache checks)."""
    return isinstance(fn, types.FunctionType) and \
        (fn.__module__ or "").split(".")[0] == __name__.split(".")[0]


def code_digest(*functions) -> str:
    """A digest of the code of ``functions`` (bytecode, names, constants): equal
    for the same code wherever it lives, different when any of it changes. It
    follows what the code reaches that is not listed: the package's functions a
    function names as globals (a primitive's codegen calling a module helper) and
    the functions a made function was made from (closure cells), recursively."""
    parts, seen = [], set()

    def visit(fn):
        fn = plain_python(fn)
        if id(fn) in seen:
            return
        seen.add(id(fn))
        parts.append(f"{fn.__module__}.{fn.__qualname__}".encode())
        code_bytes(fn.__code__, parts)
        for cell in fn.__closure__ or ():  # what a made function was made from
            value = cell.cell_contents
            if _ours(value):
                visit(value)
            else:
                parts.append(repr(value).encode()
                             if isinstance(value, (str, int, float, tuple))
                             else type(value).__name__.encode())
        for name in sorted(global_names(fn.__code__)):
            value = fn.__globals__.get(name)
            if _ours(value):
                parts.append(name.encode())
                visit(value)

    for fn in functions:
        visit(fn)
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _helper_pairs(helpers) -> list:
    """Helpers as (name, function): a function binds under its own name, a
    ``(name, function)`` pair under that name (a backend's spelling of a primitive)."""
    return [h if isinstance(h, tuple) else (h.__name__, h) for h in helpers]


def _tag(constants: dict, digest: str) -> str:
    """The integer constants and the code digest as a name suffix; a long one is cut
    and ends in a hash (numba's cache file names must stay under 255 bytes)."""
    tag = "_".join(f"{k.lower()}{int(v)}" for k, v in sorted(constants.items())
                   if isinstance(v, (bool, int)))
    if len(tag) > 80:
        tag = f"{tag[:60]}_{hashlib.sha1(tag.encode()).hexdigest()[:16]}"
    return f"__{tag}__{digest[:16]}"


def _constant_values(constants: dict, device_jit, suffix: str = "") -> dict:
    """The values a namespace gets: a predicate (``MASK_FN``) compiled as a device
    function (its qualname ending in ``suffix``, as a helper's: bound_namespace)."""
    values = dict(constants)
    if values.get("MASK_FN") is not None:
        fn = plain_python(values["MASK_FN"])
        values["MASK_FN"] = device_jit(bind(fn, fn.__globals__, fn.__qualname__ + suffix)
                                       if suffix else fn)
    return values


def _value_key(value):
    """A constant as a dictionary key: plain values and numba types by type and repr
    (equal constants, equal keys), anything else (a compiled predicate) by identity:
    the object itself where it hashes, so that a dict of keys keeps it alive and its
    id is never another's."""
    if value is None or isinstance(value, (bool, int, float, str, tuple)) or \
            type(value).__module__.startswith("numba.core.types"):
        return (type(value).__qualname__, repr(value))
    try:
        hash(value)
    except TypeError:
        return ("object", id(value))
    return (type(value), value)  # the type too: numpy's 1.0 of two widths compare equal


def _helper_keys(pairs: list, values: dict) -> dict:
    """name -> what a helper's bound copy is made of: its function and, for each
    global it names, the value it resolves to (a constant by _value_key, a helper by
    its own key, recursively; a device callable by identity). Two variants whose
    helper has the same key bind the same code to the same names."""
    functions, keys = dict(pairs), {}

    def key(name):
        fn = functions[name]
        if not isinstance(fn, types.FunctionType):
            return _value_key(fn)
        if name not in keys:
            keys[name] = ("cycle", name)  # numba device functions do not recurse
            keys[name] = (fn, tuple(
                (g, key(g) if g in functions else _value_key(values[g]))
                for g in sorted(global_names(fn.__code__)) if g in functions or g in values))
        return keys[name]

    return {name: key(name) for name in functions}


def bound_namespace(kernel, helpers, constants: dict, gpu, device_jit, suffix: str = "",
                    shared: dict = None) -> dict:
    """Globals for ``kernel``: its module's, with ``gpu``, the constants and the
    helpers compiled by ``device_jit``. Each helper resolves its own globals in a
    copy of *its* module's namespace with the same constants and helpers.

    ``suffix`` (the variant's digest) ends each helper's qualname. numba names a
    compiled function by qualname and a per-process counter, and links functions
    across its libraries by that name, taking any one definition as *the* one: two
    variants of a helper loaded from the disk cache (compiled by different
    processes, whose counters can agree) must not share a name.

    ``shared``: a dict kept across the calls for one target (bind_for_aot's
    catalog): a helper whose key (_helper_keys) was bound before reuses that device
    function, so that numba compiles it once for all the variants binding it alike."""
    values = _constant_values(constants, device_jit, suffix)
    values["gpu"] = gpu
    pairs = _helper_pairs(helpers)
    namespaces = {}  # module globals id -> bound copy

    def namespace_of(fn):
        key = id(fn.__globals__)
        if key not in namespaces:
            namespaces[key] = dict(fn.__globals__, **values)
        return namespaces[key]

    # a plain function is bound and compiled per backend; anything else (an
    # @intrinsic, a numba builtin) is already a device callable and goes in as it is
    keys = _helper_keys(pairs, values) if shared is not None else {}
    compiled = {}
    for name, fn in pairs:
        if not isinstance(fn, types.FunctionType):
            compiled[name] = fn
        elif shared is not None and (id(gpu), keys[name]) in shared:
            compiled[name] = shared[id(gpu), keys[name]]
        else:
            compiled[name] = device_jit(bind(fn, namespace_of(fn), fn.__qualname__ + suffix))
            if shared is not None:
                shared[id(gpu), keys[name]] = compiled[name]
    kernel_namespace = namespace_of(kernel)
    for namespace in namespaces.values():
        namespace.update(compiled)
    return kernel_namespace


def _jitters(backend: Backend, kind: str, fastmath=()):
    """(kernel jit, device-function jit) for a backend; ``kind`` is 'kernel',
    'cpu' (parallel host loop), 'cpu_serial' (the same loop on one thread) or
    'reference' (serial host loop); ``fastmath``: LLVM fast-math flags for the
    host loops' kinds ('cpu', 'cpu_serial'; never the reference), whose helpers
    are then inlined (numba's ``inline='always'``) but for those marked
    ``outlined``. 'cpu' and 'cpu_serial' compile helpers alike."""
    if kind == "kernel":
        return backend.jit, (lambda f: backend.jit(device=True)(f))
    parallel = kind == "cpu"
    if not (kind.startswith("cpu") and fastmath):
        return (lambda f, cache=False: njit(parallel=parallel, cache=cache)(f)), njit
    flags = set(fastmath)  # helpers inlined, so the loops that call them vectorise
    return (lambda f, cache=False: njit(parallel=parallel, cache=cache, fastmath=flags)(f)), \
        (lambda f: njit(fastmath=flags,
                        inline="never" if is_outlined(f) else "always")(f))


def launch_bounds(bounds, cluster=None):
    """numba-cuda's ``launch_bounds`` for a kernel: ``bounds`` (threads a block, fewest
    blocks an SM must hold: ptxas then keeps the registers within what those blocks
    leave) and, with ``cluster`` (x, y, z), a compile-time thread-block cluster shape
    (a _ClusterBounds); None for neither."""
    if not cluster:
        return tuple(bounds) if bounds else None
    _annotate_clusters()
    carried = _ClusterBounds(bounds or ())
    carried.cluster = tuple(cluster)
    return carried


def _bounded(jit, bounds, cluster=None):
    """A kernel jit with launch_bounds(bounds, cluster)."""
    value = launch_bounds(bounds, cluster)
    return lambda f, cache=False: jit(launch_bounds=value, cache=cache)(f)


class _ClusterBounds(tuple):
    """Launch bounds that carry a cluster shape (``cluster``) to _annotate_clusters."""

    cluster = ()


def _annotate_clusters() -> None:
    """Teach numba-cuda's launch-bounds step the cluster shape: a _ClusterBounds adds
    NVVM's ``cluster_dim_x/y/z`` kernel annotations, which NVVM emits as PTX
    ``.reqnctapercluster`` (sm_90): every launch of the kernel, numba's or a plain
    ``cuLaunchKernel``, then runs its blocks in clusters of that shape. numba-cuda
    0.30 sets only ``cluster_max_blocks``, so its step is wrapped, once."""
    from numba.cuda.cudadrv import nvvm

    if getattr(nvvm.set_launch_bounds, "_numba_causal_clusters", False):
        return
    plain = nvvm.set_launch_bounds

    def set_launch_bounds(kernel, launch_bounds):
        cluster = getattr(launch_bounds, "cluster", ())
        plain(kernel, (tuple(launch_bounds) or None) if cluster else launch_bounds)
        if cluster:
            from llvmlite import ir
            from numba.cuda import cgutils

            module = kernel.module
            notes = cgutils.get_or_insert_named_metadata(module, "nvvm.annotations")
            for prop, size in zip(("cluster_dim_x", "cluster_dim_y", "cluster_dim_z"),
                                  cluster):
                notes.add(module.add_metadata((kernel, ir.MetaDataString(module, prop),
                                               ir.Constant(ir.IntType(32), size))))

    set_launch_bounds._numba_causal_clusters = True
    nvvm.set_launch_bounds = set_launch_bounds


def _is_user_code(constants: dict) -> bool:
    fn = constants.get("MASK_FN")
    return fn is not None and not getattr(fn, "_numba_causal_builtin", False)


#: how build() names what it compiles; a change here must not reuse older disk entries
#: (2: helpers' qualnames end in the variant digest, see bound_namespace)
NAMING = 2


def variant_digest(kernel, helpers, constants: dict) -> str:
    """What names a compiled variant on disk: the code of the kernel and its
    helpers, which helpers are outlined, the constants (a predicate by its code)
    and the NAMING scheme."""
    plain = sorted((k, code_digest(v) if hasattr(plain_python(v), "__code__") else repr(v))
                   for k, v in constants.items())
    functions = [kernel] + [fn for _, fn in _helper_pairs(helpers)
                            if hasattr(plain_python(fn), "__code__")]
    outlined_names = sorted(name for name, fn in _helper_pairs(helpers) if is_outlined(fn))
    return hashlib.sha256((code_digest(*functions) + repr(plain) + f"naming {NAMING}"
                           + f" outlined {outlined_names}").encode()).hexdigest()


def build(backend: Backend, kernel, helpers=(), kind="kernel", **constants):
    """The compiled form of ``kernel`` for ``backend`` (cached per process).

    A variant of code from a file goes to numba's disk cache (a GPU kernel where the
    backend keeps one; every host kind). ``constants`` become compile-time globals of
    the kernel and its helpers; a ``MASK_FN`` constant (a user predicate) is compiled
    as a device function; a ``HOST_FASTMATH`` constant (a tuple of LLVM fast-math
    flags) compiles a host loop ('cpu', 'cpu_serial') and its helpers with them, the
    helpers inlined; a ``LAUNCH_BOUNDS`` constant (threads a block, fewest blocks an
    SM holds) bounds a cuda kernel's registers (numba-cuda's ``launch_bounds``); a
    ``CLUSTER_DIMS`` constant (x, y, z) makes a cuda kernel run in thread-block
    clusters (sm_90).
    """
    key = (backend.name, kind, kernel, tuple(sorted(constants.items(), key=lambda kv: kv[0])))
    with _LOCK:
        compiled = _KERNELS.get(key)
        if compiled is not None:
            return compiled
        jit, device_jit = _jitters(backend, kind, constants.get("HOST_FASTMATH", ()))
        bounds, cluster = constants.get("LAUNCH_BOUNDS"), constants.get("CLUSTER_DIMS")
        if (bounds or cluster) and kind == "kernel" and backend.name == "cuda":
            jit = _bounded(jit, bounds, cluster)
        gpu = backend.gpu if kind == "kernel" else None
        # numba caches on disk only what it can locate: code from a file, not a notebook
        # cell; every host kind ('cpu', 'cpu_serial', 'reference') goes to disk
        on_disk = (not _is_user_code(constants) and os.path.isfile(kernel.__code__.co_filename)
                   and (kind != "kernel" or backend.disk_cache))
        # the qualname names the variant: numba's disk cache keys on it, not on jit flags,
        # and numba checks only the kernel's own file: the digest covers the helpers
        digest = variant_digest(kernel, helpers, constants) if on_disk else "0" * 16
        host_key = (backend.name, kernel, tuple(helpers), key[3]) \
            if kind in ("cpu", "cpu_serial") else None  # its kinds bind alike: one namespace
        namespace = _HOST_NAMESPACES.get(host_key)
        if namespace is None:
            namespace = bound_namespace(kernel, helpers, constants, gpu, device_jit,
                                        f"__{digest[:16]}" if on_disk else "")
            if host_key is not None:
                _HOST_NAMESPACES[host_key] = namespace
        fn = bind(kernel, namespace, f"{kernel.__qualname__}__{kind}{_tag(constants, digest)}")
        compiled = _disk_cached(jit, fn) if on_disk else jit(fn)
        _KERNELS[key] = compiled
        return compiled


_NO_CACHE_FOLDER = []  # the RuntimeError of the first kernel numba found no folder for


def _disk_cached(jit, fn):
    """``jit(fn, cache=True)``; where numba finds no folder it can write its cache to
    (a read-only install and home, NUMBA_CACHE_DIR unwritable: numba refuses with a
    RuntimeError, "no locator available"), ``jit(fn)``, compiled in memory for this
    process, with one RuntimeWarning a process saying so."""
    try:
        return _damage_is_a_miss(jit(fn, cache=True))
    except RuntimeError as exc:
        if "no locator available" not in str(exc):
            raise
        if not _NO_CACHE_FOLDER:
            _NO_CACHE_FOLDER.append(exc)
            warnings.warn(f"numba_causal: numba has no folder it can write its cache to "
                          f"({exc}); kernels are compiled for this process only. Set "
                          f"NUMBA_CACHE_DIR to a writable folder to keep them between runs.",
                          RuntimeWarning, stacklevel=4)
        return jit(fn)


def _damage_is_a_miss(dispatcher):
    """``dispatcher`` (numba's, with a disk cache) made to take a cache entry it cannot
    load (a file damaged from outside: numba raises pickle's EOFError or
    UnpicklingError on every call) as a miss: a RuntimeWarning, the variant's index
    removed so that numba writes a fresh one, and the variant compiled again. Any
    surprise in numba's internals leaves the dispatcher as it was."""
    cache = getattr(dispatcher, "_cache", None)
    load = getattr(cache, "load_overload", None)
    index = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
    if load is None or not isinstance(index, str):
        return dispatcher

    def load_overload(sig, target_context):
        try:
            return load(sig, target_context)
        except Exception as exc:  # whatever unpickling garbage raises
            warnings.warn(f"numba_causal: a cache entry of {index!r} could not be loaded "
                          f"({type(exc).__name__}: {exc}); it is compiled again and "
                          f"written anew", RuntimeWarning, stacklevel=2)
            with contextlib.suppress(OSError):
                os.remove(index)
            return None

    cache.load_overload = load_overload
    return dispatcher


def bind_for_aot(kernel, helpers, constants: dict, gpu, shared: dict = None):
    """``kernel`` bound to namespace ``gpu`` (e.g. ``numba.hip``) with its helpers as
    device functions of that namespace, uncompiled: for ahead-of-time compilation
    (``numba.hip.compile_llvm_ir(fn, signature, ...)``). ``shared``: one dict for
    the kernels of one target (bound_namespace): helpers bound alike are one device
    function, compiled once. numba keeps a device function's compilation per
    argument types, not per target: never share one dict between targets."""
    namespace = bound_namespace(kernel, helpers, constants, gpu,
                                lambda f: gpu.jit(device=True)(f), shared=shared)
    return bind(kernel, namespace)


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


def grid_fits(backend: Backend, x: int, y: int, z: int) -> bool:
    """True where the grid (x, y, z) needs no folding on ``backend`` (fold_grid keeps
    it): the loop-free 16-byte kernels take only such grids."""
    return fold_grid(backend, x, y, z) == (x, y, z)


def fold_grid(backend: Backend, x: int, y: int, z: int) -> tuple:
    """The launch grid: (x, y, z) clipped to the backend's limits.

    Kernels stride over each grid dimension, so a clipped dimension (batch or
    heads beyond 65535) folds into a loop instead of failing to launch.
    """
    lx, ly, lz = backend.grid_limits
    return (max(1, min(x, lx)), max(1, min(y, ly)), max(1, min(z, lz)))


@dataclass(frozen=True)
class KernelSpec:
    """A kernel variant bound to a GPU namespace, ready for ahead-of-time
    compilation (``numba.hip.compile_llvm_ir(spec.pyfunc, spec.signature, ...)``):
    its family, a name, the bound function, its numba signature and the
    compile-time constants of the variant."""

    name: str
    pyfunc: object
    signature: str
    family: str = ""
    constants: dict = None


def keep_all(b, h, q_pos, k):
    """The default predicate: keep every key (compiled away)."""
    return True


keep_all._numba_causal_builtin = True
