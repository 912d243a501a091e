"""causal_attention against an independent float64 NumPy definition, on every backend.

The oracle is ``softmax(scale * q k^T masked) v`` written here with NumPy
broadcasting (the mask from tests/helpers.masked_where), in float64 on the very
rounded inputs the kernel reads. Simulator shapes stay tiny: it runs a Python
thread per lane.
"""

import math
import os
import sys
import types

import numpy as np
import pytest

from numba_causal import attention as A
from numba_causal import fastpath
from numba_causal.attention import causal_attention, causal_attention_reference
from numba_causal.backends import get_backend

from helpers import DTYPES, masked_where, np_dtype

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: max |ours - float64| over the row's largest |value|: the output's own rounding
#: plus float32 accumulation
TOL = {"float16": 2e-3, "bfloat16": 1.6e-2, "float32": 2e-6, "float64": 1e-12}


def definition(q, k, v, scale=None, **mask):
    """(out, lse) in float64: softmax over the kept keys of scale * q.k, times v."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    batch, heads_q, seq_len, head_dim = q.shape
    heads_kv, cache_len = k.shape[1], k.shape[2]
    scale = 1 / math.sqrt(head_dim) if scale is None else scale
    kk = np.repeat(k, heads_q // heads_kv, axis=1)
    vv = np.repeat(v, heads_q // heads_kv, axis=1)
    z = scale * (q @ kk.transpose(0, 1, 3, 2))
    masked = masked_where((batch, heads_q, seq_len, cache_len), **mask)
    z = np.where(masked, -np.inf, z)
    top = z.max(-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(z - top)
    total = e.sum(-1, keepdims=True)
    live = total > 0
    out = np.where(live, (e @ vv) / np.where(live, total, 1), 0.0)
    lse = np.where(live[..., 0], np.log(np.where(live, total, 1))[..., 0] + top[..., 0], -np.inf)
    return out, lse


def make(rng, shape, dtype, head_dim_v=None):
    batch, heads_q, heads_kv, seq_len, cache_len, head_dim = shape
    dt = np_dtype(dtype)
    q = rng.standard_normal((batch, heads_q, seq_len, head_dim)).astype(dt)
    k = rng.standard_normal((batch, heads_kv, cache_len, head_dim)).astype(dt)
    v = rng.standard_normal((batch, heads_kv, cache_len, head_dim_v or head_dim)).astype(dt)
    return q, k, v


def check(got, want, dtype):
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == want.shape
    assert not np.isnan(got).any()
    scale = np.maximum(np.abs(want).max(-1, keepdims=True), 1e-30)
    err = (np.abs(got - want) / scale).max()
    assert err <= TOL[dtype], f"max relative error {err:.3e} > {TOL[dtype]}"


def check_lse(got, want):
    got = np.asarray(got, dtype=np.float64)
    assert np.array_equal(np.isneginf(got), np.isneginf(want))
    finite = np.isfinite(want)
    assert np.allclose(got[finite], want[finite], rtol=1e-5, atol=1e-5)


@pytest.fixture
def gpu_backend(backend):
    """The backends that run the GPU kernel source (sim, and cuda/hip where present)."""
    if backend == "cpu":
        pytest.skip("the GPU kernel's own paths")
    return backend


# --- definition: every dtype, GQA, dims --------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_float64_definition(backend, rng, dtype):
    q, k, v = make(rng, (2, 4, 2, 3, 21, 8), dtype, head_dim_v=16)
    out, lse = causal_attention(q, k, v, return_lse=True, backend=backend)
    want, want_lse = definition(q, k, v)
    assert out.dtype == q.dtype and out.shape == (2, 4, 3, 16)
    assert lse.dtype == (np.float64 if dtype == "float64" else np.float32)
    check(out, want, dtype)
    check_lse(lse, want_lse)


@pytest.mark.parametrize("ratio", [1, 2, 4, 8])
@pytest.mark.parametrize("head_dim, head_dim_v", [(64, 64), (80, 80), (128, 128), (256, 256),
                                                  (128, 64)])
def test_gqa_ratios_and_head_dims_cpu(rng, ratio, head_dim, head_dim_v):
    q, k, v = make(rng, (2, 2 * ratio, 2, 2, 40, head_dim), "float16", head_dim_v)
    check(causal_attention(q, k, v, backend="cpu"), definition(q, k, v)[0], "float16")


#: CPU tasks of more than WIDE_ROWS rows (rows in vector lanes): (batch, heads_q,
#: heads_kv, seq_len, cache_len, head_dim, head_dim_v); caches over several key
#: tiles, value widths off the panels' columns, several row tiles a KV head
MANY_ROWS = {
    "gqa4_seq4": (2, 8, 2, 4, 150, 128, 128),
    "gqa8_seq1_dims80": (2, 16, 2, 1, 70, 80, 80),
    "gqa2_seq3_dim_v8": (2, 4, 2, 3, 65, 16, 8),
    "gqa4_seq5_two_tiles": (1, 8, 2, 5, 64, 64, 200),
    "mha_seq7": (2, 2, 2, 7, 30, 24, 40),
}
MANY_ROWS_OPTIONS = {
    "window_kv_lens": dict(window=37, kv_lens=[0, 61]),
    "q_offsets": dict(q_offsets=[3, 40]),
    "not_causal": dict(causal=False, kv_lens=[64, 9]),
    "fully_masked_rows": dict(offset=-3),
}


def _many_rows_match_definition(rng, shape, dtype, **options):
    *dims, head_dim_v = shape
    assert dims[1] // dims[2] * dims[3] > A.WIDE_ROWS
    q, k, v = make(rng, tuple(dims), dtype, head_dim_v)
    out, lse = causal_attention(q, k, v, return_lse=True, backend="cpu", **options)
    want, want_lse = definition(q, k, v, **options)
    check(out, want, dtype)
    check_lse(lse, want_lse)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", MANY_ROWS.values(), ids=list(MANY_ROWS))
def test_cpu_tasks_of_many_rows(rng, dtype, shape):
    """Scores as panel products and the softmax with the rows in vector lanes."""
    _many_rows_match_definition(rng, shape, dtype)


@pytest.mark.parametrize("options", MANY_ROWS_OPTIONS.values(), ids=list(MANY_ROWS_OPTIONS))
@pytest.mark.parametrize("shape", ["gqa4_seq4", "gqa2_seq3_dim_v8"])
def test_cpu_tasks_of_many_rows_mask_options(rng, options, shape):
    _many_rows_match_definition(rng, MANY_ROWS[shape], "float32", **options)


@pytest.mark.parametrize("seq_len", [1, 4])
def test_cpu_long_cache_error_grows_with_tiles_not_keys(rng, seq_len):
    """32768 keys in float32: each tile's weighted values are summed apart, then the
    tiles (tile_values), so the error stays near a short cache's. Summed key by key
    into one accumulator, the error was 6e-6 on these shapes."""
    q, k, v = make(rng, (1, 8, 2, seq_len, 32768, 64), "float32")
    want = definition(q, k, v)[0]
    got = causal_attention(q, k, v, backend="cpu").astype(np.float64)
    err = (np.abs(got - want) / np.abs(want).max(-1, keepdims=True)).max()
    assert err <= 3e-6, f"max relative error {err:.2e}"


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("seq_len", [1, 4])
def test_cpu_keys_and_values_read_in_place_or_decoded(rng, dtype, seq_len):
    """K and V with unit last strides are read where they lie on the row-by-row path
    (16-bit elements converted as they are loaded); a last stride of 2 elements and
    the wide path decode them into a tile first. Every combination against the
    definition, and the path each takes."""
    q, k, v = make(rng, (2, 8, 2, seq_len, 150, 64), dtype)  # 64: whole panels of values
    k2, v2 = (np.repeat(a, 2, axis=-1)[..., ::2] for a in (k, v))  # last stride: 2 elements
    assert k2.strides[-1] == 2 * k2.itemsize and np.array_equal(k2, k)
    want = definition(q, k, v, window=70)[0]
    rows = 4 * seq_len  # query rows a KV head
    for kk, vv, in_place in ((k, v, seq_len == 1), (k2, v2, False)):
        assert A.cpu_constants(dtype, rows, kk, vv)["DIRECT_KV"] is in_place
        check(causal_attention(q, kk, vv, window=70, backend="cpu"), want, dtype)


def test_cpu_tasks_of_many_rows_with_a_predicate(rng):
    q, k, v = make(rng, (2, 8, 2, 3, 100, 32), "float32", 72)
    out, lse = causal_attention(q, k, v, return_lse=True, backend="cpu",
                                mask_fn=_odd_or_diagonal, window=50)
    want, want_lse = definition(q, k, v, mask_fn=_odd_or_diagonal, window=50)
    check(out, want, "float32")
    check_lse(lse, want_lse)


def test_cpu_tasks_of_many_rows_never_read_masked_keys(rng):
    """NaN in every key and value no query of a wide task keeps, and in the keys a
    predicate masks, leaves the result finite."""
    q, k, v = make(rng, (2, 8, 2, 4, 140, 16), "float32")
    kv_lens, q_offsets = [100, 131], [96, 127]

    def even_keys(b, h, q_pos, key):
        return key % 2 == 0

    for mask_fn in (None, even_keys):
        options = dict(kv_lens=kv_lens, window=70, q_offsets=q_offsets, mask_fn=mask_fn)
        want = definition(q, k, v, **options)[0]
        kp, vp = k.copy(), v.copy()
        for b, n in enumerate(kv_lens):
            for a in (kp, vp):
                a[b, :, n:] = np.nan
                a[b, :, :n - 73] = np.nan
                if mask_fn is not None:
                    a[b, :, 1::2] = np.nan
        check(causal_attention(q, kp, vp, backend="cpu", **options), want, "float32")


@pytest.mark.parametrize("ratio, head_dim, head_dim_v", [(1, 80, 80), (8, 16, 8), (4, 24, 40)])
def test_gqa_ratios_and_head_dims_gpu_source(gpu_backend, rng, ratio, head_dim, head_dim_v):
    q, k, v = make(rng, (1, ratio, 1, 2, 12, head_dim), "float16", head_dim_v)
    check(causal_attention(q, k, v, backend=gpu_backend), definition(q, k, v)[0], "float16")


@pytest.mark.gpu
@pytest.mark.parametrize("ratio", [1, 2, 4, 8])
@pytest.mark.parametrize("head_dim, head_dim_v", [(64, 64), (80, 80), (128, 128), (256, 256),
                                                  (128, 64)])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_gqa_ratios_and_head_dims_on_the_gpu(gpu_only, rng, ratio, head_dim, head_dim_v, dtype):
    q, k, v = make(rng, (2, 4 * ratio, 4, 3, 700, head_dim), dtype, head_dim_v)
    kv_lens = [700, 333]
    out = causal_attention(q, k, v, kv_lens=kv_lens, backend=gpu_only)
    check(out, definition(q, k, v, kv_lens=kv_lens)[0], dtype)


@pytest.fixture(params=["cuda", "hip"])
def gpu_only(request):
    from numba_causal.backends import unavailable_reasons

    missing = unavailable_reasons()
    if request.param in missing:
        pytest.skip(f"backend {request.param} unavailable: {missing[request.param]}")
    return request.param


def test_prefill_rows_beyond_one_block(gpu_backend, rng):
    """More group rows than one block holds: several row tiles."""
    q, k, v = make(rng, (1, 2, 1, 20, 20, 8), "float32")
    check(causal_attention(q, k, v, backend=gpu_backend), definition(q, k, v)[0], "float32")


# --- mask options --------------------------------------------------------------------

def _odd_or_diagonal(b, h, q_pos, k):
    return k % 2 == 1 or k == q_pos or h == 1


OPTIONS = {
    "kv_lens": dict(kv_lens=[13, 0]),
    "window": dict(window=4),
    "q_offsets": dict(q_offsets=[2, 9]),
    "offset": dict(offset=3, window=6),
    "not_causal": dict(causal=False, kv_lens=[7, 16]),
    "mask_fn": dict(mask_fn=_odd_or_diagonal),
    "fully_masked": dict(offset=-3),
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=list(OPTIONS))
def test_mask_options(backend, rng, options):
    q, k, v = make(rng, (2, 4, 2, 3, 16, 8), "float32")
    out, lse = causal_attention(q, k, v, return_lse=True, backend=backend, **options)
    want, want_lse = definition(q, k, v, **options)
    check(out, want, "float32")
    check_lse(lse, want_lse)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scale(backend, rng, dtype):
    q, k, v = make(rng, (1, 2, 1, 2, 9, 8), dtype)
    check(causal_attention(q, k, v, scale=-0.7, backend=backend),
          definition(q, k, v, scale=-0.7)[0], dtype)


def test_keys_past_kv_lens_and_before_the_window_are_never_read(backend, rng):
    """NaN in every key and value a query cannot keep leaves the result finite."""
    q, k, v = make(rng, (2, 2, 1, 1, 24, 8), "float32")
    kv_lens = [10, 17]
    want = definition(q, k, v, kv_lens=kv_lens, window=5, q_offsets=[9, 16])[0]
    for b, n in enumerate(kv_lens):
        for a in (k, v):
            a[b, :, n:] = np.nan
            a[b, :, :n - 5] = np.nan
    out = causal_attention(q, k, v, kv_lens=kv_lens, window=5, q_offsets=[9, 16],
                           backend=backend)
    check(out, want, "float32")


# --- flash-decoding splits ---------------------------------------------------------

def _few_blocks_on_the_simulator(monkeypatch, blocks=16):
    """The simulator's routes ask for ``blocks`` blocks, splits of 8 keys or more: a
    small cache is split in keys there."""
    for table in (A.BLOCKS_WANTED, A.DECODE_BLOCKS_WANTED, A.MMA_BLOCKS_WANTED):
        monkeypatch.setitem(table, "sim", blocks)
    monkeypatch.setitem(A.MIN_SPLIT_KEYS, "sim", 8)


def _split_call_matches_definition(gpu_backend, rng, dtype, heads_q, seq_len, head_dim):
    """One call on 2 sequences x 2 KV heads (the first with no key, the second 11 keys
    short of the cache) with a window, against the definition's result and lse."""
    cache = 40 if gpu_backend == "sim" else 3000
    q, k, v = make(rng, (2, heads_q, 2, seq_len, cache, head_dim), dtype)
    options = dict(kv_lens=[0, cache - 11], window=cache // 2)
    out, lse = causal_attention(q, k, v, return_lse=True, backend=gpu_backend, **options)
    want, want_lse = definition(q, k, v, **options)
    check(out, want, dtype)
    check_lse(lse, want_lse)


def _planned_launches(monkeypatch):
    """A list each GPU launch from now on appends its (family name, grid, constants)
    to."""
    planned, real = [], A.op.launch

    def spy(family, chosen, launch, *args, **kwargs):
        planned.append((family.name, launch.grid, launch.constants))
        return real(family, chosen, launch, *args, **kwargs)

    monkeypatch.setattr(A.op, "launch", spy)
    return planned


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_split_keys_combine_with_their_lse(gpu_backend, rng, monkeypatch, dtype):
    """Few (batch, KV head) blocks: the keys are split and combined; a sequence with
    no key (kv_lens 0) and a split with no kept key both give the definition."""
    if gpu_backend == "sim":
        monkeypatch.setitem(A.BLOCKS_WANTED, "sim", 16)
        monkeypatch.setitem(A.DECODE_BLOCKS_WANTED, "sim", 16)
        monkeypatch.setitem(A.MIN_SPLIT_KEYS, "sim", 8)
    calls = []
    real = A.split_count
    monkeypatch.setattr(A, "split_count", lambda *a: calls.append(real(*a)) or calls[-1])
    q, k, v = make(rng, (2, 2, 1, 1, 40 if gpu_backend == "sim" else 5000, 8), dtype)
    options = dict(kv_lens=[0, 29 if gpu_backend == "sim" else 3001])
    out, lse = causal_attention(q, k, v, return_lse=True, backend=gpu_backend, **options)
    assert calls and calls[0] > 1
    want, want_lse = definition(q, k, v, **options)
    check(out, want, dtype)
    check_lse(lse, want_lse)


@pytest.mark.parametrize("here", [True, False])
@pytest.mark.parametrize("dtype, head_dim", [("bfloat16", 64), ("float32", 32),
                                             ("float64", 8)])
def test_splits_merge_in_the_launch_or_in_merge_kernel(gpu_backend, rng, monkeypatch, here,
                                                       dtype, head_dim):
    """Split keys are merged by the last split (decode routes, ``here``) or by
    merge_kernel (every route, not ``here``; float64 takes the general kernel, as do
    dims the decode routes do not take): the same result either way, with lse, a
    sequence with no key and a split with no kept key; merge_kernel is launched
    exactly when the launch does not merge."""
    if gpu_backend == "sim":
        _few_blocks_on_the_simulator(monkeypatch)
    monkeypatch.setattr(A, "merges_here", lambda *a: here and 1 < a[-1])
    monkeypatch.setitem(A.MMA_CLUSTERS, "cuda", False)  # (their merge: the cluster tests)
    planned = _planned_launches(monkeypatch)
    _split_call_matches_definition(gpu_backend, rng, dtype, 4, 1, head_dim)
    warp = A.SIM_WARP if gpu_backend == "sim" else get_backend(gpu_backend).warp
    general = not A.decode_applies(warp, dtype, head_dim, head_dim)
    families = [name for name, _, _ in planned]
    assert general == (dtype == "float64"), "each dtype is to take its intended route"
    assert (families[0] == "causal_attention") == general, families
    assert families[-1] == ("causal_attention_merge" if general or not here
                            else families[0]), families
    assert len(families) == (1 if here and not general else 2), families


@pytest.mark.parametrize("dtype, head_dim", [("bfloat16", 64), ("float32", 32)])
def test_launch_merges_rows_over_several_rounds(gpu_backend, rng, monkeypatch, dtype,
                                                head_dim):
    """A split launch merging its own splits over 16 group rows (GQA-4 at seq_len 4):
    a thread's pieces take more than one round on the simulator (its first trip of
    loads, issued before the weights, belongs to the first round only), and the
    merge gives the definition with lse, a window and a sequence of no key."""
    if gpu_backend == "sim":
        _few_blocks_on_the_simulator(monkeypatch)
    plans = _planned_launches(monkeypatch)
    _split_call_matches_definition(gpu_backend, rng, dtype, 8, 4, head_dim)
    assert len(plans) == 1 and plans[0][0] != "causal_attention", plans
    c = dict(plans[0][2])
    assert c["SPLIT"] and c["MERGE_HERE"], "the split launch merges its splits itself"
    if gpu_backend == "sim":
        pieces = c["ROWS"] * head_dim // 4  # 16-byte pieces of float32 partials
        assert pieces > c["THREADS"] * c["MERGE_VECS"], "several rounds"


@pytest.mark.parametrize("dtype, head_dim", [("float16", 32), ("float32", 80),
                                             ("float64", 8)])
def test_merge_kernel_in_several_trips(gpu_backend, rng, monkeypatch, dtype, head_dim):
    """merge_kernel with more splits than one trip of its loads takes (MERGE_BATCH_BYTES
    cut to 16: a lane loads 16 bytes of partials a trip), dims that do not fill its
    lanes (80) and a sequence with no key: the definition's result and lse."""
    if gpu_backend == "sim":
        _few_blocks_on_the_simulator(monkeypatch, 48)
    else:
        monkeypatch.setitem(A.MIN_SPLIT_KEYS, gpu_backend, 32)
    monkeypatch.setitem(A.MERGE_BATCH_BYTES, gpu_backend, 16)
    monkeypatch.setattr(A, "merges_here", lambda *a: False)
    planned = _planned_launches(monkeypatch)
    cache = 120 if gpu_backend == "sim" else 3000
    q, k, v = make(rng, (2, 4, 2, 1, cache, head_dim), dtype)
    options = dict(kv_lens=[0, cache - 11], window=cache - 20)
    out, lse = causal_attention(q, k, v, return_lse=True, backend=gpu_backend, **options)
    want, want_lse = definition(q, k, v, **options)
    check(out, want, dtype)
    check_lse(lse, want_lse)
    assert [p[0] for p in planned][-1] == "causal_attention_merge", planned
    splits = planned[0][1][0]
    merge = planned[-1][2]  # the splits a trip of the merge's loads covers:
    per_trip = merge["WARPS"] * (merge["MERGE_BATCH"] // merge["MERGE_DIMS"])
    assert splits > per_trip, (splits, per_trip)  # more than one trip


def _decode_routes(monkeypatch):
    """A list each GPU launch planned from now on appends to: (ROWS, SPLIT) of a
    decode-route launch, ("mma", SPLIT) of a tensor-core decode launch, None of a
    general-kernel launch."""
    seen = []
    decode, mma, general = A.decode_constants, A.mma_constants, A.plan_constants

    def decode_spy(*args, **kwargs):
        constants = decode(*args, **kwargs)
        seen.append((constants["ROWS"], constants["SPLIT"]))
        return constants

    def mma_spy(*args, **kwargs):
        constants = mma(*args, **kwargs)
        seen.append(("mma", constants["SPLIT"]))
        return constants

    def general_spy(*args, **kwargs):
        seen.append(None)
        return general(*args, **kwargs)

    monkeypatch.setattr(A, "decode_constants", decode_spy)
    monkeypatch.setattr(A, "mma_constants", mma_spy)
    monkeypatch.setattr(A, "plan_constants", general_spy)
    return seen


def test_routes(rng, monkeypatch):
    """16-bit and float32 with 16-byte key rows and value rows of 4, 8 or 16 bytes a
    lane take the decode route (row tiles past DECODE_MOST_ROWS); float64, value
    rows that do not split so over a warp, and key rows not of 16-byte chunks take
    the general kernel."""
    routes = _decode_routes(monkeypatch)
    for shape, dtype in [((1, 4, 2, 1, 9, 16), "float16"), ((1, 4, 1, 3, 9, 16), "float16"),
                         ((1, 2, 1, 2, 9, 8), "float32"), ((1, 2, 1, 2, 9, 8), "float64"),
                         ((1, 2, 1, 2, 9, 80), "float16"), ((1, 2, 1, 2, 9, 4), "float16")]:
        q, k, v = make(rng, shape, dtype)
        check(causal_attention(q, k, v, backend="sim"), definition(q, k, v)[0], dtype)
    assert routes == [(2, False), (16, False), (4, False), None, None, None]


def _transposed_cache(a):
    """``a`` [batch, heads, keys, dim] as a view of a [batch, keys, heads, dim] cache."""
    return np.ascontiguousarray(a.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)


#: the tensor-core decode route on the simulator (each product exchanges its
#: fragments between two barriers: small shapes): (shape, head_dim_v, dtype, options)
MMA_CASES = {
    "gqa4_d64_lse": ((1, 4, 1, 1, 40, 64), 64, "float16", {}),
    "rows_past_16_d128_v64_window": ((1, 6, 1, 3, 45, 128), 64, "bfloat16",
                                     dict(window=20, q_offsets=[42])),
    "split_kv_lens_0_strided": ((2, 2, 1, 1, 70, 64), 128, "float16", dict(kv_lens=[0, 61])),
}


@pytest.mark.parametrize("case", MMA_CASES.values(), ids=list(MMA_CASES))
def test_mma_route_on_the_simulator(rng, monkeypatch, case):
    """float16 / bfloat16 at head dims 64 and 128 take the tensor-core route (the
    simulator spells warp_mma through shared memory): one and two row tiles,
    masked tile edges, a window, a sequence with no key, key splits merged with
    their lse, a transposed cache; each matches the definition (and lse)."""
    monkeypatch.setitem(A.MMA_BLOCKS_WANTED, "sim", 8)
    monkeypatch.setitem(A.MIN_SPLIT_KEYS, "sim", 16)
    routes = _decode_routes(monkeypatch)
    shape, head_dim_v, dtype, options = case
    q, k, v = make(rng, shape, dtype, head_dim_v)
    if "kv_lens" in options:
        k, v = _transposed_cache(k), _transposed_cache(v)
    out, lse = causal_attention(q, k, v, return_lse=True, backend="sim", **options)
    want, want_lse = definition(q, k, v, **options)
    check(out, want, dtype)
    check_lse(lse, want_lse)
    assert len(routes) == 1 and routes[0][0] == "mma", routes
    assert routes[0][1] or "kv_lens" not in options  # the split case splits


@pytest.mark.parametrize("tile, stages, warps", [(16, 3, 1), (32, 3, 2), (32, 2, 1),
                                                 (A.MMA_TILE["cuda"], A.MMA_STAGES["cuda"],
                                                  A.MMA_WARPS["cuda"])])
def test_mma_route_pipelines_on_the_simulator(rng, monkeypatch, tile, stages, warps):
    """The route's pipeline settings (MMA_TILE, MMA_STAGES, MMA_WARPS): 16-key tiles
    three stages deep (a ring of a size not a power of two; one warp, as a warp
    takes 16 keys or more), 32-key tiles split between two warps three deep, one
    warp taking whole tiles, and cuda's setting, split, with the shared tail's tiles
    claimed STAGES - 1 iterations ahead, match the definition."""
    monkeypatch.setitem(A.MMA_TILE, "sim", tile)
    monkeypatch.setitem(A.MMA_STAGES, "sim", stages)
    monkeypatch.setitem(A.MMA_WARPS, "sim", warps)
    seen = []
    real = A.mma_constants

    def spy(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(A, "mma_constants", spy)
    test_mma_route_on_the_simulator(rng, monkeypatch, MMA_CASES["split_kv_lens_0_strided"])
    assert [(c["TILE"], c["STAGES"], c["WARPS"], c["THREADS"]) for c in seen] \
        == [(tile, stages, warps, 32 * warps)]


@pytest.mark.parametrize("case", MMA_CASES.values(), ids=list(MMA_CASES))
def test_mma_route_in_cuda_setting_on_the_simulator(rng, monkeypatch, case):
    """Every simulator case again with cuda's pipeline setting (MMA_TILE, MMA_STAGES,
    MMA_WARPS: 64-key tiles shared by two warps, each with an online softmax of its
    own folded into warp 0's at the end)."""
    for table in (A.MMA_TILE, A.MMA_STAGES, A.MMA_WARPS):
        monkeypatch.setitem(table, "sim", table["cuda"])
    test_mma_route_on_the_simulator(rng, monkeypatch, case)


def test_mma_applies():
    assert A.mma_applies(32, "float16", 128, 128, {})
    assert A.mma_applies(32, "bfloat16", 64, 128, {})
    assert not A.mma_applies(32, "float32", 128, 128, {})  # tensor cores: 16-bit only
    assert not A.mma_applies(32, "float16", 80, 80, {})
    assert not A.mma_applies(32, "float16", 256, 256, {})
    assert not A.mma_applies(64, "float16", 128, 128, {})
    assert not A.mma_applies(32, "float16", 128, 128, {"HAS_MASK_FN": True})
    assert A.MMA_BACKENDS == ("cuda", "sim")  # hip: no spelling of warp_mma


def test_blocks_wanted_scale_with_the_gpu_s_sms(monkeypatch):
    """cuda's blocks wanted were measured on an H200 (132 SMs): a GPU of 66 SMs wants
    half of them, one of 264 twice as many; other backends' tables stay as they are
    (numbers written out by hand)."""
    seen = []

    def sms(count):
        def attribute(backend, name):
            seen.append(name)
            return count
        monkeypatch.setattr(A.op, "device_attribute", attribute)

    cuda = types.SimpleNamespace(name="cuda")
    table = {"cuda": 264, "sim": 4}
    sms(66)
    assert A.scaled_blocks(cuda, table) == {"cuda": 132, "sim": 4}
    assert A.scaled_blocks(cuda, {"cuda": 792})["cuda"] == 396
    sms(264)
    assert A.scaled_blocks(cuda, table)["cuda"] == 528
    sms(1)
    assert A.scaled_blocks(cuda, {"cuda": 100})["cuda"] == 1  # never 0
    assert seen == ["MULTIPROCESSOR_COUNT"] * 4
    assert A.scaled_blocks(types.SimpleNamespace(name="sim"), table) is table
    assert A.split_count("cuda", 8, 32768, {"cuda": 132}) == 17  # 8 groups on 66 SMs


def test_split_count():
    assert A.split_count("cuda", 256, 4096) == 1  # B8 Hkv32: the blocks fill the GPU
    assert A.split_count("cuda", 8, 32768) == 33  # B1 Hkv8, long cache
    assert A.split_count("cuda", 8, 512) == 2  # at least 256 keys per split
    assert A.split_count("cuda", 8, 100) == 1


def test_lse_combines_disjoint_key_sets(backend, rng):
    """Attention over the first and the last keys, merged with their lse, is the
    attention over all keys."""
    q, k, v = make(rng, (1, 2, 2, 1, 18, 8), "float64")
    kwargs = dict(causal=False, return_lse=True, backend=backend)
    o1, l1 = causal_attention(q, k[:, :, :7], v[:, :, :7], **kwargs)
    o2, l2 = causal_attention(q, k[:, :, 7:], v[:, :, 7:], **kwargs)
    top = np.maximum(l1, l2)
    w1, w2 = np.exp(l1 - top)[..., None], np.exp(l2 - top)[..., None]
    merged = (w1 * o1 + w2 * o2) / (w1 + w2)
    whole, lse = causal_attention(q, k, v, **kwargs)
    check(merged, whole.astype(np.float64), "float64")
    assert np.allclose(top + np.log(np.exp(l1 - top) + np.exp(l2 - top)), lse, rtol=1e-12)


# --- layouts, outputs -------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_cache_stored_seq_major_and_viewed_transposed(backend, rng, dtype):
    """k, v stored [batch, cache_len, heads, dim] (as many caches are), passed as
    [batch, heads, cache_len, dim] views; q and out strided too."""
    dt = np_dtype(dtype)
    store_k = rng.standard_normal((2, 11, 3, 8)).astype(dt)
    store_v = rng.standard_normal((2, 11, 3, 16)).astype(dt)
    k, v = store_k.transpose(0, 2, 1, 3), store_v.transpose(0, 2, 1, 3)
    q = rng.standard_normal((2, 2, 6, 8)).astype(dt).transpose(0, 2, 1, 3)  # [2, 6, 2, 8]
    out = causal_attention(q, k, v, backend=backend)
    check(out, definition(q, k, v)[0], dtype)


def test_unaligned_keys_take_the_element_path(gpu_backend, rng):
    """A k whose rows are not 16-byte aligned is read element by element."""
    base = rng.standard_normal((1, 1, 13 * 8 + 1)).astype(np.float32)
    k = base[:, :, 1:].reshape(1, 1, 13, 8)
    assert A._key_words(A.get_backend("cpu"), A.inspect_scores(k, writable=False), None) is None
    q, _, v = make(rng, (1, 2, 1, 2, 13, 8), "float32")
    check(causal_attention(q, k, v, backend=gpu_backend), definition(q, k, v)[0], "float32")


@pytest.mark.parametrize("dtype", DTYPES)
def test_guard_band_around_out(backend, rng, dtype):
    """out inside a poisoned buffer: all of out written, the band keeps its bits."""
    q, k, v = make(rng, (1, 2, 1, 2, 9, 8), dtype)
    dt = np_dtype(dtype)
    buf = np.full((3, 4, 5, 12), np.nan, dt)
    before = buf.copy()
    out = buf[1:2, 1:3, 1:3, 2:10]
    got = causal_attention(q, k, v, out=out, backend=backend)
    assert got is out
    check(out, definition(q, k, v)[0], dtype)
    band = np.ones(buf.shape, bool)
    band[1:2, 1:3, 1:3, 2:10] = False
    width = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dt.itemsize]
    assert np.array_equal(buf.view(width)[band], before.view(width)[band])


BAD = [
    (dict(k="bad_dtype"), TypeError, "must have the dtype of q"),
    (dict(k="bad_heads"), ValueError, "multiple of heads_kv"),
    (dict(k="bad_dim"), ValueError, "head_dim must be q's"),
    (dict(v="bad_len"), ValueError, "v must have k's heads_kv and cache_len"),
    (dict(out="bad_shape"), ValueError, "out must have shape"),
    (dict(out="bad_out_dtype"), TypeError, "out must have the dtype of q"),
    (dict(out="overlaps_q"), ValueError, "out overlaps q"),
    (dict(q="rank3"), ValueError, "q must be 4-D"),
    (dict(q="ints"), TypeError, "q"),
    (dict(scale="x"), TypeError, "scale must be a real number"),
    (dict(scale=-3e38), ValueError, r"scale -3e\+38 overflows the float32 arithmetic of "
                                    r"float32 inputs: \|scale\| must be at most 2\.35"),
    (dict(kv_lens=[1, 2]), ValueError, "kv_lens must have shape"),
    (dict(window=0), ValueError, "window must be at least 1"),
    (dict(mask_fn=lambda b, h: True), TypeError, "mask_fn must take exactly four"),
]


@pytest.mark.parametrize("change, error, message", BAD, ids=[m for _, _, m in BAD])
def test_bad_inputs_raise_before_anything_is_written(backend, rng, change, error, message):
    q, k, v = make(rng, (1, 4, 2, 2, 6, 8), "float32")
    out = np.full((1, 4, 2, 8), 7.0, np.float32)
    args = dict(q=q, k=k, v=v, out=out)
    made = {"bad_dtype": k.astype(np.float64), "bad_heads": make(rng, (1, 4, 3, 2, 6, 8),
                                                                 "float32")[1],
            "bad_dim": k[..., :4], "bad_len": v[:, :, :5], "bad_shape": out[..., :4],
            "bad_out_dtype": out.astype(np.float64), "rank3": q[0],
            "ints": q.astype(np.int32)}
    kwargs = {}
    for key, value in change.items():
        if key in args:
            args[key] = q[:, :, :, :8] if value == "overlaps_q" else made[value]
        else:
            kwargs[key] = value
    if change.get("out") == "overlaps_q":
        args["out"] = q
        before_q = q.copy()
    with pytest.raises(error, match=message):
        causal_attention(args["q"], args["k"], args["v"], out=args["out"], backend=backend,
                         **kwargs)
    assert np.all(out == 7.0)
    if change.get("out") == "overlaps_q":
        assert np.array_equal(q, before_q)


def test_empty_inputs(backend, rng):
    q, k, v = make(rng, (1, 2, 1, 0, 5, 8), "float32")
    assert causal_attention(q, k, v, backend=backend).shape == (1, 2, 0, 8)
    q, k, v = make(rng, (1, 2, 1, 2, 0, 8), "float32")
    out, lse = causal_attention(q, k, v, return_lse=True, backend=backend)
    assert np.all(out == 0) and np.all(np.isneginf(lse))


def test_torch_tensors(backend, rng):
    torch = pytest.importorskip("torch")
    q, k, v = make(rng, (1, 4, 2, 2, 9, 8), "float32")
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
    out, lse = causal_attention(tq, tk, tv, return_lse=True, backend=backend)
    assert isinstance(out, torch.Tensor) and isinstance(lse, torch.Tensor)
    assert lse.dtype == torch.float32
    want, want_lse = definition(q, k, v)
    check(out.numpy(), want, "float32")
    check_lse(lse.numpy(), want_lse)
    if backend == "cpu":
        b16 = [a.to(torch.bfloat16) for a in (tq, tk, tv)]
        got = causal_attention(*b16, backend=backend)
        assert got.dtype == torch.bfloat16
        check(got.float().numpy(), definition(*(a.float().numpy() for a in b16))[0], "bfloat16")


def test_reference_matches_the_definition(rng):
    q, k, v = make(rng, (2, 4, 2, 3, 10, 8), "float16")
    out, lse = causal_attention_reference(q, k, v, return_lse=True, window=4,
                                          kv_lens=[10, 6])
    want, want_lse = definition(q, k, v, window=4, kv_lens=[10, 6])
    check(out, want, "float16")
    check_lse(lse, want_lse)


# --- GPU only -------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_torch_cuda_on_a_side_stream(gpu_only, rng, dtype):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device")
    q, k, v = make(rng, (2, 8, 2, 4, 3000, 128), "float32")
    tdt = getattr(torch, dtype)
    tq, tk, tv = (torch.from_numpy(a).to("cuda", tdt) for a in (q, k, v))
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        out = torch.full((2, 8, 4, 128), float("nan"), device="cuda", dtype=tdt)
        got, lse = causal_attention(tq, tk, tv, out=out, return_lse=True, kv_lens=[3000, 1],
                                    backend=gpu_only)
        host = got.float().cpu().numpy()
    side.synchronize()
    rounded = [a.float().cpu().numpy() for a in (tq, tk, tv)]
    want, want_lse = definition(*rounded, kv_lens=[3000, 1])
    check(host, want, dtype)
    check_lse(lse.cpu().numpy(), want_lse)


@pytest.mark.gpu
def test_decode_shapes_on_the_gpu(gpu_only, rng):
    """The benchmark's decode shapes (smaller caches), split and not, ragged."""
    torch = pytest.importorskip("torch")
    for batch, heads_q, heads_kv, seq_len, cache_len in [(1, 32, 8, 1, 9000), (8, 32, 8, 4, 1000),
                                                         (4, 32, 32, 1, 2000)]:
        q, k, v = make(rng, (batch, heads_q, heads_kv, seq_len, cache_len, 128), "float32")
        kv_lens = rng.integers(cache_len // 2, cache_len + 1, batch)
        tq, tk, tv = (torch.from_numpy(a).to("cuda", torch.float16) for a in (q, k, v))
        got = causal_attention(tq, tk, tv, kv_lens=kv_lens, backend=gpu_only)
        rounded = [a.float().cpu().numpy() for a in (tq, tk, tv)]
        check(got.float().cpu().numpy(), definition(*rounded, kv_lens=kv_lens)[0], "float16")


def _calls_on_new_contents(torch, rng, shape, calls):
    """fp16 torch CUDA q, k, v and out of ``shape``: ``calls`` calls on the same
    tensors (after the first, replays), each on new contents and each checked
    against the definition; returns (q, k, v, out)."""
    tq, tk, tv = (torch.empty(a.shape, dtype=torch.float16, device="cuda")
                  for a in make(rng, shape, "float32"))
    out = torch.empty(tq.shape, dtype=torch.float16, device="cuda")
    for _ in range(calls):
        for t, a in zip((tq, tk, tv), make(rng, shape, "float32")):
            t.copy_(torch.from_numpy(a))
        assert causal_attention(tq, tk, tv, out=out, backend="cuda") is out
        rounded = [a.float().cpu().numpy() for a in (tq, tk, tv)]
        check(out.float().cpu().numpy(), definition(*rounded)[0], "float16")
    return tq, tk, tv, out


@pytest.mark.gpu
@pytest.mark.parametrize("stages, warps", [(3, 1), (3, 2)])
def test_mma_route_past_48k_of_shared_memory_on_the_gpu(gpu_only, rng, monkeypatch, stages,
                                                        warps):
    """Three 32-key stages of the tensor-core route take 48 KiB of dynamic shared
    memory and more (the launch asks the driver for it, and so does its replay; the
    package's two 64-key stages take 64 KiB):
    split and not, one and two warps, called twice (the second a replay), each
    matching the definition."""
    torch = pytest.importorskip("torch")
    if gpu_only != "cuda":
        pytest.skip("the tensor-core route is numba-cuda's")
    monkeypatch.setitem(A.MMA_TILE, "cuda", 32)
    monkeypatch.setitem(A.MMA_STAGES, "cuda", stages)
    monkeypatch.setitem(A.MMA_WARPS, "cuda", warps)
    fastpath.clear()
    routes = _decode_routes(monkeypatch)
    for shape in [(1, 32, 8, 1, 9000, 128), (64, 32, 32, 1, 300, 128)]:
        _calls_on_new_contents(torch, rng, shape, 2)
    fastpath.clear()
    assert [r[0] for r in routes] == ["mma"] * 2 and routes[0][1] and not routes[1][1], routes
    assert A.mma_constants("cuda", "float16", 128, 128, True, False, {})["STAGE_BYTES"] \
        == 2 * stages * 32 * 256 + 124 > 48 * 1024


def _cluster_plans(monkeypatch):
    """A list each tensor-core launch planned from now on appends its (SPLIT,
    MERGE_HERE, CLUSTER, CLUSTERS, CLUSTER_DIMS) to."""
    seen, real = [], A.mma_constants

    def spy(*args, **kwargs):
        constants = real(*args, **kwargs)
        seen.append(tuple(constants[n] for n in ("SPLIT", "MERGE_HERE", "CLUSTER",
                                                  "CLUSTERS", "CLUSTER_DIMS")))
        return constants

    monkeypatch.setattr(A, "mma_constants", spy)
    return seen


@pytest.mark.gpu
@pytest.mark.parametrize("splits, cluster, clusters", [(3, 3, 1), (8, 8, 1), (12, 4, 3),
                                                       (21, 4, 5)])
def test_splits_merge_as_clusters_on_the_gpu(gpu_only, rng, monkeypatch, splits, cluster,
                                             clusters):
    """A tensor-core launch of 3 or 8 key splits merges them as one thread-block
    cluster (sm_90), of 12 or 21 as 3 or 5 clusters of 4 whose partials the last
    block of each rank merges (16 rows a block allowed): the plan says so (CLUSTER,
    CLUSTERS, the cluster shape), and with the clusters switched off the same call
    merges by ticket (up to 8 splits) or in merge_kernel. All match the definition
    with lse, ragged kv_lens (a live CUDA tensor) with an empty sequence, a window,
    and seq_len 1 and 4 (4 and 16 group rows), twice on new contents (the tickets and
    the shared tails' counters are left at 0 for the next launch)."""
    torch = pytest.importorskip("torch")
    if gpu_only != "cuda":
        pytest.skip("thread-block clusters are numba-cuda's (sm_90)")
    if not A.clusters_run(A.get_backend("cuda")):
        pytest.skip("this GPU runs no thread-block clusters (compute capability < 9.0)")
    # 6 groups (3 sequences x 2 KV heads): 6 x splits blocks wanted give each group
    # `splits` key splits (split_count, whole waves), splits of 64 keys or more
    monkeypatch.setitem(A.MMA_BLOCKS_WANTED, "cuda", 6 * splits)
    monkeypatch.setitem(A.MIN_SPLIT_KEYS, "cuda", 64)
    monkeypatch.setitem(A.MMA_TWO_LEVEL_ROWS, "cuda", 16)
    assert A.split_count("cuda", 6, 1401, A.MMA_BLOCKS_WANTED, True) == splits
    assert A.cluster_plan("cuda", splits, 16) == (cluster, clusters)
    for on in (True, False):
        monkeypatch.setitem(A.MMA_CLUSTERS, "cuda", on)
        fastpath.clear()
        plans = _cluster_plans(monkeypatch)
        for seq_len in (1, 4):
            shape = (3, 8, 2, seq_len, 1500, 128)
            kv_lens = torch.tensor([0, 1499, 977], device="cuda")
            tq, tk, tv = (torch.empty(a.shape, dtype=torch.bfloat16, device="cuda")
                          for a in make(rng, shape, "float32"))
            out = torch.empty(tq.shape, dtype=torch.bfloat16, device="cuda")
            for _ in range(2):
                for t, a in zip((tq, tk, tv), make(rng, shape, "float32")):
                    t.copy_(torch.from_numpy(a))
                got = causal_attention(tq, tk, tv, kv_lens=kv_lens, window=1400, out=out,
                                       return_lse=True, backend="cuda")
                rounded = [a.float().cpu().numpy() for a in (tq, tk, tv)]
                want, want_lse = definition(*rounded, kv_lens=kv_lens.cpu().numpy(),
                                            window=1400)
                check(got[0].float().cpu().numpy(), want, "bfloat16")
                check_lse(got[1].cpu().numpy(), want_lse)
        fastpath.clear()
        want = (True, True, cluster, clusters, (cluster, 1, 1)) if on \
            else (True, splits <= 8, 0, 1, None)
        assert plans and set(plans) == {want}, plans


@pytest.mark.gpu
def test_clusters_that_do_not_fit_at_once_merge_otherwise(gpu_only, rng, monkeypatch):
    """A launch whose clusters the GPU cannot run all at once (the driver's count,
    op.clusters_at_once, here cut to one short of the 6 planned) merges its splits by
    ticket instead, since the clusters left over would wait for a second wave: the
    cluster plan is asked about once (the driver's own count for it is positive), the
    launch made is the unclustered one, and the result matches the definition."""
    torch = pytest.importorskip("torch")
    if gpu_only != "cuda":
        pytest.skip("thread-block clusters are numba-cuda's (sm_90)")
    if not A.clusters_run(A.get_backend("cuda")):
        pytest.skip("this GPU runs no thread-block clusters (compute capability < 9.0)")
    monkeypatch.setitem(A.MMA_BLOCKS_WANTED, "cuda", 6 * 4)  # 6 groups x 4 splits
    monkeypatch.setitem(A.MIN_SPLIT_KEYS, "cuda", 64)
    real, asked = A.op.clusters_at_once, []

    def one_short(family, backend, plan):
        asked.append((real(family, backend, plan), plan.grid,
                      plan.constants["CLUSTER_DIMS"]))
        return 5

    monkeypatch.setattr(A.op, "clusters_at_once", one_short)
    fastpath.clear()
    plans = _cluster_plans(monkeypatch)
    shape = (3, 8, 2, 1, 1500, 128)
    tq, tk, tv = (torch.from_numpy(a).to("cuda", torch.float16)
                  for a in make(rng, shape, "float32"))
    got = causal_attention(tq, tk, tv, backend="cuda")
    fastpath.clear()
    want, _ = definition(*(t.float().cpu().numpy() for t in (tq, tk, tv)))
    check(got.float().cpu().numpy(), want, "float16")
    assert len(asked) == 1 and asked[0][0] >= 1 and asked[0][1:] == ((4, 1, 6), (4, 1, 1))
    assert plans == [(True, True, 4, 1, (4, 1, 1)), (True, True, 0, 1, None)], plans


def test_clusters_that_do_not_fit_fall_back_on_the_simulator(rng, monkeypatch):
    """The fallback's plan on the simulator: clusters allowed there for this test, the
    driver's count replaced by 0, the launch of 5 splits is planned as one cluster,
    asked about once, then planned and made as a launch that merges by ticket; the
    result matches the definition."""
    _few_blocks_on_the_simulator(monkeypatch)
    monkeypatch.setitem(A.MMA_CLUSTERS, "sim", True)
    monkeypatch.setattr(A, "clusters_run", lambda chosen: True)
    asked = []
    monkeypatch.setattr(A.op, "clusters_at_once",
                        lambda family, backend, plan: asked.append(plan.grid) or 0)
    plans = _cluster_plans(monkeypatch)
    q, k, v = make(rng, (1, 4, 1, 1, 40, 64), "bfloat16")
    check(causal_attention(q, k, v, backend="sim"), definition(q, k, v)[0], "bfloat16")
    assert asked == [(5, 1, 1)]
    assert plans == [(True, True, 5, 1, (5, 1, 1)), (True, True, 0, 1, None)], plans


def test_cluster_plan():
    """cuda: up to 8 splits are one cluster; more, clusters of 4 (a multiple of 4 of
    the splits kept) where a block holds at most 8 rows, else none (merge_kernel);
    one split or another backend: none (written out by hand)."""
    want = {(2, 16): (2, 1), (8, 16): (8, 1), (9, 8): (4, 2), (33, 4): (4, 8),
            (35, 1): (4, 8), (64, 8): (4, 16), (9, 9): (0, 1), (33, 16): (0, 1),
            (1, 4): (0, 1)}
    assert {k: A.cluster_plan("cuda", *k) for k in want} == want
    assert A.cluster_plan("sim", 4, 4) == A.cluster_plan("hip", 4, 4) == (0, 1)


def test_no_clusters_off_cuda(rng, monkeypatch):
    """The simulator plans no thread-block cluster (its split launches merge by
    ticket), whatever MMA_CLUSTERS says for cuda."""
    _few_blocks_on_the_simulator(monkeypatch)
    plans = _cluster_plans(monkeypatch)
    q, k, v = make(rng, (1, 4, 1, 1, 40, 64), "bfloat16")
    check(causal_attention(q, k, v, backend="sim"), definition(q, k, v)[0], "bfloat16")
    assert plans == [(True, True, 0, 1, None)], plans
    assert not A.clusters_run(A.get_backend("sim"))


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_decode_route_on_the_gpu(gpu_only, rng, monkeypatch, dtype):
    """Issue 15's decode shapes (smaller caches) take the decode route: one row block
    at seq_len 1, row tiles at seq_len 4, split and not; each matches the definition."""
    torch = pytest.importorskip("torch")
    routes = _decode_routes(monkeypatch)
    for batch, heads_q, heads_kv, seq_len, cache_len in [(1, 32, 8, 1, 9000), (8, 32, 8, 4, 1000),
                                                         (64, 32, 32, 1, 300)]:
        q, k, v = make(rng, (batch, heads_q, heads_kv, seq_len, cache_len, 128), "float32")
        tq, tk, tv = (torch.from_numpy(a).to("cuda", getattr(torch, dtype)) for a in (q, k, v))
        got, lse = causal_attention(tq, tk, tv, return_lse=True, backend=gpu_only)
        rounded = [a.float().cpu().numpy() for a in (tq, tk, tv)]
        want, want_lse = definition(*rounded)
        check(got.float().cpu().numpy(), want, dtype)
        check_lse(lse.cpu().numpy(), want_lse)
    # split; not; all decode (16-bit: the tensor-core route)
    assert all(routes) and routes[0][1] and not routes[2][1]
    assert all((r[0] == "mma") == (dtype != "float32") for r in routes), routes


@pytest.mark.gpu
def test_attention_replay_computes_new_contents(gpu_only, rng):
    """A repeated call on the same torch CUDA tensors is a replayed launch (split
    and not: a split launch replays with its merge), on the decode routes and on the
    general kernel (head_dim 80): new contents of q, k and v give the new result,
    every time."""
    torch = pytest.importorskip("torch")
    if gpu_only != "cuda":
        pytest.skip("the replay is numba-cuda's")

    for shape in [(1, 8, 2, 1, 9000, 128), (4, 8, 8, 2, 700, 64), (1, 8, 2, 1, 9000, 80),
                  (4, 8, 8, 2, 700, 80)]:
        tq, tk, tv, out = _calls_on_new_contents(torch, rng, shape, 3)
        base = fastpath.call_key(tq, "cuda", None, None, math.inf, True)
        assert fastpath.known_launch(fastpath.tensors_key("attention", base, tq, tk, tv,
                                                          out)) is not None


@pytest.mark.gpu
def test_dependent_replays_wait_for_the_kernels_before_them(gpu_only, rng):
    """On an sm_90 GPU a replayed attention call is a programmatic dependent launch
    (its split launch and its merge_kernel both; op.dependent_launches). Right before
    each call, torch kernels write new q, k and v (negating other tensors) and fill
    ``out`` with NaN; right after it, a torch kernel reads ``out``. Every call's
    result matches the definition on those new contents: the launch waited for the
    kernels before it, and its writes came after theirs. Shapes: one cluster of 4
    splits, and 33 splits of 16 rows merged by merge_kernel."""
    torch = pytest.importorskip("torch")
    if gpu_only != "cuda":
        pytest.skip("the replay is numba-cuda's")
    device = torch.cuda.current_device()
    dependent = torch.cuda.get_device_capability(device) >= (9, 0)
    for shape, launches in [((8, 32, 8, 1, 2048, 128), 1), ((1, 32, 8, 4, 9000, 128), 2)]:
        sources = [[torch.from_numpy(-a).to("cuda", torch.float16)
                    for a in make(rng, shape, "float32")] for _ in range(4)]
        tq, tk, tv = (torch.empty_like(a) for a in sources[0])
        out = torch.empty(tq.shape, dtype=torch.float16, device="cuda")
        for q_src, k_src, v_src in sources:
            torch.neg(q_src, out=tq)
            torch.neg(k_src, out=tk)
            torch.neg(v_src, out=tv)
            out.fill_(float("nan"))
            assert causal_attention(tq, tk, tv, out=out, backend="cuda") is out
            got = (out.float() * 1).cpu().numpy()
            rounded = [(-a).float().cpu().numpy() for a in (q_src, k_src, v_src)]
            check(got, definition(*rounded)[0], "float16")
        base = fastpath.call_key(tq, "cuda", None, None, math.inf, True)
        replay = fastpath.known_launch(fastpath.tensors_key("attention", base, tq, tk, tv, out))
        chain = [replay.first, replay.then] if launches == 2 else [replay]
        assert len(chain) == launches
        assert all((r._dependent is not None) == dependent for r in chain), chain


def test_only_int64_cuda_kv_lens_are_read_in_place():
    """kv_lens replays (read where it lives) only as a contiguous int64 CUDA tensor on
    q's device; any other kind is validated and copied at every call."""
    torch = pytest.importorskip("torch")
    q = torch.zeros(2, 2, 1, 8)
    for kind in (None, [3, 4], np.array([3, 4]), torch.tensor([3, 4]),
                 torch.tensor([3, 4], dtype=torch.int32)):
        assert fastpath.live_int64(kind, q) is None


def test_kv_lens_are_staged_only_for_cuda_tensors():
    """fastpath.kv_lens_on_gpu and q_offsets_on_gpu stage per-sequence values for a
    launch on torch CUDA tensors only: with CPU tensors (or NumPy arrays) every kind of
    values is left to the full path (None), and nothing is kept."""
    torch = pytest.importorskip("torch")
    q = torch.zeros(2, 2, 1, 8)
    before = len(fastpath._staged)
    for like in (q, q.numpy()):
        for kind in (None, [3, 4], np.array([3, 4]), torch.tensor([3, 4]),
                     torch.tensor([3, 4], dtype=torch.int32)):
            assert fastpath.kv_lens_on_gpu(kind, like) is None
            assert fastpath.q_offsets_on_gpu(kind, like) is None
    assert len(fastpath._staged) == before


@pytest.mark.gpu
@pytest.mark.parametrize("head_dim", [128, 80])
def test_attention_replay_reads_kv_lens_on_the_gpu(gpu_only, rng, head_dim):
    """kv_lens as an int64 CUDA tensor replays with the launch (the decode route;
    the general kernel at head_dim 80): new lengths written into the same tensor
    (one of them 0: a sequence with no key) give the new result, every time; an
    int32 tensor is copied into an int64 one in stream order (fastpath.kv_lens_on_gpu)."""
    torch = pytest.importorskip("torch")
    if gpu_only != "cuda":
        pytest.skip("the replay is numba-cuda's")
    shape = (4, 8, 2, 1, 3000, head_dim)
    tq, tk, tv = (torch.from_numpy(a).to("cuda", torch.float16)
                  for a in make(rng, shape, "float32"))
    rounded = [a.float().cpu().numpy() for a in (tq, tk, tv)]
    out = torch.empty(tq.shape, dtype=torch.float16, device="cuda")
    lens = torch.zeros(4, dtype=torch.int64, device="cuda")
    for trial in range(3):
        new = rng.integers(1, 3001, 4)
        new[trial] = 0
        lens.copy_(torch.from_numpy(new))
        assert causal_attention(tq, tk, tv, kv_lens=lens, out=out, backend="cuda") is out
        check(out.float().cpu().numpy(), definition(*rounded, kv_lens=new)[0], "float16")
    assert fastpath.live_int64(lens, tq) is lens
    assert fastpath.live_int64(lens.to(torch.int32), tq) is None
    assert fastpath.live_int64(lens.cpu(), tq) is None
    short = torch.tensor([5, 0, 3000, 17], dtype=torch.int32, device="cuda")
    got = causal_attention(tq, tk, tv, kv_lens=short, backend="cuda")
    check(got.float().cpu().numpy(), definition(*rounded, kv_lens=[5, 0, 3000, 17])[0],
          "float16")


# --- the GLM-style decode integration -------------------------------------------------

def test_glm_decode_matches_a_plain_reference():
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import glm_decode
    finally:
        sys.path.pop(0)
    result = glm_decode.run(steps=6, backend="cpu", seed=0)
    assert result["max_error"] < 1e-5, result


def test_broadcast_kv_are_read_in_place(backend, rng):
    """k and v broadcast over their KV heads (stride 0: np.broadcast_to, torch's
    expand, a way to share one KV head) are only read: accepted as they are, and the
    result is the definition's."""
    q, k1, v1 = make(rng, (1, 4, 1, 3, 9, 8), "float32")
    k, v = np.broadcast_to(k1, (1, 2, 9, 8)), np.broadcast_to(v1, (1, 2, 9, 8))
    check(causal_attention(q, k, v, backend=backend), definition(q, k, v)[0], "float32")


def test_head_dim_zero_is_refused(backend, rng):
    """head_dim 0 is refused before anything is written (its default scale would be
    1 / sqrt(0); the cuda launcher failed on it, 2026-12-04 r87)."""
    q, k, v = make(rng, (1, 2, 2, 3, 7, 0), "float32", head_dim_v=8)
    out = np.full((1, 2, 3, 8), 7.0, np.float32)
    with pytest.raises(ValueError, match="head_dim of at least 1"):
        causal_attention(q, k, v, out=out, backend=backend)
    assert np.all(out == 7.0)


def test_head_dim_v_zero_is_refused(backend, rng):
    """v of head_dim 0 is refused like q's: its output would be empty, and with
    return_lse the lse came back unwritten (np.empty: found 2026-12-05)."""
    q, k, v = make(rng, (1, 2, 2, 3, 7, 8), "float32")
    v = np.ascontiguousarray(v[..., :0])  # [1, 2, 7, 0]
    with pytest.raises(ValueError, match="v must have a head_dim of at least 1"):
        causal_attention(q, k, v, return_lse=True, backend=backend)


def test_offset_and_q_offsets_together_are_refused(backend, rng):
    """offset= and q_offsets= both set the queries' positions: given both, the op
    refuses (it took q_offsets and ignored offset; apply_rotary already refused)."""
    q, k, v = make(rng, (2, 2, 2, 3, 7, 8), "float32")
    out = np.full((2, 2, 3, 8), 7.0, np.float32)
    with pytest.raises(ValueError, match="give offset or q_offsets, not both"):
        causal_attention(q, k, v, offset=1, q_offsets=[0, 2], out=out, backend=backend)
    assert np.all(out == 7.0)


class _DeviceView:
    """An object with ``__cuda_array_interface__`` over host memory (never launched:
    validation refuses it first)."""

    def __init__(self, a, strides=None):
        self.__cuda_array_interface__ = {"shape": a.shape, "typestr": a.dtype.str,
                                         "strides": strides, "data": (a.ctypes.data, True),
                                         "version": 3, "stream": None}


def test_broadcast_kv_in_gpu_memory_are_refused(rng):
    """k broadcast over its heads in GPU memory (stride 0: torch's expand) is refused
    with a clear message before any launch: the GPU kernels read such a k wrong (r87)."""
    q, k1, v1 = make(rng, (1, 4, 1, 3, 9, 8), "float32")
    zero = (0, 0, 32, 4)  # [1, 2, 9, 8] over one head's memory
    with pytest.raises(ValueError, match=r"k overlap themselves in GPU memory .*contiguous"):
        causal_attention(_DeviceView(q), _DeviceView(k1[:, :1].repeat(2, 1), zero),
                         _DeviceView(v1), backend="auto")


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_expanded_kv_tensors_on_the_gpu(rng, dtype):
    """torch CUDA k and v expanded over their KV heads (stride 0) are refused before
    any launch (r87: the kernels read them wrong); their contiguous copies give the
    definition's result."""
    torch = pytest.importorskip("torch")
    from numba_causal.backends import available_backends

    if "cuda" not in available_backends() or not torch.cuda.is_available():
        pytest.skip("needs the cuda backend and a torch CUDA build")
    q, k1, v1 = make(rng, (2, 8, 1, 2, 300, 64), dtype)
    k, v = np.broadcast_to(k1, (2, 4, 300, 64)), np.broadcast_to(v1, (2, 4, 300, 64))
    qt, kt, vt = (torch.from_numpy(a).cuda() for a in (q, k1, v1))
    kt, vt = kt.expand(2, 4, 300, 64), vt.expand(2, 4, 300, 64)
    with pytest.raises(ValueError, match="overlap themselves in GPU memory"):
        causal_attention(qt, kt, vt, backend="cuda")
    out = causal_attention(qt, kt.contiguous(), vt.contiguous(), backend="cuda")
    check(out.cpu().numpy(), definition(q, k, v)[0], dtype)
