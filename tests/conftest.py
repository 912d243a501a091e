"""Shared fixtures: every test that takes ``backend`` runs on each backend.

cpu and sim run everywhere numba-cuda is installed; cuda and hip are marked
``gpu`` and skipped, with the reason, on a machine without that GPU.
"""

import numpy as np
import pytest

import numba_causal as nc
from numba_causal.backends import unavailable_reasons

ALL_BACKENDS = ("cpu", "sim", "cuda", "hip")
GPU_BACKENDS = ("cuda", "hip")


def _backend_params():
    missing = unavailable_reasons()
    params = []
    for name in ALL_BACKENDS:
        marks = [pytest.mark.gpu] if name in GPU_BACKENDS else []
        if name in missing:
            marks.append(pytest.mark.skip(reason=f"backend {name} unavailable: {missing[name]}"))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.fixture(params=_backend_params())
def backend(request):
    """A backend name; the test runs once per backend."""
    return request.param


@pytest.fixture
def rng(request):
    """A fresh generator per test, seeded from the test's name (reproducible)."""
    return np.random.default_rng(abs(hash(request.node.nodeid)) % 2**32)


def pytest_report_header(config):
    return [f"numba_causal backends here: {', '.join(nc.available_backends())}"]
