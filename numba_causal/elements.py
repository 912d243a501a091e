"""Elements of float arrays inside kernels: formats, 16-bit conversions, and keys
packed in 8-byte words. Device helpers for every kernel family and backend.

float16 and bfloat16 elements reach kernels as raw uint16 bits (dtypes.py);
float32 and float64 as float views, or as the bits of 8-byte words. The
conversions below are written once for every backend with integer arithmetic on
float32's bits (bit casts are NumPy scalar views, which numba, numba-cuda and
numba-hip compile to a plain bitcast and the simulator runs as NumPy; numba-hip
has no float16 type). ``element_value`` and ``element_of`` convert through the
backend's own primitives instead (intrinsics.py: the GPU's hardware conversions),
for the families that bind them (CONVERSIONS).

Compile-time constants a kernel using these helpers sets (compile.build):
``FORMAT`` (one of FLOAT16, BFLOAT16, FLOAT32, FLOAT64: how an element is read
and written), ``COMPUTE`` (the numba float type rows are computed in), ``WORD``
(keys per 8-byte word; 1: no word view), ``KEY_BITS`` and ``KEY_MASK`` (the
width of a key in a word). ``format_constants(dtype_name)`` gives the first two.
"""

from __future__ import annotations

import numpy as np
from numba import float32, float64, int64, uint16, uint64

from .compile import compile_time

FORMAT, COMPUTE, WORD, KEY_BITS, KEY_MASK = compile_time(
    "FORMAT", "COMPUTE", "WORD", "KEY_BITS", "KEY_MASK")
#: the backend's hardware 16-bit conversions (intrinsics.device_primitives), for
#: element_value and element_of
f16_to_f32, bf16_to_f32, f32_to_f16, f32_to_bf16 = compile_time(
    "f16_to_f32", "bf16_to_f32", "f32_to_f16", "f32_to_bf16")

#: element formats: how a kernel reads and writes an element
FLOAT16, BFLOAT16, FLOAT32, FLOAT64 = 0, 1, 2, 3
#: dtype name -> (format, compute type, sum type)
FORMATS = {
    "float16": (FLOAT16, float32, float32),
    "bfloat16": (BFLOAT16, float32, float32),
    "float32": (FLOAT32, float32, float64),
    "float64": (FLOAT64, float64, float64),
}


def format_constants(dtype_name: str) -> dict:
    """FORMAT, COMPUTE and SUM (the type sums accumulate in) for an element dtype."""
    fmt, compute, total = FORMATS[dtype_name]
    return dict(FORMAT=fmt, COMPUTE=compute, SUM=total)


def compute_dtype(dtype_name: str) -> np.dtype:
    """The NumPy dtype rows of ``dtype_name`` are computed in (float32 or float64)."""
    return np.dtype(FORMATS[dtype_name][1].name)


def float_view(array, dtype_name):
    """float32/float64 elements reach kernels as floats; 16-bit ones as bits."""
    if dtype_name in ("float32", "float64"):
        return array.view(np.dtype(dtype_name))
    return array


# --- element conversions (device helpers, every backend) ---------------------------
#
# Bit casts are NumPy scalar views (``np.float32(x).view(np.uint32)``), which
# numba (CPU), numba-cuda and numba-hip all compile to a plain bitcast and the
# simulator runs as NumPy; the rest is integer arithmetic on the float32 bits.

def float32_bits(x):
    """The IEEE bits of float32 ``x``, as int64."""
    return int64(np.float32(x).view(np.uint32))


def bits_float32(bits):
    """The float32 whose IEEE bits are the low 32 bits of ``bits``."""
    return np.uint32(bits).view(np.float32)


def half_bits_to_float32(bits):
    """IEEE float16 bits -> float32, exactly: exponent and fraction moved into
    float32's fields, then one exact multiply by 2**112 re-biases (subnormals too)."""
    h = int64(bits)
    sign = (h & 0x8000) << 16
    magnitude = h & 0x7FFF
    if magnitude >= 0x7C00:  # inf, NaN (payload kept)
        return bits_float32(sign | 0x7F800000 | ((magnitude & 0x3FF) << 13))
    return bits_float32(sign | (magnitude << 13)) * float32(2.0 ** 112)


def bfloat16_bits_to_float32(bits):
    """bfloat16 bits -> float32, exactly (bfloat16 is float32's upper half)."""
    return bits_float32(int64(bits) << 16)


def float32_to_half_bits(x):
    """float32 -> IEEE float16 bits, rounded to nearest even. NaN becomes the quiet
    NaN 0x7E00, -0.0 becomes +0.0, overflow becomes inf."""
    u = float32_bits(x)
    a = u & 0x7FFFFFFF
    if a > 0x7F800000:
        return 0x7E00
    if a == 0:
        return 0
    sign = (u >> 16) & 0x8000
    if a >= 0x47800000:  # 65536 and beyond (and inf)
        return sign | 0x7C00
    if a >= 0x38800000:  # a float16 normal: re-bias, round on the 13 dropped bits
        return sign | ((a + 0xFFF + ((a >> 13) & 1)) >> 13) - (112 << 10)
    # a float16 subnormal: the value in units of 2**-24, rounded to nearest even
    shift = 126 - (a >> 23)
    if shift > 24:
        return sign  # below half the smallest subnormal
    significand = (a & 0x7FFFFF) | 0x800000
    units = significand >> shift
    rest = significand & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if rest > half or (rest == half and units & 1):
        units += 1  # a carry into the exponent field is the right next float
    return sign | units


def float32_to_bfloat16_bits(x):
    """float32 -> bfloat16 bits, rounded to nearest even. NaN becomes the quiet NaN
    0x7FC0, -0.0 becomes +0.0, overflow becomes inf."""
    u = float32_bits(x)
    a = u & 0x7FFFFFFF
    if a > 0x7F800000:
        return 0x7FC0
    if a == 0:
        return 0
    return (u + 0x7FFF + ((u >> 16) & 1)) >> 16


def element_to_float(element):
    """An element as the compute type: decoded bits, or the float view's value."""
    if FORMAT == FLOAT16:
        return half_bits_to_float32(element)
    if FORMAT == BFLOAT16:
        return bfloat16_bits_to_float32(element)
    return element


def float_to_element(p):
    """A compute-type value as the element the output array holds."""
    if FORMAT == FLOAT16:
        return uint16(float32_to_half_bits(p))
    if FORMAT == BFLOAT16:
        return uint16(float32_to_bfloat16_bits(p))
    return COMPUTE(p)


def element_value(e):
    """An element (16-bit bits, or the float) as the compute type, through the
    backend's conversion primitive (intrinsics.py: hardware on GPUs)."""
    if FORMAT == FLOAT16:
        return f16_to_f32(e)
    if FORMAT == BFLOAT16:
        return bf16_to_f32(e)
    return COMPUTE(e)


def element_of(v):
    """A compute-type value as the element stored (round to nearest even), through
    the backend's conversion primitive."""
    if FORMAT == FLOAT16:
        return f32_to_f16(v)
    if FORMAT == BFLOAT16:
        return f32_to_bf16(v)
    return COMPUTE(v)


# --- keys in 8-byte words (GPU kernel) -------------------------------------------------
#
# With WORD > 1 the GPU kernel reads and writes rows as 8-byte words (a uint64 view
# of the same memory): WORD keys of KEY_BITS bits each, key ``e`` of a word in its
# bits [e * KEY_BITS, (e + 1) * KEY_BITS) (little-endian). With WORD == 1 a "word" is
# one element of the float view or the 16-bit bits.

def word_key(word, e):
    """Key ``e`` of ``word`` as the compute type."""
    if WORD == 1:
        return element_to_float(word)
    bits = (word >> uint64(e * KEY_BITS)) & uint64(KEY_MASK)
    if FORMAT == FLOAT32:
        return bits_float32(bits)
    return element_to_float(bits)


def key_bits(p):
    """Probability ``p`` (compute type) as the output's bits (WORD > 1) or element."""
    if WORD == 1:
        return float_to_element(p)
    if FORMAT == FLOAT32:
        return uint64(float32_bits(p))
    return uint64(float_to_element(p))


def with_key(word, e, bits):
    """``word`` with key ``e`` set to ``bits`` (its bits are zero before)."""
    if WORD == 1:
        return bits
    return word | (bits << uint64(e * KEY_BITS))


def empty_word():
    """A word of +0.0 keys: what every masked key gets."""
    if WORD == 1:
        return float_to_element(COMPUTE(0))
    return uint64(0)


#: the helpers above, for a family's helper list
HELPERS = (float32_bits, bits_float32, half_bits_to_float32, bfloat16_bits_to_float32,
           float32_to_half_bits, float32_to_bfloat16_bits, element_to_float, float_to_element,
           word_key, key_bits, with_key, empty_word)
#: element_value and element_of, for a family whose helper list has the backend's
#: conversion primitives (intrinsics.device_primitives)
CONVERSIONS = (element_value, element_of)
