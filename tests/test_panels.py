"""numba_causal.panels: the CPU kernels' register-blocked products, against NumPy in
float64, 16-bit elements read in place, and the register geometry they take from
the compiling CPU."""

import ml_dtypes
import numpy as np
import pytest
from numba import njit
from numba.core import config

from numba_causal import panels
from numba_causal.elements import BFLOAT16, FLOAT16, FLOAT32
from numba_causal.panels import rows_product, rows_product_add, to_compute


def _panel(product, source):
    """``product`` (rows_product or rows_product_add) as an @njit call, ``b`` read
    as ``source`` (FLOAT32: floats as they are; FLOAT16, BFLOAT16: 16-bit bits)."""
    @njit
    def call(c, a, b, i0, col0, lo, hi):
        product(c, a, b, i0, col0, lo, hi, source)
    return call


def _converter(source):
    """to_compute of ``source`` over a 1-D array, as an @njit call."""
    @njit
    def call(x, out):
        for i in range(x.size):
            out[i] = to_compute(x[i], source)
    return call


_product, _product_add = _panel(rows_product, FLOAT32), _panel(rows_product_add, FLOAT32)
_product_add_f16, _product_bf16 = _panel(rows_product_add, FLOAT16), _panel(rows_product,
                                                                             BFLOAT16)
_to_compute_f16, _to_compute_bf16 = _converter(FLOAT16), _converter(BFLOAT16)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("accumulate", [False, True])
def test_products_write_their_block_and_nothing_else(rng, dtype, accumulate):
    itemsize = np.dtype(dtype).itemsize
    vectors = 4 if accumulate else 1
    rows = panels.panel_add_rows() if accumulate else panels.panel_rows()
    columns = panels.panel_columns(itemsize, vectors)
    i0, col0, lo, hi = 3, columns, 5, 37
    # a transposed view: rows of ``a`` are strided, as the kernel's weights are
    a = np.ascontiguousarray(rng.standard_normal((50, rows + 7)).astype(dtype)).T
    b = rng.standard_normal((50, 3 * columns)).astype(dtype)
    c = rng.standard_normal((rows + 6, 3 * columns)).astype(dtype)
    before = c.copy()
    (_product_add if accumulate else _product)(c, a, b, i0, col0, lo, hi)
    block = (slice(i0, i0 + rows), slice(col0, col0 + columns))
    want = a[block[0], lo:hi].astype(np.float64) @ b[lo:hi, block[1]].astype(np.float64)
    if accumulate:
        want += before[block]
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert np.allclose(c[block], want, rtol=tol, atol=tol * np.abs(want).max())
    outside = np.ones(c.shape, bool)
    outside[block] = False
    assert np.array_equal(c[outside], before[outside])


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16])
def test_products_read_16_bit_elements_where_they_lie(rng, dtype):
    accumulate = dtype == np.float16  # one of each product, one of each format
    rows = panels.panel_add_rows() if accumulate else panels.panel_rows()
    columns = panels.panel_columns(4, 4 if accumulate else 1)
    i0, col0, lo, hi = 1, columns, 3, 29
    a = rng.standard_normal((rows + 2, 40)).astype(np.float32)
    values = rng.standard_normal((40, 3 * columns)).astype(dtype)
    values[7, col0] = np.inf  # converted as themselves: inf, subnormal, -0.0
    values[8, col0 + 1] = np.float32(2.0 ** -20) if dtype == np.float16 else np.float32(1e-39)
    values[9, col0 + 2] = -0.0
    c = rng.standard_normal((rows + 4, 3 * columns)).astype(np.float32)
    before = c.copy()
    (_product_add_f16 if accumulate else _product_bf16)(c, a, values.view(np.uint16), i0,
                                                        col0, lo, hi)
    block = (slice(i0, i0 + rows), slice(col0, col0 + columns))
    finite = values.astype(np.float64)
    finite[7, col0] = 0
    want = a[block[0], lo:hi].astype(np.float64) @ finite[lo:hi, block[1]]
    want[:, 0] += np.where(a[block[0], 7] > 0, np.inf, -np.inf)
    if accumulate:
        want += before[block]
    assert np.allclose(c[block], want, rtol=1e-5, atol=1e-5 * np.abs(want[:, 1:]).max())
    outside = np.ones(c.shape, bool)
    outside[block] = False
    assert np.array_equal(c[outside], before[outside])


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16])
def test_to_compute_converts_16_bit_bits_exactly(dtype):
    # every bit pattern: normals, subnormals, +-0, +-inf and NaNs (NaN stays NaN)
    bits = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    got = np.empty(bits.size, np.float32)
    (_to_compute_f16 if dtype == np.float16 else _to_compute_bf16)(bits, got)
    want = bits.view(dtype).astype(np.float32)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(np.uint32), want[~nan].view(np.uint32))


def test_to_compute_passes_floats_through():
    x = np.array([1.5, -0.0, np.inf], np.float32)
    got = np.empty(3, np.float32)
    _to_compute_bf16(x, got)
    assert np.array_equal(got.view(np.uint32), x.view(np.uint32))


def test_an_empty_key_range_sets_zero_or_keeps_the_block(rng):
    rows, columns = panels.panel_rows(), panels.panel_columns(4, 1)
    a = rng.standard_normal((rows, 8)).astype(np.float32)
    b = rng.standard_normal((8, columns)).astype(np.float32)
    c = rng.standard_normal((rows, columns)).astype(np.float32)
    _product(c, a, b, 0, 0, 4, 4)
    assert not c.any()
    rows, columns = panels.panel_add_rows(), panels.panel_columns(4, 4)
    b = rng.standard_normal((8, columns)).astype(np.float32)
    c = rng.standard_normal((rows, columns)).astype(np.float32)
    before = c.copy()
    _product_add(c, a[:rows], b, 0, 0, 6, 6)
    assert np.array_equal(c, before)


def test_products_refuse_mixed_or_integer_arrays():
    a = np.ones((16, 16), np.float32)
    with pytest.raises(Exception, match="rows_product"):
        _product(a, a.astype(np.float64), a, 0, 0, 0, 1)
    with pytest.raises(Exception, match="rows_product"):
        _product(a.astype(np.int32), a.astype(np.int32), a.astype(np.int32), 0, 0, 0, 1)
    with pytest.raises(Exception, match="rows_product"):  # 16-bit bits without a format
        _product(a, a, a.astype(np.uint16), 0, 0, 0, 1)
    with pytest.raises(Exception, match="rows_product"):  # 16-bit bits into float64
        _product_bf16(a.astype(np.float64), a.astype(np.float64), a.astype(np.uint16), 0, 0,
                      0, 1)


@pytest.mark.parametrize("features, expected", [
    ("+avx512f,+avx2,+avx,+fma", 64),
    ("+avx2,+avx,+fma,-avx512f", 32),
    ("+sse4.2,-avx", 16),
])
def test_vector_width_follows_numba_s_target(monkeypatch, features, expected):
    monkeypatch.setattr(config, "CPU_FEATURES", features)
    panels.vector_bytes.cache_clear()
    try:
        assert panels.vector_bytes() == expected
        assert panels.panel_rows() == (16 if expected == 64 else 8)
        assert panels.panel_columns(4, 4) == 4 * expected // 4
    finally:
        panels.vector_bytes.cache_clear()
