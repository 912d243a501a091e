"""Host (``@njit``) products held in vector registers: the inner products of the
CPU kernels, spelt in explicit LLVM vectors as wide as the compiling CPU's.

Why (issue 15; docs/benchmarks.md, CPU, 2026-12-04 23:25 UTC): LLVM vectorises a
NumPy-style loop to 256 bits on CPUs that "prefer" them (every AVX-512 Intel part),
so a dot product loop ran at half the FMA rate the machine has, and a sum over a
short ``head_dim`` paid one horizontal reduction per dot product. A panel product
keeps a block of the result in registers across the whole inner dimension, every
element of ``b`` loaded once as a vector and every element of ``a`` broadcast
once; it needs no reduction across lanes.

``rows_product(c, a, b, i0, col0, lo, hi, source)`` and ``rows_product_add`` (same
arguments) compute, for the rows ``i`` in ``[i0, i0 + rows)`` and the columns ``j``
in ``[col0, col0 + columns)``::

    c[i, j] (=|+=) sum over t in [lo, hi) of a[i, t] * to_compute(b[t, j], source)

in order of ``t``, each step one fused multiply-add (``llvm.fmuladd``) in the type
of ``c`` and ``a``, float32 or float64. ``b`` holds the same floats, or (``c``
float32) the raw bits of 16-bit elements read where they lie (uint16; ``source``,
a compile-time constant, says which: elements.FLOAT16 or BFLOAT16), each vector of
them converted exactly as it is loaded. ``rows_product``: ``panel_rows()`` rows of
one vector (``panel_columns(itemsize, 1)`` columns); ``rows_product_add``:
``panel_add_rows()`` rows of four vectors (``panel_columns(itemsize, 4)``), itemsize
the compute type's. ``a`` may have any strides (a transposed view is fine); rows of
``b`` and ``c`` are read as contiguous vectors (unit last stride: the caller's
scratch arrays, or arrays it checked). No bounds are checked: the caller keeps every
index inside its arrays.

``to_compute(x, source)``: one element as the compute type, the same rule: a float
as it is, 16-bit bits converted exactly (LLVM's ``fpext`` from ``half``, one
``vcvtph2ps`` with F16C; bfloat16 a shift), so a loop over elements read in place
vectorises with the conversion inside.

The register block is sized to the vector registers: 16 accumulators where there
are 32 (AVX-512), 8 where there are 16 (AVX2, SSE, NEON), so nothing spills.
"""

from __future__ import annotations

import functools
import hashlib
import pathlib

from llvmlite import ir
from numba import types
from numba.core import cgutils, config
from numba.core.extending import intrinsic

from .elements import BFLOAT16, FLOAT16
from .intrinsics import widen16


@functools.lru_cache(maxsize=None)
def vector_bytes() -> int:
    """Bytes of one vector register of the CPU numba compiles for: 64 with
    AVX-512, 32 with AVX, else 16 (the features numba's JIT takes:
    ``$NUMBA_CPU_FEATURES`` where set, else the host's)."""
    from numba.core.codegen import get_host_cpu_features

    features = config.CPU_FEATURES if config.CPU_FEATURES is not None \
        else get_host_cpu_features()
    features = set(features.split(","))
    if "+avx512f" in features:
        return 64
    return 32 if "+avx" in features else 16


def _accumulators() -> int:
    """Vector accumulators a panel holds: half the register file."""
    return 16 if vector_bytes() == 64 else 8


def panel_columns(itemsize: int, vectors: int) -> int:
    """Columns of ``c`` one call covers with ``vectors`` vectors a row."""
    return vectors * vector_bytes() // itemsize


#: a digest of this file: a CPU kernel that inlines these products names it among its
#: compile-time constants, so numba's disk cache keeps no stale copy of the code
SOURCE_DIGEST = hashlib.sha256(pathlib.Path(__file__).read_bytes()).hexdigest()[:16]

_I16 = ir.IntType(16)


def _convert(builder, bits, source: int, lanes: int = 0):
    """16-bit ``bits`` (i16, or a vector of ``lanes`` of them) of format ``source``
    as float32, exactly (the primitives' own conversion)."""
    return widen16(builder, bits, source == FLOAT16, lanes)


def _source(b, source):
    """The 16-bit format of ``b``'s elements (None: they are floats), or False
    when ``source`` does not say one (not a compile-time FLOAT16 or BFLOAT16)."""
    if isinstance(b, types.Float):
        return None
    value = getattr(source, "literal_value", None)
    if b != types.uint16 or value not in (FLOAT16, BFLOAT16):
        return False
    return value


def _panel_codegen(rows: int, vectors: int, accumulate: bool, source):
    def codegen(context, builder, sig, args):
        c_ty = sig.args[0]
        c, a, b = (context.make_array(t)(context, builder, v)
                   for t, v in zip(sig.args[:3], args[:3]))
        i0, col0, lo, hi = (context.cast(builder, v, t, types.intp)
                            for v, t in zip(args[3:7], sig.args[3:7]))
        element = context.get_value_type(c_ty.dtype)
        itemsize = context.get_abi_sizeof(element)
        lanes = vector_bytes() // itemsize
        vector = ir.VectorType(element, lanes)
        intp = context.get_value_type(types.intp)

        def strides(array, size):
            size = ir.Constant(intp, size)
            return [builder.sdiv(s, size) for s in cgutils.unpack_tuple(builder, array.strides, 2)]

        def at(array, step, i, j):
            return builder.gep(array.data, [builder.add(builder.mul(i, step[0]),
                                                        builder.mul(j, step[1]))])

        def vector_at(array, step, i, j):
            return builder.bitcast(at(array, step, i, j), vector.as_pointer())

        def b_vector(step, t, j):
            if source is None:
                return builder.load(vector_at(b, step, t, j), align=itemsize)
            bits = builder.load(builder.bitcast(at(b, step, t, j),
                                                ir.VectorType(_I16, lanes).as_pointer()), align=2)
            return _convert(builder, bits, source, lanes)

        c_step, a_step = strides(c, itemsize), strides(a, itemsize)
        b_step = strides(b, itemsize if source is None else 2)
        c_rows = [builder.add(i0, ir.Constant(intp, i)) for i in range(rows)]
        columns = [builder.add(col0, ir.Constant(intp, w * lanes)) for w in range(vectors)]
        # allocas that LLVM's mem2reg turns into registers carried around the loop
        acc = [[cgutils.alloca_once(builder, vector) for _ in range(vectors)]
               for _ in range(rows)]
        for i in range(rows):
            for w in range(vectors):
                start = (builder.load(vector_at(c, c_step, c_rows[i], columns[w]), align=itemsize)
                         if accumulate else ir.Constant(vector, None))
                builder.store(start, acc[i][w])
        suffix = "f32" if itemsize == 4 else "f64"
        fmuladd = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vector, [vector] * 3), f"llvm.fmuladd.v{lanes}{suffix}")
        splat = ir.Constant(ir.VectorType(ir.IntType(32), lanes), [0] * lanes)
        with cgutils.for_range(builder, builder.sub(hi, lo)) as loop:
            t = builder.add(lo, loop.index)
            b_row = [b_vector(b_step, t, columns[w]) for w in range(vectors)]
            for i in range(rows):
                x = builder.load(at(a, a_step, c_rows[i], t))
                x = builder.insert_element(ir.Constant(vector, ir.Undefined), x,
                                           ir.Constant(ir.IntType(32), 0))
                x = builder.shuffle_vector(x, ir.Constant(vector, ir.Undefined), splat)
                for w in range(vectors):
                    builder.store(builder.call(fmuladd, [x, b_row[w], builder.load(acc[i][w])]),
                                  acc[i][w])
        for i in range(rows):
            for w in range(vectors):
                builder.store(builder.load(acc[i][w]), vector_at(c, c_step, c_rows[i], columns[w]),
                              align=itemsize)
        return context.get_dummy_value()
    return codegen


def _make_panel(rows_of, vectors, accumulate: bool, name: str):
    def panel(typingctx, c, a, b, i0, col0, lo, hi, source):
        arrays = (c, a, b)
        if not all(isinstance(x, types.Array) and x.ndim == 2 for x in arrays):
            return None
        if c.dtype != a.dtype or c.dtype not in (types.float32, types.float64):
            return None
        fmt = _source(b.dtype, source)
        if fmt is False or (fmt is None and b.dtype != c.dtype) or \
                (fmt is not None and c.dtype != types.float32):
            return None
        if not all(isinstance(x, types.Integer) for x in (i0, col0, lo, hi)):
            return None
        return (types.void(c, a, b, i0, col0, lo, hi, source),
                _panel_codegen(rows_of(), vectors, accumulate, fmt))

    panel.__name__ = name
    return intrinsic(prefer_literal=True)(panel)


@intrinsic(prefer_literal=True)
def to_compute(typingctx, x, source):
    """``x`` as the compute type: a float as it is; uint16 bits of format
    ``source`` (a compile-time elements.FLOAT16 or BFLOAT16) as float32, exactly."""
    fmt = _source(x, source)
    if fmt is False:
        return None

    def codegen(context, builder, sig, args):
        if fmt is None:
            return args[0]
        return _convert(builder, args[0], fmt)
    return (x if fmt is None else types.float32)(x, source), codegen


def panel_rows() -> int:
    """Rows of ``c`` a call of rows_product covers (one vector a row)."""
    return _accumulators()


def panel_add_rows() -> int:
    """Rows of ``c`` a call of rows_product_add covers (four vectors a row)."""
    return _accumulators() // 4


#: c[i0:i0+panel_rows(), col0:col0+lanes] = a[i0:, lo:hi] @ b[lo:hi, col0:col0+lanes]
#: (b's 16-bit bits converted as loaded)
rows_product = _make_panel(panel_rows, 1, False, "rows_product")
#: c[i0:i0+panel_add_rows(), col0:col0+4*lanes] += a[i0:, lo:hi] @ b[lo:hi, col0:...]
rows_product_add = _make_panel(panel_add_rows, 4, True, "rows_product_add")
