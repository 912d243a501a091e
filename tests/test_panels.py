"""numba_causal.panels: the CPU kernels' register-blocked products, against NumPy in
float64, and the register geometry they take from the compiling CPU."""

import numpy as np
import pytest
from numba import njit
from numba.core import config

from numba_causal import panels
from numba_causal.panels import rows_product, rows_product_add


@njit
def _product(c, a, b, i0, col0, lo, hi):
    rows_product(c, a, b, i0, col0, lo, hi)


@njit
def _product_add(c, a, b, i0, col0, lo, hi):
    rows_product_add(c, a, b, i0, col0, lo, hi)


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
