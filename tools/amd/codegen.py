"""Compile numba-hip kernels to AMDGPU code objects on a machine with no AMD GPU.

The route (see docs/amd.md; the toolchain comes from tools/amd/setup.sh):

1. ``numba.hip.compile_llvm_ir`` turns a Python kernel into AMDGPU LLVM IR.
   numba-hip asks AMD comgr for target attributes and its HIP device library;
   Debian 12's comgr (2.4, ROCm 5.2) knows gfx90a and gfx1030 but not gfx942
   or gfx1100. For those two the IR is made for a *proxy* arch of the same
   family (``PROXY_ARCH``) and retargeted: ``"target-cpu"`` rewritten,
   ``"target-features"`` dropped so LLVM takes the real arch's defaults.
2. ROCm's own LLVM, the ``libLLVM.so`` in the rocm-bindings-compiler wheel
   (driven here through ctypes), links Debian's ROCm device libraries, keeps
   only the kernels external, optimises at O3 and emits assembly and an object
   for the *real* arch: instruction selection, register allocation, wavefront
   size and code-object metadata are all the real target's.
3. ``ld.lld-19`` links the object into a code object (``.hsaco``).

Nothing here runs a kernel: it proves the kernels compile and shows what the
compiler made of them, not that they are correct on hardware.

Usage as a script: ``python tools/amd/codegen.py [--arch gfx942 ...] [--out DIR]``
compiles every kernel of ``numba_causal.gpu.kernel_catalog`` and writes the IR,
assembly and code objects to DIR (default ``.amd/out``);
``python tools/amd/codegen.py --table docs/amd.md [--check]`` writes (or checks)
the per-kernel, per-arch resource table between the markers of that file.

Compiled code objects are cached on disk (``compile_cached``), keyed by a hash
of everything that decides them: the kernel's code and every helper, device
primitive (``@intrinsic``: its codegen) and constant it reaches (``code_digest``),
this file and the toolchain pins (setup.sh, requirements-hip.txt), the signature
and the arch. numba-hip's IR (the front end, about 70 % of a compilation) is
cached beside them, keyed the same way but by the proxy arch (``ir_arch``), so
gfx942 is compiled from gfx90a's IR without a second front-end run. The cache is
shared by parallel test workers, the table step and (where
NUMBA_CAUSAL_AMD_CACHE points outside the clone) later CI runs.
"""

from __future__ import annotations

import contextlib
import ctypes as C
import hashlib
import importlib.metadata
import io
import os
import pickle
import re
import struct
import subprocess
import sys
import tempfile
import types
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AMD_DIR = Path(os.environ.get("NUMBA_CAUSAL_AMD_DIR") or REPO / ".amd")
#: compiled code objects, keyed by a hash of their inputs (see compile_cached)
CACHE_DIR = Path(os.environ.get("NUMBA_CAUSAL_AMD_CACHE") or AMD_DIR / "cache")

#: the architectures the project checks
ARCHS = ("gfx90a", "gfx942", "gfx1100")
#: arch -> the arch numba-hip makes the IR for, where Debian's comgr 2.4 lacks it
PROXY_ARCH = {"gfx942": "gfx90a", "gfx1100": "gfx1030"}
#: Debian's ROCm 5.2 device libraries (rocm-device-libs)
DEVICE_LIBS = Path("/usr/lib/x86_64-linux-gnu/amdgcn/bitcode")
LINKER = "ld.lld-19"
TRIPLE = "amdgcn-amd-amdhsa"
AMDGPU_KERNEL_CC = 91  # LLVM calling convention number of amdgpu_kernel


# -- numba-hip ------------------------------------------------------------------


def load_hip():
    """``numba.hip``, imported with the toolchain of tools/amd/setup.sh.

    Reads ``.amd/env.sh`` into ``os.environ`` (unless already set) and preloads
    the shim libraries, so no ``source .amd/env.sh`` is needed beforehand.
    Raises ImportError, saying why, where numba-hip or the toolchain is missing.
    """
    if "numba.hip" in sys.modules:
        return sys.modules["numba.hip"]
    try:
        importlib.metadata.version("numba-hip")
    except importlib.metadata.PackageNotFoundError:
        raise ImportError("numba-hip is not installed in this environment") from None
    if "numba.hip.hipconfig" in sys.modules and "numba.hip" not in sys.modules:
        raise ImportError("an earlier `import numba.hip` in this process failed, before the "
                          "toolchain was configured: source .amd/env.sh before starting Python")
    env_file = AMD_DIR / "env.sh"
    if not env_file.exists():
        raise ImportError(f"{env_file} is missing: run tools/amd/setup.sh")
    for key, value in re.findall(r"^export (\w+)=(\S+)$", env_file.read_text(), re.M):
        if "$" not in value:
            os.environ.setdefault(key, value)
    # the wheel's libLLVM.so needs these sonames; once loaded, they satisfy it
    for name in ("librocm_sysdeps_z.so.1", "librocm_sysdeps_zstd.so.1"):
        C.CDLL(str(AMD_DIR / "lib" / name), mode=C.RTLD_GLOBAL)
    from numba import hip

    return hip


def ir_arch(arch: str) -> str:
    """The arch numba-hip is asked to make IR for: ``arch`` or its proxy."""
    return PROXY_ARCH.get(arch, arch)


@contextlib.contextmanager
def _device_arch(arch: str):
    """Answer numba-hip's "which GPU is current?" with ``arch``.

    numba-hip compiles device functions (``hip.jit(device=True)``) for
    ``get_current_device().amdgpu_arch``, whatever arch ``compile_llvm_ir`` was
    given; with no GPU that call fails (``hipErrorInvalidDevice``).
    """
    from numba.hip import dispatcher

    saved = dispatcher.get_current_device
    dispatcher.get_current_device = lambda: types.SimpleNamespace(amdgpu_arch=arch)
    try:
        yield
    finally:
        dispatcher.get_current_device = saved


def proxy_ir(pyfunc, signature: str, proxy: str) -> str:
    """numba-hip's AMDGPU LLVM IR of ``pyfunc`` for arch ``proxy`` (the front end:
    typing and lowering, about 70 % of a compilation's time)."""
    hip = load_hip()
    with _device_arch(proxy):
        ir, _ = hip.compile_llvm_ir(pyfunc, signature, amdgpu_arch=proxy)
    return ir


def retarget(ir: str, proxy: str, arch: str) -> str:
    """IR made for ``proxy`` rewritten for ``arch``: target-cpu replaced and the
    proxy's target-features dropped, so the backend uses ``arch``'s defaults
    (wavefront size included). Identity when ``proxy == arch``."""
    if proxy == arch:
        return ir
    ir = ir.replace(f'"target-cpu"="{proxy}"', f'"target-cpu"="{arch}"')
    return re.sub(r' "target-features"="[^"]*"', "", ir)


def isa_version(arch: str) -> int:
    """The ``__oclc_ISA_version`` of an arch: gfx942 -> 9402, gfx1100 -> 11000."""
    major, minor, stepping = arch[3:-2], arch[-2], arch[-1]
    return int(major) * 1000 + int(minor, 16) * 100 + int(stepping, 16)


def wave64(arch: str) -> bool:
    """Default wavefront of ``arch`` is 64 (GCN/CDNA, gfx9) rather than 32 (RDNA)."""
    return len(arch) < 7


# -- ROCm LLVM through ctypes ---------------------------------------------------


@lru_cache(maxsize=None)
def _llvm():
    """The rocm-bindings-compiler wheel's libLLVM.so, with the AMDGPU target."""
    import rocm.bindings.llvm as pkg

    lib = C.CDLL(str(Path(list(pkg.__path__)[0]) / "libLLVM.so"))
    for part in ("TargetInfo", "Target", "TargetMC", "AsmPrinter", "AsmParser"):
        getattr(lib, f"LLVMInitializeAMDGPU{part}")()
    p, u32, i32, s = C.c_void_p, C.c_uint, C.c_int, C.c_char_p
    for name, res, *args in [
        ("LLVMContextCreate", p), ("LLVMContextDispose", None, p),
        ("LLVMCreateMemoryBufferWithMemoryRangeCopy", p, s, C.c_size_t, s),
        ("LLVMDisposeMemoryBuffer", None, p),
        ("LLVMParseIRInContext", i32, p, p, C.POINTER(p), C.POINTER(s)),
        ("LLVMParseBitcodeInContext2", i32, p, p, C.POINTER(p)),
        ("LLVMLinkModules2", i32, p, p), ("LLVMCloneModule", p, p),
        ("LLVMDisposeModule", None, p), ("LLVMVerifyModule", i32, p, i32, C.POINTER(s)),
        ("LLVMPrintModuleToString", p, p), ("LLVMDisposeMessage", None, p),
        ("LLVMGetFirstFunction", p, p), ("LLVMGetNextFunction", p, p),
        ("LLVMIsDeclaration", i32, p), ("LLVMGetFunctionCallConv", u32, p),
        ("LLVMSetLinkage", None, p, i32), ("LLVMSetVisibility", None, p, i32),
        ("LLVMGetTargetFromTriple", i32, s, C.POINTER(p), C.POINTER(s)),
        ("LLVMCreateTargetMachine", p, p, s, s, s, i32, i32, i32),
        ("LLVMDisposeTargetMachine", None, p),
        ("LLVMSetTargetMachineAsmVerbosity", None, p, i32),
        ("LLVMCreatePassBuilderOptions", p), ("LLVMDisposePassBuilderOptions", None, p),
        ("LLVMRunPasses", p, p, s, p, p), ("LLVMGetErrorMessage", p, p),
        ("LLVMDisposeErrorMessage", None, p),
        ("LLVMTargetMachineEmitToMemoryBuffer", i32, p, p, i32, C.POINTER(s), C.POINTER(p)),
        ("LLVMGetBufferStart", p, p), ("LLVMGetBufferSize", C.c_size_t, p),
    ]:
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


def _message(lib, ptr) -> str:
    text = C.string_at(ptr).decode()
    lib.LLVMDisposeMessage(ptr)
    return text


def _parse(lib, ctx, data: bytes, what: str):
    """An LLVM module from IR text or bitcode."""
    buf = lib.LLVMCreateMemoryBufferWithMemoryRangeCopy(data, len(data), what.encode())
    mod, err = C.c_void_p(), C.c_char_p()
    if data[:2] == b"BC":
        failed = lib.LLVMParseBitcodeInContext2(ctx, buf, C.byref(mod))
        lib.LLVMDisposeMemoryBuffer(buf)
    else:  # takes ownership of buf
        failed = lib.LLVMParseIRInContext(ctx, buf, C.byref(mod), C.byref(err))
    if failed:
        raise RuntimeError(f"LLVM cannot parse {what}: {(err.value or b'').decode()}")
    return mod


def _device_libs(arch: str) -> list:
    """Debian's device-library bitcode to link for ``arch`` (ockl, ocml, controls)."""
    # hip.bc: numba-hip's syncthreads() calls __atomic_work_item_fence, defined there
    names = ["hip.bc", "ockl.bc", "ocml.bc", "oclc_abi_version_500.bc", "oclc_finite_only_off.bc",
             "oclc_unsafe_math_off.bc", "oclc_daz_opt_off.bc",
             "oclc_correctly_rounded_sqrt_on.bc",
             f"oclc_wavefrontsize64_{'on' if wave64(arch) else 'off'}.bc"]
    isa = DEVICE_LIBS / f"oclc_isa_version_{arch[3:]}.bc"
    return [DEVICE_LIBS / n for n in names] + ([isa] if isa.exists() else [])


@dataclass
class Lowered:
    """What ROCm LLVM made of a module: optimised IR, assembly, relocatable object."""

    opt_ir: str
    asm: str
    obj: bytes


def lower(ir: str, arch: str) -> Lowered:
    """Link device libs into ``ir``, internalise all but the kernels, run O3 and
    emit assembly (verbose: with ``; ScratchSize`` etc.) and an ELF object."""
    lib = _llvm()
    ctx = lib.LLVMContextCreate()
    tm = None
    try:
        if not (DEVICE_LIBS / f"oclc_isa_version_{arch[3:]}.bc").exists():
            # ROCm 5.2's device libs predate the arch: define its ISA version
            ir += (f"\n@__oclc_ISA_version = linkonce_odr protected local_unnamed_addr "
                   f"addrspace(4) constant i32 {isa_version(arch)}, align 4\n")
        mod = _parse(lib, ctx, ir.encode(), "kernel IR")
        for path in _device_libs(arch):
            if lib.LLVMLinkModules2(mod, _parse(lib, ctx, path.read_bytes(), path.name)):
                raise RuntimeError(f"LLVM cannot link {path}")
        fn = lib.LLVMGetFirstFunction(mod)
        while fn:
            kernel = lib.LLVMGetFunctionCallConv(fn) == AMDGPU_KERNEL_CC
            if not kernel and not lib.LLVMIsDeclaration(fn):
                lib.LLVMSetVisibility(fn, 0)  # default
                lib.LLVMSetLinkage(fn, 8)  # internal
            fn = lib.LLVMGetNextFunction(fn)
        err = C.c_char_p()
        if lib.LLVMVerifyModule(mod, 2, C.byref(err)):  # 2: return status
            raise RuntimeError(f"invalid module for {arch}: {err.value.decode()}")
        target = C.c_void_p()
        if lib.LLVMGetTargetFromTriple(TRIPLE.encode(), C.byref(target), C.byref(err)):
            raise RuntimeError(err.value.decode())
        # opt level 3 (aggressive), reloc PIC, default code model
        tm = lib.LLVMCreateTargetMachine(target, TRIPLE.encode(), arch.encode(), b"", 3, 2, 0)
        lib.LLVMSetTargetMachineAsmVerbosity(tm, 1)
        opts = lib.LLVMCreatePassBuilderOptions()
        error = lib.LLVMRunPasses(mod, b"default<O3>", tm, opts)
        lib.LLVMDisposePassBuilderOptions(opts)
        if error:
            msg = lib.LLVMGetErrorMessage(error)
            text = C.string_at(msg).decode()
            lib.LLVMDisposeErrorMessage(msg)
            raise RuntimeError(text)
        opt_ir = _message(lib, lib.LLVMPrintModuleToString(mod))
        out = []
        for kind in (0, 1):  # 0: assembly, 1: object; codegen alters a module: emit clones
            clone, buf = lib.LLVMCloneModule(mod), C.c_void_p()
            if lib.LLVMTargetMachineEmitToMemoryBuffer(tm, clone, kind, C.byref(err), C.byref(buf)):
                raise RuntimeError(f"codegen for {arch} failed: {err.value.decode()}")
            out.append(C.string_at(lib.LLVMGetBufferStart(buf), lib.LLVMGetBufferSize(buf)))
            lib.LLVMDisposeMemoryBuffer(buf)
            lib.LLVMDisposeModule(clone)
        lib.LLVMDisposeModule(mod)
        return Lowered(opt_ir, out[0].decode(), out[1])
    finally:
        if tm:
            lib.LLVMDisposeTargetMachine(tm)
        lib.LLVMContextDispose(ctx)


def link(obj: bytes) -> bytes:
    """Link a relocatable AMDGPU object into a code object with ld.lld-19."""
    with tempfile.TemporaryDirectory(prefix="numba-causal-amd-") as tmp:
        src, dst = Path(tmp, "k.o"), Path(tmp, "k.hsaco")
        src.write_bytes(obj)
        subprocess.run([LINKER, "-shared", "--no-undefined", str(src), "-o", str(dst)],
                       check=True, capture_output=True, text=True)
        return dst.read_bytes()


# -- the code object --------------------------------------------------------------


@dataclass
class CodeObject:
    """One kernel compiled for one arch.

    ``ir_arch`` is the arch numba-hip made the IR for (``arch`` itself, or its
    proxy); ``ir`` that IR after retargeting; ``opt_ir`` after linking and O3;
    ``asm`` the assembly text; ``elf`` the linked code object.
    """

    arch: str
    ir_arch: str
    ir: str
    opt_ir: str
    asm: str
    elf: bytes

    @property
    def via_proxy(self) -> bool:
        return self.ir_arch != self.arch

    @cached_property
    def _elf(self):
        from elftools.elf.elffile import ELFFile

        return ELFFile(io.BytesIO(self.elf))

    @property
    def header(self):
        """The ELF header (``e_machine``, ``e_flags``: the target arch, ...)."""
        return self._elf.header

    @cached_property
    def symbols(self) -> dict:
        """ELF ``.symtab``: name -> (type, value, size, section index)."""
        table = self._elf.get_section_by_name(".symtab")
        return {s.name: (s["st_info"]["type"], s["st_value"], s["st_size"], s["st_shndx"])
                for s in table.iter_symbols() if s.name}

    @cached_property
    def kernel(self) -> str:
        """The kernel's symbol (the one function with a ``.kd`` descriptor)."""
        names = [n for n in self.symbols if n + ".kd" in self.symbols]
        if len(names) != 1:
            raise ValueError(f"expected one kernel in the code object, found {names}")
        return names[0]

    @cached_property
    def metadata(self) -> dict:
        """The NT_AMDGPU_METADATA note (msgpack) as a dict."""
        import msgpack

        for section in self._elf.iter_sections():
            if section["sh_type"] != "SHT_NOTE":
                continue
            for note in section.iter_notes():
                if note["n_name"] == "AMDGPU" and note["n_type"] == 32:  # NT_AMDGPU_METADATA
                    return msgpack.unpackb(note["n_desc"])
        raise ValueError("no NT_AMDGPU_METADATA note")

    @property
    def kernel_metadata(self) -> dict:
        """The ``amdhsa.kernels`` entry of the kernel."""
        (entry,) = [k for k in self.metadata["amdhsa.kernels"] if k[".name"] == self.kernel]
        return entry

    @cached_property
    def descriptor(self) -> dict:
        """Fields of the kernel descriptor (``<kernel>.kd``, 64 bytes) that the
        hardware reads at dispatch."""
        _, value, size, shndx = self.symbols[self.kernel + ".kd"]
        section = self._elf.get_section(shndx)
        kd = section.data()[value - section["sh_addr"]:][:size]
        group, private, kernarg = struct.unpack_from("<III", kd, 0)
        (properties,) = struct.unpack_from("<H", kd, 56)
        return {"size": size, "group_segment_fixed_size": group,
                "private_segment_fixed_size": private, "kernarg_size": kernarg,
                "wavefront_size32": bool(properties >> 10 & 1),
                "uses_dynamic_stack": bool(properties >> 11 & 1)}

    @cached_property
    def kernel_asm(self) -> str:
        """The assembly of the kernel's body (from its label to ``.Lfunc_end``)."""
        body = self.asm.split(f"\n{self.kernel}:", 1)[1]
        return body.split(".Lfunc_end", 1)[0]


def split_signature(signature: str) -> tuple:
    """``"void(uint32[:,::1], uint32)"`` -> ``("void", ["uint32[:,::1]", "uint32"])``."""
    ret, args = re.fullmatch(r"\s*(\w+)\s*\((.*)\)\s*", signature).groups()
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(args + ","):
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(args[start:i].strip())
            start = i + 1
    return ret, [p for p in parts if p]


def fix_arguments(hip, pyfunc, signature: str, **values) -> tuple:
    """A kernel that calls ``pyfunc`` (as a device function) with the named
    arguments fixed to compile-time constants (NumPy scalars), and its
    signature: ``(wrapper, signature)``. Lets the compiler show what a kernel
    does with known values, e.g. the bit pattern of a -inf fill."""
    import inspect

    params = list(inspect.signature(pyfunc).parameters)
    ret, arg_types = split_signature(signature)
    kept = [(p, t) for p, t in zip(params, arg_types) if p not in values]
    call = ", ".join(f"FIXED_{p}" if p in values else p for p in params)
    wrapper = f"{pyfunc.__name__}_fixed"
    source = f"def {wrapper}({', '.join(p for p, _ in kept)}):\n    body({call})\n"
    namespace = {"body": hip.jit(device=True)(pyfunc)}
    namespace.update({f"FIXED_{p}": v for p, v in values.items()})
    exec(compile(source, f"<{wrapper}>", "exec"), namespace)
    return namespace[wrapper], f"{ret}({', '.join(t for _, t in kept)})"


def compile_kernel(pyfunc, signature: str, arch: str, ir: str = None) -> CodeObject:
    """Compile ``pyfunc`` (a kernel source whose global ``hip`` is numba.hip) with
    ``signature`` for ``arch``: numba-hip IR -> ROCm LLVM -> ld.lld code object.
    ``ir``: the kernel's proxy_ir for ``ir_arch(arch)``, if already made."""
    if ir is None:
        ir = proxy_ir(pyfunc, signature, ir_arch(arch))
    ir = retarget(ir, ir_arch(arch), arch)
    low = lower(ir, arch)
    return CodeObject(arch, ir_arch(arch), ir, low.opt_ir, low.asm, link(low.obj))


# -- cache ----------------------------------------------------------------------


@lru_cache(maxsize=None)
def toolchain_digest() -> str:
    """A hash of what decides a code object besides the kernel's own code: this
    file, the toolchain pins (setup.sh's apt pins, requirements-hip.txt) and the
    package's code that binds a catalog kernel to its helpers and constants
    (op.aot_catalog, compile.bind_for_aot and what they call)."""
    from numba_causal import compile as kc
    from numba_causal import op

    digest = hashlib.sha256()
    for path in (Path(__file__).resolve(), REPO / "tools/amd/setup.sh",
                 REPO / "tools/amd/requirements-hip.txt"):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(kc.code_digest(op.aot_catalog, kc.bind_for_aot).encode())
    return digest.hexdigest()


def code_digest(pyfunc) -> str:
    """A hash of the code a bound kernel compiles to: its bytecode and, for every
    global it names, the value: a function, device function or ``@intrinsic`` by its
    own code (recursively, in its own globals, and the functions and values it was
    made from: closure cells), a module by name (its version is pinned), anything
    else by ``repr`` (constants, NumPy/numba types). Equal for the same kernel and
    constants; different when any helper or primitive it reaches changes. The code
    is read as the package's own disk-cache digest reads it (numba_causal.compile);
    unlike that one, this follows every function a kernel reaches, library or not."""
    # numba_causal on first use, as elsewhere in this file (after load_hip)
    from numba_causal.compile import code_bytes, global_names, plain_python

    parts, seen = [], set()

    def visit(fn):
        fn = plain_python(fn)
        if id(fn) in seen:
            return
        seen.add(id(fn))
        parts.append(f"{fn.__module__}.{fn.__qualname__}".encode())
        code_bytes(fn.__code__, parts)
        for cell in fn.__closure__ or ():  # a made function: what it was made from
            value = plain_python(cell.cell_contents)
            if isinstance(value, types.FunctionType):
                visit(value)
            else:
                parts.append(f"cell={value!r}".encode())
        for name in sorted(global_names(fn.__code__)):
            if name not in fn.__globals__:
                continue
            value = fn.__globals__[name]
            target = plain_python(value)
            if isinstance(target, types.FunctionType):
                parts.append(name.encode())
                visit(target)
            elif isinstance(value, types.ModuleType):
                parts.append(f"{name}=module {value.__name__}".encode())
            else:
                parts.append(f"{name}={value!r}".encode())

    visit(pyfunc)
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def compile_cached(pyfunc, signature: str, arch: str, key: str = "") -> CodeObject:
    """``compile_kernel``, through the disk cache in CACHE_DIR, keyed by the
    kernel's code (``code_digest``: the kernel, every helper it reaches and the
    constants), the signature, the arch, the toolchain (``toolchain_digest``) and
    ``key`` (a label, e.g. the catalog name; part of the key, never all of it)."""
    parts = (toolchain_digest(), code_digest(pyfunc), key, signature)
    path = CACHE_DIR / f"{_cache_name(*parts, arch)}.pkl"
    if path.exists():
        try:
            return CodeObject(**pickle.loads(path.read_bytes()))
        except Exception:  # a torn or foreign file: compile again
            pass
    # the front end's IR is shared by the archs of one proxy (gfx90a and gfx942)
    ir_path = CACHE_DIR / f"{_cache_name(*parts, 'ir', ir_arch(arch))}.ll"
    ir = ir_path.read_text() if ir_path.exists() else None
    if ir is None:
        ir = proxy_ir(pyfunc, signature, ir_arch(arch))
        _write_atomic(ir_path, ir.encode())
    co = compile_kernel(pyfunc, signature, arch, ir)
    _write_atomic(path, pickle.dumps({f: getattr(co, f) for f in
                                      ("arch", "ir_arch", "ir", "opt_ir", "asm", "elf")}))
    return co


def _cache_name(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    """``data`` to ``path`` by a rename: parallel workers never read half a file."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# -- what the checks read off a variant ---------------------------------------------

#: the constants shown for a variant in the resource table, when it has them
SHOWN = ("LANES", "ROWS", "WORD", "CHUNK", "CAUSAL", "USE_KV_LENS", "USE_Q_OFFSETS",
         "HAS_MASK_FN")


def spec_constants(spec) -> dict:
    """A KernelSpec's compile-time constants: ``spec.constants`` where the catalog
    gives them, else read off the bound function's globals."""
    constants = getattr(spec, "constants", None)
    if constants:
        return dict(constants)
    names = getattr(spec.pyfunc, "__globals__", {})
    return {k: v for k, v in names.items() if k.isupper() and k in SHOWN + ("WARP", "SPAN")
            and isinstance(v, (bool, int))}


_SHFL_CALL = re.compile(r"call [^@\n]*@(\S*__shfl\w*)\((.*)\)\s*$", re.M)


def shuffle_widths(ir: str) -> list:
    """The width argument of every wavefront-shuffle call (HIP ``__shfl*``) in
    numba-hip's IR: an int where it is a constant (an ``i32`` literal or a
    ``trunc`` of one, as numba-hip emits ``int32(WARP)``), else the IR text."""
    defs = dict(re.findall(r"^\s*(%[\w.]+) = trunc i\d+ (-?\d+) to i32\s*$", ir, re.M))
    widths = []
    for _, args in _SHFL_CALL.findall(ir):
        last = args.rsplit(",", 1)[-1].split()[-1]
        value = defs.get(last, last)
        widths.append(int(value) if re.fullmatch(r"-?\d+", value) else last)
    return widths


def shuffle_width_problems(co: CodeObject, wavefront: int, reduces: bool) -> list:
    """Why the wavefront shuffles of ``co`` are wrong for a wavefront of ``wavefront``
    lanes (empty when right): every shuffle's width must be the wavefront, and a
    kernel that ``reduces`` across lanes must shuffle at all."""
    widths = shuffle_widths(co.ir)
    problems = [f"shuffle width {w!r}, not the wavefront {wavefront}"
                for w in widths if w != wavefront]
    if reduces and not widths:
        problems.append("no wavefront shuffle (__shfl*) in numba-hip's IR")
    if widths and not re.search(r"\bds_bpermute_b32\b|\bds_swizzle_b32\b|_dpp\b", co.kernel_asm):
        problems.append("shuffles in the IR but no cross-lane move in the kernel's asm")
    return problems


def resources(co: CodeObject) -> dict:
    """Registers, spills, scratch and LDS of a code object, from its metadata."""
    meta = co.kernel_metadata
    return {"vgpr": meta[".vgpr_count"], "agpr": meta.get(".agpr_count", 0),
            "sgpr": meta[".sgpr_count"], "vgpr_spill": meta[".vgpr_spill_count"],
            "sgpr_spill": meta[".sgpr_spill_count"],
            "scratch": meta[".private_segment_fixed_size"],
            "lds": meta[".group_segment_fixed_size"], "wave": meta[".wavefront_size"]}


TABLE_BEGIN = "<!-- amd-resources:begin (written by tools/amd/codegen.py --table) -->"
TABLE_END = "<!-- amd-resources:end -->"


def catalog_variants(hip, arch: str) -> list:
    """(key, spec) for every kernel of the catalog bound for ``arch``: LANES and
    WARP the arch's wavefront (the catalog adds the launchers' own shapes)."""
    from numba_causal.backends import wavefront_size
    from numba_causal.gpu import kernel_catalog

    wave = wavefront_size(arch)
    return [(f"catalog(lanes={wave},warp={wave}):{spec.name}", spec)
            for spec in kernel_catalog(hip, wave, wave)]


def resource_table(hip, archs=ARCHS) -> str:
    """The markdown table of every catalog kernel on every arch (compiled through
    the cache)."""
    rows = ["| kernel | constants | arch | VGPR | AGPR | SGPR | SGPR spills (to VGPR lanes) "
            "| VGPR spills | scratch B | LDS B | wave |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for arch in archs:
        for key, spec in catalog_variants(hip, arch):
            r = resources(compile_cached(spec.pyfunc, spec.signature, arch, key))
            shown = spec_constants(spec)
            consts = " ".join(f"{k}={int(shown[k])}" for k in SHOWN if k in shown)
            label = f"{arch} (IR via {ir_arch(arch)})" if ir_arch(arch) != arch else arch
            rows.append(f"| `{spec.name}` | {consts} | {label} | {r['vgpr']} | {r['agpr']} | "
                        f"{r['sgpr']} | {r['sgpr_spill']} | {r['vgpr_spill']} | {r['scratch']} | "
                        f"{r['lds']} | {r['wave']} |")
    return "\n".join(rows) + "\n"


def write_table(doc: Path, table: str, check: bool) -> bool:
    """Put ``table`` between the markers of ``doc``; with ``check``, only compare.
    True when the doc already held it."""
    text = doc.read_text()
    if TABLE_BEGIN not in text or TABLE_END not in text:
        raise SystemExit(f"{doc}: no resource-table markers ({TABLE_BEGIN} ... {TABLE_END})")
    before, rest = text.split(TABLE_BEGIN, 1)
    _, after = rest.split(TABLE_END, 1)
    new = f"{before}{TABLE_BEGIN}\n{table}{TABLE_END}{after}"
    if new != text and not check:
        doc.write_text(new)
    return new == text


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", action="append", choices=ARCHS, help="default: all")
    parser.add_argument("--lanes", type=int, help="default: the arch's wavefront size")
    parser.add_argument("--out", type=Path, default=AMD_DIR / "out")
    parser.add_argument("--table", type=Path, metavar="DOC",
                        help="write the resource table into DOC (between its markers)")
    parser.add_argument("--check", action="store_true",
                        help="with --table: fail if DOC's table is not the current one")
    args = parser.parse_args(argv)
    hip = load_hip()
    if args.table:
        table = resource_table(hip, args.arch or ARCHS)
        current = write_table(args.table, table, args.check)
        print(table, end="")
        if not current:
            print(f"{args.table}: resource table {'is STALE' if args.check else 'updated'}; "
                  "run tools/amd/run_ci.sh (or codegen.py --table) and commit it",
                  file=sys.stderr)
        return 1 if args.check and not current else 0
    from numba_causal.backends import wavefront_size
    from numba_causal.gpu import kernel_catalog

    args.out.mkdir(parents=True, exist_ok=True)
    for arch in args.arch or ARCHS:
        for spec in kernel_catalog(hip, args.lanes or wavefront_size(arch), wavefront_size(arch)):
            co = compile_kernel(spec.pyfunc, spec.signature, arch)
            stem = args.out / f"{spec.name}.{arch}"
            for ext, data in ((".ll", co.ir), (".opt.ll", co.opt_ir), (".s", co.asm)):
                Path(str(stem) + ext).write_text(data)
            Path(str(stem) + ".hsaco").write_bytes(co.elf)
            meta = co.kernel_metadata
            print(f"{spec.name} {arch}{' (IR via ' + co.ir_arch + ')' if co.via_proxy else ''}: "
                  f"{len(co.elf)} B, wavefront {meta['.wavefront_size']}, "
                  f"{meta['.vgpr_count']} VGPR, {meta['.sgpr_count']} SGPR, "
                  f"scratch {meta['.private_segment_fixed_size']} -> {stem}.hsaco")
    return 0


if __name__ == "__main__":
    sys.exit(main())
