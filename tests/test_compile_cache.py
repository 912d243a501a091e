"""compile.build's names for what numba caches on disk.

numba names a compiled function by its qualname and a per-process counter and,
across the libraries it has loaded, links a call by that name to whichever
definition it found first. A helper bound into two kernel variants (different
compile-time constants) and compiled by two processes whose counters agree would
share a name once both are loaded from the disk cache: one variant would then run
the other's helper (seen: a CPU softmax with kv_lens and q_offsets ignoring both
after other tests had loaded mask kernels from the cache)."""

import numpy as np

from numba_causal import compile as kc
from numba_causal import softmax
from numba_causal.backends import get_backend


def _helper_names(dispatcher) -> set:
    """The qualnames of the compiled helpers a kernel's globals hold."""
    names = set()
    for value in dispatcher.py_func.__globals__.values():
        py_func = getattr(value, "py_func", None)
        if py_func is not None and value is not dispatcher:
            names.add(py_func.__qualname__)
    return names


def test_disk_cached_variants_name_their_helpers_apart():
    cpu = get_backend("cpu")
    family = softmax.CAUSAL_SOFTMAX
    base = dict(softmax.format_constants("float32"))
    plain = dict(base, **softmax.mask_options((1, 1, 2, 3)).constants())
    per_sequence = dict(base, **softmax.mask_options((1, 1, 2, 3), kv_lens=[1],
                                                     q_offsets=[0]).constants())
    first = family.build(cpu, "cpu_serial", plain)
    second = family.build(cpu, "cpu_serial", per_sequence)
    first_names, second_names = _helper_names(first), _helper_names(second)
    assert first_names and second_names
    assert not first_names & second_names
    digests = {kc.variant_digest(family.cpu_kernel, family.host_helper_list(), c)[:16]
               for c in (plain, per_sequence)}
    assert all(any(name.endswith(d) for d in digests) for name in first_names | second_names)


def test_each_variant_still_computes_its_own_mask():
    x = np.random.default_rng(5).standard_normal((2, 1, 5, 9)).astype(np.float32)
    with_lens = softmax.causal_softmax(x, window=3, kv_lens=[4, 9], q_offsets=[1, 3],
                                       backend="cpu")
    plain = softmax.causal_softmax(x, window=3, backend="cpu")
    # row 0 of sequence 0 sits at position 1 (q_offsets) and sees keys 0..1; plain: 4 -> 2..4
    assert np.count_nonzero(with_lens[0, 0, 0]) == 2 and with_lens[0, 0, 0, :2].all()
    assert np.count_nonzero(plain[0, 0, 0]) == 3 and plain[0, 0, 0, 2:5].all()
    assert not with_lens[0, 0, :, 4:].any()  # kv_len 4: keys from 4 on are masked
