"""The softmax kernels' 16-bit conversions (device helpers in elements.py, compiled
here with @njit as the CPU kernels use them) against NumPy's float16 and
ml_dtypes' bfloat16: every one of the 65536 bit patterns decoded, and float32
inputs encoded (edge cases around each rounding boundary, plus random bits).
The GPU backends compile the same source; tests/test_softmax.py checks it there."""

import numpy as np
import pytest
from numba import njit, vectorize

from numba_causal import compile as kc
from numba_causal import elements, softmax
from helpers import BF16


def compiled(helper):
    """``helper`` bound to softmax's globals and compiled for the CPU as a ufunc."""
    namespace = kc.bound_namespace(softmax.causal_softmax_cpu, softmax.HELPERS,
                                   {"FORMAT": elements.FLOAT32}, None, njit)
    fn = namespace[helper.__name__]
    if helper.__name__.endswith("to_float32"):
        return vectorize(["float32(uint16)"])(lambda bits: fn(bits))
    return vectorize(["uint16(float32)"])(lambda x: fn(x))


ALL_BITS = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)


def decoded_equal(got, want):
    """float32 arrays equal bit for bit, NaN for NaN (payloads may differ)."""
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(np.uint32), want[~nan].view(np.uint32))


def test_half_decodes_every_bit_pattern():
    decoded_equal(compiled(elements.half_bits_to_float32)(ALL_BITS),
                  ALL_BITS.view(np.float16).astype(np.float32))


@pytest.mark.skipif(BF16 is None, reason="ml_dtypes is not installed")
def test_bfloat16_decodes_every_bit_pattern():
    decoded_equal(compiled(elements.bfloat16_bits_to_float32)(ALL_BITS),
                  ALL_BITS.view(BF16).astype(np.float32))


def float32_inputs(rng, dtype16):
    """Every 16-bit value as float32, the midpoints to its neighbours (ties) and
    one float32 step either side of them, plus random float32 bit patterns."""
    values = ALL_BITS.view(dtype16).astype(np.float32)
    finite = np.sort(values[np.isfinite(values)].astype(np.float64))
    mid = ((finite[1:] + finite[:-1]) / 2).astype(np.float32)  # exact in float32
    near = np.concatenate([np.nextafter(mid, np.float32(np.inf)),
                           np.nextafter(mid, np.float32(-np.inf))])
    random = rng.integers(0, 1 << 32, 200_000, dtype=np.uint64).astype(np.uint32)
    return np.concatenate([values, mid, near, random.view(np.float32),
                           np.float32([np.inf, -np.inf, 65520, 65519.996, 2.0 ** -25,
                                       2.0 ** -26, 1e-45, -1e-45, 3.4e38, -3.4e38])])


def encoded_equal(got, x, dtype16):
    """16-bit encodings against the reference cast; NaN -> the quiet NaN, an input
    -0.0 -> +0.0."""
    with np.errstate(over="ignore"):  # overflow to inf is what is being checked
        want = x.astype(dtype16).view(np.uint16).copy()
    nan = np.isnan(x)
    want[x == 0] = 0  # the input -0.0 (tiny negatives still round to -0.0)
    bad = np.flatnonzero((got != want) & ~nan)
    assert bad.size == 0, f"{bad.size} differ; first {x[bad[0]]!r}: {got[bad[0]]:#x} " \
        f"!= {want[bad[0]]:#x}"
    return got[nan]


def test_float32_encodes_to_half(rng):
    x = float32_inputs(rng, np.float16)
    nans = encoded_equal(compiled(elements.float32_to_half_bits)(x), x, np.float16)
    assert np.all(nans == 0x7E00)


@pytest.mark.skipif(BF16 is None, reason="ml_dtypes is not installed")
def test_float32_encodes_to_bfloat16(rng):
    x = float32_inputs(rng, BF16)
    nans = encoded_equal(compiled(elements.float32_to_bfloat16_bits)(x), x, BF16)
    assert np.all(nans == 0x7FC0)
