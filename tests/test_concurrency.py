"""Several threads masking different arrays at once, starting from an empty kernel
cache so that they race on compilation: every result is right and every kernel
variant is compiled exactly once (numba_causal.compile.build's lock)."""

import threading
from collections import Counter

import numpy as np
import pytest

import numba_causal as nc
from numba_causal import compile as kc
from numba_causal import fastpath
from helpers import DTYPES, assert_bits_equal, expected, masked_where, random_scores

THREADS = 8
ROUNDS = 2

#: option sets; threads i and i + len(VARIANTS) share one, and the first two differ
#: only in a run-time argument (window), so several threads race on each kernel key
VARIANTS = [
    {},
    {"window": 3},
    {"causal": False, "kv_lens": [5, 2]},
    {"q_offsets": [-1, 4]},
]

SHAPES = {  # per backend, used in turn by the threads; the simulator runs ~6 ms per row
    "cpu": [(2, 3, 9, 13), (2, 4, 128, 1031)],  # the second past 2**20 elements
    "sim": [(2, 1, 2, 13)],
    "cuda": [(2, 8, 64, 77), (2, 3, 5, 1031)],
    "hip": [(2, 8, 64, 77), (2, 3, 5, 1031)],
}


@pytest.fixture
def compile_log(monkeypatch):
    """An empty kernel cache for the test (the process's cache is restored after),
    no recorded fast-path call (an earlier test's call on an equal array would be
    replayed without a compile), and the list of (backend, kind, kernel variant)
    passed to a jit compiler."""
    saved = dict(kc._KERNELS)
    kc._KERNELS.clear()
    fastpath.clear()
    log = []
    real = kc._jitters

    def counting(backend, kind, *options):
        jit, device_jit = real(backend, kind, *options)

        def counted(fn, *args, **kwargs):
            log.append((backend.name, kind, fn.__qualname__))
            return jit(fn, *args, **kwargs)

        return counted, device_jit

    monkeypatch.setattr(kc, "_jitters", counting)
    yield log
    kc._KERNELS.clear()
    kc._KERNELS.update(saved)


def run_threads(work, n):
    """Run ``work(i)`` in ``n`` threads released together; re-raise the first error."""
    barrier = threading.Barrier(n)
    errors = []

    def body(i):
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,), name=f"mask-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]


def test_threads_race_on_compilation(backend, compile_log):
    """Threads launch at once from an empty cache: on cpu, sim (whose simulator runs
    one kernel at a time) and a GPU; on cpu small and large arrays alike (the host
    kernel runs rows on several threads only for large ones, and numba's default
    workqueue threading layer admits one such region at a time)."""
    backend_name = backend
    shapes = SHAPES[backend_name]
    rng = np.random.default_rng(2024)
    inputs = [[random_scores(rng, shapes[i % len(shapes)], DTYPES[i % len(DTYPES)])
               for _ in range(ROUNDS)] for i in range(THREADS)]
    results = {}

    def work(i):
        options = VARIANTS[i % len(VARIANTS)]
        for r, x in enumerate(inputs[i]):
            y = x.copy()
            nc.apply_causal_mask(y, backend=backend_name, **options)
            results[i, r] = y

    run_threads(work, THREADS)

    for i in range(THREADS):
        options = VARIANTS[i % len(VARIANTS)]
        for r, x in enumerate(inputs[i]):
            assert_bits_equal(results[i, r], expected(x, masked_where(x.shape, **options)))
    compiled = Counter(compile_log)
    assert compiled, "nothing was compiled: the cache was not empty"
    assert max(compiled.values()) == 1, f"compiled more than once: {compiled}"
    assert len(compile_log) == len(kc._KERNELS)  # every cache entry came from one compile


def test_compile_log_counts_a_compile(compile_log):
    """The instrument of the test above: an empty cache, one variant, one compile."""
    assert kc._KERNELS == {}
    nc.apply_causal_mask(np.ones((3, 3), np.float32), backend="cpu")
    assert len(compile_log) == 1 and len(kc._KERNELS) == 1
