"""Shared fixtures: every test that takes ``backend`` runs on each backend.

cpu and sim run everywhere numba-cuda is installed; cuda and hip are marked
``gpu`` and skipped, with the reason, on a machine without that GPU.
"""

import os
import sys
import zlib

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


@pytest.fixture(scope="session", autouse=True)
def fast_simulator_barriers():
    """numba-cuda's simulator runs a block's lanes as Python threads and waits at each
    barrier by polling them; a short thread switch interval makes a barrier about
    7x cheaper (measured: one small softmax 4.5 s -> 0.65 s) without changing what
    runs."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(before)


@pytest.fixture(params=_backend_params())
def backend(request):
    """A backend name; the test runs once per backend."""
    return request.param


def test_seed(nodeid: str) -> int:
    """The seed of a test: a CRC of its id (stable across processes, unlike hash()),
    or $NUMBA_CAUSAL_TEST_SEED to replay another draw."""
    forced = os.environ.get("NUMBA_CAUSAL_TEST_SEED")
    return int(forced) if forced else zlib.crc32(nodeid.encode())


@pytest.fixture
def rng(request):
    """A fresh generator per test, seeded from the test's id: the same numbers in
    every run; the seed is printed with a failure (NUMBA_CAUSAL_TEST_SEED replays it)."""
    seed = test_seed(request.node.nodeid)
    request.node.user_properties.append(("seed", seed))
    return np.random.default_rng(seed)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        seeds = [v for k, v in item.user_properties if k == "seed"]
        if seeds:
            report.sections.append(("random seed", f"rng seed {seeds[0]} (replay: "
                                    f"NUMBA_CAUSAL_TEST_SEED={seeds[0]} pytest '{item.nodeid}')"))


def pytest_report_header(config):
    return [f"numba_causal backends here: {', '.join(nc.available_backends())}"]
