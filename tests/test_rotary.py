"""apply_rotary on every backend against the two conventions written here in NumPy
float64 (Hugging Face's rotate_half formula; the interleaved pair formula): every
dtype, both layouts, rotary_dim < head_dim (the tail bit for bit), GQA k,
positions / offset / q_offsets, cos/sin tables vs base, strided views inside
guard bands, the vector and element paths, launch shapes, torch tensors, bad input.

Angles are computed as the issue defines them: ``inv_freq = base ** (-2j / rd)``
(float64, rounded to the compute type: float32 for 16-bit and float32 inputs,
float64 for float64), ``theta = compute(pos) * inv_freq`` in the compute type, then
cos/sin and the rotation in float64. Tolerance: |got - want| <= TOL * (|x_a| +
|x_b|) + half an ulp of ``want`` in the stored dtype (its own rounding).
"""

import dataclasses

import numpy as np
import pytest

import numba_causal as nc
from numba_causal import compile as kc
from numba_causal import rotary
from numba_causal.rotary import apply_rotary, rotary_reference
from helpers import DTYPES, bits_of, np_dtype, random_scores

# NaN payloads in the unrotated tail meet float64 casts and comparisons
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")

#: allowed error of the rotation, relative to |x_a| + |x_b| of the pair, beyond the
#: output's own rounding (float32 cos/sin and products: a few float32 ulps)
TOL = {"float16": 4e-6, "bfloat16": 4e-6, "float32": 4e-6, "float64": 1e-13}
FRACTION_BITS = {"float16": 10, "bfloat16": 7, "float32": 23, "float64": 52}


@pytest.fixture
def gpu_backend(backend):
    """The backends that run the GPU kernel source (sim, and cuda/hip where present)."""
    if backend == "cpu":
        pytest.skip("the GPU kernel's own paths; the cpu backend has none")
    return backend


# --- the independent definition ----------------------------------------------------------

def angles(positions, rotary_dim, dtype, base=10000.0):
    """theta [..., rotary_dim / 2] in the compute type of ``dtype``, as float64."""
    compute = np.float64 if dtype == "float64" else np.float32
    j = np.arange(rotary_dim // 2, dtype=np.float64)
    inv = (base ** (-2.0 * j / rotary_dim)).astype(compute)
    return (np.asarray(positions).astype(compute)[..., None] * inv).astype(np.float64)


def rotate_half_formula(x, cos, sin, rotary_dim):
    """Hugging Face: x * cat(c, c) + rotate_half(x) * cat(s, s) on the first
    rotary_dim elements; x [b, h, s, d] float64; cos, sin [b, 1, s, rd/2]."""
    out = x.copy()
    half = rotary_dim // 2
    r = x[..., :rotary_dim]
    rotate_half = np.concatenate((-r[..., half:], r[..., :half]), -1)
    out[..., :rotary_dim] = r * np.concatenate((cos, cos), -1) + \
        rotate_half * np.concatenate((sin, sin), -1)
    return out


def interleaved_formula(x, cos, sin, rotary_dim):
    """GPT-J / GLM: pairs (2j, 2j+1)."""
    out = x.copy()
    a, b = x[..., 0:rotary_dim:2], x[..., 1:rotary_dim:2]
    out[..., 0:rotary_dim:2] = a * cos - b * sin
    out[..., 1:rotary_dim:2] = b * cos + a * sin
    return out


def pair_scale(x, rotary_dim, interleaved):
    """|x_a| + |x_b| of the pair each element belongs to (x float64 [..., d])."""
    scale = np.abs(x).copy()
    if interleaved:
        a, b = x[..., 0:rotary_dim:2], x[..., 1:rotary_dim:2]
        scale[..., 0:rotary_dim:2] = scale[..., 1:rotary_dim:2] = np.abs(a) + np.abs(b)
    else:
        half = rotary_dim // 2
        both = np.abs(x[..., :half]) + np.abs(x[..., half:rotary_dim])
        scale[..., :half] = scale[..., half:rotary_dim] = both
    return scale


def wanted(x, pos_bs, dtype, rotary_dim=None, interleaved=False, layout="bhsd", base=10000.0,
           tables=None):
    """The float64 result for ``x`` (host array in ``layout``) at positions
    ``pos_bs`` [batch, seq_len]; ``tables``: (cos, sin) arrays used as they are."""
    x64 = np.asarray(x).astype(np.float64)
    if layout == "bshd":
        x64 = x64.transpose(0, 2, 1, 3)
    rd = rotary_dim or x64.shape[-1]
    if tables is None:
        theta = angles(pos_bs, rd, dtype, base)
        cos, sin = np.cos(theta), np.sin(theta)
    else:
        cos = np.asarray(tables[0]).astype(np.float64)[pos_bs]
        sin = np.asarray(tables[1]).astype(np.float64)[pos_bs]
    cos, sin = cos[:, None], sin[:, None]
    formula = interleaved_formula if interleaved else rotate_half_formula
    out = formula(x64, cos, sin, rd)
    return out.transpose(0, 2, 1, 3) if layout == "bshd" else out


def assert_rotated(got, before, want, dtype, rotary_dim=None, interleaved=False,
                   layout="bhsd"):
    """``got`` against float64 ``want``; the unrotated tail bit for bit as ``before``."""
    got64 = np.asarray(got).astype(np.float64)
    x64 = np.asarray(before).astype(np.float64)
    d = got64.shape[-1]
    rd = rotary_dim or d
    scale = pair_scale(x64, rd, interleaved)
    allowed = TOL[dtype] * scale + np.abs(want) * 2.0 ** -(FRACTION_BITS[dtype] + 1)
    if dtype == "float16":
        allowed += 2.0 ** -25  # half the smallest subnormal
    err = np.abs(got64 - want)[..., :rd]
    assert not np.isnan(got64[..., :rd]).any(), "NaN in the rotated elements"
    bad = err > allowed[..., :rd]
    if bad.any():
        at = tuple(np.argwhere(bad)[0])
        raise AssertionError(f"{dtype}: {bad.sum()} elements off, first at {at}: got "
                             f"{got64[at]!r}, want {want[at]!r} (allowed {allowed[at]:.3g})")
    tail_now = bits_of(np.asarray(got))[..., rd:]
    tail_before = bits_of(np.asarray(before))[..., rd:]
    assert np.array_equal(tail_now, tail_before), "the tail past rotary_dim changed"


def positions_of(batch, seq_len, offset=0, q_offsets=None, positions=None):
    """[batch, seq_len] positions by the issue's rule."""
    if positions is not None:
        return np.broadcast_to(np.asarray(positions), (batch, seq_len))
    start = np.full(batch, offset) if q_offsets is None else np.asarray(q_offsets)
    return start[:, None] + np.arange(seq_len)[None, :]


def make(rng, shape, dtype, layout="bhsd", specials_tail=0):
    """Random q-like array in ``layout`` (shape given as [b, h, s, d])."""
    b, h, s, d = shape
    x = random_scores(rng, (b, s, h, d) if layout == "bshd" else shape, dtype, specials=False)
    if specials_tail:  # NaN payloads and -0.0 in the tail: they must come back bit for bit
        x[..., -specials_tail:] = random_scores(rng, x[..., -specials_tail:].shape, dtype)
    return x


# --- the conventions, every dtype, both layouts -------------------------------------------

@pytest.mark.parametrize("interleaved", [False, True], ids=["rotate_half", "interleaved"])
@pytest.mark.parametrize("layout", ["bhsd", "bshd"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_formula(backend, rng, dtype, layout, interleaved):
    """q [2, 3, 5, 16] and a GQA k of 1 head, offset 3."""
    q = make(rng, (2, 3, 5, 16), dtype, layout)
    k = make(rng, (2, 1, 5, 16), dtype, layout)
    q0, k0 = q.copy(), k.copy()
    pos = positions_of(2, 5, offset=3)
    got = apply_rotary(q, k, offset=3, interleaved=interleaved, layout=layout, backend=backend)
    assert got[0] is q and got[1] is k
    for x, x0 in ((q, q0), (k, k0)):
        assert_rotated(x, x0, wanted(x0, pos, dtype, interleaved=interleaved, layout=layout),
                       dtype, interleaved=interleaved, layout=layout)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rotary_dim, head_dim, interleaved",
                         [(8, 24, False), (8, 16, True), (16, 24, False), (2, 6, True)],
                         ids=["partial", "glm", "partial16", "one_pair"])
def test_rotary_dim_leaves_the_tail_bit_exact(backend, rng, dtype, rotary_dim, head_dim,
                                              interleaved):
    """Only the first rotary_dim elements rotate; the tail (NaN payloads, -0.0
    included) keeps its bits. GLM: rotary_dim = head_dim / 2, interleaved."""
    q = make(rng, (1, 2, 4, head_dim), dtype, specials_tail=head_dim - rotary_dim)
    q0 = q.copy()
    assert apply_rotary(q, offset=5, rotary_dim=rotary_dim, interleaved=interleaved,
                        backend=backend) is q
    want = wanted(q0, positions_of(1, 4, offset=5), dtype, rotary_dim, interleaved)
    assert_rotated(q, q0, want, dtype, rotary_dim, interleaved)


POSITION_CASES = {
    "positions [b, s]": lambda rng: dict(positions=rng.integers(0, 3000, size=(2, 4))),
    "positions [s]": lambda rng: dict(positions=np.array([7, 0, 2, 2], np.int32)),
    "negative positions": lambda rng: dict(positions=np.array([-3, -1, 0, 9])),
    "q_offsets": lambda rng: dict(q_offsets=np.array([5, 1000])),
    "offset": lambda rng: dict(offset=4095),
    "default": lambda rng: dict(),
}


@pytest.mark.parametrize("case", POSITION_CASES, ids=list(POSITION_CASES))
def test_positions(backend, rng, case):
    options = POSITION_CASES[case](rng)
    for dtype in ("float32", "float16"):
        q = make(rng, (2, 2, 4, 16), dtype, "bshd")
        k = make(rng, (2, 3, 4, 16), dtype, "bshd")
        q0, k0 = q.copy(), k.copy()
        apply_rotary(q, k, layout="bshd", backend=backend, **options)
        pos = positions_of(2, 4, **options)
        for x, x0 in ((q, q0), (k, k0)):
            assert_rotated(x, x0, wanted(x0, pos, dtype, layout="bshd"), dtype, layout="bshd")


def test_positions_change_the_result(backend, rng):
    """A wrong position rule cannot pass: offset 1 differs from offset 0, and rows
    holding the same vector rotate by their own positions."""
    q = np.repeat(make(rng, (1, 1, 1, 8), "float32"), 3, axis=2)
    a = apply_rotary(q.copy(), offset=0, backend=backend)
    b = apply_rotary(q.copy(), offset=1, backend=backend)
    assert not np.allclose(a[0, 0, 1:], b[0, 0, 1:])
    np.testing.assert_allclose(a[0, 0, 1], b[0, 0, 0], rtol=0, atol=1e-6)


@pytest.mark.parametrize("table_dtype", ["same", "float32"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tables(backend, rng, dtype, table_dtype):
    """cos/sin tables [max_position, rd/2] are used as they are (base ignored); with
    the base's own values they agree with the base route."""
    tdt = np_dtype(dtype if table_dtype == "same" else "float32")
    theta = angles(np.arange(40), 12, dtype)
    cos, sin = np.cos(theta).astype(tdt), np.sin(theta).astype(tdt)
    q = make(rng, (2, 2, 3, 16), dtype)
    q0 = q.copy()
    positions = rng.integers(0, 40, size=(2, 3))
    apply_rotary(q, positions=positions, cos=cos, sin=sin, base=3.0, rotary_dim=12,
                 backend=backend)
    assert_rotated(q, q0, wanted(q0, positions, dtype, 12, tables=(cos, sin)), dtype, 12)
    if dtype in ("float32", "float64") and table_dtype == "same":
        by_base = apply_rotary(q0.copy(), positions=positions, rotary_dim=12, backend=backend)
        np.testing.assert_allclose(q, by_base, rtol=0, atol=1e-5)


def test_tables_are_not_the_base(backend, rng):
    """Tables of another frequency give another result: the kernel reads them."""
    theta = angles(np.arange(8), 8, "float32", base=50.0)
    q = make(rng, (1, 1, 8, 8), "float32")
    by_table = apply_rotary(q.copy(), cos=np.cos(theta).astype(np.float32),
                            sin=np.sin(theta).astype(np.float32), backend=backend)
    by_base = apply_rotary(q.copy(), backend=backend)
    by_50 = apply_rotary(q.copy(), base=50.0, backend=backend)
    assert not np.allclose(by_table, by_base, atol=1e-3)
    np.testing.assert_allclose(by_table, by_50, rtol=0, atol=1e-5)


# --- memory: strided views, guard bands, paths ---------------------------------------------

VIEWS = {
    "heads strided": lambda buf: buf[1:3, ::2, 1:6, 2:18],
    "element stride 2": lambda buf: buf[1:3, 1:4, 1:6, 2:34:2],
    "reversed seq": lambda buf: buf[1:3, 1:4, 6:1:-1, 2:18],
    "reversed head_dim": lambda buf: buf[0:2, 1:4, 1:6, 17:1:-1],
    "transposed": lambda buf: buf[1:3, 1:6, 1:4, 2:18].transpose(0, 2, 1, 3),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", VIEWS, ids=list(VIEWS))
def test_strided_views_inside_guard_bands(backend, rng, view, dtype):
    """q and k are strided views of buffers full of NaN payloads and -0.0: nothing
    outside them changes, bit for bit."""
    bufs = [random_scores(rng, (4, 6, 8, 36), dtype) for _ in range(2)]
    q, k = (VIEWS[view](buf) for buf in bufs)
    q[...] = random_scores(rng, q.shape, dtype, specials=False)
    k[...] = random_scores(rng, k.shape, dtype, specials=False)
    inside = [np.zeros(buf.shape, bool) for buf in bufs]
    for mask in inside:
        VIEWS[view](mask)[...] = True
    before = [bits_of(buf).copy() for buf in bufs]
    q0, k0 = q.copy(), k.copy()
    apply_rotary(q, k, q_offsets=[2, 9], backend=backend)
    for buf, bits, mask in zip(bufs, before, inside):
        assert np.array_equal(bits_of(buf)[~mask], bits[~mask]), "wrote outside the view"
    pos = positions_of(q.shape[0], q.shape[2], q_offsets=[2, 9])
    for x, x0 in ((q, q0), (k, k0)):
        assert_rotated(x, x0, wanted(x0, pos, dtype), dtype)


def compiled_vec(backend):
    """The VEC constants of the rotary GPU kernels compiled so far for ``backend``."""
    return {entry.constants["VEC"] for entry in kc.compiled(backend, "rotary_kernel")}


@pytest.mark.parametrize("interleaved", [False, True], ids=["rotate_half", "interleaved"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_vector_and_element_paths_agree(gpu_backend, rng, dtype, interleaved):
    """Contiguous, 16-byte aligned head vectors go through 16-byte chunks; the same
    values in a strided view go element by element; both match the definition."""
    q = make(rng, (2, 2, 3, 32), dtype)
    holder = np.zeros((2, 2, 3, 64), q.dtype)
    holder[..., ::2] = q
    q0 = q.copy()
    want = wanted(q0, positions_of(2, 3, offset=6), dtype, interleaved=interleaved)
    apply_rotary(q, offset=6, interleaved=interleaved, backend=gpu_backend)
    vec = rotary.chunk_elements(dtype)
    if gpu_backend == "sim":
        assert q.ctypes.data % 16 == 0
        assert vec in compiled_vec("sim")
        apply_rotary(holder[..., ::2], offset=6, interleaved=interleaved, backend="sim")
        by_element = holder[..., ::2]
    else:
        torch = pytest.importorskip("torch")
        device = torch.from_numpy(bits_of(holder).view(f"i{q.dtype.itemsize}")).cuda()
        apply_rotary(device.view(getattr(torch, dtype))[..., ::2], offset=6,
                     interleaved=interleaved, backend=gpu_backend)
        by_element = device[..., ::2].cpu().numpy().view(bits_of(q).dtype).view(q.dtype)
    assert_rotated(q, q0, want, dtype, interleaved=interleaved)
    assert_rotated(by_element, q0, want, dtype, interleaved=interleaved)
    assert compiled_vec(gpu_backend) >= {1, vec}


@pytest.mark.parametrize("table_dtype", ["same", "float32"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_contiguous_and_strided_tables_agree(gpu_backend, rng, monkeypatch, dtype, table_dtype):
    """The same cos/sin values in contiguous and in strided tables give the same
    bits, and match the definition (on the vector path: rotary_dim / 2 of 16 pairs):
    the contiguous tables are read as 16-byte chunks (TABLE_VEC), the strided ones
    entry by entry where the kernel reads them in place (the simulator; a GPU
    backend copies host tables into contiguous device arrays: chunks both times)."""
    tdt = np_dtype(dtype if table_dtype == "same" else "float32")
    theta = angles(np.arange(20), 32, dtype)
    tables = [np.cos(theta).astype(tdt), np.sin(theta).astype(tdt)]
    holders = [np.zeros((20, 32), tdt) for _ in tables]
    for holder, table in zip(holders, tables):
        holder[:, ::2] = table
    strided = [holder[:, ::2] for holder in holders]
    q = make(rng, (2, 2, 3, 32), dtype)
    q0 = q.copy()
    positions = rng.integers(0, 20, size=(2, 3))
    table_reads, constants_of = [], rotary.kernel_constants

    def constants_spy(*args, **kwargs):
        constants = constants_of(*args, **kwargs)
        table_reads.append(constants["TABLE_VEC"])
        return constants

    monkeypatch.setattr(rotary, "kernel_constants", constants_spy)
    by_contiguous = apply_rotary(q.copy(), positions=positions, cos=tables[0], sin=tables[1],
                             backend=gpu_backend)
    by_strided = apply_rotary(q.copy(), positions=positions, cos=strided[0], sin=strided[1],
                              backend=gpu_backend)
    assert_rotated(by_contiguous, q0, wanted(q0, positions, dtype, tables=tables), dtype)
    assert np.array_equal(bits_of(by_contiguous), bits_of(by_strided))
    assert table_reads == [True, nc.get_backend(gpu_backend).on_device]


@pytest.mark.parametrize("preload", [True, False], ids=["preload", "load_late"])
@pytest.mark.parametrize("threads", [1, 2, 4, 8])
def test_launch_shapes(rng, monkeypatch, threads, preload):
    """Few lanes per block (sim): a lane loops over chunks, rows and several heads
    per step (odd head counts leave a step's second head unused); the first step
    loaded before the trig (cuda) or after it (hip)."""
    monkeypatch.setitem(rotary.THREADS_BY_BACKEND, "sim", threads)
    monkeypatch.setitem(rotary.PRELOAD_BY_BACKEND, "sim", preload)
    for dtype, d in (("float32", 64), ("float16", 32), ("float64", 8)):
        q = make(rng, (2, 5, 3, d), dtype, "bshd")
        k = make(rng, (2, 3, 3, d), dtype, "bshd")
        q0, k0 = q.copy(), k.copy()
        apply_rotary(q, k, positions=[4, 1, 8], layout="bshd", backend="sim")
        pos = positions_of(2, 3, positions=[4, 1, 8])
        for x, x0 in ((q, q0), (k, k0)):
            assert_rotated(x, x0, wanted(x0, pos, dtype, layout="bshd"), dtype, layout="bshd")


def test_folded_grid(gpu_backend, rng):
    """A grid clipped to 2 blocks: the row loop covers every row."""
    clipped = dataclasses.replace(nc.get_backend(gpu_backend), grid_limits=(2, 1, 1))
    q = make(rng, (3, 2, 7, 16), "float32")
    q0 = q.copy()
    apply_rotary(q, q_offsets=[0, 3, 8], backend=clipped)
    assert_rotated(q, q0, wanted(q0, positions_of(3, 7, q_offsets=[0, 3, 8]), "float32"),
                   "float32")


def test_torch_tensors(backend, rng):
    torch = pytest.importorskip("torch")
    for dtype, name in ((torch.float32, "float32"), (torch.bfloat16, "bfloat16"),
                        (torch.float16, "float16")):
        gen = torch.Generator().manual_seed(int(rng.integers(1 << 30)))
        q = torch.randn(2, 5, 4, 16, generator=gen).to(dtype)
        k = torch.randn(2, 5, 2, 16, generator=gen).to(dtype)
        q0, k0 = q.clone(), k.clone()
        positions = torch.tensor([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]])
        got = apply_rotary(q, k, positions=positions, layout="bshd", backend=backend)
        assert got[0] is q and got[1] is k
        for x, x0 in ((q, q0), (k, k0)):
            want = wanted(x0.float().numpy(), positions.numpy(), name, layout="bshd")
            assert_rotated(x.float().numpy(), x0.float().numpy(), want,
                           "float32" if name == "float32" else name, layout="bshd")


def test_kernel_matches_njit_reference(backend, rng):
    for dtype in DTYPES:
        q = make(rng, (2, 3, 4, 16), dtype)
        k = make(rng, (2, 1, 4, 16), dtype)
        options = dict(q_offsets=[1, 7], rotary_dim=12, interleaved=True)
        ref_q, ref_k = rotary_reference(q.copy(), k.copy(), **options)
        got_q, got_k = apply_rotary(q.copy(), k.copy(), backend=backend, **options)
        for got, ref in ((got_q, ref_q), (got_k, ref_k)):
            np.testing.assert_allclose(got.astype(np.float64), ref.astype(np.float64), rtol=0,
                                       atol=2.0 ** -FRACTION_BITS[dtype] * 8)


def test_reference_matches_formula(rng):
    for dtype in DTYPES:
        for interleaved in (False, True):
            q = make(rng, (2, 2, 3, 12), dtype, specials_tail=4)
            q0 = q.copy()
            assert rotary_reference(q, offset=11, rotary_dim=8, interleaved=interleaved) is q
            want = wanted(q0, positions_of(2, 3, offset=11), dtype, 8, interleaved)
            assert_rotated(q, q0, want, dtype, 8, interleaved)


@pytest.mark.parametrize("shape", [(0, 2, 3, 4), (2, 0, 3, 4), (2, 2, 0, 4)])
def test_zero_size(backend, shape):
    q = np.empty(shape, np.float32)
    assert apply_rotary(q, backend=backend) is q


# --- GPU-only -------------------------------------------------------------------------------

def _cuda_torch():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device here")
    return torch


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_torch_cuda_tensors_zero_copy_with_device_positions(dtype):
    """torch GPU tensors are rotated in place on the GPU; positions in a GPU tensor
    stay there (with tables their range is checked first)."""
    torch = _cuda_torch()
    backend = "cuda" if "cuda" in nc.available_backends() else "hip"
    dt = getattr(torch, dtype)
    q = torch.randn(4, 1, 8, 64, device="cuda", dtype=dt)
    k = torch.randn(4, 1, 2, 64, device="cuda", dtype=dt)
    q0, k0 = q.cpu().float().numpy(), k.cpu().float().numpy()
    ptr = q.data_ptr()
    positions = torch.tensor([[5], [0], [4000], [77]], device="cuda")
    theta = angles(np.arange(4096), 64, dtype)
    cos = torch.from_numpy(np.cos(theta)).to("cuda", dt)
    sin = torch.from_numpy(np.sin(theta)).to("cuda", dt)
    for kwargs in (dict(), dict(cos=cos, sin=sin)):
        qq, kk = q.clone(), k.clone()
        apply_rotary(qq, kk, positions=positions, layout="bshd", backend=backend, **kwargs)
        tables = None if not kwargs else (cos.cpu().double().numpy(), sin.cpu().double().numpy())
        pos = positions.cpu().numpy()
        for x, x0 in ((qq, q0), (kk, k0)):
            want = wanted(x0, pos, dtype, layout="bshd", tables=tables)
            assert_rotated(x.cpu().float().numpy(), x0, want,
                           "float32" if dtype == "float32" else dtype, layout="bshd")
    apply_rotary(q, positions=positions, layout="bshd", backend=backend)
    assert q.data_ptr() == ptr
    with pytest.raises(ValueError, match="positions must lie in"):
        apply_rotary(q, positions=positions, cos=cos[:100], sin=sin[:100], layout="bshd",
                     backend=backend)


@pytest.mark.gpu
def test_large_prefill_of_torch_cuda_tensors():
    """The benchmark's shape, rotated once, against float64 on the device."""
    torch = _cuda_torch()
    backend = "cuda" if "cuda" in nc.available_backends() else "hip"
    q = torch.randn(2, 4096, 32, 128, device="cuda", dtype=torch.float16)
    k = torch.randn(2, 4096, 8, 128, device="cuda", dtype=torch.float16)
    q0, k0 = q.double(), k.double()
    apply_rotary(q, k, layout="bshd", backend=backend)
    inv = torch.from_numpy(rotary.inverse_frequencies(10000.0, 128, "float32")).cuda()
    theta = (torch.arange(4096, device="cuda", dtype=torch.float32)[:, None] * inv).double()
    c, s = theta.cos()[None, :, None], theta.sin()[None, :, None]
    for x, x0 in ((q, q0), (k, k0)):
        a, b = x0[..., :64], x0[..., 64:]
        want = torch.cat((a * c - b * s, b * c + a * s), -1)
        err = ((x.double() - want).abs() - want.abs() * 2.0**-11).max().item()
        assert err <= 1e-3, err


# --- bad input ----------------------------------------------------------------------------

def _overlapping(q):
    buf = np.concatenate([q, q], axis=1)
    return dict(q=buf[:, :2], k=buf[:, 1:3])


BAD = {
    "integer q": (lambda q, k: dict(q=q.astype(np.int32)), TypeError),
    "3-D q": (lambda q, k: dict(q=q[0]), ValueError),
    "q a list": (lambda q, k: dict(q=q.tolist()), TypeError),
    "read-only q": (lambda q, k: dict(q=_read_only(q)), ValueError),
    "k of another dtype": (lambda q, k: dict(k=k.astype(np.float64)), TypeError),
    "k of another seq_len": (lambda q, k: dict(k=k[:, :, :2]), ValueError),
    "k of another head_dim": (lambda q, k: dict(k=k[..., :4]), ValueError),
    "k overlapping q": (lambda q, k: _overlapping(q), ValueError),
    "odd rotary_dim": (lambda q, k: dict(rotary_dim=3), ValueError),
    "rotary_dim > head_dim": (lambda q, k: dict(rotary_dim=10), ValueError),
    "rotary_dim 0": (lambda q, k: dict(rotary_dim=0), ValueError),
    "rotary_dim a float": (lambda q, k: dict(rotary_dim=4.0), TypeError),
    "layout unknown": (lambda q, k: dict(layout="sbhd"), ValueError),
    "interleaved a string": (lambda q, k: dict(interleaved="yes"), TypeError),
    "base 0": (lambda q, k: dict(base=0.0), ValueError),
    "base a string": (lambda q, k: dict(base="1e4"), TypeError),
    "base nan": (lambda q, k: dict(base=float("nan")), ValueError),
    "positions of floats": (lambda q, k: dict(positions=np.zeros((2, 3))), TypeError),
    "positions of the wrong shape": (lambda q, k: dict(positions=np.zeros((3, 2), int)),
                                     ValueError),
    "positions and q_offsets": (lambda q, k: dict(positions=[0, 1, 2], q_offsets=[0, 1]),
                                ValueError),
    "positions and offset": (lambda q, k: dict(positions=[0, 1, 2], offset=3), ValueError),
    "q_offsets of the wrong length": (lambda q, k: dict(q_offsets=[1, 2, 3]), ValueError),
    "offset a float": (lambda q, k: dict(offset=1.5), TypeError),
    "cos without sin": (lambda q, k: dict(cos=np.ones((8, 4), np.float32)), ValueError),
    "cos of the wrong width": (lambda q, k: _tables(8, 3), ValueError),
    "cos 1-D": (lambda q, k: dict(cos=np.ones(8, np.float32), sin=np.ones(8, np.float32)),
                ValueError),
    "cos of float64 for float32 q": (lambda q, k: _tables(8, 4, np.float64), TypeError),
    "cos and sin of other shapes": (lambda q, k: dict(cos=np.ones((8, 4), np.float32),
                                                      sin=np.ones((9, 4), np.float32)),
                                    ValueError),
    "position past the table": (lambda q, k: dict(offset=6, **_tables(8, 4)), ValueError),
    "negative position with a table": (lambda q, k: dict(positions=[0, -1, 2], **_tables(8, 4)),
                                       ValueError),
    "q_offset past the table": (lambda q, k: dict(q_offsets=[0, 6], **_tables(8, 4)),
                                ValueError),
    "unknown backend": (lambda q, k: dict(backend="tpu"), ValueError),
}


def _read_only(q):
    q = q.copy()
    q.flags.writeable = False
    return q


def _tables(rows, width, dtype=np.float32):
    return dict(cos=np.ones((rows, width), dtype), sin=np.zeros((rows, width), dtype))


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_raises_before_any_write(backend, rng, case):
    make_kwargs, error = BAD[case]
    q = make(rng, (2, 2, 3, 8), "float32")
    k = make(rng, (2, 1, 3, 8), "float32")
    kwargs = dict(q=q, k=k, backend=backend)
    kwargs.update(make_kwargs(q, k))
    arrays = [a for a in (kwargs["q"], kwargs["k"], q, k)
              if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    before = [bits_of(a).copy() for a in arrays]
    with pytest.raises(error) as info:
        apply_rotary(kwargs.pop("q"), **kwargs)
    assert str(info.value)
    for array, bits in zip(arrays, before):
        assert np.array_equal(bits_of(array), bits), "written before the error"


def test_error_messages_name_the_problem(rng):
    q = make(rng, (1, 2, 3, 8), "float32")
    with pytest.raises(ValueError, match=r"positions must lie in \[0, 8\).*from 6 to 8"):
        apply_rotary(q, offset=6, **_tables(8, 4), backend="cpu")
    with pytest.raises(ValueError, match="rotary_dim must be even"):
        apply_rotary(q, rotary_dim=5, backend="cpu")
    with pytest.raises(TypeError, match="cos must have q's dtype"):
        apply_rotary(q, **_tables(8, 4, np.float16), backend="cpu")


def _fresh_fast_path():
    """(torch, fastpath) with the fast path's cache emptied; skips without torch CUDA
    or the cuda backend (the fast path is numba-cuda's)."""
    torch = _cuda_torch()
    if "cuda" not in nc.available_backends():
        pytest.skip("the fast path is numba-cuda's")
    from numba_causal import fastpath

    fastpath.clear()
    return torch, fastpath


@pytest.mark.gpu
def test_torch_cuda_repeated_call_replays_the_launch():
    """A second identical call on torch CUDA tensors replays the recorded launch
    (fastpath.py): it rotates again, by the same angles."""
    torch, fastpath = _fresh_fast_path()
    q = torch.randn(3, 4, 2, 32, device="cuda")
    k = torch.randn(3, 4, 1, 32, device="cuda")
    q0, k0 = q.cpu().numpy(), k.cpu().numpy()
    key = rotary._fast_key(q, k, None, 5, None, None, None, 10000.0, None, False, "bshd", "cuda")
    assert key is not None
    for _ in range(2):
        apply_rotary(q, k, offset=5, layout="bshd", backend="cuda")
    assert fastpath.launch_known(key, q, rotary._no_plan)  # a third rotation, replayed
    torch.cuda.synchronize()
    pos = positions_of(3, 4, offset=5)
    for x, x0 in ((q, q0), (k, k0)):  # three rotations by theta: one by 3 theta
        want = wanted(x0, 3 * pos, "float32", layout="bshd")
        np.testing.assert_allclose(x.cpu().numpy(), want, rtol=0, atol=1e-4)


@pytest.mark.gpu
def test_dependent_replays_wait_for_the_kernels_before_them():
    """On an sm_90 GPU a replayed apply_rotary is a programmatic dependent launch
    (op.dependent_launches). Right before each call torch kernels write new q and k
    (negating other tensors); right after it one reads them. Every call rotates its
    new contents, once: the launch waited for the kernels before it."""
    torch, fastpath = _fresh_fast_path()
    q = torch.empty(3, 4, 2, 32, device="cuda")
    k = torch.empty(3, 4, 1, 32, device="cuda")
    pos = positions_of(3, 4, offset=5)
    for _ in range(3):
        q_src, k_src = torch.randn_like(q), torch.randn_like(k)
        torch.neg(q_src, out=q)
        torch.neg(k_src, out=k)
        apply_rotary(q, k, offset=5, layout="bshd", backend="cuda")
        for x, src in ((q * 1, q_src), (k * 1, k_src)):
            want = wanted(-src.cpu().numpy(), pos, "float32", layout="bshd")
            np.testing.assert_allclose(x.cpu().numpy(), want, rtol=0, atol=1e-4)
    dependent = torch.cuda.get_device_capability() >= (9, 0)
    replays = list(fastpath._CACHE.values())
    assert replays and all((r._dependent is not None) == dependent for r in replays)


def test_benchmark_rows_on_the_cpu():
    """The family's benchmark checks its result before timing and reports its floor."""
    from numba_causal import bench

    result = bench.run_benchmark("cpu", "quick", repeats=1, progress=False, ops=("rotary",))
    (row,) = result["rows"]
    assert row.op == "rotary base" and row.shape == (1, 64, 4, 2, 64) and row.dtype == "float32"
    assert row.floor_ms > 0 and row.ms > 0 and row.max_rel_error <= rotary.TOLERANCE["float32"]
    assert "numpy formula" in row.peers
    assert rotary.bench_case((2, 8, 4, 64), "bfloat16+table") == (2, 8, 4, 4, 64, "bfloat16", True)
    with pytest.raises(ValueError):
        rotary.bench_case((2, 8, 4, 64), "float16+cache")


def test_k_rotates_when_q_has_no_heads(backend, rng):
    """k's head count may differ from q's, down to q having none: k is still rotated."""
    q = make(rng, (1, 0, 5, 16), "float32")
    k = make(rng, (1, 2, 5, 16), "float32")
    k0 = k.copy()
    apply_rotary(q, k, offset=3, backend=backend)
    assert_rotated(k, k0, wanted(k0, positions_of(1, 5, offset=3), "float32"), "float32")


@pytest.mark.parametrize("operand", ["q", "k"])
def test_tables_overlapping_a_rotated_array_are_refused(backend, rng, operand):
    """A cos or sin table that shares memory with q or k (rotated in place while the
    table is read) is refused before anything is written."""
    q = make(rng, (1, 1, 10, 16), "float32")
    k = make(rng, (1, 1, 10, 16), "float32")
    before = q.copy(), k.copy()
    shared = (q if operand == "q" else k)[0, 0, ::-1, :8]
    with pytest.raises(ValueError, match=f"cos overlaps {operand}"):
        apply_rotary(q, k, cos=shared, sin=rng.standard_normal((10, 8)).astype(np.float32),
                     backend=backend)
    assert np.array_equal(bits_of(q), bits_of(before[0]))
    assert np.array_equal(bits_of(k), bits_of(before[1]))


def test_empty_lists_are_integers(backend):
    """An empty list of positions (seq_len 0) is an empty integer array, as NumPy
    would not make it (float64)."""
    q = np.zeros((2, 1, 0, 8), np.float32)
    assert apply_rotary(q, positions=[], backend=backend) is q
