"""causal_softmax on every backend against a float64 NumPy softmax computed here:
shapes x dtypes, every mask option, out=None / out=scores / a separate out,
fully masked rows, NaN and inf, poisoned outputs, guard bands, the online route
for long rows, folded grids, bad input.

Tolerance: |got - want| <= TOL[dtype] * (the row's largest probability)
+ half an ulp of ``want`` in the output dtype (the rounding no kernel can
avoid: bfloat16's half ulp, 2**-9 relative, is larger than 1e-3 on its own).
Masked keys must be exactly +0.0.
"""

import dataclasses
import sys

import numpy as np
import pytest

import numba_causal as nc
from numba_causal import compile as kc
from numba_causal import predicates, softmax
from numba_causal.backends import BackendUnavailable
from helpers import (DTYPES, bits_of, masked_where, np_dtype, planned, random_scores,
                     sim_shape)

causal_softmax = softmax.causal_softmax

# the simulator runs the kernel on NumPy scalars, which warn where a NaN row is made
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")

#: allowed error beyond the output's own rounding, relative to the row's max probability
TOL = {"float32": 1e-6, "float64": 1e-12, "float16": 1e-3, "bfloat16": 1e-3}
#: fraction bits per dtype: half an ulp of x is |x| * 2**-(bits + 1)
FRACTION_BITS = {"float16": 10, "bfloat16": 7, "float32": 23, "float64": 52}


@pytest.fixture(autouse=True)
def quick_simulator(monkeypatch):
    """The simulator runs a Python thread per lane and its block manager polls them
    holding the GIL: one warp (32 lanes) per row, 2 rows per block, 2 keys per lane
    (rows of several tiles; test_launch_shapes runs the GPUs' shape and others) and
    a short switch interval keep each hip.syncthreads() cheap."""
    monkeypatch.setitem(softmax.LAUNCH, "sim", (1, 2, 2))
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(before)


def reference(x, scale=1.0, **options):
    """float64 softmax(scale * x) over the keys the mask keeps (NaN-free input);
    0 where it masks; rows with nothing kept are zeros."""
    where = masked_where(x.shape, **options)
    v = np.where(where, -np.inf, x.astype(np.float64) * scale)
    row_max = v.max(axis=-1, keepdims=True)
    e = np.where(where, 0.0, np.exp(v - np.where(np.isfinite(row_max), row_max, 0.0)))
    total = e.sum(axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def assert_softmax(got, want, where, dtype):
    """``got`` (any float dtype) against float64 ``want``; exact +0.0 at ``where``."""
    assert got.shape == want.shape
    assert np.all(bits_of(got)[where] == 0), "a masked key is not exactly +0.0"
    got64 = np.asarray(got).astype(np.float64)
    assert not np.isnan(got64).any(), "NaN in the output"
    row_max = want.max(axis=-1, keepdims=True)
    allowed = TOL[dtype] * row_max + np.abs(want) * 2.0 ** -(FRACTION_BITS[dtype] + 1)
    err = np.abs(got64 - want)
    worst = np.unravel_index(np.argmax(err - allowed), err.shape)
    assert np.all(err <= allowed), f"{dtype}: error {err[worst]:.3g} > {allowed[worst]:.3g} " \
        f"at {worst} (got {got64[worst]!r}, want {want[worst]!r})"


def check(backend, rng, shape, dtype="float32", scale=1.0, **options):
    x = random_scores(rng, shape, dtype, specials=False)
    before = bits_of(x).copy()
    got = causal_softmax(x, scale=scale, backend=backend, **options)
    assert got is not x and got.dtype == x.dtype
    assert np.array_equal(bits_of(x), before), "scores changed"
    assert_softmax(got, reference(x, scale, **options), masked_where(shape, **options), dtype)
    return x, got


def sim_covers(backend, case, cases):
    """Skip a case of a full product on the simulator unless it is in ``cases`` (a
    subset with every value of each parameter at least once): the full product runs
    on the cpu path where it has one and on cuda/hip (the GPU machine)."""
    if backend == "sim" and case not in cases:
        pytest.skip("the simulator runs a covering subset of this product; "
                    "cuda and hip run all of it")


# --- shapes x dtypes x backends ------------------------------------------------------

SHAPES = [(2, 3, 7, 12), (9, 9), (1, 2, 1, 33), (2, 1, 6, 4)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_matches_float64_softmax(backend, rng, shape, dtype):
    # the simulator runs the largest shape (21 blocks) in float32 only; its other
    # shapes take every dtype, the cpu path and cuda/hip every shape x dtype
    if shape == SHAPES[0]:
        sim_covers(backend, dtype, ("float32",))
    check(backend, rng, shape, dtype, scale=0.37)


def test_rows_sum_to_one(backend, rng):
    _, got = check(backend, rng, sim_shape(backend, (2, 2, 5, 8), (1, 2, 5, 8)), scale=2.0)
    assert np.allclose(got.sum(axis=-1), 1.0, rtol=0, atol=2e-6)


def test_wide_scores_and_scales(backend, rng):
    """Logits in the thousands: exp(scale * x) would overflow and scale * x - max
    would lose the float32 digits; the kernels' exp(|scale| * (u - max u)) keeps them."""
    shape = sim_shape(backend, (1, 2, 4, 16), (1, 1, 4, 16))
    x = (random_scores(rng, shape, specials=False) * 30).astype(np.float32)
    for scale in (1.0, 25.0, -3.0, 0.0):
        assert_softmax(causal_softmax(x, scale=scale, backend=backend), reference(x, scale),
                       masked_where(x.shape), "float32")


def test_long_row_of_float32_sums_accurately(backend, rng):
    check(backend, rng, (1, 1, 2, 3000) if backend == "sim" else (1, 2, 16, 5000))


# --- mask options ----------------------------------------------------------------------

OPTIONS = {
    "offset 3": dict(offset=3),
    "offset -2": dict(offset=-2),
    "window 4": dict(window=4),
    "kv_lens": dict(kv_lens=[0, 7]),
    "q_offsets": dict(q_offsets=[-3, 5]),
    "not causal": dict(causal=False),
    "prefix-lm": dict(mask_fn=predicates.prefix_lm(4), causal=False),
    "all at once": dict(window=5, kv_lens=[9, 6], q_offsets=[2, 0],
                        mask_fn=predicates.document_mask([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])),
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=list(OPTIONS))
def test_mask_options(backend, rng, options):
    check(backend, rng, sim_shape(backend, (2, 2, 6, 10), (2, 1, 6, 10)), scale=0.8, **options)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_mask_options_other_dtypes(backend, rng, dtype):
    check(backend, rng, (2, 1, 5, 9), dtype, window=3, kv_lens=[4, 9], q_offsets=[1, 3])


# --- out -------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("mode", ["none", "scores", "separate"])
def test_out(backend, rng, mode, dtype):
    x = random_scores(rng, sim_shape(backend, (2, 2, 5, 7), (1, 2, 5, 7)), dtype, specials=False)
    before = x.copy()
    want = reference(before, 1.5, window=4)
    out = {"none": None, "scores": x, "separate": np.full_like(x, np.nan)}[mode]
    got = causal_softmax(x, scale=1.5, window=4, out=out, backend=backend)
    if mode == "none":
        assert got is not x and isinstance(got, np.ndarray) and got.dtype == x.dtype
    else:
        assert got is out
    if mode != "scores":
        assert np.array_equal(bits_of(x), bits_of(before)), "scores changed"
    assert_softmax(got, want, masked_where(x.shape, window=4), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_poisoned_out_is_entirely_written(backend, rng, dtype):
    """out starts as NaN: any element the kernel skips stays NaN and fails."""
    x = random_scores(rng, sim_shape(backend, (2, 2, 6, 9), (2, 1, 6, 9)), dtype, specials=False)
    out = np.full_like(x, np.nan)
    options = dict(kv_lens=[3, 0], q_offsets=[1, 4], window=2)
    causal_softmax(x, out=out, backend=backend, **options)
    assert_softmax(out, reference(x, **options), masked_where(x.shape, **options), dtype)


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_guard_band_around_out(backend, rng, dtype):
    """out is a strided view inside a NaN buffer: nothing outside the view changes."""
    buf = np.full((3, 4, 9, 14), np.nan, dtype=np_dtype(dtype))
    bits_before = bits_of(buf).copy()
    view = buf[1:3, 1:4:2, 2:8, 3:12]
    x = random_scores(rng, view.shape, dtype, specials=False)
    causal_softmax(x, out=view, backend=backend)
    inside = np.zeros(buf.shape, bool)
    inside[1:3, 1:4:2, 2:8, 3:12] = True
    assert np.array_equal(bits_of(buf)[~inside], bits_before[~inside])
    assert_softmax(view, reference(x), masked_where(x.shape), dtype)


def test_in_place_on_strided_views(backend, rng):
    for view in (lambda a: a[..., ::-1], lambda a: a.transpose(1, 0, 2, 3),
                 lambda a: a[:, :, ::2, 1:]):
        base = random_scores(rng, sim_shape(backend, (2, 2, 6, 8), (1, 2, 6, 8)), specials=False)
        v = view(base)
        want = reference(v.copy())
        assert causal_softmax(v, out=v, backend=backend) is v
        assert_softmax(v, want, masked_where(v.shape), "float32")


def test_interleaved_views_do_not_overlap(backend, rng):
    buf = random_scores(rng, (2, 2, 4, 12), specials=False)
    scores, out = buf[..., ::2], buf[..., 1::2]
    want = reference(scores.copy())
    causal_softmax(scores, out=out, backend=backend)
    assert_softmax(out, want, masked_where(scores.shape), "float32")


def test_torch_tensors(backend, rng):
    torch = pytest.importorskip("torch")
    for dtype in (torch.float32, torch.bfloat16):
        x = torch.randn(*sim_shape(backend, (2, 3, 5, 8), (1, 2, 5, 8)),
                        generator=torch.Generator().manual_seed(7)).to(dtype)
        got = causal_softmax(x, scale=0.5, backend=backend)
        assert isinstance(got, torch.Tensor) and got.dtype == dtype and got.shape == x.shape
        x64 = x.double() * 0.5
        keep = torch.ones(5, 8, dtype=torch.bool).tril(diagonal=3)
        want = torch.softmax(x64.masked_fill(~keep, float("-inf")), dim=-1)
        tol = 1e-6 if dtype == torch.float32 else 1e-3 + 2.0 ** -8
        assert torch.allclose(got.double(), want, rtol=0, atol=tol)
        assert (got.double()[..., ~keep] == 0).all()


# --- special values -----------------------------------------------------------------

def test_fully_masked_rows_are_zeros(backend, rng):
    x = random_scores(rng, (3, 2, 4, 6), specials=False)
    x[2, 1] = -np.inf  # every kept score -inf: nothing to normalise
    # rows 0..1 see no key (offset -2); sequence 1 has no key at all (kv_lens 0)
    got = causal_softmax(x, offset=-2, kv_lens=[6, 0, 6], backend=backend)
    assert not np.isnan(got).any()
    assert np.all(bits_of(got[:, :, :2]) == 0) and np.all(bits_of(got[1]) == 0)
    assert np.all(bits_of(got[2, 1]) == 0)
    assert np.allclose(got[0, :, 2:].sum(-1), 1.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_in_a_masked_key_is_never_read(backend, rng, dtype):
    x = random_scores(rng, sim_shape(backend, (2, 2, 5, 8), (1, 1, 5, 8)), dtype, specials=False)
    clean = x.copy()
    where = masked_where(x.shape, window=3)
    x[where] = np.nan
    x[where & (np.arange(8) % 2 == 0)] = np.inf
    got = causal_softmax(x, window=3, backend=backend)
    assert np.array_equal(bits_of(got), bits_of(causal_softmax(clean, window=3,
                                                               backend=backend)))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_a_kept_key_makes_that_row_nan(backend, rng, bad):
    x = random_scores(rng, (1, 2, 6, 6), specials=False)
    x[0, 1, 4, 2] = bad
    got = causal_softmax(x, backend=backend)
    where = masked_where(x.shape)
    assert np.isnan(got[0, 1, 4, :5]).all() and np.all(bits_of(got[0, 1, 4, 5]) == 0)
    rest = np.ones(x.shape, bool)
    rest[0, 1, 4] = False
    assert not np.isnan(got[rest]).any()
    assert np.all(bits_of(got)[where] == 0)


@pytest.mark.parametrize("at", [3, 17, 38])  # the CPU kernel's unrolled max loop, its tail
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_long_rows_keep_the_rules_of_special_values(backend, rng, bad, at):
    """A row of 40 kept keys: a NaN or +inf anywhere makes its other kept keys NaN,
    its -inf keys stay +0.0, and the rows around it are untouched."""
    x = random_scores(rng, (1, 1, 4, 40), specials=False)  # offset 36: row 3 keeps all
    x[0, 0, 3, at] = bad
    x[0, 0, 3, [5, 30]] = -np.inf
    got = causal_softmax(x, backend=backend)
    others = np.setdiff1d(np.arange(40), [5, 30])
    assert np.isnan(got[0, 0, 3, others]).all()
    assert np.all(bits_of(got[0, 0, 3, [5, 30]]) == 0)
    assert np.allclose(got[0, 0, :3], reference(x)[0, 0, :3], rtol=0, atol=1e-6)


def test_negative_inf_kept_scores_count_as_masked(backend, rng):
    x = random_scores(rng, (1, 1, 5, 5), specials=False)
    x[0, 0, 3, 1] = -np.inf
    got = causal_softmax(x, backend=backend)
    assert bits_of(got)[0, 0, 3, 1] == 0
    want = reference(np.where(np.isneginf(x), -1e300, x.astype(np.float64)))
    assert np.allclose(got, want, rtol=0, atol=1e-6)


# --- the GPU kernel's routes ---------------------------------------------------------

@pytest.fixture
def gpu_backend(backend):
    if backend == "cpu":
        pytest.skip("a GPU-kernel route; the cpu backend has none")
    return backend


@pytest.mark.parametrize("dtype", DTYPES)
def test_long_rows_take_the_online_route(gpu_backend, rng, monkeypatch, dtype):
    """One word per lane per tile: a row in more words than the lanes hold at once
    is folded tile by tile (the online route) and read twice; the sim's first row
    fits one tile. NaN poisons a row on either route, and only that row."""
    sim = gpu_backend == "sim"
    monkeypatch.setitem(softmax.LAUNCH, gpu_backend, (1, 2, 1) if sim else (32, 1, 1))
    shape = (1, 2, 5, 9 if sim else 300)
    x, _ = check(gpu_backend, rng, shape, dtype, scale=0.6)
    x[0, 0, 1, 0] = x[0, 1, 3, 2] = np.nan
    got = causal_softmax(x, backend=gpu_backend)
    kept = ~masked_where(shape)
    assert np.isnan(got[0, 0, 1][kept[0, 0, 1]]).all()
    assert np.isnan(got[0, 1, 3][kept[0, 1, 3]]).all()
    assert not np.isnan(got[0, 0, [0, 2, 3, 4]]).any() and not np.isnan(got[0, 1, :3]).any()


@pytest.mark.parametrize("launch", [(1, 1, 64), (2, 3, 4), (4, 1, 1), (4, 2, 16)],
                         ids=lambda t: "warps{}-rows{}-keys{}".format(*t))
def test_launch_shapes(rng, monkeypatch, launch):
    """One warp per row and several (the cross-warp step; 4 x 2 x 16 is the GPUs'
    launch), rows per block not dividing seq_len (idle rows in the reductions),
    rows of one tile and of several."""
    monkeypatch.setitem(softmax.LAUNCH, "sim", launch)
    try:
        check("sim", rng, (1, 1, 4, 70), window=50)
        check("sim", rng, (1, 1, 3, 21), dtype="float16", offset=18)
    except BackendUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("launch", [(16, 1, 4), (8, 3, 4)], ids=["16x1", "8x3"])
def test_launch_shape_must_fill_warps_on_a_gpu(launch):
    with pytest.raises(ValueError, match="whole warps"):
        softmax.launch_constants("cuda", 32, *launch[:2], 2, 4, launch[2])


@pytest.mark.parametrize("word, cache_len, window, most, want", [
    (1, 2048, 0, 16, 16), (1, 2048, 0, 8, 8), (1, 100, 0, 16, 1), (1, 129, 0, 16, 2),
    (1, 4096, 300, 16, 4), (1, 1, 0, 16, 1), (2, 2048, 0, 16, 8), (4, 2048, 0, 16, 4),
    (2, 4096, 0, 16, 8), (2, 2048, 256, 16, 2), (4, 2048, 0, 2, 1)])
def test_words_per_lane(word, cache_len, window, most, want):
    """128 lanes: the longest row's words per lane (a window may straddle one more
    word), a power of two, at most ``most`` keys, at least one word."""
    assert softmax.words_per_lane(128, most, word, cache_len, window) == want


def test_folded_grid(gpu_backend, rng):
    """A grid clipped to 2 x 1 x 1 blocks: the while loops cover every row."""
    clipped = dataclasses.replace(nc.get_backend(gpu_backend), grid_limits=(2, 1, 1))
    x = random_scores(rng, (2, 3, 5, 7), specials=False)
    got = causal_softmax(x, kv_lens=[7, 4], backend=clipped)
    assert_softmax(got, reference(x, kv_lens=[7, 4]), masked_where(x.shape, kv_lens=[7, 4]),
                   "float32")


WORD_OPTIONS = {"causal": dict(), "window": dict(window=5, offset=9),
                "q_offsets": dict(q_offsets=[3, 0]),
                "kv_lens": dict(kv_lens=[13, 6], causal=False)}
# the simulator's subset (~5 s a case there): each dtype once, each option once, the
# 16-bit dtypes (4 keys a word) with the options whose kept ranges end inside a word
WORD_CASES_SIM = (("float16", "window"), ("bfloat16", "kv_lens"), ("float32", "q_offsets"),
                  ("float64", "causal"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("option", list(WORD_OPTIONS))
def test_words_and_elements_agree(gpu_backend, rng, monkeypatch, dtype, option):
    """Contiguous rows go through 8-byte words (the 16-byte path off), kept keys
    starting and ending inside a word; a strided view of the same scores goes
    element by element. Both match float64 (their lanes sum different keys: not
    bit for bit). Every option x dtype on cuda/hip; on the simulator a covering
    subset, in one head (the cpu backend has no word path)."""
    sim_covers(gpu_backend, (dtype, option), WORD_CASES_SIM)
    options = WORD_OPTIONS[option]
    monkeypatch.setattr(softmax, "ROW_VECTORS", False)
    words = planned(monkeypatch, softmax, "WORD")
    x = random_scores(rng, sim_shape(gpu_backend, (2, 2, 7, 16), (2, 1, 7, 16)), dtype,
                      specials=False)
    holder = np.empty(x.shape[:-1] + (32,), dtype=x.dtype)
    holder[..., ::2] = x
    got = causal_softmax(x, scale=0.7, backend=gpu_backend, **options)
    if gpu_backend == "sim":
        by_element = bits_of(causal_softmax(holder[..., ::2], scale=0.7, backend="sim",
                                            **options))
    else:  # a host view would be copied contiguous: the strided view lives on the device
        torch = pytest.importorskip("torch")
        signed = {2: torch.int16, 4: torch.int32, 8: torch.int64}[x.dtype.itemsize]
        device = torch.from_numpy(bits_of(holder).view(f"i{x.dtype.itemsize}")).cuda()
        result = causal_softmax(device.view(getattr(torch, dtype))[..., ::2], scale=0.7,
                                backend=gpu_backend, **options)
        by_element = result.view(signed).cpu().numpy().view(bits_of(got).dtype)
    want, where = reference(x, 0.7, **options), masked_where(x.shape, **options)
    assert_softmax(got, want, where, dtype)
    assert_softmax(by_element.view(x.dtype), want, where, dtype)
    itemsize = np_dtype(dtype).itemsize
    assert set(words) == ({1} if itemsize == 8 else {1, 8 // itemsize})


def test_kernel_matches_njit_reference(backend, rng):
    for dtype in DTYPES:
        x = random_scores(rng, sim_shape(backend, (2, 2, 6, 11), (1, 2, 6, 11)), dtype,
                          specials=False)
        options = dict(scale=0.9, window=7, offset=4)
        ref = softmax.causal_softmax_reference(x, **options)
        got = causal_softmax(x, backend=backend, **options)
        assert np.allclose(got.astype(np.float64), ref.astype(np.float64), rtol=0,
                           atol=TOL[dtype] + 2.0 ** -FRACTION_BITS[dtype])
        assert np.array_equal(bits_of(got) == 0, bits_of(ref) == 0)


def test_reference_matches_float64_softmax(rng):
    cases = [((2, 3, 7, 11), dtype, {}) for dtype in DTYPES] + [
        ((6, 4), "float32", {}), ((2, 1, 5, 9), "float32", dict(offset=-2, window=3)),
        ((2, 2, 4, 8), "float32", dict(kv_lens=[5, 0], causal=False))]
    for shape, dtype, options in cases:
        x = random_scores(rng, shape, dtype, specials=False)
        got = softmax.causal_softmax_reference(x, scale=1.3, **options)
        assert_softmax(got, reference(x, 1.3, **options), masked_where(shape, **options), dtype)
    x = random_scores(rng, (5, 5), specials=False)
    want = reference(x)
    assert softmax.causal_softmax_reference(x, out=x) is x
    assert_softmax(x, want, masked_where(x.shape), "float32")


@pytest.mark.parametrize("shape", [(0, 4), (4, 0), (0, 2, 3, 3), (2, 2, 0, 5)])
def test_zero_size(backend, shape):
    x = np.empty(shape, np.float32)
    got = causal_softmax(x, backend=backend)
    assert got.shape == shape and got is not x


# --- bad input ------------------------------------------------------------------------

def _shifted(x):
    """scores and out: two views of one buffer, one key apart."""
    buf = np.concatenate([x, x[..., :1]], axis=-1)
    return dict(scores=buf[..., :-1], out=buf[..., 1:])


def _read_only(out):
    out.flags.writeable = False
    return dict(out=out)


BAD = {
    "integer scores": (lambda x, o: dict(scores=x.astype(np.int32)), TypeError),
    "3-D scores": (lambda x, o: dict(scores=x[0]), ValueError),
    "scale a string": (lambda x, o: dict(scale="2"), TypeError),
    "scale a bool": (lambda x, o: dict(scale=True), TypeError),
    "out of another dtype": (lambda x, o: dict(out=o.astype(np.float64)), TypeError),
    "out of another shape": (lambda x, o: dict(out=o[..., :5]), ValueError),
    "out 2-D for 4-D scores": (lambda x, o: dict(out=o[0, 0]), ValueError),
    "out overlapping scores": (lambda x, o: _shifted(x), ValueError),
    "out read-only": (lambda x, o: _read_only(o), ValueError),
    "out a list": (lambda x, o: dict(out=o.tolist()), TypeError),
    "window 0": (lambda x, o: dict(window=0), ValueError),
    "kv_lens of floats": (lambda x, o: dict(kv_lens=[1.0, 2.0]), TypeError),
    "kv_lens of the wrong length": (lambda x, o: dict(kv_lens=[1, 2, 3]), ValueError),
    "q_offsets 2-D": (lambda x, o: dict(q_offsets=[[1], [2]]), ValueError),
    "mask_fn not callable": (lambda x, o: dict(mask_fn=3), TypeError),
    "offset a float": (lambda x, o: dict(offset=1.5), TypeError),
    "unknown backend": (lambda x, o: dict(backend="tpu"), ValueError),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_raises_before_any_write(backend, rng, case):
    make, error = BAD[case]
    x = random_scores(rng, (2, 2, 4, 6), specials=False)
    kwargs = dict(scores=x, out=np.full_like(x, np.nan), backend=backend)
    kwargs.update(make(x, kwargs["out"]))
    arrays = [a for a in (kwargs["scores"], kwargs["out"])
              if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    before = [bits_of(a).copy() for a in arrays]
    with pytest.raises(error):
        causal_softmax(kwargs.pop("scores"), **kwargs)
    for array, bits in zip(arrays, before):
        assert np.array_equal(bits_of(array), bits), "written before the error"


def test_same_predicate_compiles_once(rng):
    fn = predicates.sliding_window(2)
    x = random_scores(rng, (1, 1, 4, 4), specials=False)
    causal_softmax(x, mask_fn=fn, backend="cpu")
    size = len(kc.compiled())
    causal_softmax(x, mask_fn=fn, backend="cpu")
    assert len(kc.compiled()) == size


# --- the 16-byte path (VEC > 0) -------------------------------------------------------

@pytest.fixture
def small_vec_launch(monkeypatch):
    """At most 32 lanes of 4 keys on every backend: a float32 row of 128 keys, a
    16-bit one of 256 in one pass; longer rows take the word path."""
    monkeypatch.setattr(softmax, "VEC_SIM", (32, 4))
    for name, value in (("VEC_MOST_KEYS", 4), ("VEC_MOST_KEYS_HIP", 4),
                        ("VEC_MAX_LANES", 32)):
        monkeypatch.setattr(softmax, name, value)


@pytest.fixture
def vec_on(monkeypatch):
    """The 16-byte path on every backend (the launcher's default; a test that needs
    it says so); yields the VEC of every softmax GPU launch planned from then on."""
    monkeypatch.setattr(softmax, "VEC_BACKENDS", ("sim", "cuda", "hip"))
    return planned(monkeypatch, softmax, "VEC")


VEC_OPTIONS = {
    "causal": dict(),
    "window": dict(window=5, offset=9),
    "kv_lens not causal": dict(kv_lens=[13, 6], causal=False),
    "q_offsets": dict(q_offsets=[3, 0]),
    "mask_fn": dict(mask_fn=predicates.prefix_lm(4), causal=False),
}


# every dtype and every option, paired (the simulator takes ~10 s a case here)
VEC_CASES = [("float32", "causal"), ("float16", "window"), ("bfloat16", "kv_lens not causal"),
             ("float16", "q_offsets"), ("bfloat16", "mask_fn"), ("float32", "window")]


@pytest.mark.parametrize("dtype,options", [pytest.param(d, VEC_OPTIONS[o], id=f"{d}-{o}")
                                           for d, o in VEC_CASES])
def test_vec_path_matches_float64(gpu_backend, rng, vec_on, dtype, options):
    """Contiguous, 16-byte aligned rows whose length is a multiple of the chunk take
    the 16-byte path: kept ranges starting and ending inside a chunk, every option."""
    check(gpu_backend, rng, (2, 1, 3, 24), dtype, scale=0.7, **options)
    assert 16 // np_dtype(dtype).itemsize in vec_on


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_vec_specials(gpu_backend, rng, vec_on, dtype):
    """A negative scale; a -inf kept score (exactly 0); a NaN poisoning only the kept
    outputs of its row, except its -inf keys, which stay exactly 0 (as in the
    definition); a +inf score does the same."""
    shape = (1, 1, 4, 64)
    check(gpu_backend, rng, shape, dtype, scale=-0.4)
    x = random_scores(rng, shape, dtype, specials=False)
    x[0, 0, 1, 3] = -np.inf
    x[0, 0, 2, 40] = np.nan
    x[0, 0, 2, [5, 17, 44]] = -np.inf
    x[0, 0, 3, 9] = np.inf
    x[0, 0, 3, 30] = -np.inf
    got = causal_softmax(x, scale=0.9, backend=gpu_backend)
    kept = ~masked_where(shape)
    assert bits_of(got)[0, 0, 1, 3] == 0
    for q in (2, 3):
        row, neg = got[0, 0, q], np.isneginf(x[0, 0, q])
        assert np.isnan(row[kept[0, 0, q] & ~neg]).all()
        assert np.all(bits_of(row)[~kept[0, 0, q] | neg] == 0)
    want = reference(np.where(np.isneginf(x), -1e300, x.astype(np.float64)), 0.9)
    assert_softmax(got[:, :, :2], want[:, :, :2], masked_where(shape)[:, :, :2], dtype)
    assert 16 // np_dtype(dtype).itemsize in vec_on


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_vec_rows_longer_than_one_pass_take_the_word_path(gpu_backend, rng, vec_on,
                                                          small_vec_launch, dtype):
    """Rows one pass of the lanes cannot hold (here: beyond 32 lanes x 4 keys, 8 for
    16-bit: one chunk) take the
    word path's online route; rows that fit take the 16-byte path; both match float64."""
    vec = 16 // np_dtype(dtype).itemsize
    check(gpu_backend, rng, (1, 1, 3, 32 * 4 * (vec // 4) + vec), dtype, scale=0.6)
    check(gpu_backend, rng, (1, 1, 3, 32 * 4 * (vec // 4)), dtype, scale=0.6)
    assert vec_on == [0, vec]


@pytest.mark.parametrize("scale", [0.0, -2.5, 40.0])
def test_vec_extreme_scales(gpu_backend, rng, vec_on, scale):
    """A scale of 0 (every kept key 1/n, masked ones still exactly 0), negative and
    large scales: the exp2 route with |scale| * log2(e) folded in stays in tolerance."""
    x = (random_scores(rng, (1, 2, 4, 16), specials=False) * 20).astype(np.float32)
    assert_softmax(causal_softmax(x, scale=scale, backend=gpu_backend), reference(x, scale),
                   masked_where(x.shape), "float32")


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_vec_guard_band(gpu_backend, rng, vec_on, dtype):
    """Rows 16-byte aligned inside a NaN buffer with gaps between them (16-byte path):
    nothing outside the view is written."""
    buf = np.full(sim_shape(gpu_backend, (2, 3, 6, 48), (1, 3, 6, 48)), np.nan,
                  dtype=np_dtype(dtype))
    bits_before = bits_of(buf).copy()
    view = buf[:, 1:3, 1:5, 8:40]
    x = random_scores(rng, view.shape, dtype, specials=False)
    causal_softmax(x, out=view, backend=gpu_backend, window=9)
    inside = np.zeros(buf.shape, bool)
    inside[:, 1:3, 1:5, 8:40] = True
    assert np.array_equal(bits_of(buf)[~inside], bits_before[~inside])
    assert_softmax(view, reference(x, window=9), masked_where(x.shape, window=9), dtype)
    assert 16 // np_dtype(dtype).itemsize in vec_on


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_vec_kept_run_starting_mid_row(gpu_backend, rng, vec_on, dtype):
    """Rows of two chunks a lane whose kept run (a window) starts and ends inside
    chunks mid-row: every element of a NaN-poisoned out is written, the kept ones
    within tolerance of float64, the masked ones on both sides exactly +0.0."""
    vec = 16 // np_dtype(dtype).itemsize
    shape = (1, 1, 4, 32 * 2 * vec)  # 32 lanes x 2 chunks on every backend's plan
    options = dict(window=23 * vec + 3, offset=shape[3] - 9 * vec - 2)
    x = random_scores(rng, shape, dtype, specials=False)
    out = np.full(shape, np.nan, dtype=np_dtype(dtype))
    causal_softmax(x, out=out, scale=0.8, backend=gpu_backend, **options)
    masked = masked_where(shape, **options)
    assert masked[..., 0].all() and masked[..., -1].all() and not masked.all(-1).any()
    assert np.all(bits_of(out)[masked] == 0)
    assert_softmax(out, reference(x, 0.8, **options), masked, dtype)
    assert vec in vec_on


def test_vec_needs_alignment(gpu_backend, rng, monkeypatch):
    """A view one element off a 16-byte boundary, or ROW_VECTORS off, takes the word
    or element path; every path matches float64."""
    buf = random_scores(rng, (1, 2, 4, 17), specials=False)
    check(gpu_backend, rng, (1, 2, 4, 16))
    x = buf[..., 1:]  # rows start 4 bytes past a 16-byte boundary
    assert softmax._vec_keys("float32", 16, x) == 0
    assert softmax._vec_keys("float32", 16, np.ascontiguousarray(x)) == 4
    assert softmax._vec_keys("float64", 16, np.zeros((1, 1, 1, 16))) == 0
    assert_softmax(causal_softmax(x, backend=gpu_backend), reference(x), masked_where(x.shape),
                   "float32")
    monkeypatch.setattr(softmax, "ROW_VECTORS", False)
    assert softmax._vec_keys("float32", 16, np.zeros((1, 1, 1, 16), np.float32)) == 0


@pytest.mark.parametrize("warp, cache_len, vec, want", [
    (32, 512, 4, (32, 4, 4)), (32, 2048, 4, (64, 2, 8)), (32, 2048, 8, (64, 2, 4)),
    (32, 8192, 4, (256, 1, 8)), (32, 8192, 8, (256, 1, 4)), (32, 16384, 4, (512, 1, 8)),
    (32, 32768, 8, (1024, 1, 4)), (32, 65536, 4, None), (64, 2048, 4, (64, 2, 8)),
    (32, 8, 4, (32, 4, 1)), (64, 8, 8, (64, 2, 1))])
def test_vec_launch(warp, cache_len, vec, want):
    """VEC_KEYS keys per lane up to 256 lanes, then up to VEC_MOST_KEYS keys per lane
    and 1024 lanes (at least a warp or wavefront), blocks of 128 threads; a row no
    pass covers: None."""
    got = softmax.vec_launch(warp, vec, cache_len)
    assert got == want
    if got:
        lanes, rows, chunk = got
        assert (lanes * rows) % warp == 0 and lanes * rows <= max(lanes, 128)
        assert lanes * chunk * vec >= cache_len and chunk * vec <= softmax.VEC_MOST_KEYS


def test_broadcast_scores_are_read_in_place(backend, rng):
    """Scores broadcast over their rows (stride 0: np.broadcast_to) are only read when
    ``out`` is another array: accepted as they are."""
    row = random_scores(rng, (1, 7), specials=False)
    x = np.broadcast_to(row, (5, 7))
    got = nc.causal_softmax(x, backend=backend)
    assert_softmax(got, reference(x), masked_where(x.shape), "float32")


@pytest.mark.parametrize("scale", [float("nan"), float("inf"), -float("inf")])
def test_scale_must_be_finite(backend, rng, scale):
    """A scale that is not finite is refused (as causal_attention refuses it), the
    output untouched; the backward too."""
    x = random_scores(rng, (1, 1, 4, 6), specials=False)
    out = np.full_like(x, 7.0)
    with pytest.raises(ValueError, match="scale must be finite"):
        nc.causal_softmax(x, scale=scale, out=out, backend=backend)
    with pytest.raises(ValueError, match="scale must be finite"):
        nc.causal_softmax_backward(x, x.copy(), scale=scale, out=out, backend=backend)
    assert np.all(out == 7.0)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_scale_beyond_the_compute_type_is_refused(backend, rng, dtype):
    """A finite scale whose product with log2(e) overflows float32 (the arithmetic of
    float32 and 16-bit scores) is refused with its bound, the output untouched,
    instead of giving NaN rows; the backward refuses a scale float32 cannot hold; a
    float64 input takes such a scale (its result matches float64)."""
    x = random_scores(rng, (1, 1, 4, 6), dtype, specials=False)
    out = np.full_like(x, 7.0)
    with pytest.raises(ValueError, match=rf"scale 3e\+38 overflows the float32 arithmetic "
                                         rf"of {dtype} inputs: \|scale\| must be at most "
                                         r"2\.35\d*e\+38"):
        nc.causal_softmax(x, scale=3e38, out=out, backend=backend)
    with pytest.raises(ValueError, match=r"\|scale\| must be at most 3\.40\d*e\+38"):
        nc.causal_softmax_backward(x, x.copy(), scale=-1e39, out=out, backend=backend)
    assert np.all(out == 7.0)
    wide = random_scores(rng, (1, 1, 4, 6), "float64", specials=False)
    assert_softmax(nc.causal_softmax(wide, scale=3e38, backend=backend),
                   reference(wide, 3e38), masked_where(wide.shape), "float64")


def test_vec_path_launch_bound_on_cuda_only():
    """The 16-byte path's launch bound (softmax.VEC_SM_THREADS): 9 blocks of 128
    threads an SM for 16-bit rows, 7 for float32, fewer for bigger blocks; none on
    hip and the simulator (H200, 2026-12-05: +4.6-4.9 % GB/s in 16 bits)."""
    from numba_causal.softmax import vec_constants

    def bound(backend, lanes, rows, vec, dtype):
        return vec_constants(backend, 32, lanes, rows, vec, dtype, 2).get("LAUNCH_BOUNDS")

    assert bound("cuda", 64, 2, 8, "float16") == (128, 9)
    assert bound("cuda", 64, 2, 8, "bfloat16") == (128, 9)
    assert bound("cuda", 64, 2, 4, "float32") == (128, 7)
    assert bound("cuda", 128, 2, 8, "float16") == (256, 4)
    assert bound("cuda", 128, 2, 4, "float32") == (256, 3)
    assert bound("hip", 64, 2, 8, "float16") is None
    assert bound("sim", 8, 2, 8, "float16") is None
