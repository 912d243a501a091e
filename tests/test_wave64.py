"""The GPU kernels' wave64 logic, run on numba-cuda's simulator with a 64-wide
warp (issue 16): AMD's CDNA GPUs (gfx90a, gfx942) have 64-lane wavefronts, while
CUDA and the default simulator are 32 wide, so without this nothing runs the
kernels' 64-lane reductions (a 6-step butterfly, its xor-32 step included).

The backend is the simulator with ``warp=64`` (``dataclasses.replace``); results
are compared with the ``@njit`` references, which share no code with the
kernel: softmax to the float64 tolerance of tests/test_softmax.py, the mask bit
for bit. Each test also checks, from the process's kernel cache
(``numba_causal.compile.compiled()``), that the launch really compiled a 64-lane
variant. Kept small: the simulator runs one Python thread per lane.
"""

import dataclasses
import sys

import numpy as np
import pytest

import numba_causal as nc
from numba_causal import compile as kc
from numba_causal.backends import unavailable_reasons

pytestmark = [
    pytest.mark.skipif("sim" in unavailable_reasons(),
                       reason=f"simulator unavailable: {unavailable_reasons().get('sim')}"),
    pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
]

#: allowed error beyond the output's own rounding, relative to the row's max
#: probability, and fraction bits per dtype (as tests/test_softmax.py)
TOL = {"float32": 1e-6, "float64": 1e-12, "float16": 1e-3}
FRACTION_BITS = {"float16": 10, "float32": 23, "float64": 52}


@pytest.fixture(scope="module")
def sim64():
    """The simulator backend with a 64-lane warp (a CDNA wavefront)."""
    return dataclasses.replace(nc.get_backend("sim"), warp=64)


@pytest.fixture(autouse=True)
def short_switch_interval():
    """The simulator's block manager polls its lane threads holding the GIL: a short
    switch interval makes each syncthreads much cheaper."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(before)


def compiled_variants(source: str) -> list:
    """Constants of every simulator variant of kernel ``source`` compiled so far
    in this process (compile.compiled())."""
    return [entry.constants for entry in kc.compiled("sim", source) if entry.kind == "kernel"]


@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_softmax_on_a_64_wide_warp_matches_the_reference(sim64, dtype):
    rng = np.random.default_rng(64)
    # 3 rows x 150 keys (one head: a second only repeats the blocks): every lane of
    # 64 holds keys, and the window leaves rows whose kept keys span less than a warp
    x = (rng.standard_normal((1, 1, 3, 150)) * 3).astype(dtype)
    for window in (None, 40):
        got = nc.causal_softmax(x, scale=0.37, window=window, backend=sim64)
        want = nc.causal_softmax_reference(x.astype(np.float64), scale=0.37, window=window)
        got64 = np.asarray(got).astype(np.float64)
        allowed = TOL[dtype] * want.max(axis=-1, keepdims=True) + \
            np.abs(want) * 2.0 ** -(FRACTION_BITS[dtype] + 1)
        err = np.abs(got64 - want)
        assert np.all(err <= allowed), f"{dtype}, window {window}: error {err.max():.3g}"
        assert np.all(got64[want == 0] == 0), "a masked key is not exactly 0"
    variants = [c for c in compiled_variants("causal_softmax_kernel") if c.get("WARP") == 64]
    assert variants, "no 64-warp softmax variant was compiled for the simulator"
    assert all(c["LANES"] >= 64 and c["SPAN"] == 64 for c in variants), variants


def test_mask_on_a_64_wide_warp_matches_the_reference(sim64):
    rng = np.random.default_rng(65)
    x = rng.standard_normal((2, 1, 5, 140)).astype(np.float32)
    for options in ({}, {"window": 50}, {"kv_lens": np.array([140, 77])}):
        got, want = x.copy(), x.copy()
        nc.apply_causal_mask(got, backend=sim64, **options)
        nc.causal_mask_reference(want, **options)
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), options
    lanes = {c["LANES"] for c in compiled_variants("causal_mask_kernel")}
    assert any(n % 64 == 0 for n in lanes), f"no 64-lane mask variant compiled: {lanes}"
