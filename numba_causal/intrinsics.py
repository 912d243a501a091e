"""Device primitives that numba cannot spell in Python: hardware 16-bit <-> float32
conversions, 8- and 16-byte vector loads and stores, 32-bit index arithmetic,
a fast exp2, and warp reductions. One LLVM IR spelling serves every LLVM target
(NVPTX through NVVM, AMDGPU through numba-hip, x86 for ``@njit``); the simulator,
which runs kernels as Python, gets a NumPy spelling of the same contract.

Why (issue 12; docs/data/softmax-lab-2026-12-02/NOTES.md has the PTX evidence):

* numba types every integer expression as 64-bit (``int32 + int32`` is ``int64``)
  and adds a negative-index wraparound to every ``a[i]`` with a signed ``i``; on
  the GPU each 64-bit add/compare/shift is two instructions. The ``*32`` helpers
  return ``int32``/``uint32`` LLVM values, so a chain of them stays 32-bit; the
  caller guarantees that the value fits (the simulator checks it).
* ``fpext half``/``fptrunc float to half`` on a bit-cast ``i16`` is
  target-independent IR: NVPTX emits ``cvt.f32.f16``/``cvt.rn.f16.f32``, AMDGPU
  ``v_cvt_f32_f16``/``v_cvt_f16_f32``, x86 F16C or a libcall. No float16 *type*
  is needed in the kernel (numba-hip has none): elements stay uint16 bits.
* bfloat16: decode is a shift; encode is round-to-nearest-even in 32-bit integers
  (NaN -> quiet NaN) everywhere, except on NVIDIA where one ``cvt.rn.bf16.f32``
  (sm_80+) does it (inline PTX; llvmlite has no ``bfloat`` IR type).
* ``load_v4``/``store_v4`` (16 bytes) and ``load_v2``/``store_v2`` (8 bytes) read
  or write ``<N x i32>`` at ``&a[i]`` with that alignment: ``ld.global.v4.u32``.
  The caller guarantees ``&a[i]`` is aligned (the simulator checks ``i``).

Use, per backend, like ``primitives.lane_xor``: ``INTRINSICS[name][backend]`` is
the function for backend ``'cuda'``, ``'hip'``, ``'sim'`` or ``'cpu'``;
``device_primitives(backend)`` lists (name, function) pairs to bind into a
kernel's namespace. Warp reductions (``warp_max``, ``warp_sum``, float32) are an
intrinsic on cuda (``llvm.nvvm.shfl.sync.bfly.f32``: ``shfl.sync.bfly.b32``) and,
on hip, Python helpers calling ``hip.shfl_xor`` with ``hip`` bound per backend
(``compile.bind``; ``device_primitives('hip', gpu=numba.hip)`` binds them).

Contract of each primitive (all backends):

=================  =====================================================================
f16_to_f32(b)      uint16 bits (any integer; low 16 bits) -> float32, exact
f32_to_f16(x)      float32 -> uint16 bits, round to nearest even (NaN stays NaN)
bf16_to_f32(b)     bfloat16 bits -> float32, exact
f32_to_bf16(x)     float32 -> bfloat16 bits, RNE; NaN -> sign | 0x7fc0 | payload>>16
pack_f16x2(lo,hi)  uint32: f32_to_f16(lo) | f32_to_f16(hi) << 16
pack_bf16x2(lo,hi) uint32: f32_to_bf16(lo) | f32_to_bf16(hi) << 16
f16x2_lo/hi(w)     float32 of the low/high float16 of a uint32 word
bf16x2_lo/hi(w)    float32 of the low/high bfloat16 of a uint32 word
as_f32(u) as_u32(x) bit casts between uint32 and float32
i32(x) u32(x)      truncate (or extend) an integer to int32 / uint32
add32 sub32 mul32  int32 arithmetic (wraps on the GPU; caller guarantees it fits)
mad32(a,b,c)       a*b + c in int32
and32 shr32 shl32  uint32 bit operations (shr32 is a logical shift)
udiv32 urem32      uint32 division / remainder (b > 0)
min32 max32        int32 minimum / maximum
load(a, i)         a[i] without the negative-index wraparound (i >= 0)
store(a, i, v)     a[i] = v, likewise
load_v4(a, i)      the 16 bytes at &a[i] as a UniTuple of 4 uint32 (aligned to 16)
store_v4(a,i,w0,w1,w2,w3) write 4 uint32/float32 words to &a[i] (aligned to 16)
load_v2 store_v2   the same for 8 bytes (2 words)
exp2f(x)           2**x in float32: ex2.approx.ftz on NVIDIA (2 ulp), llvm.exp2 elsewhere
warp_max/warp_sum  float32 butterfly over 32 lanes (all active): every lane gets it
pair_lo/hi(a, b)   uint32: the low (high) 16 bits of a, then those of b (PRMT)
mma_f16/mma_bf16   NVIDIA only: one warp's m16n8k16 tensor-core product, float32
                   accumulate (primitives.warp_mma spells it for every GPU target)
=================  =====================================================================
"""

from __future__ import annotations

import math
import threading

import numpy as np
from llvmlite import ir
from numba import int32
from numba.core import cgutils, types
from numba.core.extending import intrinsic as _core_intrinsic

from .compile import GPU, compile_time

BACKENDS = ("cuda", "hip", "sim", "cpu")
gpu = GPU  # the GPU namespace of the hip warp reductions, bound by device_primitives
WARP = compile_time("WARP")

_I16, _I32, _I64 = ir.IntType(16), ir.IntType(32), ir.IntType(64)
_F32, _HALF = ir.FloatType(), ir.HalfType()


# --------------------------------------------------------------------------- IR helpers

def widen16(builder, bits, half: bool, lanes: int = 0):
    """16-bit ``bits`` (an LLVM i16, or a vector of ``lanes`` of them) as float32,
    exactly: float16 (``half``) by ``fpext`` from ``half`` (one hardware conversion
    on every target), bfloat16 as the upper half of a float32 word. The primitives
    here and the CPU's panel products (panels.py) spell the conversion with it."""
    def of(t):
        return ir.VectorType(t, lanes) if lanes else t
    if half:
        return builder.fpext(builder.bitcast(bits, of(_HALF)), of(_F32))
    sixteen = ir.Constant(of(_I32), [16] * lanes if lanes else 16)
    return builder.bitcast(builder.shl(builder.zext(bits, of(_I32)), sixteen), of(_F32))


def _int_to(builder, value, ty, width):
    """An integer numba value of type ``ty`` as an LLVM iN (trunc, or sign/zero extend)."""
    have = ty.bitwidth
    if have == width:
        return value
    if have > width:
        return builder.trunc(value, ir.IntType(width))
    extend = builder.sext if getattr(ty, "signed", False) else builder.zext
    return extend(value, ir.IntType(width))


def _word(builder, value, ty):
    """A uint32/int32/float32 (or any integer) value as an LLVM i32."""
    if isinstance(ty, types.Float):
        if ty.bitwidth != 32:
            value = builder.fptrunc(value, _F32)
        return builder.bitcast(value, _I32)
    return _int_to(builder, value, ty, 32)


def _element_pointer(context, builder, arrty, array, idxty, index):
    """&array[index] (no wraparound, no bounds check); a 32-bit index is sign- or
    zero-extended once, so the address is base + ext(index) * itemsize."""
    ary = context.make_array(arrty)(context, builder, array)
    if idxty.bitwidth < 64:
        index = (builder.sext if idxty.signed else builder.zext)(index, _I64)
    return builder.gep(ary.data, [index], inbounds=True)


def _is_int(*tys):
    return all(isinstance(t, types.Integer) for t in tys)


def _is_word(t):
    return isinstance(t, types.Integer) or (isinstance(t, types.Float) and t.bitwidth == 32)


def _is_array(t):
    return isinstance(t, types.Array)


# ----------------------------------------------------------------- typing + codegen

def _f16_to_f32(typingctx, bits):
    if not _is_int(bits):
        return None

    def codegen(context, builder, sig, args):
        return widen16(builder, _int_to(builder, args[0], sig.args[0], 16), True)
    return types.float32(bits), codegen


def _f32_to_f16(typingctx, x):
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, sig, args):
        v = args[0] if sig.args[0].bitwidth == 32 else builder.fptrunc(args[0], _F32)
        return builder.bitcast(builder.fptrunc(v, _HALF), _I16)
    return types.uint16(x), codegen


def _bf16_to_f32(typingctx, bits):
    if not _is_int(bits):
        return None

    def codegen(context, builder, sig, args):
        return widen16(builder, _int_to(builder, args[0], sig.args[0], 16), False)
    return types.float32(bits), codegen


def _bf16_rne_i32(builder, x):
    """float32 -> bfloat16 bits in an i32 (high 16 bits zero), RNE, NaN quiet."""
    u = builder.bitcast(x, _I32)
    c16 = ir.Constant(_I32, 16)
    lsb = builder.and_(builder.lshr(u, c16), ir.Constant(_I32, 1))
    rounded = builder.lshr(builder.add(builder.add(u, ir.Constant(_I32, 0x7FFF)), lsb), c16)
    quiet = builder.or_(builder.lshr(u, c16), ir.Constant(_I32, 0x40))
    is_nan = builder.icmp_unsigned(">", builder.and_(u, ir.Constant(_I32, 0x7FFFFFFF)),
                                   ir.Constant(_I32, 0x7F800000))
    return builder.select(is_nan, quiet, rounded)


def _asm_bf16(builder, x):
    """NVIDIA: one cvt.rn.bf16.f32 (sm_80+) into an i16."""
    fnty = ir.FunctionType(_I16, [_F32])
    return builder.call(ir.InlineAsm(fnty, "cvt.rn.bf16.f32 $0, $1;", "=h,f"), [x])


def _make_f32_to_bf16(hardware):
    def _f32_to_bf16(typingctx, x):
        if not isinstance(x, types.Float):
            return None

        def codegen(context, builder, sig, args):
            v = args[0] if sig.args[0].bitwidth == 32 else builder.fptrunc(args[0], _F32)
            if hardware:
                return _asm_bf16(builder, v)
            return builder.trunc(_bf16_rne_i32(builder, v), _I16)
        return types.uint16(x), codegen
    return _f32_to_bf16


def _pack_f16x2(typingctx, lo, hi):
    if not (isinstance(lo, types.Float) and isinstance(hi, types.Float)):
        return None

    def codegen(context, builder, sig, args):
        parts = []
        for v, t in zip(args, sig.args):
            v = v if t.bitwidth == 32 else builder.fptrunc(v, _F32)
            parts.append(builder.zext(builder.bitcast(builder.fptrunc(v, _HALF), _I16), _I32))
        return builder.or_(parts[0], builder.shl(parts[1], ir.Constant(_I32, 16)))
    return types.uint32(lo, hi), codegen


def _make_pack_bf16x2(hardware):
    def _pack_bf16x2(typingctx, lo, hi):
        if not (isinstance(lo, types.Float) and isinstance(hi, types.Float)):
            return None

        def codegen(context, builder, sig, args):
            vals = [v if t.bitwidth == 32 else builder.fptrunc(v, _F32)
                    for v, t in zip(args, sig.args)]
            if hardware:  # d = {hi, lo}: the first source goes to the upper half
                fnty = ir.FunctionType(_I32, [_F32, _F32])
                asm = ir.InlineAsm(fnty, "cvt.rn.bf16x2.f32 $0, $1, $2;", "=r,f,f")
                return builder.call(asm, [vals[1], vals[0]])
            lo_b, hi_b = (_bf16_rne_i32(builder, v) for v in vals)
            return builder.or_(lo_b, builder.shl(hi_b, ir.Constant(_I32, 16)))
        return types.uint32(lo, hi), codegen
    return _pack_bf16x2


def _make_unpack(kind, high):
    def _unpack(typingctx, word):
        if not _is_int(word):
            return None

        def codegen(context, builder, sig, args):
            w = _int_to(builder, args[0], sig.args[0], 32)
            if kind == "f16":
                if high:
                    w = builder.lshr(w, ir.Constant(_I32, 16))
                return widen16(builder, builder.trunc(w, _I16), True)
            if high:
                w = builder.and_(w, ir.Constant(_I32, 0xFFFF0000))
            else:
                w = builder.shl(w, ir.Constant(_I32, 16))
            return builder.bitcast(w, _F32)
        return types.float32(word), codegen
    return _unpack


def _as_f32(typingctx, word):
    if not _is_int(word):
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(_int_to(builder, args[0], sig.args[0], 32), _F32)
    return types.float32(word), codegen


def _as_u32(typingctx, x):
    if not (isinstance(x, types.Float) and x.bitwidth == 32):
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], _I32)
    return types.uint32(x), codegen


def _make_cast(result):
    def _cast(typingctx, x):
        if not _is_int(x):
            return None

        def codegen(context, builder, sig, args):
            return _int_to(builder, args[0], sig.args[0], 32)
        return result(x), codegen
    return _cast


def _make_binop(op, result, nsw):
    def _binop(typingctx, a, b):
        if not _is_int(a, b):
            return None

        def codegen(context, builder, sig, args):
            x, y = (_int_to(builder, v, t, 32) for v, t in zip(args, sig.args))
            if op in ("add", "sub", "mul"):
                flags = ["nsw"] if nsw else []
                return getattr(builder, op)(x, y, flags=flags)
            if op == "and":
                return builder.and_(x, y)
            if op == "shr":
                return builder.lshr(x, y)
            if op == "shl":
                return builder.shl(x, y)
            if op == "udiv":
                return builder.udiv(x, y)
            if op == "urem":
                return builder.urem(x, y)
            if op in ("min", "max"):
                less = builder.icmp_signed("<", x, y)
                return builder.select(less, x, y) if op == "min" else builder.select(less, y, x)
            raise AssertionError(op)
        return result(a, b), codegen
    return _binop


def _mad32(typingctx, a, b, c):
    if not _is_int(a, b, c):
        return None

    def codegen(context, builder, sig, args):
        x, y, z = (_int_to(builder, v, t, 32) for v, t in zip(args, sig.args))
        return builder.add(builder.mul(x, y, flags=["nsw"]), z, flags=["nsw"])
    return types.int32(a, b, c), codegen


def _load(typingctx, array, index):
    if not (_is_array(array) and _is_int(index)):
        return None

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], sig.args[1], args[1])
        return context.unpack_value(builder, sig.return_type, ptr)
    return array.dtype(array, index), codegen


def _store(typingctx, array, index, value):
    if not (_is_array(array) and _is_int(index)):
        return None

    def codegen(context, builder, sig, args):
        arrty = sig.args[0]
        ptr = _element_pointer(context, builder, arrty, args[0], sig.args[1], args[1])
        value = context.cast(builder, args[2], sig.args[2], arrty.dtype)
        context.pack_value(builder, arrty.dtype, value, ptr)
        return context.get_dummy_value()
    return types.void(array, index, array.dtype), codegen


def _make_load_vec(n):
    def _load_vec(typingctx, array, index):
        if not (_is_array(array) and _is_int(index)):
            return None
        tup = types.UniTuple(types.uint32, n)

        def codegen(context, builder, sig, args):
            ptr = _element_pointer(context, builder, sig.args[0], args[0], sig.args[1], args[1])
            vec_ty = ir.VectorType(_I32, n)
            vec = builder.load(builder.bitcast(ptr, vec_ty.as_pointer()), align=4 * n)
            words = [builder.extract_element(vec, ir.Constant(_I32, k)) for k in range(n)]
            return context.make_tuple(builder, sig.return_type, words)
        return tup(array, index), codegen
    return _load_vec


def _store_vec_codegen(n):
    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], sig.args[1], args[1])
        vec_ty = ir.VectorType(_I32, n)
        vec = ir.Constant(vec_ty, ir.Undefined)
        for k, (v, t) in enumerate(zip(args[2:], sig.args[2:])):
            vec = builder.insert_element(vec, _word(builder, v, t), ir.Constant(_I32, k))
        builder.store(vec, builder.bitcast(ptr, vec_ty.as_pointer()), align=4 * n)
        return context.get_dummy_value()
    return codegen


def _store_v4(typingctx, array, index, w0, w1, w2, w3):
    if not (_is_array(array) and _is_int(index) and all(map(_is_word, (w0, w1, w2, w3)))):
        return None
    return types.void(array, index, w0, w1, w2, w3), _store_vec_codegen(4)


def _store_v2(typingctx, array, index, w0, w1):
    if not (_is_array(array) and _is_int(index) and _is_word(w0) and _is_word(w1)):
        return None
    return types.void(array, index, w0, w1), _store_vec_codegen(2)


def _make_align_skip(nbytes):
    """``align{nbytes}_skip(a)``: how many elements of ``a`` to skip for an
    ``nbytes``-aligned address (shared arrays are aligned only to their element
    size)."""
    def _align_skip(typingctx, array):
        if not _is_array(array):
            return None

        def codegen(context, builder, sig, args):
            ary = context.make_array(sig.args[0])(context, builder, args[0])
            low = builder.and_(builder.ptrtoint(ary.data, _I64), ir.Constant(_I64, nbytes - 1))
            skip = builder.and_(builder.sub(ir.Constant(_I64, nbytes), low),
                                ir.Constant(_I64, nbytes - 1))
            return builder.udiv(skip, ir.Constant(_I64, context.get_abi_sizeof(
                context.get_data_type(sig.args[0].dtype))))
        return types.int64(array), codegen
    return _align_skip


def _make_ticket(hardware):
    """``ticket(a, i)``: ``a[i] += 1`` atomically, returning the value before; a device
    fence before (this thread's writes are seen by whoever draws a later ticket) and
    after (what was written before the earlier tickets is seen here). ``a``: int32.
    NVIDIA: ``membar.gl`` and ``atom.add`` (NVVM's verifier takes no IR fence)."""
    def _ticket(typingctx, array, index):
        if not (_is_array(array) and array.dtype == types.int32 and _is_int(index)):
            return None

        def codegen(context, builder, sig, args):
            ptr = _element_pointer(context, builder, sig.args[0], args[0], sig.args[1],
                                   args[1])
            if hardware:
                asm = ir.InlineAsm(ir.FunctionType(_I32, [_I64]), "{ membar.gl; "
                                   "atom.add.u32 $0, [$1], 1; membar.gl; }", "=r,l",
                                   side_effect=True)
                return builder.call(asm, [builder.ptrtoint(ptr, _I64)])
            builder.fence("seq_cst")
            old = builder.atomic_rmw("add", ptr, ir.Constant(_I32, 1), "seq_cst")
            builder.fence("seq_cst")
            return old
        return types.int32(array, index), codegen
    return _ticket


def _make_fetch_add(hardware):
    """``fetch_add(a, i, v)``: ``a[i] += v`` atomically, returning the value before;
    relaxed (no fence), for a counter that orders nothing else (a tile claimed).
    ``a``: int32. NVIDIA: ``atom.add.u32``."""
    def _fetch_add(typingctx, array, index, value):
        if not (_is_array(array) and array.dtype == types.int32 and _is_int(index, value)):
            return None

        def codegen(context, builder, sig, args):
            ptr = _element_pointer(context, builder, sig.args[0], args[0], sig.args[1],
                                   args[1])
            amount = context.cast(builder, args[2], sig.args[2], types.int32)
            if hardware:
                asm = ir.InlineAsm(ir.FunctionType(_I32, [_I64, _I32]),
                                   "atom.add.u32 $0, [$1], $2;", "=r,l,r", side_effect=True)
                return builder.call(asm, [builder.ptrtoint(ptr, _I64), amount])
            return builder.atomic_rmw("add", ptr, amount, "monotonic")
        return types.int32(array, index, value), codegen
    return _fetch_add


def _asm_statement(text, clobbers=""):
    """The typing of a PTX statement with no operands and no result (``text``; its
    ``clobbers``, e.g. ``~{memory}``), kept in place (side effect)."""
    def statement(typingctx):
        def codegen(context, builder, sig, args):
            builder.call(ir.InlineAsm(ir.FunctionType(ir.VoidType(), []), text, clobbers,
                                      side_effect=True), [])
            return context.get_dummy_value()
        return types.void(), codegen
    return statement


#: ``cluster_sync()``: a barrier of every thread of the thread-block cluster, with
#: release and acquire semantics: shared-memory writes before it are seen by the
#: cluster's other blocks after it (sm_90, ``barrier.cluster``). NVIDIA only; every
#: thread of each block calls it at the same point.
_cluster_sync = _asm_statement("barrier.cluster.arrive.release.aligned; "
                               "barrier.cluster.wait.acquire.aligned;")
#: ``grid_dependency_wait()``: wait until the grids this one was launched as a
#: programmatic dependent of have ended and their memory writes are visible (sm_90,
#: ``griddepcontrol.wait``; at once for a launch that depends on none). NVIDIA only;
#: a kernel launched so (op.Family.dependent_launch) calls it before it reads or
#: writes global memory.
_grid_dependency_wait = _asm_statement("griddepcontrol.wait;", "~{memory}")


def _make_peer_load(n):
    """``peer_load(a, i, rank)`` (n = 1: a uint32) and ``peer_load_v4`` (n = 4: a tuple
    of four, ``a[i]`` 16-byte aligned): the words at ``a[i]`` of *shared* array ``a``
    in block ``rank`` of this thread-block cluster (its distributed shared memory:
    ``mapa`` then ``ld.shared::cluster``, sm_90). NVIDIA only."""
    def _peer_load(typingctx, array, index, rank):
        if not (_is_array(array) and _is_int(index, rank)):
            return None
        result = types.uint32 if n == 1 else types.UniTuple(types.uint32, n)

        def codegen(context, builder, sig, args):
            ptr = _element_pointer(context, builder, sig.args[0], args[0], sig.args[1],
                                   args[1])
            peer = context.cast(builder, args[2], sig.args[2], types.int32)
            outs = ",".join(["=r"] * n)
            regs = "$0" if n == 1 else "{" + ", ".join(f"${k}" for k in range(n)) + "}"
            kind = "u32" if n == 1 else f"v{n}.u32"
            ret = _I32 if n == 1 else ir.LiteralStructType([_I32] * n)
            asm = ir.InlineAsm(
                ir.FunctionType(ret, [_I64, _I32]),
                f"{{ .reg .u64 g; .reg .u32 s, r; cvta.to.shared.u64 g, ${n}; "
                f"cvt.u32.u64 s, g; mapa.shared::cluster.u32 r, s, ${n + 1}; "
                f"ld.shared::cluster.{kind} {regs}, [r]; }}",
                f"{outs},l,r", side_effect=True)
            got = builder.call(asm, [builder.ptrtoint(ptr, _I64), peer])
            if n == 1:
                return got
            return context.make_tuple(builder, sig.return_type,
                                      [builder.extract_value(got, k) for k in range(n)])
        return result(array, index, rank), codegen
    return _peer_load


def _make_copy16(hardware):
    """``copy16(dst, i, src, j)``: the 16 bytes at ``src[j]`` into ``dst[i]`` (uint32
    words, 16-byte aligned; ``dst`` in shared memory). NVIDIA: ``cp.async.cg`` (sm_80+,
    the copy lands by the next ``async_wait``; no register holds the data on the
    way); elsewhere a 16-byte load and store, done on return. Speed: when eight
    lanes copy one 128-byte line, give them one 128-byte line of ``dst`` too
    (``align128_skip``); a destination that straddles two lines makes L2 serve
    the source's sectors up to twice (tools/gpu/copy_pattern.py)."""
    def _copy16(typingctx, dst, i, src, j):
        if not (_is_array(dst) and _is_array(src) and _is_int(i, j)):
            return None

        def codegen(context, builder, sig, args):
            to = _element_pointer(context, builder, sig.args[0], args[0], sig.args[1], args[1])
            frm = _element_pointer(context, builder, sig.args[2], args[2], sig.args[3], args[3])
            if hardware:
                shared = builder.addrspacecast(to, ir.PointerType(to.type.pointee, 3))
                fnty = ir.FunctionType(ir.VoidType(), [_I32, _I64])
                asm = ir.InlineAsm(fnty, "{ .reg .u64 gsrc; cvta.to.global.u64 gsrc, $1; "
                                   "cp.async.cg.shared.global [$0], [gsrc], 16; }", "r,l",
                                   side_effect=True)
                builder.call(asm, [builder.ptrtoint(shared, _I32), builder.ptrtoint(frm, _I64)])
            else:
                vec_ptr = ir.VectorType(_I32, 4).as_pointer()
                value = builder.load(builder.bitcast(frm, vec_ptr), align=16)
                builder.store(value, builder.bitcast(to, vec_ptr), align=16)
            return context.get_dummy_value()
        return types.void(dst, i, src, j), codegen
    return _copy16


def _make_async_commit(hardware):
    """``async_commit()``: close the group of copy16 calls made since the last one."""
    def _async_commit(typingctx):
        def codegen(context, builder, sig, args):
            if hardware:
                builder.call(ir.InlineAsm(ir.FunctionType(ir.VoidType(), []),
                                          "cp.async.commit_group;", "", side_effect=True), [])
            return context.get_dummy_value()
        return types.void(), codegen
    return _async_commit


def _make_async_wait(hardware):
    """``async_wait(n)``: wait until at most ``n`` (0 to 7, a compile-time constant)
    of this thread's committed copy groups are still in flight."""
    def _async_wait(typingctx, n):
        if not _is_int(n):
            return None

        def codegen(context, builder, sig, args):
            if hardware:  # PTX wants an immediate: a switch the optimiser folds to one
                fnty = ir.FunctionType(ir.VoidType(), [])
                done = builder.append_basic_block("async_wait_done")
                switch = builder.switch(_int_to(builder, args[0], sig.args[0], 32), done)
                for pending in range(8):
                    block = builder.append_basic_block(f"async_wait_{pending}")
                    switch.add_case(ir.Constant(_I32, pending), block)
                    with builder.goto_block(block):
                        builder.call(ir.InlineAsm(fnty, f"cp.async.wait_group {pending};", "",
                                                  side_effect=True), [])
                        builder.branch(done)
                builder.position_at_end(done)
            return context.get_dummy_value()
        return types.void(n), codegen
    return _async_wait


def _make_pair(high, hardware=False):
    """``pair_lo(a, b)``: the low 16 bits of ``a`` and of ``b`` as one uint32 (a's
    low); ``pair_hi``: their high 16 bits. Two rows' elements of one column, side
    by side, as a tensor-core fragment wants them (NVIDIA: one ``prmt.b32``)."""
    def _pair(typingctx, a, b):
        if not _is_int(a, b):
            return None

        def codegen(context, builder, sig, args):
            x, y = (_int_to(builder, v, t, 32) for v, t in zip(args, sig.args))
            if hardware:
                selector = "0x7632" if high else "0x5410"
                asm = ir.InlineAsm(ir.FunctionType(_I32, [_I32, _I32]),
                                   f"prmt.b32 $0, $1, $2, {selector};", "=r,r,r")
                return builder.call(asm, [x, y])
            if high:
                return builder.or_(builder.lshr(x, ir.Constant(_I32, 16)),
                                   builder.and_(y, ir.Constant(_I32, 0xFFFF0000)))
            return builder.or_(builder.and_(x, ir.Constant(_I32, 0xFFFF)),
                               builder.shl(y, ir.Constant(_I32, 16)))
        return types.uint32(a, b), codegen
    return _pair


def _make_mma(kind):
    """NVIDIA (sm_80+): ``mma_<kind>(a0, a1, a2, a3, b0, b1, c0, c1, c2, c3)``, one
    warp's ``mma.sync.aligned.m16n8k16.row.col.f32.<kind>.<kind>.f32``: D = A B + C
    with A 16x16 and B 16x8 in 16-bit (``kind`` 'f16' or 'bf16'; two elements per
    uint32, lane ``l``'s registers as PTX's fragment layout: a0/a2 row l/4, a1/a3 row
    l/4 + 8, columns 2(l%4) (+8 for a2/a3); b0/b1 column l/4, rows 2(l%4) (+8 for
    b1)), C and D 16x8 float32 (c0/c1 row l/4, c2/c3 row l/4 + 8, columns 2(l%4) and
    +1). Every lane of the warp calls it together. Returns (d0, d1, d2, d3)."""
    def _mma(typingctx, a0, a1, a2, a3, b0, b1, c0, c1, c2, c3):
        words, floats = (a0, a1, a2, a3, b0, b1), (c0, c1, c2, c3)
        if not (_is_int(*words) and all(isinstance(t, types.Float) for t in floats)):
            return None

        def codegen(context, builder, sig, args):
            ins = [_int_to(builder, v, t, 32) for v, t in zip(args[:6], sig.args[:6])]
            ins += [v if t.bitwidth == 32 else builder.fptrunc(v, _F32)
                    for v, t in zip(args[6:], sig.args[6:])]
            result = ir.LiteralStructType([_F32] * 4)
            asm = ir.InlineAsm(
                ir.FunctionType(result, [_I32] * 6 + [_F32] * 4),
                f"mma.sync.aligned.m16n8k16.row.col.f32.{kind}.{kind}.f32 "
                "{$0, $1, $2, $3}, {$4, $5, $6, $7}, {$8, $9}, {$10, $11, $12, $13};",
                "=f,=f,=f,=f,r,r,r,r,r,r,f,f,f,f")
            d = builder.call(asm, ins)
            values = [builder.extract_value(d, i) for i in range(4)]
            return context.make_tuple(builder, sig.return_type, values)
        return types.UniTuple(types.float32, 4)(*words, *floats), codegen
    return _mma


def _make_exp2(hardware):
    def _exp2f(typingctx, x):
        if not isinstance(x, types.Float):
            return None

        def codegen(context, builder, sig, args):
            v = args[0] if sig.args[0].bitwidth == 32 else builder.fptrunc(args[0], _F32)
            if hardware:
                fnty = ir.FunctionType(_F32, [_F32])
                return builder.call(ir.InlineAsm(fnty, "ex2.approx.ftz.f32 $0, $1;", "=f,f"), [v])
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_F32, [_F32]),
                                                "llvm.exp2.f32")
            return builder.call(fn, [v])
        return types.float32(x), codegen
    return _exp2f


def _make_max_nan(hardware):
    """``max_nan(a, b)``: max(a, b), NaN if either is NaN (reductions.nan_max as one
    primitive). Generic: a compare and a select (a if a >= b or a is NaN, else b);
    NVIDIA, float32: one ``max.NaN.f32`` (sm_80+; a canonical NaN, and -0 < +0)."""
    def _max_nan(typingctx, a, b):
        if not (isinstance(a, types.Float) and a == b):
            return None

        def codegen(context, builder, sig, args):
            x, y = args
            if hardware and sig.args[0].bitwidth == 32:
                fnty = ir.FunctionType(_F32, [_F32, _F32])
                return builder.call(ir.InlineAsm(fnty, "max.NaN.f32 $0, $1, $2;", "=f,f,f"),
                                    [x, y])
            keep = builder.or_(builder.fcmp_ordered(">=", x, y),
                               builder.fcmp_unordered("uno", x, x))
            return builder.select(keep, x, y)
        return a(a, b), codegen
    return _max_nan


def _make_warp_reduce(kind):
    """NVIDIA: the 5-step butterfly with llvm.nvvm.shfl.sync.bfly.f32 over all 32
    lanes (every lane must be active), max.f32 or add.f32 between steps."""
    def _warp_reduce(typingctx, value):
        if not (isinstance(value, types.Float) and value.bitwidth == 32):
            return None

        def codegen(context, builder, sig, args):
            mod = builder.module
            shfl = cgutils.get_or_insert_function(
                mod, ir.FunctionType(_F32, [_I32, _F32, _I32, _I32]), "llvm.nvvm.shfl.sync.bfly.f32")
            maxnum = cgutils.get_or_insert_function(
                mod, ir.FunctionType(_F32, [_F32, _F32]), "llvm.maxnum.f32")
            v = args[0]
            for mask in (16, 8, 4, 2, 1):
                other = builder.call(shfl, [ir.Constant(_I32, 0xFFFFFFFF), v,
                                            ir.Constant(_I32, mask), ir.Constant(_I32, 0x1F)])
                v = builder.call(maxnum, [v, other]) if kind == "max" else builder.fadd(v, other)
            return v
        return types.float32(value), codegen
    return _warp_reduce


# -------------------------------------------------------------- Python (simulator)

def _fits32(value, signed=True):
    value = int(value)
    lo, hi = (-2**31, 2**31 - 1) if signed else (0, 2**32 - 1)
    if not lo <= value <= hi:
        raise OverflowError(f"{value} does not fit in {'int32' if signed else 'uint32'}: "
                            "the 32-bit index helpers need the caller to guarantee it")
    return value


def _np_f16_to_f32(bits):
    return np.float32(np.uint16(int(bits) & 0xFFFF).view(np.float16))


def _np_f32_to_f16(x):
    with np.errstate(over="ignore"):
        return np.float16(np.float32(x)).view(np.uint16)


def _np_bf16_to_f32(bits):
    return np.uint32((int(bits) & 0xFFFF) << 16).view(np.float32)


def _np_f32_to_bf16(x):
    u = int(np.float32(x).view(np.uint32))
    if u & 0x7FFFFFFF > 0x7F800000:
        return np.uint16((u >> 16) | 0x40)
    return np.uint16(((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF)


def _np_pack_f16x2(lo, hi):
    return np.uint32(int(_np_f32_to_f16(lo)) | int(_np_f32_to_f16(hi)) << 16)


def _np_pack_bf16x2(lo, hi):
    return np.uint32(int(_np_f32_to_bf16(lo)) | int(_np_f32_to_bf16(hi)) << 16)


def _np_f16x2_lo(w):
    return _np_f16_to_f32(int(w) & 0xFFFF)


def _np_f16x2_hi(w):
    return _np_f16_to_f32((int(w) >> 16) & 0xFFFF)


def _np_bf16x2_lo(w):
    return _np_bf16_to_f32(int(w) & 0xFFFF)


def _np_bf16x2_hi(w):
    return _np_bf16_to_f32((int(w) >> 16) & 0xFFFF)


def _np_as_f32(w):
    return np.uint32(int(w) & 0xFFFFFFFF).view(np.float32)


def _np_as_u32(x):
    return np.float32(x).view(np.uint32)


def _py_i32(x):
    return np.int32(_fits32(x))


def _py_u32(x):
    return np.uint32(_fits32(x, signed=False))


def _py_add32(a, b):
    return np.int32(_fits32(int(a) + int(b)))


def _py_sub32(a, b):
    return np.int32(_fits32(int(a) - int(b)))


def _py_mul32(a, b):
    return np.int32(_fits32(int(a) * int(b)))


def _py_mad32(a, b, c):
    return np.int32(_fits32(int(a) * int(b) + int(c)))


def _py_and32(a, b):
    return np.uint32((int(a) & int(b)) & 0xFFFFFFFF)


def _py_shr32(a, b):
    return np.uint32((int(a) & 0xFFFFFFFF) >> int(b))


def _py_shl32(a, b):
    return np.uint32(((int(a) & 0xFFFFFFFF) << int(b)) & 0xFFFFFFFF)


def _py_udiv32(a, b):
    return np.uint32(_fits32(a, False) // _fits32(b, False))


def _py_urem32(a, b):
    return np.uint32(_fits32(a, False) % _fits32(b, False))


def _py_min32(a, b):
    return np.int32(min(_fits32(a), _fits32(b)))


def _py_max32(a, b):
    return np.int32(max(_fits32(a), _fits32(b)))


def _dense(a, what):
    """The GPU spellings address ``&a[0] + i * itemsize``: strides are not applied."""
    if a.ndim != 1 or a.strides[0] != a.dtype.itemsize:
        raise ValueError(f"{what}: a contiguous 1-D array is required (the GPU spelling "
                         f"ignores strides); got shape {a.shape}, strides {a.strides}")


def _py_load(a, i):
    _dense(a, "load")
    if int(i) < 0:
        raise IndexError(f"load: index {i} < 0 (no wraparound on the GPU)")
    return a[int(i)]


def _py_store(a, i, v):
    _dense(a, "store")
    if int(i) < 0:
        raise IndexError(f"store: index {i} < 0 (no wraparound on the GPU)")
    a[int(i)] = v


def _vec_span(a, i, nbytes):
    i = int(i)
    itemsize = a.dtype.itemsize
    if i < 0 or (i * itemsize) % nbytes or nbytes % itemsize or a.ndim != 1:
        raise ValueError(f"{nbytes}-byte access at element {i} of a {a.ndim}-d "
                         f"{a.dtype} array: needs a 1-d array and an offset that is a "
                         f"multiple of {nbytes} bytes")
    return i, nbytes // itemsize


def _make_py_load_vec(n):
    def load_vec(a, i):
        i, count = _vec_span(a, i, 4 * n)
        elements = np.array([a[i + k] for k in range(count)], dtype=a.dtype)
        return tuple(np.uint32(w) for w in elements.view(np.uint32))
    return load_vec


def _make_py_store_vec(n):
    def store_vec(a, i, *words):
        assert len(words) == n, f"store_v{n} takes {n} words"
        i, count = _vec_span(a, i, 4 * n)
        packed = np.array([_np_as_u32(w) if isinstance(w, (float, np.floating))
                           else np.uint32(int(w) & 0xFFFFFFFF) for w in words], dtype=np.uint32)
        for k, e in enumerate(packed.view(a.dtype)):
            a[i + k] = e
    return store_vec


def _py_max_nan(a, b):
    return a if (a >= b or a != a) else b


def _make_py_align_skip(nbytes):
    def _py_align_skip(a):
        return np.int64(((nbytes - (a.ctypes.data & (nbytes - 1))) & (nbytes - 1))
                        // a.dtype.itemsize)
    return _py_align_skip


_TICKETS = threading.Lock()


def _py_ticket(a, i):
    with _TICKETS:
        old = np.int32(a[int(i)])
        a[int(i)] = old + 1
    return old


def _py_fetch_add(a, i, v):
    with _TICKETS:
        old = np.int32(a[int(i)])
        a[int(i)] = old + np.int32(v)
    return old


def _py_copy16(dst, i, src, j):
    i, j = int(i), int(j)
    for a, k in ((dst, i), (src, j)):  # the addresses, as cp.async checks them
        if a.ndim != 1 or k < 0 or (a.ctypes.data + k * a.strides[0]) % 16:
            raise ValueError(f"copy16 at element {k} of a {a.ndim}-d {a.dtype} array: "
                             "needs a 1-d array and a 16-byte aligned address")
    # 16 bytes, whatever either array's element type (the hardware copies bytes)
    dst[i:i + 16 // dst.dtype.itemsize] = src[j:j + 16 // src.dtype.itemsize].view(dst.dtype)


def _py_async_commit():
    return None


def _py_async_wait(n):
    return None


def _py_pair_lo(a, b):
    return np.uint32((int(a) & 0xFFFF) | ((int(b) & 0xFFFF) << 16))


def _py_pair_hi(a, b):
    return np.uint32(((int(a) >> 16) & 0xFFFF) | (int(b) & 0xFFFF0000))


def _py_exp2f(x):
    with np.errstate(over="ignore"):
        return np.float32(np.exp2(np.float32(x)))


# ---------------------------------------------------------------- warp reductions

def warp_max_hip(value):
    """Every lane's max over its 32 lanes (numba-hip wavefront shuffles, width 32)."""
    for mask in (16, 8, 4, 2, 1):
        value = max(value, gpu.shfl_xor(value, int32(mask), int32(WARP)))
    return value


def warp_sum_hip(value):
    """Every lane's sum over its 32 lanes (numba-hip wavefront shuffles, width 32)."""
    for mask in (16, 8, 4, 2, 1):
        value += gpu.shfl_xor(value, int32(mask), int32(WARP))
    return value


# The simulator has no shuffles: its kernels reduce through shared memory with
# primitives.lane_xor_shared; there is no sim entry for the warp reductions.


# ------------------------------------------------------------------ the table

_GENERIC = {  # name -> (typing/codegen function for every LLVM target, Python fallback)
    "f16_to_f32": (_f16_to_f32, _np_f16_to_f32),
    "f32_to_f16": (_f32_to_f16, _np_f32_to_f16),
    "bf16_to_f32": (_bf16_to_f32, _np_bf16_to_f32),
    "f32_to_bf16": (_make_f32_to_bf16(False), _np_f32_to_bf16),
    "pack_f16x2": (_pack_f16x2, _np_pack_f16x2),
    "pack_bf16x2": (_make_pack_bf16x2(False), _np_pack_bf16x2),
    "f16x2_lo": (_make_unpack("f16", False), _np_f16x2_lo),
    "f16x2_hi": (_make_unpack("f16", True), _np_f16x2_hi),
    "bf16x2_lo": (_make_unpack("bf16", False), _np_bf16x2_lo),
    "bf16x2_hi": (_make_unpack("bf16", True), _np_bf16x2_hi),
    "as_f32": (_as_f32, _np_as_f32),
    "as_u32": (_as_u32, _np_as_u32),
    "i32": (_make_cast(types.int32), _py_i32),
    "u32": (_make_cast(types.uint32), _py_u32),
    "add32": (_make_binop("add", types.int32, True), _py_add32),
    "sub32": (_make_binop("sub", types.int32, True), _py_sub32),
    "mul32": (_make_binop("mul", types.int32, True), _py_mul32),
    "mad32": (_mad32, _py_mad32),
    "and32": (_make_binop("and", types.uint32, False), _py_and32),
    "shr32": (_make_binop("shr", types.uint32, False), _py_shr32),
    "shl32": (_make_binop("shl", types.uint32, False), _py_shl32),
    "udiv32": (_make_binop("udiv", types.uint32, False), _py_udiv32),
    "urem32": (_make_binop("urem", types.uint32, False), _py_urem32),
    "min32": (_make_binop("min", types.int32, False), _py_min32),
    "max32": (_make_binop("max", types.int32, False), _py_max32),
    "load": (_load, _py_load),
    "store": (_store, _py_store),
    "load_v4": (_make_load_vec(4), _make_py_load_vec(4)),
    "store_v4": (_store_v4, _make_py_store_vec(4)),
    "load_v2": (_make_load_vec(2), _make_py_load_vec(2)),
    "store_v2": (_store_v2, _make_py_store_vec(2)),
    "exp2f": (_make_exp2(False), _py_exp2f),
    "max_nan": (_make_max_nan(False), _py_max_nan),
    "align16_skip": (_make_align_skip(16), _make_py_align_skip(16)),
    "align128_skip": (_make_align_skip(128), _make_py_align_skip(128)),
    "ticket": (_make_ticket(False), _py_ticket),
    "fetch_add": (_make_fetch_add(False), _py_fetch_add),
    "copy16": (_make_copy16(False), _py_copy16),
    "async_commit": (_make_async_commit(False), _py_async_commit),
    "async_wait": (_make_async_wait(False), _py_async_wait),
    "pair_lo": (_make_pair(False), _py_pair_lo),
    "pair_hi": (_make_pair(True), _py_pair_hi),
}
# NVIDIA-only spellings (inline PTX) that replace the generic IR on the cuda backend
_CUDA_ONLY = {
    "f32_to_bf16": _make_f32_to_bf16(True),
    "pack_bf16x2": _make_pack_bf16x2(True),
    "exp2f": _make_exp2(True),
    "max_nan": _make_max_nan(True),
    "ticket": _make_ticket(True),
    "fetch_add": _make_fetch_add(True),
    "copy16": _make_copy16(True),
    "async_commit": _make_async_commit(True),
    "async_wait": _make_async_wait(True),
    "pair_lo": _make_pair(False, True),
    "pair_hi": _make_pair(True, True),
}


def _named(fn, name):
    fn.__name__ = fn.__qualname__ = name
    return fn


class _CudaSpelling:
    """The cuda spelling of a primitive, made on first use: numba-cuda's intrinsic
    decorator imports numba-cuda (~0.2 s), which a process that only replays stored
    kernels (fastpath.py) never needs; ``definition`` is what the disk store's
    digest reads (the same code either way)."""

    __slots__ = ("definition", "made")

    def __init__(self, definition):
        self.definition, self.made = definition, None

    def get(self):
        if self.made is None:
            try:  # numba-cuda's own decorator (its target registry)
                from numba.cuda.extending import intrinsic
            except Exception:  # pragma: no cover - no numba-cuda: the generic one
                intrinsic = _core_intrinsic
            self.made = intrinsic(self.definition)
        return self.made


class Spellings(dict):
    """One primitive's functions by backend name; the cuda one is made when first
    asked for (``spellings['cuda']``, ``.get('cuda')``)."""

    def __getitem__(self, backend_name):
        value = dict.__getitem__(self, backend_name)
        return value.get() if type(value) is _CudaSpelling else value

    def get(self, backend_name, default=None):
        return self[backend_name] if backend_name in self else default

    def definition(self, backend_name):
        """The Python definition behind the spelling, without making it."""
        value = dict.__getitem__(self, backend_name)
        return value.definition if type(value) is _CudaSpelling else value


def _build() -> dict:
    table = {}
    for name, (generic, python) in _GENERIC.items():
        core = _core_intrinsic(_named(generic, name))
        cuda = _CudaSpelling(_named(_CUDA_ONLY.get(name, generic), name))
        table[name] = Spellings(cuda=cuda, hip=core, cpu=core, sim=_named(python, name))
    for kind in ("max", "sum"):
        name = f"warp_{kind}"
        table[name] = Spellings(cuda=_CudaSpelling(_named(_make_warp_reduce(kind), name)),
                                hip=warp_max_hip if kind == "max" else warp_sum_hip)
    # thread-block clusters and dependent launches (sm_90): NVIDIA only
    for name, definition in (("cluster_sync", _cluster_sync),
                             ("peer_load", _make_peer_load(1)),
                             ("peer_load_v4", _make_peer_load(4)),
                             ("grid_dependency_wait", _grid_dependency_wait)):
        table[name] = Spellings(cuda=_CudaSpelling(_named(definition, name)))
    for kind in ("f16", "bf16"):  # tensor cores: NVIDIA only (primitives.warp_mma)
        name = f"mma_{kind}"
        table[name] = Spellings(cuda=_CudaSpelling(_named(_make_mma(kind), name)))
    return table


#: name -> {backend: function} (Spellings: the cuda one made on first use)
INTRINSICS = _build()
globals().update({name: spelled["cpu"] for name, spelled in INTRINSICS.items()
                  if "cpu" in spelled})  # module attributes: the @njit spelling

_NEEDS_GPU_NAMESPACE = {warp_max_hip, warp_sum_hip}


def device_primitives(backend_name: str, gpu=None, definitions: bool = False) -> tuple:
    """(name, function) pairs: the backend's spelling of each primitive, for
    ``compile.build``'s helper list (op.Family adds them to every kernel);
    ``definitions``: the Python definitions instead, for a digest of the code
    (compile.variant_digest reads the same code from either, and making the cuda
    spellings imports numba-cuda).

    The 32-lane warp reductions (``warp_max``/``warp_sum``) are listed only when
    ``gpu`` (``numba.cuda``/``numba.hip``) is given, bound to it with a width of
    32 (the softmax lab's kernels); the package's kernels reduce with
    ``reductions.row_reduce``, whose width follows the target's wavefront."""
    if backend_name not in BACKENDS:
        raise ValueError(f"unknown backend {backend_name!r}; one of {BACKENDS}")
    made = _PRIMITIVES.get((backend_name, definitions)) if gpu is None else None
    if made is not None:  # every host call builds its kernel's helper list: kept
        return made
    pairs = []
    for name, spelled in INTRINSICS.items():
        if backend_name not in spelled or (name.startswith("warp_") and gpu is None):
            continue
        fn = spelled.definition(backend_name) if definitions else spelled[backend_name]
        if fn in _NEEDS_GPU_NAMESPACE:
            import types as pytypes

            fn = pytypes.FunctionType(fn.__code__, dict(fn.__globals__, gpu=gpu, WARP=32),
                                      fn.__name__, fn.__defaults__, fn.__closure__)
        pairs.append((name, fn))
    if gpu is None:
        _PRIMITIVES[(backend_name, definitions)] = tuple(pairs)
    return tuple(pairs)


_PRIMITIVES: dict = {}  # (backend name, definitions) -> device_primitives' pairs


LOG2E = 1.0 / math.log(2.0)
