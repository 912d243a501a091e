"""No Numba warning about our own launches reaches the user (issue 13 item 3), while
the user's own warnings, and Numba's about the user's kernels, still do."""

import warnings

import numpy as np
import pytest
from numba.core.errors import NumbaPerformanceWarning

import numba_causal as nc
from numba_causal import op
from numba_causal.backends import Backend, unavailable_reasons


class _WarningKernel:
    """Stands in for a numba-cuda dispatcher: configuring it warns as numba-cuda does
    for a grid of fewer than 128 blocks."""

    launched = 0

    def __getitem__(self, config):
        warnings.warn(NumbaPerformanceWarning(
            f"Grid size {config[0][0]} will likely result in GPU under-utilization due to "
            "low occupancy."))
        return self

    def __call__(self, *args):
        type(self).launched += 1


def test_launch_keeps_numba_warnings_from_the_user(monkeypatch):
    family = nc.mask.CAUSAL_MASK
    monkeypatch.setattr(op.Family, "build", lambda self, backend, kind, constants: _WarningKernel())
    standin = Backend("standin", gpu=object(), on_device=True)
    plan = op.Launch.of({}, (6, 1, 1), (32, 1, 1), {a.name: 0 for a in family.args})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        op.launch(family, standin, plan, None)
        warnings.warn("the user's own warning", UserWarning)
    assert _WarningKernel.launched == 1
    assert [str(w.message) for w in caught] == ["the user's own warning"]
    # outside our launches, Numba's warnings are the user's as before
    with pytest.warns(NumbaPerformanceWarning, match="Grid size 6"):
        _WarningKernel()[(6, 1, 1), (32, 1, 1)]


@pytest.mark.gpu
@pytest.mark.skipif("cuda" in unavailable_reasons(), reason="needs the cuda backend")
def test_small_cuda_launch_prints_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = np.random.default_rng(0).standard_normal((1, 1, 8, 8), dtype=np.float32)
        nc.apply_causal_mask(x, backend="cuda")  # a NumPy array: the full launch path
        nc.causal_softmax(x, backend="cuda")
    assert np.isneginf(x[0, 0, 0, 1])
