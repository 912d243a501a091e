"""apply_causal_mask on every backend against the independent NumPy definition and
the @njit reference: the seed's seven cases, offsets, 2-D, dtypes, strided views,
guard bands, zero-copy device arrays."""

import numpy as np
import pytest

import numba_causal as nc
from helpers import (DTYPES, assert_bits_equal, bits_of, device_roundtrip, expected,
                     masked_where, np_dtype, random_scores)

SIM_MAX_ROWS = 256  # the simulator runs ~6 ms per (row, head, batch): keep it small


def shrink_for_sim(backend, shape):
    """On the simulator, cut a large case down (same rank, same structure)."""
    if backend != "sim":
        return shape
    shape = list(shape)
    while np.prod(shape[:-1]) > SIM_MAX_ROWS:
        i = int(np.argmax(shape[:-1]))
        shape[i] = max(1, shape[i] // 2)
        if i == len(shape) - 2:
            shape[-1] = max(1, shape[-1] // 2)
    return tuple(shape)


def check_mask(backend, rng, shape, dtype="float32", device=True, **options):
    x = random_scores(rng, shape, dtype)
    before = x.copy()
    run = (lambda a: nc.apply_causal_mask(a, backend=backend, **options))
    got = device_roundtrip(backend, x, run) if device else run(x)
    assert_bits_equal(got, expected(before, masked_where(shape, **options)))
    return got


# --- the seed's seven ---------------------------------------------------------------

def test_upper_triangle_is_neg_inf(backend, rng):
    got = check_mask(backend, rng, (2, 4, 8, 8))
    upper = np.triu(np.ones((8, 8), bool), k=1)
    assert np.all(np.isneginf(got[:, :, upper]))


def test_lower_triangle_preserved(backend, rng):
    x = random_scores(rng, (1, 8, 16, 16))
    before = x.copy()
    got = device_roundtrip(backend, x, lambda a: nc.apply_causal_mask(a, backend=backend))
    lower = np.tril(np.ones((16, 16), bool))
    assert_bits_equal(got[:, :, lower], before[:, :, lower])


@pytest.mark.parametrize("batch", [1, 2, 4, 8])
def test_batch_sizes(backend, rng, batch):
    check_mask(backend, rng, (batch, 2, 8, 8))


@pytest.mark.parametrize("heads", [1, 2, 4, 8, 16, 32])
def test_head_counts(backend, rng, heads):
    check_mask(backend, rng, shrink_for_sim(backend, (1, heads, 8, 8)))


def test_kernel_matches_reference(backend, rng):
    x = random_scores(rng, shrink_for_sim(backend, (4, 8, 32, 32)))
    ref = x.copy()
    nc.causal_mask_reference(ref)
    got = device_roundtrip(backend, x, lambda a: nc.apply_causal_mask(a, backend=backend))
    assert_bits_equal(got, ref)


def test_single_element_unmasked(backend, rng):
    got = check_mask(backend, rng, (1, 1, 1, 1))
    assert not np.isneginf(got).any()


def test_large_sequence(backend, rng):
    shape = (4, 32, 2048, 2048) if backend in ("cuda", "hip") else \
        shrink_for_sim(backend, (1, 2, 512, 512)) if backend == "sim" else (2, 8, 1024, 1024)
    check_mask(backend, rng, shape)


# --- beyond the seed ----------------------------------------------------------------

@pytest.mark.parametrize("offset", [None, 0, 3, 40, -3, -100])
@pytest.mark.parametrize("shape", [(2, 3, 7, 12), (5, 5), (1, 2, 9, 4)])
def test_offsets(backend, rng, shape, offset):
    check_mask(backend, rng, shape, offset=offset)


def test_negative_offset_masks_leading_rows(backend, rng):
    got = check_mask(backend, rng, (6, 4))  # offset = 4 - 6 = -2: rows 0, 1 see no key
    assert np.isneginf(got[:2]).all() and not np.isneginf(got[2:, 0]).any()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 2, 5, 9), (17, 17), (2, 1, 1, 33)])
def test_dtypes(backend, rng, dtype, shape):
    check_mask(backend, rng, shape, dtype)


@pytest.mark.parametrize("fill", [-1e4, 0.0, float("nan"), 3.5])
def test_custom_fill(backend, rng, fill):
    x = random_scores(rng, (2, 2, 6, 6))
    before = x.copy()
    got = device_roundtrip(backend, x, lambda a: nc.apply_causal_mask(a, fill=fill, backend=backend))
    assert_bits_equal(got, expected(before, masked_where(x.shape), fill=fill))


def test_bfloat16_fill_rounds_to_nearest(backend, rng):
    if "bfloat16" not in DTYPES:
        pytest.skip("ml_dtypes not installed")
    x = random_scores(rng, (5, 5), "bfloat16")
    before = x.copy()
    fill = 1.00390625 + 2**-9  # between two bfloat16 values: rounds to even
    nc.apply_causal_mask(x, fill=fill, backend=backend)
    assert_bits_equal(x, expected(before, masked_where(x.shape), fill=fill))


STRIDED = {
    "sliced keys": lambda a: a[..., 1:-2],
    "every other query": lambda a: a[:, :, ::2, :],
    "heads transposed": lambda a: a.transpose(1, 0, 2, 3),
    "keys reversed": lambda a: a[..., ::-1],
    "fortran 2-D": lambda a: np.asfortranarray(a[0, 0]),
}


@pytest.mark.parametrize("view", STRIDED, ids=list(STRIDED))
def test_strided_views(backend, rng, view):
    base = random_scores(rng, (3, 2, 10, 12))
    v = STRIDED[view](base)
    before = v.copy()
    nc.apply_causal_mask(v, backend=backend)
    assert_bits_equal(v, expected(before, masked_where(v.shape)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_guard_band(backend, rng, dtype):
    """Mask a view inside a larger buffer: not one element outside the view changes."""
    buf = random_scores(rng, (4, 5, 14, 20), dtype)
    before = buf.copy()
    view = buf[1:3, 1:4, 2:11, 3:17]
    nc.apply_causal_mask(view, backend=backend)
    outside = np.ones(buf.shape, bool)
    outside[1:3, 1:4, 2:11, 3:17] = False
    assert_bits_equal(buf[outside], before[outside])
    assert_bits_equal(view, expected(before[1:3, 1:4, 2:11, 3:17], masked_where(view.shape)))


@pytest.mark.parametrize("shape", [(0, 4), (4, 0), (0, 2, 3, 3), (2, 0, 3, 3), (2, 2, 0, 5)])
def test_zero_size_is_noop(backend, shape):
    x = np.empty(shape, np.float32)
    assert nc.apply_causal_mask(x, backend=backend) is x


def test_returns_same_object(backend, rng):
    x = random_scores(rng, (3, 3))
    assert nc.apply_causal_mask(x, backend=backend) is x


def test_reference_matches_definition(rng):
    for shape, offset in [((2, 3, 7, 11), None), ((6, 4), None), ((5, 9), -2), ((1, 1, 4, 4), 1)]:
        x = random_scores(rng, shape)
        before = x.copy()
        nc.causal_mask_reference(x, offset=offset)
        assert_bits_equal(x, expected(before, masked_where(shape, offset=offset)))


@pytest.mark.parametrize("launch", [(1, 4), (2, 2), (1, 3)], ids=["rows4", "lanes64x2", "rows3"])
def test_launch_shapes(backend, rng, monkeypatch, launch):
    """Other lane counts and rows per block (as tuned per device) mask the same."""
    if backend == "cpu":
        pytest.skip("the CPU kernel has no launch shape")
    from numba_causal import mask

    monkeypatch.setitem(mask.LAUNCH, backend, launch)
    for shape, dtype in [((2, 3, 7, 70), "float32"), ((2, 1, 5, 9), "float16"), ((3, 6), "float64")]:
        check_mask(backend, rng, shape, dtype)


@pytest.mark.parametrize("offset", [0, 5, 62, 63, 64, 65, 200])
def test_word_view_boundaries(backend, rng, offset):
    """Rows whose first masked key falls at every position around word and lane-chunk edges."""
    for dtype in ("float16", "float32"):
        check_mask(backend, rng, (1, 1, 3, 131), dtype, offset=offset)
        check_mask(backend, rng, (1, 1, 3, 131), dtype, offset=offset, window=61)


# --- the 16-byte path: whole chunks, each row's edge sector rewritten with its own bits ---

def compiled_mask_vecs(backend):
    from numba_causal import compile as kc

    return {e.constants.get("VEC", 0) for e in kc.compiled(backend, "causal_mask_kernel")}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [dict(), dict(window=3, offset=20), dict(offset=-2),
                                     dict(kv_lens=[13, 6], causal=False),
                                     dict(q_offsets=[3, 40]), dict(window=1, offset=9)],
                         ids=["causal", "window", "negative offset", "kv_lens", "q_offsets",
                              "window 1"])
def test_vec_edge_keeps_exact_bits(backend, rng, dtype, options):
    """Kept elements of the chunk (and 32-byte sector) a row's kept range starts or
    ends in are written back with their own bits: NaN payloads and -0.0 included.
    Every kept element holds a special value here, so a rewrite through floats would
    show."""
    shape = (2, 1, 5, 48)
    x = random_scores(rng, shape, dtype)
    bits = bits_of(x)
    width = x.dtype.itemsize * 8
    nan = {16: 0x7C00 if dtype == "float16" else 0x7F80, 32: 0x7F800000,
           64: 0x7FF0000000000000}[width]
    specials = np.array([nan | 1, nan | 3, 1 << (width - 1), nan | 5 | (1 << (width - 1))],
                        dtype=bits.dtype)
    bits[...] = specials[np.arange(48) % 4]  # signalling-style payloads, -0.0, negative NaN
    before = x.copy()
    run = (lambda a: nc.apply_causal_mask(a, backend=backend, **options))
    got = device_roundtrip(backend, x, run)
    assert_bits_equal(got, expected(before, masked_where(shape, **options)))
    if backend == "sim":
        assert compiled_mask_vecs(backend) & {16 // x.dtype.itemsize}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("offset", [-3, 0, 37, 101])
def test_vec_passes_aligned_or_not_write_the_masked_keys_only(backend, rng, dtype, offset):
    """Rows of many lane passes whose masked tail starts anywhere in a pass: with
    lane passes aligned to the lanes (mask.ALIGNED_PASSES: every key width on cuda,
    4- and 8-byte keys on the simulator) the lanes before the tail's first chunk store
    nothing, and every masked key is still written; unaligned passes (2-byte keys on
    the simulator) start at the tail's first chunk."""
    shape = (1, 2, 6, 400)
    x = random_scores(rng, shape, dtype)
    before = x.copy()
    got = device_roundtrip(backend, x, lambda a: nc.apply_causal_mask(a, offset=offset,
                                                                      backend=backend))
    assert_bits_equal(got, expected(before, masked_where(shape, offset=offset)))
    if backend == "sim":
        from numba_causal import compile as kc

        vec = 16 // x.dtype.itemsize
        aligned = {e.constants.get("ALIGNED") for e in kc.compiled(backend, "causal_mask_kernel")
                   if e.constants.get("VEC") == vec}
        assert aligned == {x.dtype.itemsize != 2}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_vec_guard_band(backend, rng, dtype):
    """Aligned rows with gaps between them (16-byte path): the sectors around each
    row's edge are read and written back, but never past the row's own elements."""
    buf = random_scores(rng, (2, 3, 7, 48), dtype)
    before = buf.copy()
    view = buf[:, 1:3, 1:6, 8:40]
    nc.apply_causal_mask(view, backend=backend, window=5)
    outside = np.ones(buf.shape, bool)
    outside[:, 1:3, 1:6, 8:40] = False
    assert_bits_equal(buf[outside], before[outside])
    assert_bits_equal(view, expected(before[:, 1:3, 1:6, 8:40],
                                     masked_where(view.shape, window=5)))


def test_vec_layout_rules():
    """The 16-byte path needs contiguous rows on 16-byte boundaries, cache_len a
    multiple of the chunk, fewer than 2**31 rows, and no mask_fn (its per-key
    writes stay element-wise)."""
    from numba_causal import mask
    from numba_causal.options import mask_options

    plain = mask_options((1, 1, 4, 16))
    assert mask.vec_layout(64, (1, 1, 4, 16), (256, 256, 64, 4), 4, plain)
    assert not mask.vec_layout(68, (1, 1, 4, 16), (256, 256, 64, 4), 4, plain)
    assert not mask.vec_layout(64, (1, 1, 4, 16), (256, 256, 72, 4), 4, plain)
    assert not mask.vec_layout(64, (1, 1, 4, 18), (288, 288, 72, 4), 4, plain)
    assert not mask.vec_layout(64, (1, 1, 4, 16), (512, 512, 128, 8), 4, plain)
    many = (2**16, 2**15, 1, 16)  # 2**31 rows: past vec_row's 32-bit row indices
    assert mask.vec_layout(64, (2**16, 2**15 - 1, 1, 16), (2**21, 64, 64, 4), 4, plain)
    assert not mask.vec_layout(64, many, (2**21, 64, 64, 4), 4, mask_options(many))
    with_fn = mask_options((1, 1, 4, 16), mask_fn=lambda b, h, q, k: True)
    assert not mask.vec_layout(64, (1, 1, 4, 16), (256, 256, 64, 4), 4, with_fn)


def test_vec_shared_holds_an_sm_to_the_masked_bytes_in_flight():
    """The 16-byte path's unused shared memory a block (mask.vec_shared): on cuda,
    an SM of 228 KB holds blocks of about 56 KB of masked bytes (blocks of 4 rows):
    7 blocks of float16 causal rows of 2048 keys (1023.5 masked a row on average), 4
    of float32 (56 KB capped to 48 KB), 2 at least; rows that mask little (a few
    queries over a long cache) are held less or not at all; none on the simulator or
    hip."""
    from numba_causal import mask
    from numba_causal.options import mask_options

    def shared(backend_name, shape, itemsize, **options):
        return mask.vec_shared(backend_name, shape, itemsize, mask_options(shape, **options),
                               lambda: 228 * 1024)

    assert shared("cuda", (4, 32, 2048, 2048), 2) == 228 * 1024 // 7 - 1024
    assert shared("cuda", (4, 32, 2048, 2048), 4) == 48 * 1024
    assert shared("cuda", (1, 8, 8192, 8192), 4) == 48 * 1024
    assert shared("cuda", (1, 1, 64, 64), 2) == 0  # 224 blocks: registers decide
    assert shared("cuda", (8, 32, 1024, 4096), 2) == 228 * 1024 // 14 - 1024
    assert shared("cuda", (8, 32, 16, 4096), 2) == 0
    # a window masks the keys before it too: rows of 3072 masked keys, 2 blocks an SM
    # (114 KB a block, capped to 48 KB)
    assert shared("cuda", (8, 32, 16, 4096), 2, window=1024) == 48 * 1024
    # kv_lens and q_offsets are read at run time: rows held as half masked (4 blocks)
    assert shared("cuda", (8, 32, 16, 4096), 2, kv_lens=[100] * 8) == 48 * 1024
    assert shared("cuda", (8, 32, 16, 4096), 2, q_offsets=[0] * 8) == 48 * 1024
    for name in ("sim", "hip"):
        assert shared(name, (4, 32, 2048, 2048), 4) == 0


@pytest.mark.parametrize("shape, options", [
    ((1, 1, 7, 7), {}), ((1, 1, 5, 13), {}), ((1, 1, 13, 5), {}), ((1, 1, 9, 16), {"window": 3}),
    ((1, 1, 9, 16), {"offset": -4}), ((1, 1, 9, 16), {"offset": 30}),
    ((1, 1, 9, 16), {"offset": 20, "window": 6}), ((1, 1, 12, 10), {"causal": False}),
    ((1, 1, 12, 10), {"causal": False, "window": 4, "offset": -2}),
    ((1, 1, 6, 10), {"window": 40, "offset": 3})])
def test_masked_per_row_counts_what_the_reference_masks(shape, options):
    """mask.masked_per_row (the launcher's closed form) against the keys the
    reference definition masks, counted on a tensor of ones."""
    from numba_causal import mask
    from numba_causal.options import mask_options

    ones = np.ones(shape, np.float64)
    want = float(np.isneginf(mask.causal_mask_reference(ones, **options)).sum() / shape[2])
    assert mask.masked_per_row(shape, mask_options(shape, **options)) == pytest.approx(want)


def test_store_blocks_follow_the_bytes_a_row_masks():
    """mask.plan_launch's 16-byte grid on cuda: a thread a row in the edge blocks
    (edge_block_count), and a store block every 4 rows where a row masks 2 KB or more;
    where rows mask less, a warp takes about 2 KB of them in turn
    (STORE_BYTES_A_WARP), never fewer than 2048 store blocks (STORE_BLOCKS_LEAST);
    with kv_lens or q_offsets (read at run time) and on hip, a block every 4 rows."""
    import types

    from numba_causal import mask
    from numba_causal.options import mask_options

    def grid(backend_name, shape, itemsize, **options):
        backend = types.SimpleNamespace(name=backend_name, warp=32)
        bits = np.zeros((), f"<u{itemsize}")[()]
        return mask.plan_launch(shape, itemsize, True, bits, mask_options(shape, **options),
                                backend, True)[1][0]

    assert grid("cuda", (4, 32, 2048, 2048), 2) == 2048 + 65536  # 2 KB a row
    assert grid("cuda", (8, 32, 1024, 4096), 4) == 2048 + 65536  # 2 KB a row
    assert grid("cuda", (8, 32, 1024, 4096), 2) == 2048 + 32768  # 1 KB: 2 rows a warp
    assert grid("cuda", (8, 32, 256, 4096), 2) == 512 + 2048  # 255 bytes: 8 rows a warp
    assert grid("cuda", (8, 32, 16, 4096), 2) == 32 + 1024  # fewer rows than the least
    assert grid("cuda", (8, 32, 256, 4096), 2, window=1024) == 512 + 16384  # 6 KB a row
    # kv_lens and q_offsets are read at run time: a row a warp, whatever they hold
    assert grid("cuda", (8, 32, 256, 4096), 2, kv_lens=[100] * 8) == 512 + 16384
    assert grid("cuda", (8, 32, 256, 4096), 2, q_offsets=[3000] * 8) == 512 + 16384
    assert grid("hip", (8, 32, 256, 4096), 2) == 512 + 16384


def test_plan_launch_holds_only_the_16_byte_path():
    """mask.plan_launch decides a launch's dynamic shared bytes with its grid: on the
    16-byte path vec_shared's (7 blocks of float16 causal rows of 2048 keys an SM of
    228 KB), and without asking the device anywhere else (the element path, or no
    device to ask)."""
    import types

    from numba_causal import mask
    from numba_causal.options import mask_options

    backend = types.SimpleNamespace(name="cuda", warp=32, grid_limits=(2**31 - 1, 65535, 65535))
    shape, bits = (4, 32, 2048, 2048), np.uint16(0xFC00)

    def shared(vec_ok, shared_an_sm):
        return mask.plan_launch(shape, 2, True, bits, mask_options(shape), backend, vec_ok,
                                shared_an_sm)[4]

    def not_asked():
        raise AssertionError("the device was asked on the element path")

    assert shared(True, lambda: 228 * 1024) == 228 * 1024 // 7 - 1024
    assert shared(False, not_asked) == 0
    assert shared(True, None) == 0


@pytest.mark.parametrize("shape, dtype, options", [
    ((8, 32, 256, 4096), "float16", {}), ((2, 16, 1024, 4096), "float16", {}),
    ((2, 16, 512, 4096), "float32", {"window": 300}), ((1, 32, 200, 8192), "bfloat16", {})])
def test_few_queries_over_a_long_cache(backend, rng, shape, dtype, options):
    """Scores of a few queries over a long cache (chunked prefill, speculative
    decoding): on cuda the 16-byte path's store warps take several rows each
    (plan_launch), and every element must still come out as the definition says."""
    check_mask(backend, rng, shrink_for_sim(backend, shape), dtype, **options)


def test_vec_rows_of_any_length_in_turn(backend, rng):
    """One 16-byte-path variant over rows of 2048, 1024 and again 2048 float32 keys:
    on cuda its blocks take different unused shared memory (mask.vec_shared: 48 KB,
    31.6 KB, 48 KB on an H200), and each launch must still run and mask right (a
    kernel's shared-memory limit set down to the smaller failed the third)."""
    for cache_len in (2048, 1024, 2048):
        check_mask(backend, rng, shrink_for_sim(backend, (1, 2, 8, cache_len)))


def test_empty_per_sequence_lists_are_integers(backend):
    """``kv_lens=[]`` / ``q_offsets=[]`` for a batch of 0 are empty integer arrays (NumPy
    would make them float64 and the dtype check refuse them)."""
    x = np.zeros((0, 1, 3, 3), np.float32)
    assert nc.apply_causal_mask(x, kv_lens=[], q_offsets=[], backend=backend) is x
