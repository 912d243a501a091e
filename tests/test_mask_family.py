"""The mask family of apply_causal_mask (window, kv_lens, q_offsets, mask_fn,
causal) on every backend against the independent NumPy definition
(helpers.masked_where, itself checked here against plain loops written from
mask.py's docstring); combinations; the example predicates of
numba_causal.predicates; predicates compiled and cached per function; bad
option values raising before anything is written."""

import sys

import numpy as np
import pytest
from numba import njit

import numba_causal as nc
from numba_causal import compile as kc
from numba_causal import predicates, softmax
from numba_causal.softmax import causal_softmax
from helpers import (DTYPES, assert_bits_equal, device_roundtrip, expected, masked_where,
                     random_scores)

SHAPE = (3, 2, 7, 12)  # batch 3, heads 2, seq_len 7, cache_len 12: offset 5

#: ids per position for the document masks (cache_len 12)
DOCS = np.array([0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 3, 3])
DOCS_PER_SEQUENCE = np.array([DOCS, np.repeat([0, 1], 6), np.zeros(12, int)])
#: a module-level array read by a predicate as a global (frozen at compile time)
GLOBAL_DOCS = np.array([5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7])


@pytest.fixture(autouse=True)
def quick_simulator(monkeypatch):
    """As in test_softmax: 8 simulator lanes for softmax and a short GIL switch
    interval, so the simulator's polling of its lane threads costs little."""
    monkeypatch.setitem(softmax.LAUNCH, "sim", (1, 2, 2))
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(before)


def same_global_document(b, h, q_pos, k):
    return 0 <= q_pos < 12 and GLOBAL_DOCS[q_pos] == GLOBAL_DOCS[k]


@njit
def even_keys_jitted(b, h, q_pos, k):
    return k % 2 == 0


def check(backend, rng, shape=SHAPE, dtype="float32", **options):
    """Mask random scores on ``backend``; compare bit for bit with the definition."""
    x = random_scores(rng, shape, dtype)
    before = x.copy()
    got = device_roundtrip(backend, x,
                           lambda a: nc.apply_causal_mask(a, backend=backend, **options))
    assert_bits_equal(got, expected(before, masked_where(shape, **options)))
    return got


# --- the definition itself -------------------------------------------------------------

def definition_by_loops(shape, offset=None, window=None, kv_lens=None, q_offsets=None,
                        causal=True, mask_fn=None):
    """mask.py's docstring, one element at a time: True where the key is masked."""
    batch, heads, seq_len, cache_len = shape
    masked = np.zeros(shape, bool)
    for b in range(batch):
        start = q_offsets[b] if q_offsets is not None else \
            (cache_len - seq_len if offset is None else offset)
        for h in range(heads):
            for q in range(seq_len):
                pos = q + start
                for k in range(cache_len):
                    keep = (k <= pos or not causal)
                    keep = keep and (window is None or k > pos - window)
                    keep = keep and (kv_lens is None or k < kv_lens[b])
                    keep = keep and (mask_fn is None or bool(mask_fn(b, h, pos, k)))
                    masked[b, h, q, k] = not keep
    return masked


@pytest.mark.parametrize("options", [
    {}, dict(offset=-3), dict(offset=20), dict(window=2), dict(window=2, causal=False),
    dict(kv_lens=[0, 4, 30]), dict(q_offsets=[-2, 0, 6]), dict(causal=False),
    dict(mask_fn=lambda b, h, q, k: (b + h + q + k) % 3 != 0),
    dict(window=4, kv_lens=[9, 12, 2], q_offsets=[3, 5, 0], causal=False,
         mask_fn=lambda b, h, q, k: h == 0 or k != q),
], ids=lambda o: ",".join(o) or "plain")
def test_masked_where_is_the_definition(options):
    assert np.array_equal(masked_where(SHAPE, **options), definition_by_loops(SHAPE, **options))


# --- each option on every backend ------------------------------------------------------

OPTIONS = {
    "window 1": dict(window=1),
    "window 3": dict(window=3),
    "window wider than the cache": dict(window=100),
    "window with offset -2": dict(window=3, offset=-2),
    "kv_lens": dict(kv_lens=[0, 5, 40]),
    "kv_lens numpy int32": dict(kv_lens=np.array([12, 1, 7], np.int32)),
    "q_offsets": dict(q_offsets=[-4, 0, 9]),
    "q_offsets past the cache": dict(q_offsets=[30, 11, 5]),
    "not causal": dict(causal=False),
    "not causal, offset 2": dict(causal=False, offset=2),
    "predicate": dict(mask_fn=predicates.sliding_window(2)),
    "prefix-lm": dict(mask_fn=predicates.prefix_lm(4), causal=False),
    "document": dict(mask_fn=predicates.document_mask(DOCS)),
    "document per sequence": dict(mask_fn=predicates.document_mask(DOCS_PER_SEQUENCE)),
    "global array": dict(mask_fn=same_global_document),
    "njit predicate": dict(mask_fn=even_keys_jitted),
    "lambda": dict(mask_fn=lambda b, h, q_pos, k: h == 1 or k % 3 != 1),
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=list(OPTIONS))
def test_option(backend, rng, options):
    check(backend, rng, **options)


COMBINATIONS = {
    "window + kv_lens": dict(window=4, kv_lens=[3, 12, 8]),
    "window + q_offsets": dict(window=2, q_offsets=[0, 7, -1]),
    "kv_lens + q_offsets": dict(kv_lens=[6, 2, 12], q_offsets=[5, 1, -3]),
    "window + kv_lens + q_offsets, not causal": dict(window=3, kv_lens=[10, 4, 12],
                                                     q_offsets=[2, 8, 0], causal=False),
    "everything": dict(window=6, kv_lens=[11, 9, 12], q_offsets=[4, 5, 0],
                       mask_fn=predicates.and_masks(predicates.document_mask(DOCS),
                                                    predicates.prefix_lm(2))),
    "prefix-lm within documents": dict(
        mask_fn=predicates.and_masks(predicates.prefix_lm(5),
                                     predicates.document_mask(DOCS_PER_SEQUENCE)),
        causal=False, kv_lens=[12, 10, 3]),
    "or of masks": dict(mask_fn=predicates.or_masks(predicates.sliding_window(2),
                                                    lambda b, h, q_pos, k: k == 0),
                        offset=1),
}


@pytest.mark.parametrize("options", COMBINATIONS.values(), ids=list(COMBINATIONS))
def test_combination(backend, rng, options):
    check(backend, rng, **options)


@pytest.mark.parametrize("dtype", DTYPES)
def test_combination_dtypes(backend, rng, dtype):
    check(backend, rng, (3, 1, 5, 9), dtype, window=3, kv_lens=[9, 0, 4], q_offsets=[4, 2, 7])


def test_two_dimensional_scores(backend, rng):
    check(backend, rng, (6, 9), window=2, mask_fn=predicates.prefix_lm(3), causal=False)
    check(backend, rng, (6, 9), kv_lens=[5], q_offsets=[1])


# --- predicates: compiled and cached per function --------------------------------------

def test_each_predicate_compiles_its_own_kernel(backend, rng):
    """Two predicates: two kernels, two results; each again: no new compile."""
    narrow, wide = predicates.sliding_window(1), predicates.sliding_window(4)
    size = len(kc.compiled())
    got_narrow = check(backend, rng, mask_fn=narrow)
    got_wide = check(backend, rng, mask_fn=wide)
    assert len(kc.compiled()) == size + 2
    assert np.isneginf(got_narrow).sum() > np.isneginf(got_wide).sum()
    check(backend, rng, mask_fn=narrow)
    check(backend, rng, mask_fn=wide)
    assert len(kc.compiled()) == size + 2


def test_predicate_sees_absolute_positions(backend, rng):
    """q_pos is row + offset (or + q_offsets[b]), not the row."""
    seen = predicates.document_mask(np.arange(30) // 10)
    check(backend, rng, offset=13, mask_fn=seen, causal=False)
    check(backend, rng, q_offsets=[0, 10, 20], mask_fn=seen, causal=False)


# --- the example predicates -------------------------------------------------------------

def test_draw_shows_what_a_predicate_keeps():
    assert predicates.draw(predicates.causal(), 3) == "#..\n##.\n###"
    assert predicates.draw(predicates.prefix_lm(2), 4) == "##..\n##..\n###.\n####"
    assert predicates.draw(predicates.sliding_window(2), 2, 4) == ".##.\n..##"
    docs = predicates.document_mask([0, 0, 1, 1])
    assert predicates.draw(docs, 4) == "##..\n##..\n..##\n..##"
    both = predicates.and_masks(predicates.causal(), docs)
    assert predicates.draw(both, 4) == "#...\n##..\n..#.\n..##"
    either = predicates.or_masks(predicates.causal(), docs)
    assert predicates.draw(either, 4) == "##..\n##..\n####\n####"


def test_sliding_window_predicate_matches_the_window_option(backend, rng):
    x = random_scores(rng, SHAPE)
    y = x.copy()
    nc.apply_causal_mask(x, window=3, backend=backend)
    nc.apply_causal_mask(y, mask_fn=predicates.sliding_window(3), causal=False,
                         backend=backend)
    assert_bits_equal(x, y)


def test_document_ids_are_copied():
    ids = np.array([0, 0, 1, 1])
    fn = predicates.document_mask(ids)
    ids[:] = 7
    assert predicates.draw(fn, 4) == "##..\n##..\n..##\n..##"


def test_document_mask_masks_positions_outside_the_ids():
    fn = predicates.document_mask([0, 0, 0])
    assert not fn(0, 0, -1, 0) and not fn(0, 0, 3, 0) and not fn(0, 0, 0, 3)
    assert fn(0, 0, 2, 1)


def test_and_masks_of_one_predicate_is_that_predicate():
    fn = predicates.prefix_lm(1)
    assert predicates.and_masks(fn) is fn


# --- bad option values -------------------------------------------------------------------

BAD_OPTIONS = {
    "window 0": (dict(window=0), ValueError),
    "window -1": (dict(window=-1), ValueError),
    "window 2.5": (dict(window=2.5), TypeError),
    "window True": (dict(window=True), TypeError),
    "kv_lens too short": (dict(kv_lens=[1, 2]), ValueError),
    "kv_lens 2-D": (dict(kv_lens=[[1, 2, 3]]), ValueError),
    "kv_lens of floats": (dict(kv_lens=np.array([1.0, 2.0, 3.0])), TypeError),
    "kv_lens a scalar": (dict(kv_lens=4), ValueError),
    "q_offsets too long": (dict(q_offsets=[0, 1, 2, 3]), ValueError),
    "q_offsets of floats": (dict(q_offsets=[0.5, 1.0, 2.0]), TypeError),
    "mask_fn an int": (dict(mask_fn=3), TypeError),
    "mask_fn a string": (dict(mask_fn="k <= q"), TypeError),
    "offset a float": (dict(offset=2.0), TypeError),
}


@pytest.mark.parametrize("case", BAD_OPTIONS, ids=list(BAD_OPTIONS))
def test_bad_option_raises_before_any_write(backend, rng, case):
    options, error = BAD_OPTIONS[case]
    x = random_scores(rng, SHAPE)
    before = x.copy()
    with pytest.raises(error):
        nc.apply_causal_mask(x, backend=backend, **options)
    assert_bits_equal(x, before)
    out = np.full_like(x, np.nan)
    with pytest.raises(error):
        causal_softmax(x, out=out, backend=backend, **options)
    assert_bits_equal(x, before)
    assert np.isnan(out).all()


@pytest.mark.parametrize("make,error", [
    (lambda: predicates.sliding_window(0), ValueError),
    (lambda: predicates.sliding_window(1.5), TypeError),
    (lambda: predicates.prefix_lm(-1), ValueError),
    (lambda: predicates.document_mask([0.5, 1.5]), TypeError),
    (lambda: predicates.document_mask(np.zeros((2, 2, 2), int)), TypeError),
    (lambda: predicates.and_masks(), TypeError),
    (lambda: predicates.and_masks(predicates.causal(), 3), TypeError),
    (lambda: predicates.or_masks(None), TypeError),
], ids=["window 0", "window float", "prefix negative", "float ids", "3-D ids", "no masks",
        "not a function", "None"])
def test_bad_predicate_arguments(make, error):
    with pytest.raises(error):
        make()
