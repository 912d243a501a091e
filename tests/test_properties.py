"""Property-based tests (hypothesis): random shapes, views, dtypes and options, each
case checked against an independent NumPy definition (``helpers.masked_where``)
and the library's ``@njit`` reference: bit for bit for the mask, within each
dtype's tolerance for softmax. Plus guard bands: the kernel runs on a view inside
a larger buffer and nothing outside the view changes.

Every case is a view inside a larger buffer (random margins, steps of either sign,
axis order), so each property case is also a guard-band check; the buffer's
margins hold a signalling-NaN sentinel, which a copy through float registers
would quieten and so betray.

Speed: the simulator runs one Python thread per lane (~6 ms per block of 32), so
sim cases are tiny and few. Profiles (``NUMBA_CAUSAL_HYPOTHESIS``):
``ci`` (default): derandomized, no example database, a few dozen cpu cases;
``thorough``: random, ten times as many. cuda/hip get more in both.

The kernels under test are listed in ``OPS`` (mask, softmax): each entry knows
how to run the kernel, its NumPy definition, its reference and how to compare; a
new kernel family is one more entry.
"""

import os
from dataclasses import dataclass, replace
from typing import Callable, Optional

import numpy as np
import pytest

import numba_causal as nc
from helpers import BF16, DTYPES, UINT, assert_bits_equal, bits_of, expected, masked_where, np_dtype

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# fill=1e300 into float16 overflows to inf, as intended, in NumPy's expectation too
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")

# --- profiles ------------------------------------------------------------------

settings.register_profile(
    "numba_causal.ci", derandomize=True, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])
settings.register_profile("numba_causal.thorough", parent=settings.get_profile("numba_causal.ci"),
                          derandomize=False)
PROFILE = os.environ.get("NUMBA_CAUSAL_HYPOTHESIS", "ci")
EXAMPLES = {  # per backend: cpu compiles a variant per (options, width, layout); sim is slow
    "ci": {"cpu": 30, "sim": 6, "cuda": 300, "hip": 300},
    "thorough": {"cpu": 400, "sim": 60, "cuda": 3000, "hip": 3000},
}[PROFILE]


def settings_for(backend: str, scale: float = 1.0, shrink: bool = True) -> settings:
    """``shrink=False`` where shrinking would cost minutes (the simulator, or a kernel
    whose every variant takes seconds to compile): a failing case is reported as found."""
    extra = {}
    if backend == "sim" or not shrink:
        extra["phases"] = (Phase.explicit, Phase.reuse, Phase.generate)
    return settings(settings.get_profile(f"numba_causal.{PROFILE}"),
                    max_examples=max(1, int(EXAMPLES[backend] * scale)), **extra)


# --- sizes per backend ---------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    seq: tuple
    cache: tuple
    outer: tuple  # batch and heads
    max_rows: int  # batch * heads * seq_len: the simulator's block count


ONES_AND_PRIMES = (1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 32, 33)
SIZES = {
    "cpu": Sizes(ONES_AND_PRIMES, ONES_AND_PRIMES + (64, 67), (1, 2, 3, 5), 10_000),
    "sim": Sizes((1, 2, 3, 5), (1, 2, 3, 5, 8, 17, 33, 37, 67), (1, 2, 3), 6),
    "cuda": Sizes(ONES_AND_PRIMES + (67, 128, 257), ONES_AND_PRIMES + (67, 128, 131, 257, 1031),
                  (1, 2, 3, 5, 7), 200_000),
}
SIZES["hip"] = SIZES["cuda"]

#: one signalling NaN per element width, for the margins around a view
SENTINEL = {2: 0x7D5A, 4: 0x7FA5A5A5, 8: 0x7FF5A5A5A5A5A5A5}
SENTINEL_BF16 = 0x7F9A


# --- predicates for mask_fn (module level: one compiled variant each) -------------

def every_third_key_of_pos(b, h, pos, k):
    """Drop keys where (pos + k + h + b) is a multiple of 3."""
    return (pos + k + h + b) % 3 != 0


def keep_even_keys(b, h, pos, k):
    return k % 2 == 0


# --- cases -----------------------------------------------------------------------

@dataclass
class Layout:
    """Where a view sits in its buffer: per logical axis a step (either sign) and
    margins before/after; ``perm[j]`` is the logical axis stored at buffer axis j."""

    steps: tuple
    before: tuple
    after: tuple
    perm: tuple

    def buffer_shape(self, shape):
        extent = [b + (n - 1) * abs(s) + 1 + a
                  for n, s, b, a in zip(shape, self.steps, self.before, self.after)]
        return tuple(extent[i] for i in self.perm)

    def slices(self, shape):
        out = []
        for n, s, b in zip(shape, self.steps, self.before):
            if s > 0:
                out.append(slice(b, b + (n - 1) * s + 1, s))
            else:
                top = b + (n - 1) * -s
                out.append(slice(top, b - 1 if b > 0 else None, s))
        return tuple(out)

    def view(self, buf, shape):
        """The logical view of ``buf`` (NumPy array or torch tensor)."""
        axes = tuple(int(a) for a in np.argsort(self.perm))
        logical = buf.permute(*axes) if hasattr(buf, "permute") else buf.transpose(axes)
        return logical[self.slices(shape)]

    @property
    def has_negative_step(self):
        return any(s < 0 for s in self.steps)


@dataclass
class Case:
    shape: tuple
    dtype: str
    layout: Layout
    options: dict
    fill: float
    seed: int
    scale: float = 1.0  # softmax's
    specials: float = 0.05  # share of NaNs (with payloads) among the scores; see random_bits

    def __repr__(self):  # what hypothesis prints for a failing case
        return (f"Case(shape={self.shape}, dtype={self.dtype!r}, layout={self.layout}, "
                f"options={self.options}, fill={self.fill!r}, seed={self.seed}, "
                f"scale={self.scale!r}, specials={self.specials})")


def per_sequence(values, batch):
    return st.lists(values, min_size=batch, max_size=batch).map(
        lambda v: np.array(v, dtype=np.int64))


def offsets(seq_len, cache_len):
    """Offsets of every sign: around the interesting range, and far outside it
    (but small enough that ``pos + 1`` and ``pos - window`` fit in int64)."""
    return st.one_of(st.integers(-seq_len - 2, cache_len + 2),
                     st.sampled_from([-2**40, -2**31 - 1, -2**31, 2**31 - 1, 2**31, 2**40]))


FILLS = st.one_of(st.sampled_from([float("-inf"), float("inf"), -1e4, 0.0, -0.0, float("nan"),
                                   3.5, 1e300, -5e-324]),
                  st.floats(allow_nan=False, width=32))


@st.composite
def mask_cases(draw, sizes: Sizes, dtypes=tuple(DTYPES), mask_fns=True):
    rank = draw(st.sampled_from([2, 4]))
    seq_len = draw(st.sampled_from([n for n in sizes.seq if n <= sizes.max_rows]))
    cache_len = draw(st.sampled_from(sizes.cache))
    batch = heads = 1
    if rank == 4:
        batch = draw(st.sampled_from([n for n in sizes.outer if n * seq_len <= sizes.max_rows]))
        heads = draw(st.sampled_from([n for n in sizes.outer
                                      if n * batch * seq_len <= sizes.max_rows]))
    shape = (batch, heads, seq_len, cache_len) if rank == 4 else (seq_len, cache_len)
    layout = Layout(
        steps=tuple(draw(st.lists(st.sampled_from([1, 1, 1, 2, 3, -1, -2]),
                                  min_size=rank, max_size=rank))),
        before=tuple(draw(st.lists(st.integers(0, 2), min_size=rank, max_size=rank))),
        after=tuple(draw(st.lists(st.integers(0, 1), min_size=rank, max_size=rank))),
        perm=tuple(draw(st.permutations(range(rank)))))
    options = {}
    positions = draw(st.sampled_from(["default", "offset", "q_offsets"]))  # one, never both
    if positions == "offset":
        options["offset"] = draw(offsets(seq_len, cache_len))
    if draw(st.booleans()):
        options["window"] = draw(st.one_of(st.integers(1, cache_len + 2),
                                           st.sampled_from([2**31, 2**40])))
    if draw(st.booleans()):
        options["kv_lens"] = draw(per_sequence(
            st.one_of(st.integers(-2, cache_len + 2), st.just(2**40)), batch))
    if positions == "q_offsets":
        options["q_offsets"] = draw(per_sequence(offsets(seq_len, cache_len), batch))
    if not draw(st.booleans()):
        options["causal"] = False
    if mask_fns:
        fn = draw(st.sampled_from([None, None, None, every_third_key_of_pos, keep_even_keys]))
        if fn is not None:
            options["mask_fn"] = fn
    return Case(shape, draw(st.sampled_from(dtypes)), layout, options, draw(FILLS),
                draw(st.integers(0, 2**32 - 1)),
                scale=draw(st.one_of(st.sampled_from([1.0, 0.125, 2.0]),
                                     st.floats(0.015625, 4.0, width=32))),
                specials=draw(st.sampled_from([0.0, 0.002, 0.05])))


# --- buffers -----------------------------------------------------------------------

def random_bits(rng, shape, dtype, specials=0.05):
    """Random scores, as raw bits: a share ``specials`` of NaNs with payloads of
    either sign, as many -0.0s, and half as many -inf."""
    x = rng.standard_normal(shape).astype(np.float32).astype(np_dtype(dtype))
    bits = bits_of(x).copy()
    flat = bits.reshape(-1)
    width = x.dtype.itemsize * 8
    if flat.size:
        nan = {16: 0x7C00 if dtype == "float16" else 0x7F80, 32: 0x7F800000,
               64: 0x7FF0000000000000}[width]
        pick = rng.random(flat.size)
        payload = rng.integers(1, 64, flat.size).astype(flat.dtype)
        sign = np.array(1 << (width - 1), dtype=flat.dtype)
        nans = pick < specials * 0.7
        negative_nans = (pick >= specials * 0.7) & (pick < specials)
        zeros = (pick >= specials) & (pick < 2 * specials)
        minus_inf = (pick >= 2 * specials) & (pick < 2.5 * specials)
        flat[nans] = (nan | payload)[nans]
        flat[negative_nans] = (sign | nan | payload)[negative_nans]
        flat[zeros] = sign
        flat[minus_inf] = sign | nan
    return bits


def sentinel(dtype):
    if dtype == "bfloat16":
        return SENTINEL_BF16
    return SENTINEL[np.dtype(dtype).itemsize]


def guarded_buffer(case: Case):
    """(buffer, view, inside): a sentinel-filled buffer, the case's view of it
    holding random scores, and a boolean mask of the view's elements in the buffer."""
    rng = np.random.default_rng(case.seed)
    dt = np_dtype(case.dtype)
    buf = np.full(case.layout.buffer_shape(case.shape), sentinel(case.dtype),
                  dtype=UINT[dt.itemsize]).view(dt)
    view = case.layout.view(buf, case.shape)
    bits_of(view)[...] = random_bits(rng, case.shape, case.dtype, case.specials)
    inside = np.zeros(buf.shape, bool)
    case.layout.view(inside, case.shape)[...] = True
    return buf, view, inside


# --- the kernels under test ------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """A kernel family under test.

    ``run(x, backend, case)`` applies it in place to array ``x`` (NumPy array or
    torch tensor); ``definition(before, case)`` is the independent NumPy result;
    ``reference(before, case)`` the library's ``@njit`` reference's result (or
    None); ``compare(actual, wanted, case)`` asserts they agree (bit for bit, or
    within the dtype's tolerance). ``sim_rows`` caps the simulator's rows per case
    and ``sim_scale`` its number of cases; ``cpu_scale`` scales the cpu cases (each
    new variant compiles for seconds); ``mask_fns``: draw predicates too.
    """

    name: str
    run: Callable
    definition: Callable
    reference: Optional[Callable]
    compare: Callable
    sim_rows: int = SIZES["sim"].max_rows
    sim_scale: float = 1.0
    cpu_scale: float = 1.0
    mask_fns: bool = True
    shrink: bool = True


def _mask_reference(before, case):
    return nc.causal_mask_reference(before, fill=case.fill, **case.options)


MASK = Op(
    "mask",
    run=lambda x, backend, case: nc.apply_causal_mask(x, fill=case.fill, backend=backend,
                                                      **case.options),
    definition=lambda before, case: expected(before, masked_where(case.shape, **case.options),
                                             fill=case.fill),
    reference=_mask_reference,
    compare=lambda actual, wanted, case: assert_bits_equal(actual, wanted),
)


# --- softmax ---------------------------------------------------------------------

#: per dtype: (error allowed relative to the row's largest probability, as
#: numba_causal.softmax documents it; fraction bits of the output; its smallest
#: subnormal). An output may also be off by one unit in its last place (rounding).
SOFTMAX_TOLERANCE = {"float16": (1e-3, 10, 2.0**-24), "bfloat16": (1e-3, 7, 2.0**-133),
                     "float32": (1e-6, 23, 2.0**-149), "float64": (1e-12, 52, 5e-324)}


def softmax_definition(before, case):
    """float64 NumPy softmax of ``scale * scores`` over the kept keys, as
    numba_causal.softmax documents it: masked keys 0; a kept score of -inf counts
    as masked; a row with nothing kept is all zeros; a NaN or +inf among the kept
    scores makes the row's kept outputs NaN."""
    compute = np.float64 if case.dtype == "float64" else np.float32
    with np.errstate(invalid="ignore", over="ignore"):  # NaN payloads widen quietly
        x = before.astype(np.float64) * float(compute(case.scale))
    keep = ~masked_where(case.shape, **case.options) & ~np.isneginf(x)
    poisoned = (keep & (np.isnan(x) | np.isposinf(x))).any(axis=-1, keepdims=True)
    kept = np.where(keep & ~np.isnan(x), x, -np.inf)
    row_max = kept.max(axis=-1, keepdims=True, initial=-np.inf)
    live = row_max > -np.inf
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.where(keep & live, np.exp(kept - np.where(live, row_max, 0.0)), 0.0)
        p = e / np.where(live, e.sum(axis=-1, keepdims=True), 1.0)
    return np.where(keep & poisoned, np.nan, p)


def softmax_compare(actual, wanted, case):
    """Masked keys exactly +0.0; NaN exactly where the definition has NaN; elsewhere
    within the documented error."""
    keep = ~masked_where(case.shape, **case.options)
    bits = bits_of(actual)
    assert not bits[~keep].any(), "a masked key is not +0.0"
    with np.errstate(invalid="ignore"):
        got = np.asarray(actual).astype(np.float64)
        wanted = np.asarray(wanted).astype(np.float64)
    nan_differs = np.argwhere(np.isnan(got) != np.isnan(wanted))
    if nan_differs.size:
        at = tuple(nan_differs[0])
        raise AssertionError(f"NaN where the definition has none (or the reverse) at {at}: "
                             f"{got[at]!r} vs {wanted[at]!r}")
    of_row, fraction_bits, tiny = SOFTMAX_TOLERANCE[case.dtype]
    row_max = np.where(np.isnan(wanted), 0.0, wanted).max(axis=-1, keepdims=True, initial=0.0)
    allowed = of_row * row_max + np.abs(wanted) * 2.0**-fraction_bits + tiny
    ok = np.isnan(wanted) | (np.abs(got - wanted) <= allowed)
    bad = np.argwhere(~ok)
    assert bad.size == 0, f"{len(bad)} outputs off, first at {tuple(bad[0])}: " \
        f"{got[tuple(bad[0])]!r} != {wanted[tuple(bad[0])]!r}"


try:
    from numba_causal import softmax as _softmax
except ImportError:  # not written yet: its parameter is skipped
    _softmax = None

SOFTMAX = None if _softmax is None else Op(
    "softmax",
    run=lambda x, backend, case: _softmax.causal_softmax(x, out=x, scale=case.scale,
                                                         backend=backend, **case.options),
    definition=softmax_definition,
    reference=lambda before, case: _softmax.causal_softmax_reference(
        before, scale=case.scale, **case.options),
    compare=softmax_compare,
    sim_rows=2,  # a simulated softmax block (barriers between 32 threads) costs ~0.2 s
    sim_scale=0.5,
    cpu_scale=0.25,  # a new variant (dtype, options, layout) compiles for ~4 s on the CPU
    mask_fns=False,
    shrink=False,
)

OPS = [pytest.param(MASK, id="mask"),
       pytest.param(SOFTMAX, id="softmax", marks=pytest.mark.skipif(
           SOFTMAX is None, reason="numba_causal.softmax is not importable"))]


def check_case(op: Op, backend: str, case: Case):
    buf, view, inside = guarded_buffer(case)
    before_buf = buf.copy()
    before = view.copy()
    op.run(view, backend, case)
    want = op.definition(before, case)
    op.compare(view, want, case)
    assert_bits_equal(buf[~inside], before_buf[~inside])  # the guard band
    if op.reference is not None:
        op.compare(op.reference(before.copy(), case), want, case)


def sizes_for(op: Op, backend: str) -> Sizes:
    sizes = SIZES[backend]
    if backend == "sim":
        sizes = Sizes(sizes.seq, sizes.cache, sizes.outer, min(sizes.max_rows, op.sim_rows))
    return sizes


def examples_scale(op: Op, backend: str) -> float:
    return {"sim": op.sim_scale, "cpu": op.cpu_scale}.get(backend, 1.0)


# --- properties ---------------------------------------------------------------------

@pytest.mark.parametrize("op", OPS)
def test_matches_definition_and_reference(backend, op):
    """Any shape, view, dtype and options: kernel == NumPy definition == reference,
    and nothing outside the view is written."""

    @settings_for(backend, examples_scale(op, backend), op.shrink)
    @hypothesis.given(case=mask_cases(sizes_for(op, backend), mask_fns=op.mask_fns))
    def check(case):
        check_case(op, backend, case)

    check()


@pytest.mark.skipif(SOFTMAX is None, reason="numba_causal.softmax is not importable")
def test_softmax_separate_out_guard_bands(backend):
    """softmax into a separate ``out``, both views inside sentinel buffers: the
    scores' buffer is not written at all, ``out``'s only inside the view."""

    @settings_for(backend, examples_scale(SOFTMAX, backend) * 0.5, shrink=False)
    @hypothesis.given(case=mask_cases(sizes_for(SOFTMAX, backend), mask_fns=False),
                      out_layout=st.sampled_from(["same", "contiguous", "reversed keys"]))
    def check(case, out_layout):
        src_buf, src, _ = guarded_buffer(case)
        rank = len(case.shape)
        layout = {"same": case.layout,
                  "contiguous": Layout((1,) * rank, (1,) * rank, (1,) * rank, tuple(range(rank))),
                  "reversed keys": Layout((1,) * (rank - 1) + (-1,), (0,) * rank, (2,) * rank,
                                          tuple(range(rank)))}[out_layout]
        out_buf, out, inside = guarded_buffer(replace(case, layout=layout, seed=case.seed + 1))
        src_before, out_before = src_buf.copy(), out_buf.copy()
        result = _softmax.causal_softmax(src, out=out, scale=case.scale, backend=backend,
                                         **case.options)
        assert result is out
        assert_bits_equal(src_buf, src_before)
        assert_bits_equal(out_buf[~inside], out_before[~inside])
        softmax_compare(out, softmax_definition(src.copy(), case), case)

    check()


NAN_ROWS = {  # one row each, every key kept (causal=False); the documented result
    "NaN, -inf, 1": ([np.nan, -np.inf, 1.0], [np.nan, 0.0, np.nan]),
    "+inf, -inf, 1": ([np.inf, -np.inf, 1.0], [np.nan, 0.0, np.nan]),
    "NaN, -inf": ([np.nan, -np.inf], [np.nan, 0.0]),
    "NaN alone": ([np.nan], [np.nan]),
    "-inf, -inf, 1 (control)": ([-np.inf, -np.inf, 1.0], [0.0, 0.0, 1.0]),
    "NaN, 1 (control)": ([np.nan, 1.0], [np.nan, np.nan]),
}
@pytest.mark.skipif(SOFTMAX is None, reason="numba_causal.softmax is not importable")
@pytest.mark.parametrize("row", list(NAN_ROWS.values()), ids=list(NAN_ROWS))
def test_softmax_nan_rows(backend, row):
    """NaN, +inf and -inf among kept scores, as numba_causal.softmax documents them."""
    scores, documented = row
    x = np.array([scores, scores], dtype=np.float64)
    want = np.array([documented, documented])
    got = _softmax.causal_softmax(x.copy(), causal=False, backend=backend)
    ref = _softmax.causal_softmax_reference(x.copy(), causal=False)
    for result in (ref, got):
        assert np.array_equal(np.isnan(result), np.isnan(want)), result
        assert np.allclose(result[~np.isnan(want)], want[~np.isnan(want)]), result


def torch_cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device")
    return torch


def to_torch(torch, array, device):
    """A torch tensor on ``device`` holding ``array``'s bits (bfloat16 included)."""
    name = "bfloat16" if array.dtype == BF16 else str(array.dtype)
    ints = torch.from_numpy(np.ascontiguousarray(bits_of(array)).view(f"i{array.itemsize}"))
    return ints.to(device).view(getattr(torch, name))


def from_torch(torch, tensor, dtype):
    width = {2: torch.int16, 4: torch.int32, 8: torch.int64}[tensor.element_size()]
    return tensor.view(width).cpu().numpy().view(np_dtype(dtype))


@pytest.mark.gpu
@pytest.mark.parametrize("op", OPS)
def test_device_views_zero_copy(backend, op):
    """cuda/hip: torch tensors on the GPU (views with positive steps, any axis order)
    are masked in place; nothing else in the buffer changes."""
    if backend not in ("cuda", "hip"):
        pytest.skip("GPU backends only")
    torch = torch_cuda()

    @settings_for(backend, 0.3, op.shrink)
    @hypothesis.given(case=mask_cases(sizes_for(op, backend), mask_fns=op.mask_fns))
    def check(case):
        hypothesis.assume(not case.layout.has_negative_step)  # torch has no negative strides
        host_buf, host_view, inside = guarded_buffer(case)
        buf = to_torch(torch, host_buf, "cuda")
        view = case.layout.view(buf, case.shape)
        ptr = view.data_ptr()
        op.run(view, backend, case)
        torch.cuda.synchronize()
        assert view.data_ptr() == ptr
        got = from_torch(torch, buf, case.dtype)
        op.compare(case.layout.view(got, case.shape), op.definition(host_view.copy(), case), case)
        assert_bits_equal(got[~inside], host_buf[~inside])

    check()


def test_torch_cpu_tensors():
    """torch CPU tensors (bfloat16 included) on the cpu backend: same bits as NumPy."""
    torch = pytest.importorskip("torch")

    @settings_for("cpu", scale=0.3)
    @hypothesis.given(case=mask_cases(SIZES["cpu"], mask_fns=False))
    def check(case):
        hypothesis.assume(not case.layout.has_negative_step)
        host_buf, host_view, inside = guarded_buffer(case)
        buf = to_torch(torch, host_buf, "cpu")
        view = case.layout.view(buf, case.shape)
        MASK.run(view, "cpu", case)
        got = from_torch(torch, buf, case.dtype)
        MASK.compare(case.layout.view(got, case.shape), MASK.definition(host_view.copy(), case),
                     case)
        assert_bits_equal(got[~inside], host_buf[~inside])

    check()


# --- guard bands, explicitly ---------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("offset", [None, -3, 0, 5])
def test_guard_band_sentinel(backend, dtype, offset):
    """A view deep inside a sentinel-filled buffer: every byte outside the view keeps
    its sentinel; inside, the kept (lower) part keeps its bits exactly — NaNs with
    payloads of both signs, -0.0, subnormals — and only masked keys become -inf."""
    shape = (2, 2, 5, 9) if backend != "sim" else (1, 2, 3, 9)
    case = Case(shape, dtype, Layout(steps=(1, 2, 1, -1), before=(1, 0, 2, 3), after=(1, 1, 2, 3),
                                     perm=(0, 2, 1, 3)), {"offset": offset} if offset is not None
                else {}, float("-inf"), seed=7)
    buf, view, inside = guarded_buffer(case)
    specials = {2: [0x7E01, 0xFE3F, 0x8000, 0x0001, 0x7D5A],
                4: [0x7FC00001, 0xFFBFFFFF, 0x80000000, 0x00000001, 0x7FA5A5A5],
                8: [0x7FF8000000000001, 0xFFF7FFFFFFFFFFFF, 1 << 63, 1, 0x7FF5A5A5A5A5A5A5]}
    flat_bits = bits_of(view)
    values = np.array(specials[view.itemsize], dtype=flat_bits.dtype)
    flat_bits[...] = values[np.arange(view.size).reshape(shape) % len(values)]
    before_buf, before = buf.copy(), view.copy()
    nc.apply_causal_mask(view, backend=backend, offset=offset)
    where = masked_where(shape, offset=offset)
    assert_bits_equal(buf[~inside], before_buf[~inside])
    assert_bits_equal(view[~where], before[~where])
    assert np.all(np.isneginf(view[where].astype(np.float32)))


def test_interleaved_view_is_not_an_overlap(backend):
    """Strides that interleave (row stride 3 elements, key stride 2, 2 keys) without
    sharing an element: a view to mask, not an overlap to refuse."""
    buf = np.arange(6, dtype=np.float16).reshape(2, 3)
    view = buf[:, ::2]  # elements 0, 2 | 3, 5: no element twice
    before = view.copy()
    nc.apply_causal_mask(view, backend=backend)
    assert_bits_equal(view, expected(before, masked_where(view.shape)))
    assert_bits_equal(buf[:, 1], np.float16([1, 4]))
