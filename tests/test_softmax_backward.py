"""causal_softmax_backward on every backend against a float64 NumPy formula
computed here: dtypes, every mask option, out=None / out=grad / out=probs / a
separate out, guard bands, the vector and element routes, long rows (two
reads), cancellation (grad close to its row sum), NaN in masked keys, bad input.

Tolerance: |got - want| <= TOL[dtype] * (the row's largest |want|) + half an
ulp of ``want`` in the output dtype. Masked keys must be exactly +0.0.
"""

import dataclasses
import sys

import numpy as np
import pytest

import numba_causal as nc
from numba_causal import compile as kc
from numba_causal import predicates, softmax_backward
from numba_causal.backends import BackendUnavailable
from helpers import DTYPES, bits_of, masked_where, np_dtype, planned, sim_shape

backward = softmax_backward.causal_softmax_backward

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")

#: allowed error beyond the output's own rounding, relative to the row's largest |want|
TOL = {"float32": 1e-6, "float64": 1e-12, "float16": 1e-3, "bfloat16": 1e-3}
FRACTION_BITS = {"float16": 10, "bfloat16": 7, "float32": 23, "float64": 52}
#: half the smallest subnormal: the rounding of an output in the subnormal range
TINY = {"float16": 2.0**-25, "bfloat16": 2.0**-134, "float32": 2.0**-150, "float64": 0.0}


@pytest.fixture(autouse=True)
def quick_simulator(monkeypatch):
    """A small simulated launch (a Python thread per lane): at most 8 lanes, 2 keys
    aimed per lane, so that even short test rows span several lanes and units."""
    monkeypatch.setitem(softmax_backward.LAUNCH, "sim", (8, 2, 8))
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(before)


def inputs(rng, shape, dtype="float32", near=None, **options):
    """probs: a float64 softmax of random scores under the mask, stored in
    ``dtype`` (0 at masked keys); grad: random normal, or ``near`` + 1% noise."""
    where = masked_where(shape, **options)
    z = np.where(where, -np.inf, rng.standard_normal(shape))
    row_max = z.max(axis=-1, keepdims=True)
    e = np.where(where, 0.0, np.exp(z - np.where(np.isfinite(row_max), row_max, 0.0)))
    total = e.sum(axis=-1, keepdims=True)
    p = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    g = rng.standard_normal(shape)
    if near is not None:
        g = near + 0.01 * g
    return p.astype(np_dtype(dtype)), g.astype(np.float32).astype(np_dtype(dtype))


def formula(p, g, scale=1.0, **options):
    """float64 scale * p * (g - sum(p * g)) over the kept keys; 0 where masked."""
    where = masked_where(p.shape, **options)
    p64 = np.where(where, 0.0, np.asarray(p).astype(np.float64))
    g64 = np.where(where, 0.0, np.asarray(g).astype(np.float64))
    s = (p64 * g64).sum(axis=-1, keepdims=True)
    return np.where(where, 0.0, scale * p64 * (g64 - s))


def assert_gradient(got, want, where, dtype):
    assert got.shape == want.shape
    assert np.all(bits_of(got)[where] == 0), "a masked key is not exactly +0.0"
    got64 = np.asarray(got).astype(np.float64)
    assert not np.isnan(got64).any(), "NaN in the output"
    row_max = np.abs(want).max(axis=-1, keepdims=True)
    allowed = TOL[dtype] * row_max + np.abs(want) * 2.0 ** -(FRACTION_BITS[dtype] + 1) \
        + TINY[dtype]
    err = np.abs(got64 - want)
    worst = np.unravel_index(np.argmax(err - allowed), err.shape)
    assert np.all(err <= allowed), f"{dtype}: error {err[worst]:.3g} > {allowed[worst]:.3g} " \
        f"at {worst} (got {got64[worst]!r}, want {want[worst]!r})"


def check(backend, rng, shape, dtype="float32", scale=1.0, near=None, **options):
    p, g = inputs(rng, shape, dtype, near, **options)
    before = bits_of(p).copy(), bits_of(g).copy()
    got = backward(p, g, scale=scale, backend=backend, **options)
    assert got is not g and got is not p and got.dtype == g.dtype
    assert np.array_equal(bits_of(p), before[0]) and np.array_equal(bits_of(g), before[1]), \
        "inputs changed"
    assert_gradient(got, formula(p, g, scale, **options), masked_where(shape, **options), dtype)
    return p, g, got


# --- dtypes x shapes x backends ------------------------------------------------------------

SHAPES = [(2, 3, 7, 16), (9, 9), (1, 2, 3, 40), (2, 1, 6, 4)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_matches_float64_formula(backend, rng, shape, dtype):
    if backend == "sim" and shape == SHAPES[0] and dtype not in ("float32", "float64"):
        # the largest shape costs the simulator ~7 s a 16-bit dtype; its other shapes take
        # every dtype, the cpu path and cuda/hip every shape x dtype
        pytest.skip("the simulator runs the largest shape in float32 and float64 only")
    check(backend, rng, shape, dtype, scale=0.37)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cancellation_grad_near_its_row_sum(backend, rng, dtype):
    """grad = 1 + 1% noise: g - s cancels two digits; a float32 row sum (or one
    rounded to float32) would miss 1e-6; the (hi, lo) float64 sum does not."""
    check(backend, rng, (1, 2, 4, 64) if backend == "sim" else (1, 2, 16, 4096), dtype,
          scale=0.5, near=1.0)


@pytest.mark.parametrize("dtype", DTYPES)  # each compiles its variants (~6 s): split for xdist
def test_reference_matches_float64_formula(rng, dtype):
    for options in ({}, dict(offset=-2, window=3), dict(kv_lens=[5, 0], causal=False)):
        p, g = inputs(rng, (2, 2, 5, 9), dtype, **options)
        got = softmax_backward.causal_softmax_backward_reference(p, g, scale=1.3, **options)
        assert_gradient(got, formula(p, g, 1.3, **options),
                        masked_where(p.shape, **options), dtype)


def test_kernel_matches_njit_reference(backend, rng):
    for dtype in DTYPES:
        p, g = inputs(rng, sim_shape(backend, (2, 2, 6, 16), (1, 2, 6, 16)), dtype, window=7,
                      offset=4)
        ref = softmax_backward.causal_softmax_backward_reference(p, g, scale=0.9, window=7,
                                                                 offset=4)
        got = backward(p, g, scale=0.9, window=7, offset=4, backend=backend)
        assert np.allclose(got.astype(np.float64), ref.astype(np.float64), rtol=0,
                           atol=TOL[dtype] + 2.0 ** -FRACTION_BITS[dtype])


# --- mask options ---------------------------------------------------------------------------

OPTIONS = {
    "offset 3": dict(offset=3),
    "offset beyond the rows": dict(offset=40),
    "offset -2": dict(offset=-2),
    "window 4": dict(window=4),
    "kv_lens with 0": dict(kv_lens=[0, 7]),
    "q_offsets": dict(q_offsets=[-3, 5]),
    "not causal": dict(causal=False),
    "prefix-lm": dict(mask_fn=predicates.prefix_lm(4), causal=False),
    "all at once": dict(window=5, kv_lens=[9, 6], q_offsets=[2, 0],
                        mask_fn=predicates.document_mask([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2])),
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=list(OPTIONS))
def test_mask_options(backend, rng, options):
    check(backend, rng, sim_shape(backend, (2, 2, 6, 12), (2, 1, 6, 12)), scale=0.8, **options)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_mask_options_other_dtypes(backend, rng, dtype):
    check(backend, rng, (2, 1, 5, 16), dtype, window=3, kv_lens=[4, 9], q_offsets=[1, 3])


def test_fully_masked_rows_are_zeros(backend, rng):
    p, g = inputs(rng, sim_shape(backend, (3, 2, 4, 8), (3, 1, 4, 8)), offset=-2,
                  kv_lens=[8, 0, 8])
    got = backward(p, g, offset=-2, kv_lens=[8, 0, 8], backend=backend)
    assert np.all(bits_of(got[:, :, :2]) == 0) and np.all(bits_of(got[1]) == 0)
    assert np.abs(got[0, :, 2:]).max() > 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_in_a_masked_key_is_never_read(backend, rng, dtype):
    p, g = inputs(rng, sim_shape(backend, (2, 2, 5, 16), (1, 1, 5, 16)), dtype, window=3)
    clean = backward(p, g, window=3, backend=backend)
    where = masked_where(p.shape, window=3)
    p[where], g[where] = np.nan, np.inf
    got = backward(p, g, window=3, backend=backend)
    assert np.array_equal(bits_of(got), bits_of(clean))


def test_nan_in_a_kept_key_makes_that_row_nan(backend, rng):
    p, g = inputs(rng, (1, 2, 6, 8))
    g[0, 1, 4, 2] = np.nan
    got = backward(p, g, backend=backend)
    kept = ~masked_where(p.shape)
    assert np.isnan(got[0, 1, 4][kept[0, 1, 4]]).all()
    assert np.all(bits_of(got[0, 1, 4])[~kept[0, 1, 4]] == 0)
    rest = np.ones(p.shape, bool)
    rest[0, 1, 4] = False
    assert not np.isnan(got[rest]).any()


# --- out ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("mode", ["none", "grad", "probs", "both", "separate"])
def test_out(backend, rng, mode, dtype):
    p, g = inputs(rng, sim_shape(backend, (2, 2, 5, 16), (1, 2, 5, 16)), dtype, window=4)
    if mode == "both":
        g = p
    want = formula(p.copy(), g.copy(), 1.5, window=4)
    p_before, g_before = p.copy(), g.copy()
    out = {"none": None, "grad": g, "probs": p, "both": p,
           "separate": np.full_like(g, np.nan)}[mode]
    got = backward(p, g, scale=1.5, window=4, out=out, backend=backend)
    if mode == "none":
        assert isinstance(got, np.ndarray) and got is not g and got.dtype == g.dtype
    else:
        assert got is out
    if mode in ("none", "separate"):
        assert np.array_equal(bits_of(p), bits_of(p_before))
        assert np.array_equal(bits_of(g), bits_of(g_before))
    assert_gradient(got, want, masked_where(p.shape, window=4), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_guard_band_around_out(backend, rng, dtype):
    """out is a strided view inside a NaN buffer: nothing outside the view changes,
    every element inside is written. (Its cpu float32 case once wrote -0.0 on
    masked keys after the file's earlier tests: two disk-cached variants sharing a
    helper's name, see test_compile_cache.py.)"""
    buf = np.full((3, 4, 9, 20), np.nan, dtype=np_dtype(dtype))
    bits_before = bits_of(buf).copy()
    view = buf[1:3, 1:4:2, 2:8, 2:18]
    p, g = inputs(rng, view.shape, dtype, kv_lens=[16, 0], window=5)
    backward(p, g, out=view, kv_lens=[16, 0], window=5, backend=backend)
    inside = np.zeros(buf.shape, bool)
    inside[1:3, 1:4:2, 2:8, 2:18] = True
    assert np.array_equal(bits_of(buf)[~inside], bits_before[~inside])
    assert_gradient(view, formula(p, g, kv_lens=[16, 0], window=5),
                    masked_where(p.shape, kv_lens=[16, 0], window=5), dtype)


def test_in_place_on_strided_views(backend, rng):
    for view in (lambda a: a[..., ::-1], lambda a: a.transpose(1, 0, 2, 3),
                 lambda a: a[:, :, ::2, 1:]):
        p, g = inputs(rng, (2, 2, 6, 9))
        pv, gv = view(p), view(g)
        pv, _ = inputs(rng, pv.shape)  # a softmax for the view's own rows
        want = formula(pv, gv.copy())
        assert backward(pv, gv, out=gv, backend=backend) is gv
        assert_gradient(gv, want, masked_where(gv.shape), "float32")


def test_torch_tensors(backend, rng):
    torch = pytest.importorskip("torch")
    shape = sim_shape(backend, (2, 3, 5, 8), (1, 2, 5, 8))
    for dtype in (torch.float32, torch.bfloat16):
        gen = torch.Generator().manual_seed(7)
        keep = torch.ones(5, 8, dtype=torch.bool).tril(diagonal=3)
        x = torch.randn(*shape, generator=gen, dtype=torch.float64, requires_grad=True)
        probs = torch.softmax((0.5 * x).masked_fill(~keep, float("-inf")), dim=-1)
        grad = torch.randn(*shape, generator=gen, dtype=torch.float64)
        probs.backward(grad)  # autograd's gradient with respect to the scores: the oracle
        p, g = probs.detach().to(dtype), grad.to(dtype)
        want = formula(p.double().numpy(), g.double().numpy(), 0.5)
        got = backward(p, g, scale=0.5, backend=backend)
        assert isinstance(got, torch.Tensor) and got.dtype == dtype and got.shape == p.shape
        tol = 1e-6 if dtype == torch.float32 else 1e-3 + 2.0 ** -8
        assert np.allclose(got.double().numpy(), want, rtol=0, atol=tol)
        assert (got.double()[..., ~keep] == 0).all()
        if dtype == torch.float32:  # and against autograd itself (float64 all the way)
            assert torch.allclose(got.double(), x.grad, rtol=0, atol=1e-6)


@pytest.mark.parametrize("shape", [(0, 4), (4, 0), (0, 2, 3, 3), (2, 2, 0, 5)])
def test_zero_size(backend, shape):
    p = np.empty(shape, np.float32)
    got = backward(p, p.copy(), backend=backend)
    assert got.shape == shape


# --- the GPU kernel's routes --------------------------------------------------------------

@pytest.fixture
def gpu_backend(backend):
    if backend == "cpu":
        pytest.skip("a GPU-kernel route; the cpu backend has none")
    return backend


def compiled_vecs(backend):
    return {c.constants["VEC"] for c in kc.compiled(backend, "causal_softmax_backward_kernel")}


@pytest.mark.parametrize("dtype", DTYPES)
def test_vector_and_element_routes_agree(gpu_backend, rng, dtype):
    """Contiguous 16-byte aligned rows take the vector route; a strided view of the
    same values takes the element route. Both match float64. (One head on the
    simulator.)"""
    p, g = inputs(rng, sim_shape(gpu_backend, (2, 2, 7, 16), (2, 1, 7, 16)), dtype,
                  q_offsets=[3, 0], window=6)
    options = dict(q_offsets=[3, 0], window=6)
    got = backward(p, g, scale=0.7, backend=gpu_backend, **options)
    holder_p = np.empty(p.shape[:-1] + (32,), p.dtype)
    holder_g = np.empty_like(holder_p)
    holder_p[..., ::2], holder_g[..., ::2] = p, g
    if gpu_backend == "sim":
        strided = backward(holder_p[..., ::2], holder_g[..., ::2], scale=0.7, backend="sim",
                           **options)
    else:  # a host view would be copied contiguous: the strided view lives on the device
        torch = pytest.importorskip("torch")
        tp = torch.from_numpy(holder_p.view(f"i{p.itemsize}")).cuda().view(
            getattr(torch, dtype))[..., ::2]
        tg = torch.from_numpy(holder_g.view(f"i{p.itemsize}")).cuda().view(
            getattr(torch, dtype))[..., ::2]
        strided = backward(tp, tg, scale=0.7, backend=gpu_backend, **options)
        strided = strided.view(getattr(torch, f"int{8 * p.itemsize}")).cpu().numpy().view(
            p.dtype)
    want, where = formula(p, g, 0.7, **options), masked_where(p.shape, **options)
    assert_gradient(got, want, where, dtype)
    assert_gradient(strided, want, where, dtype)
    assert compiled_vecs(gpu_backend) >= ({1} if p.itemsize == 8 else {1, 16 // p.itemsize})


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_one_pass_route_and_tiled_route(gpu_backend, rng, monkeypatch, dtype):
    """Rows one pass of the lanes covers (16-byte units, at most ONE_PASS_MOST_KEYS keys
    per lane) take the one-pass route; one unit longer, the tiled vector route; both
    match float64, every option's kept range starting and ending inside a unit."""
    monkeypatch.setattr(softmax_backward, "ONE_PASS_MOST_KEYS", 4)
    routes = planned(monkeypatch, softmax_backward, "VEC", "ONE_PASS")
    vec = 16 // np_dtype(dtype).itemsize
    fits = (32 if gpu_backend == "sim" else 1024) * vec  # lanes x one unit each
    for cache_len in (fits, fits + vec):
        options = dict(window=cache_len - 5, offset=3)
        p, g = inputs(rng, (1, 1, 3, cache_len), dtype, **options)
        want, where = formula(p, g, 0.7, **options), masked_where(p.shape, **options)
        assert_gradient(backward(p, g, scale=0.7, backend=gpu_backend, **options), want, where,
                        dtype)
    assert routes == [(vec, True), (vec, False)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_long_rows_are_read_twice(gpu_backend, rng, monkeypatch, dtype):
    """One unit per lane per tile: a row in more units than the lanes hold is
    summed tile by tile and read again to be written (also in place)."""
    sim = gpu_backend == "sim"
    monkeypatch.setitem(softmax_backward.LAUNCH, gpu_backend, (2, 1, 1) if sim else (32, 1, 1))
    shape = (1, 1, 5, 48) if sim else (1, 2, 5, 1024)
    check(gpu_backend, rng, shape, dtype, scale=0.6, window=40 if sim else 900)
    p, g = inputs(rng, shape, dtype)
    want = formula(p, g)
    backward(p, g, out=g, backend=gpu_backend)
    assert_gradient(g, want, masked_where(shape), dtype)


@pytest.mark.parametrize("launch", [(64, 1, 64), (4, 1, 4), (32, 2, 8)],
                         ids=["lanes64", "lanes4", "lanes32-2"])
def test_launch_shapes(rng, monkeypatch, launch):
    """Lanes per row below, at and beyond the warp (64: the cross-warp step)."""
    monkeypatch.setitem(softmax_backward.LAUNCH, "sim", launch)
    try:
        check("sim", rng, (1, 1, 3, 80), window=70)
        check("sim", rng, (1, 1, 3, 24), dtype="float16", offset=18)
    except BackendUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("cache_len, window, vec, want", [
    (2048, 0, 4, (128, 2, 4)), (2048, 0, 8, (128, 2, 2)), (8192, 0, 4, (256, 1, 8)),
    (8192, 0, 8, (256, 1, 4)), (2048, 0, 1, (128, 2, 16)), (8192, 0, 1, (256, 1, 16)),
    (64, 0, 4, (32, 8, 1)), (2048, 100, 4, (32, 8, 1))])
def test_plan_shape(cache_len, window, vec, want):
    """cuda: about 16 keys per lane, 256 threads per block, at most 32 keys (per
    operand) per lane in registers, 16 on the element route; a window shortens
    the longest row."""
    assert softmax_backward.plan_shape("cuda", 32, vec, cache_len, window) == want


def test_launch_shape_must_fill_warps_on_a_gpu():
    with pytest.raises(ValueError, match="whole warps"):
        softmax_backward.launch_constants("cuda", 32, 16, 1, 4, 1, "float32")


def test_folded_grid(gpu_backend, rng):
    clipped = dataclasses.replace(nc.get_backend(gpu_backend), grid_limits=(2, 1, 1))
    p, g = inputs(rng, (2, 3, 5, 8), kv_lens=[8, 4])
    got = backward(p, g, kv_lens=[8, 4], backend=clipped)
    assert_gradient(got, formula(p, g, kv_lens=[8, 4]), masked_where(p.shape, kv_lens=[8, 4]),
                    "float32")


def test_aot_variants_cover_every_dtype_and_option():
    names = [name for name, _ in softmax_backward._aot_variants(64)]
    for dtype in ("float16", "bfloat16", "float32"):
        assert f"causal_softmax_backward_{dtype}" in names
    assert "causal_softmax_backward_float64_elements" in names
    assert "causal_softmax_backward_float32_mask_fn" in names
    for _, constants in softmax_backward._aot_variants(64):
        assert constants["WARP"] == 64 and constants["SPAN"] <= 64


# --- bad input ----------------------------------------------------------------------------

def _shifted(p, g):
    """grad and out: two views of one buffer, one key apart."""
    buf = np.concatenate([g, g[..., :1]], axis=-1)
    return dict(grad=buf[..., :-1], out=buf[..., 1:])


def _shifted_probs(p):
    """probs and out: two views of one buffer, one key apart."""
    buf = np.concatenate([p, p[..., :1]], axis=-1)
    return dict(probs=buf[..., :-1], out=buf[..., 1:])


def _read_only(o):
    o.flags.writeable = False
    return dict(out=o)


BAD = {
    "grad of another dtype": (lambda p, g, o: dict(grad=g.astype(np.float64)), TypeError),
    "grad of another shape": (lambda p, g, o: dict(grad=g[..., :5]), ValueError),
    "grad 2-D for 4-D probs": (lambda p, g, o: dict(grad=g[0, 0]), ValueError),
    "integer probs": (lambda p, g, o: dict(probs=p.astype(np.int32)), TypeError),
    "3-D probs": (lambda p, g, o: dict(probs=p[0], grad=g[0]), ValueError),
    "scale a string": (lambda p, g, o: dict(scale="2"), TypeError),
    "out of another dtype": (lambda p, g, o: dict(out=o.astype(np.float64)), TypeError),
    "out of another shape": (lambda p, g, o: dict(out=o[..., :5]), ValueError),
    "out overlapping grad": (lambda p, g, o: _shifted(p, g), ValueError),
    "out overlapping probs": (lambda p, g, o: _shifted_probs(p), ValueError),
    "out read-only": (lambda p, g, o: _read_only(o), ValueError),
    "grad read-only in place": (lambda p, g, o: dict(out=_read_only(g)["out"]), ValueError),
    "window 0": (lambda p, g, o: dict(window=0), ValueError),
    "kv_lens of the wrong length": (lambda p, g, o: dict(kv_lens=[1, 2, 3]), ValueError),
    "mask_fn not callable": (lambda p, g, o: dict(mask_fn=3), TypeError),
    "unknown backend": (lambda p, g, o: dict(backend="tpu"), ValueError),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_raises_before_any_write(backend, rng, case):
    make, error = BAD[case]
    p, g = inputs(rng, (2, 2, 4, 8))
    kwargs = dict(probs=p, grad=g, out=np.full_like(g, np.nan), backend=backend)
    kwargs.update(make(p, g, kwargs["out"]))
    arrays = [a for a in (kwargs["probs"], kwargs["grad"], kwargs["out"])
              if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    before = [bits_of(a).copy() for a in arrays]
    with pytest.raises(error):
        backward(kwargs.pop("probs"), kwargs.pop("grad"), **kwargs)
    for array, bits in zip(arrays, before):
        assert np.array_equal(bits_of(array), bits), "written before the error"


def test_partial_overlap_of_inputs_when_in_place_is_refused(rng):
    buf = inputs(rng, (1, 1, 4, 9))[0]
    p, g = buf[..., :-1], buf[..., 1:]
    before = bits_of(buf).copy()
    with pytest.raises(ValueError, match="overlaps probs"):
        backward(p, g, out=g, backend="cpu")
    assert np.array_equal(bits_of(buf), before)
