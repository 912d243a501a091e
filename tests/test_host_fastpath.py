"""The host fast path (fastpath.host_key / HostReplay): a repeated small call on a
NumPy array replays the CPU kernel with the arguments validated the first time.
It must give the result of a fresh call for new contents, and lose no validation:
anything validation tells apart (dtype, byte order, layout, writeability, option
types and values, overlap of out) takes the full path again.

Expected values: helpers.masked_where (an independent NumPy mask) and a float64
NumPy softmax written here.
"""

import numpy as np
import pytest

import numba_causal as nc
from numba_causal import attention, fastpath, mask, softmax
from helpers import DTYPES, assert_bits_equal, expected, masked_where, np_dtype


@pytest.fixture(autouse=True)
def fresh_cache():
    fastpath.clear()
    yield
    fastpath.clear()


def _counted(monkeypatch, places):
    """A count of the calls of the functions at ``places`` ((module, name) pairs)."""
    count = {"n": 0}
    for module, name in places:
        original = getattr(module, name)

        def counting(*args, _original=original, **kwargs):
            count["n"] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counting)
    return count


@pytest.fixture
def validations(monkeypatch):
    """How many times the full path validated an array."""
    return _counted(monkeypatch, [(mask, "inspect_scores"), (softmax, "inspect_scores")])


def softmax_want(x, scale=1.0, **options):
    where = masked_where(x.shape, **options)
    z = np.where(where, -np.inf, scale * x.astype(np.float64))
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 7), (2, 3, 4, 6)])
def test_mask_replay_masks_new_contents(rng, validations, dtype, shape):
    x = np.empty(shape, np_dtype(dtype))
    for _ in range(3):  # the same array, fresh contents each call
        x[...] = rng.standard_normal(shape).astype(np_dtype(dtype))
        want = expected(x, masked_where(shape, offset=1), fill=-5.0)
        assert nc.apply_causal_mask(x, offset=1, fill=-5.0, backend="cpu") is x
        assert_bits_equal(x, want)
    assert validations["n"] == 1  # validated once, then replayed


def test_mask_replay_on_a_view_keeps_the_guard_band(rng):
    base = rng.standard_normal((3, 4, 10, 12)).astype(np.float32)
    for _ in range(2):
        buf = base.copy()
        view = buf[::2, 1:3, 2:-1, 1:-2]
        want = buf.copy()
        want[::2, 1:3, 2:-1, 1:-2] = expected(view, masked_where(view.shape, window=3))
        nc.apply_causal_mask(view, window=3, backend="cpu")
        assert_bits_equal(buf, want)
    assert len(fastpath._HOST) == 1


@pytest.mark.parametrize("first, second, error, message", [
    (dict(offset=1), dict(offset=True), TypeError, "offset must be an integer"),
    (dict(window=2), dict(window=2.0), TypeError, "window must be an integer"),
    (dict(), dict(causal="yes"), TypeError, "causal must be True or False"),
    (dict(fill=0.0), dict(fill=-0.0), None, None),
    (dict(fill=1.0), dict(fill=float("nan")), None, None),
    (dict(offset=0), dict(offset=None), None, None),
])
def test_mask_key_tells_apart_what_validation_does(rng, first, second, error, message):
    x = rng.standard_normal((4, 6)).astype(np.float32)
    nc.apply_causal_mask(x.copy(), backend="cpu", **first)
    nc.apply_causal_mask(x.copy(), backend="cpu", **first)
    y = x.copy()
    if error is not None:
        with pytest.raises(error, match=message):
            nc.apply_causal_mask(y, backend="cpu", **second)
        assert_bits_equal(y, x)
        return
    nc.apply_causal_mask(y, backend="cpu", **second)
    options = {k: v for k, v in second.items() if k != "fill"}
    options["causal"] = bool(options.get("causal", True))
    want = expected(x, masked_where(x.shape, **options), fill=second.get("fill", -np.inf))
    assert_bits_equal(y, want)


def test_read_only_and_byte_swapped_still_refused(rng):
    x = rng.standard_normal((4, 6)).astype(np.float32)
    nc.apply_causal_mask(x.copy(), backend="cpu")
    nc.apply_causal_mask(x.copy(), backend="cpu")
    frozen = x.copy()
    frozen.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        nc.apply_causal_mask(frozen, backend="cpu")
    swapped = x.astype(x.dtype.newbyteorder(">"))
    with pytest.raises(TypeError, match="native byte order"):
        nc.apply_causal_mask(swapped, backend="cpu")
    assert_bits_equal(frozen, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("out", ["new", "same", "separate"])
def test_softmax_replay(rng, validations, dtype, out):
    shape = (2, 2, 5, 9)
    for _ in range(3):
        x = rng.standard_normal(shape).astype(np_dtype(dtype))
        want = softmax_want(x, 0.5, window=4)
        target = {"new": None, "same": x, "separate": np.full(shape, np.nan, x.dtype)}[out]
        got = nc.causal_softmax(x, scale=0.5, window=4, out=target, backend="cpu")
        if target is not None:
            assert got is target
        tol = {"float64": 1e-12, "float32": 1e-6}.get(dtype, 1e-2)
        assert np.abs(got.astype(np.float64) - want).max() <= tol
    assert validations["n"] == 2  # scores and out, the first time only
    assert len(fastpath._HOST) == 1


def test_softmax_overlapping_out_still_refused(rng):
    buf = rng.standard_normal((4, 12)).astype(np.float32)
    other = np.full((4, 12), np.nan, np.float32)
    nc.causal_softmax(buf[:, :6], out=other[:, :6], backend="cpu")
    nc.causal_softmax(buf[:, :6], out=other[:, :6], backend="cpu")  # replayed
    before = buf.copy()
    with pytest.raises(ValueError, match="out overlaps scores"):
        nc.causal_softmax(buf[:, :6], out=buf[:, 3:9], backend="cpu")  # same layouts
    assert_bits_equal(buf, before)


def test_environment_backend_is_part_of_the_key(rng, monkeypatch):
    x = rng.standard_normal((4, 6)).astype(np.float32)
    nc.apply_causal_mask(x.copy())
    nc.apply_causal_mask(x.copy())
    monkeypatch.setenv("NUMBA_CAUSAL_BACKEND", "nope")
    with pytest.raises(ValueError, match="unknown backend 'nope'"):
        nc.apply_causal_mask(x.copy())


def test_backend_variable_is_read_on_every_call(monkeypatch):
    """'auto' follows $NUMBA_CAUSAL_BACKEND as it is at each call (the fast path
    reads it without os.environ's encoding: backends._environment_choice)."""
    from numba_causal import backends

    monkeypatch.setenv("NUMBA_CAUSAL_BACKEND", "CPU")
    assert backends.requested() == "cpu" and backends.requested("auto") == "cpu"
    assert backends.requested("sim") == "sim"
    monkeypatch.setenv("NUMBA_CAUSAL_BACKEND", "")
    assert backends.requested() == "auto"
    monkeypatch.delenv("NUMBA_CAUSAL_BACKEND")
    assert backends.requested() == "auto"
    monkeypatch.setenv("NUMBA_CAUSAL_BACKEND", "cuda")
    assert backends.auto_means_cuda_for_torch(None) is True
    monkeypatch.setenv("NUMBA_CAUSAL_BACKEND", "cpu")
    assert backends.auto_means_cuda_for_torch(None) is False


def test_dependent_launch_config_has_the_cuda_h_layout():
    """cuLaunchKernelEx's arguments for a programmatic dependent launch, byte for byte
    as cuda.h (CUDA 12 and 13) lays them out, read back with ``struct`` rather than
    through the ctypes fields: CUlaunchConfig is grid and block (6 uints), the dynamic
    shared bytes, the stream at byte 32, the attribute array at 40 and its count at
    48 (56 bytes); its one CUlaunchAttribute is id 6
    (CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION), 4 bytes of padding, and
    a 64-byte value whose first int is 1 (72 bytes)."""
    import ctypes
    import struct

    config, attr = fastpath.dependent_config((5, 3, 2, 64, 2, 1), 4096, 0xABC0)
    assert ctypes.sizeof(config) == 56 and ctypes.sizeof(attr) == 72
    assert struct.unpack("<7I4xQQI4x", bytes(config)) == (
        5, 3, 2, 64, 2, 1, 4096, 0xABC0, ctypes.addressof(attr), 1)
    raw = bytes(attr)
    assert struct.unpack_from("<I4xi", raw) == (6, 1) and raw[4:8] == bytes(4)
    assert raw[12:] == bytes(60)


def test_dependent_families_take_pdl():
    """op.Family.variant adds the PDL constant to the variants of the families whose
    kernels wait on entry (every family of the package): False off a GPU that
    launches dependents (the simulator and the CPU, the AOT catalog: no flag); a
    family declared without ``dependent_launch`` gets no PDL constant."""
    import dataclasses

    from numba_causal import op
    from numba_causal.backends import get_backend

    assert not op.dependent_launches(get_backend("sim"))
    assert not op.dependent_launches(get_backend("cpu"))
    families = op.families()  # (with any a test registered, as docs' ALiBi example)
    for name in ("causal_mask", "causal_softmax", "causal_softmax_backward", "rotary",
                 "causal_attention", "causal_attention_decode",
                 "causal_attention_decode_mma", "causal_attention_merge"):
        family = families[name]
        assert family.dependent_launch, family.name
        assert family.variant({"ROWS": 4}) == {"ROWS": 4, "PDL": False}
        assert family.variant({"ROWS": 4}, True) == {"ROWS": 4, "PDL": True}
    plain = dataclasses.replace(mask.CAUSAL_MASK, dependent_launch=False)
    assert plain.variant({"ROWS": 4}, True) == {"ROWS": 4}


def attention_want(q, k, v, window=None, kv_lens=None):
    """softmax(q k^T / sqrt(d), causal at the cache's end) v in float64, per head
    (MHA: one KV head a query head); keys at or past a sequence's kv_lens masked, a
    row with no key left all zeros."""
    q, k, v = (a.astype(np.float64) for a in (q, k, v))
    n, s = k.shape[2], q.shape[2]
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(q.shape[-1])
    pos = np.arange(s)[:, None] + n - s
    keys = np.arange(n)[None, :]
    masked = (keys > pos) | ((keys <= pos - window) if window is not None else False)
    masked = np.broadcast_to(masked, scores.shape).copy()
    if kv_lens is not None:
        for b, length in enumerate(kv_lens):
            masked[b, :, :, max(length, 0):] = True
    z = np.where(masked, -np.inf, scores)
    top = z.max(-1, keepdims=True)
    e = np.where(masked, 0.0, np.exp(z - np.where(np.isfinite(top), top, 0.0)))
    total = e.sum(-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0) @ v


@pytest.fixture
def attention_validations(monkeypatch):
    """How many times the attention's full path validated its inputs."""
    return _counted(monkeypatch, [(attention, "_validate")])


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("out", ["new", "separate"])
def test_attention_replay(rng, attention_validations, dtype, out):
    shape_q, shape_kv = (2, 3, 2, 16), (2, 3, 9, 16)
    for _ in range(3):  # new arrays of one layout, fresh contents each call
        q, k, v = (rng.standard_normal(sh).astype(np_dtype(dtype))
                   for sh in (shape_q, shape_kv, shape_kv))
        target = None if out == "new" else np.full(shape_q, np.nan, q.dtype)
        got = nc.causal_attention(q, k, v, window=5, out=target, backend="cpu")
        if target is not None:
            assert got is target
        tol = 1e-5 if dtype == "float32" else 2e-2
        assert np.abs(got.astype(np.float64) - attention_want(q, k, v, window=5)).max() <= tol
    assert attention_validations["n"] == 1  # the first call only, then replayed
    assert len(fastpath._HOST) == 1


def test_attention_replay_tells_apart_layouts_and_options(rng, attention_validations):
    q = rng.standard_normal((1, 2, 2, 8)).astype(np.float32)
    k, v = (rng.standard_normal((1, 2, 7, 8)).astype(np.float32) for _ in range(2))
    nc.causal_attention(q, k, v, backend="cpu")
    got = nc.causal_attention(q, k, v, window=3, backend="cpu")  # another option
    assert np.abs(got - attention_want(q, k, v, window=3)).max() <= 1e-5
    kt = np.ascontiguousarray(k.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)  # other strides
    got = nc.causal_attention(q, kt, v, backend="cpu")
    assert np.abs(got - attention_want(q, k, v)).max() <= 1e-5
    with pytest.raises(TypeError, match="window must be an integer"):
        nc.causal_attention(q, k, v, window=3.0, backend="cpu")
    assert attention_validations["n"] == 4


def test_attention_replay_still_refuses_an_overlapping_out(rng):
    buf = rng.standard_normal((1, 2, 2, 8)).astype(np.float32)
    k, v = (rng.standard_normal((1, 2, 7, 8)).astype(np.float32) for _ in range(2))
    out = np.empty_like(buf)
    q = buf.copy()
    nc.causal_attention(q, k, v, out=out, backend="cpu")
    nc.causal_attention(q, k, v, out=out, backend="cpu")  # replayed
    before = buf.copy()
    with pytest.raises(ValueError, match="out overlaps q"):
        nc.causal_attention(buf, k, v, out=buf, backend="cpu")  # the same layouts
    assert_bits_equal(buf, before)
    frozen = out.copy()
    frozen.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        nc.causal_attention(q, k, v, out=frozen, backend="cpu")


def test_attention_replay_takes_each_call_s_kv_lens(rng, attention_validations):
    q = rng.standard_normal((3, 2, 1, 16)).astype(np.float32)
    k, v = (rng.standard_normal((3, 2, 12, 16)).astype(np.float32) for _ in range(2))
    out = np.full(q.shape, np.nan, np.float32)
    for lens in ([12, 5, 1], np.array([0, 12, 40]), [7, -3, 12]):  # past the ends too
        assert nc.causal_attention(q, k, v, kv_lens=lens, out=out, backend="cpu") is out
        assert np.abs(out - attention_want(q, k, v, kv_lens=lens)).max() <= 1e-5
    assert attention_validations["n"] == 1
    before = out.copy()
    for bad, error, message in (([3, 4], ValueError, "kv_lens must have shape"),
                                ([1.5, 2, 3], TypeError, "kv_lens must hold integers")):
        with pytest.raises(error, match=message):
            nc.causal_attention(q, k, v, kv_lens=bad, out=out, backend="cpu")
        assert_bits_equal(out, before)


#: (kv_lens, q_offsets) of a batch of 3 over 9 keys and 4 queries, replayed in turn:
#: lengths past both ends, positions before the first key and past the last
PER_SEQUENCE_TRIALS = [([9, 4, 0], [5, 0, -2]), ([1, 12, 7], [9, 3, 100]),
                       ([-3, 9, 5], [-10, 7, 2])]
#: values the options refuse at a replay: (kv_lens, q_offsets, error, message)
PER_SEQUENCE_BAD = [([9, 4], None, ValueError, "kv_lens must have shape"),
                    (None, [1.5, 0, 2], TypeError, "q_offsets must hold integers"),
                    (None, [2**62 + 1, 0, 0], ValueError, r"q_offsets must lie within")]


def _per_sequence_calls():
    """(name, kv_lens, q_offsets) of every trial, each option alone and both."""
    for kv, qo in PER_SEQUENCE_TRIALS:
        yield "kv_lens", kv, None
        yield "q_offsets", None, qo
        yield "both", kv, qo


@pytest.mark.parametrize("op_name", ["mask", "softmax", "softmax_backward"])
def test_replay_takes_each_call_s_kv_lens_and_q_offsets(rng, monkeypatch, op_name):
    """The mask, the softmax and its backward with kv_lens and/or q_offsets on NumPy
    arrays: one replay per combination of options given (the first call of each alone
    validated its arrays), each call masked by its own values (NumPy's masked_where),
    and values the options refuse raise at a replay with nothing written."""
    from numba_causal import softmax_backward
    from test_softmax_backward import assert_gradient, formula

    count = _counted(monkeypatch, [(mask, "inspect_scores"), (softmax, "inspect_scores"),
                                   (softmax_backward, "_inspect_pair")])
    shape = (3, 2, 4, 9)
    x = rng.standard_normal(shape).astype(np.float32)
    p = rng.random(shape).astype(np.float32)
    out = np.full(shape, np.nan, np.float32)

    def call(target, **options):
        if op_name == "mask":
            return nc.apply_causal_mask(target, backend="cpu", **options)
        if op_name == "softmax":
            return nc.causal_softmax(x, scale=0.5, out=target, backend="cpu", **options)
        return nc.causal_softmax_backward(p, x, scale=0.5, out=target, backend="cpu", **options)

    for _, kv, qo in _per_sequence_calls():
        options = dict(kv_lens=kv, q_offsets=qo)
        where = masked_where(shape, **options)
        if op_name == "mask":
            target = x.copy()
            assert call(target, **options) is target
            assert_bits_equal(target, expected(x, where))
        elif op_name == "softmax":
            assert call(out, **options) is out
            with np.errstate(invalid="ignore"):  # a row with no key: NaN here, 0 there
                want = np.nan_to_num(softmax_want(x, 0.5, **options), nan=0.0)
            assert np.abs(out - want).max() <= 1e-6
        else:
            assert call(out, **options) is out
            assert_gradient(out, formula(p, x, 0.5, **options), where, "float32")
    assert len(fastpath._HOST) == 3
    assert count["n"] == (3 if op_name == "mask" else 6 if op_name == "softmax" else 3)
    target = x.copy() if op_name == "mask" else out
    before = target.copy()
    for kv, qo, error, message in PER_SEQUENCE_BAD:
        with pytest.raises(error, match=message):
            call(target, kv_lens=kv, q_offsets=qo)
        assert_bits_equal(target, before)


def test_attention_replay_takes_each_call_s_q_offsets(rng, attention_validations):
    """causal_attention on NumPy arrays with q_offsets (and kv_lens): replayed, each
    call's positions its own (against the float64 definition with the same mask,
    NumPy's masked_where), bad positions refused at a replay, nothing written."""
    q = rng.standard_normal((3, 4, 4, 16)).astype(np.float32)
    k, v = (rng.standard_normal((3, 2, 9, 16)).astype(np.float32) for _ in range(2))
    out = np.full(q.shape, np.nan, np.float32)
    kk, vv = (np.repeat(a.astype(np.float64), 2, axis=1) for a in (k, v))  # GQA 4/2
    scores = q.astype(np.float64) @ kk.transpose(0, 1, 3, 2) / 4.0
    for _, kv, qo in _per_sequence_calls():
        assert nc.causal_attention(q, k, v, kv_lens=kv, q_offsets=qo, out=out,
                                   backend="cpu") is out
        where = masked_where(scores.shape, kv_lens=kv, q_offsets=qo)
        z = np.where(where, -np.inf, scores)
        top = z.max(-1, keepdims=True)
        e = np.where(where, 0.0, np.exp(z - np.where(np.isfinite(top), top, 0.0)))
        total = e.sum(-1, keepdims=True)
        want = np.divide(e, total, out=np.zeros_like(e), where=total > 0) @ vv
        assert np.abs(out - want).max() <= 1e-5, (kv, qo)
    assert attention_validations["n"] == 3
    assert len(fastpath._HOST) == 3
    before = out.copy()
    for kv, qo, error, message in PER_SEQUENCE_BAD:
        with pytest.raises(error, match=message):
            nc.causal_attention(q, k, v, kv_lens=kv, q_offsets=qo, out=out, backend="cpu")
        assert_bits_equal(out, before)


# --- rotary -----------------------------------------------------------------------------------

@pytest.fixture
def rotary_validations(monkeypatch):
    """How many times apply_rotary took its full path (validated its operands)."""
    from numba_causal import rotary

    return _counted(monkeypatch, [(rotary, "_validate")])


@pytest.mark.parametrize("dtype, layout, interleaved, rotary_dim", [
    ("float32", "bhsd", False, None), ("bfloat16", "bshd", True, 6),
    ("float16", "bshd", False, 8)])
def test_rotary_replay_takes_each_call_s_offset(rng, rotary_validations, dtype, layout,
                                                interleaved, rotary_dim):
    """A decode loop: the same q and k (GQA) rotated at a new offset each step, fresh
    contents each time; every step matches the float64 formula, the tail past
    rotary_dim keeps its bits, and only the first step validated."""
    from test_rotary import assert_rotated, make, positions_of, wanted

    q = make(rng, (2, 4, 1, 12), dtype, layout)
    k = make(rng, (2, 2, 1, 12), dtype, layout)
    for offset in (0, 7, 8, 1000):
        q[...] = make(rng, (2, 4, 1, 12), dtype, layout)
        k[...] = make(rng, (2, 2, 1, 12), dtype, layout)
        before_q, before_k = q.copy(), k.copy()
        got = nc.apply_rotary(q, k, offset=offset, rotary_dim=rotary_dim,
                              interleaved=interleaved, layout=layout, backend="cpu")
        assert got[0] is q and got[1] is k
        pos = positions_of(2, 1, offset=offset)
        for x, before in ((q, before_q), (k, before_k)):
            assert_rotated(x, before, wanted(before, pos, dtype, rotary_dim, interleaved,
                                             layout), dtype, rotary_dim, interleaved, layout)
    assert rotary_validations["n"] == 1


def test_rotary_replay_checks_the_offset_against_the_tables(rng, rotary_validations):
    """With cos/sin tables an offset whose rows fall past them raises as on the full
    path, nothing written; other tables of the same layout take the full path."""
    from test_rotary import assert_rotated, make, positions_of, wanted

    theta = np.arange(10)[:, None] * 0.3 ** np.arange(4)[None, :]
    cos, sin = np.cos(theta).astype(np.float32), np.sin(theta).astype(np.float32)
    q = make(rng, (1, 2, 3, 8), "float32")
    for offset in (0, 7):
        before = q.copy()
        nc.apply_rotary(q, offset=offset, cos=cos, sin=sin, backend="cpu")
        assert_rotated(q, before, wanted(before, positions_of(1, 3, offset=offset), "float32",
                                         tables=(cos, sin)), "float32")
    assert rotary_validations["n"] == 1
    before = q.copy()
    for bad, error, message in ((8, ValueError, r"positions must lie in \[0, 10\)"),
                                (-1, ValueError, r"positions must lie in \[0, 10\)"),
                                (True, TypeError, "offset must be an integer"),
                                (1.0, TypeError, "offset must be an integer")):
        with pytest.raises(error, match=message):
            nc.apply_rotary(q, offset=bad, cos=cos, sin=sin, backend="cpu")
        assert_bits_equal(q, before)
    assert rotary_validations["n"] == 1  # refused by the replay's own checks
    other_cos, other_sin = cos.copy(), sin.copy()
    nc.apply_rotary(q, offset=2, cos=other_cos, sin=other_sin, backend="cpu")
    assert rotary_validations["n"] == 2


def test_rotary_replay_still_refuses_overlap(rng, rotary_validations):
    """q and k of a recorded layout that now share memory take the full path and its
    error."""
    buf = rng.standard_normal((2, 2, 3, 8)).astype(np.float32)
    q, k = buf[0:1], buf[1:2]
    nc.apply_rotary(q, k, offset=1, backend="cpu")
    shared = rng.standard_normal((1, 2, 3, 8)).astype(np.float32)
    before = shared.copy()
    with pytest.raises(ValueError, match="k overlaps q"):
        nc.apply_rotary(shared, shared, offset=1, backend="cpu")
    assert_bits_equal(shared, before)
    assert rotary_validations["n"] == 2


def test_rotary_replay_takes_each_call_s_positions(rng, rotary_validations):
    """Positions given as a NumPy array (per sequence, or one row for all) are the
    call's own on a replay, validated as the full path validates them: a bad dtype,
    shape or a row past the tables raises its error, nothing written."""
    from test_rotary import assert_rotated, make, positions_of, wanted

    theta = np.arange(50)[:, None] * 0.7 ** np.arange(3)[None, :]
    cos, sin = np.cos(theta), np.sin(theta)
    q = make(rng, (3, 2, 2, 6), "float64", "bshd")
    for positions in (np.array([[0, 1], [5, 6], [40, 49]]), np.array([[9, 3], [2, 2], [0, 7]]),
                      np.array([4, 8], dtype=np.int32)):
        before = q.copy()
        nc.apply_rotary(q, positions=positions, cos=cos, sin=sin, layout="bshd",
                        backend="cpu")
        want = wanted(before, positions_of(3, 2, positions=positions), "float64",
                      layout="bshd", tables=(cos, sin))
        assert_rotated(q, before, want, "float64", layout="bshd")
    assert rotary_validations["n"] == 1
    before = q.copy()
    for bad, error, message in (
            (np.array([[0, 50], [1, 2], [3, 4]]), ValueError, r"positions must lie in \[0, 50\)"),
            (np.array([[0.0, 1.0]] * 3), TypeError, "positions must hold integers"),
            (np.array([1, 2, 3]), ValueError, r"positions must have shape \(3, 2\) or \(2,\)")):
        with pytest.raises(error, match=message):
            nc.apply_rotary(q, positions=bad, cos=cos, sin=sin, layout="bshd", backend="cpu")
        assert_bits_equal(q, before)
    with pytest.raises(ValueError, match="give at most one of positions, q_offsets and offset"):
        nc.apply_rotary(q, positions=np.array([1, 2]), offset=3, cos=cos, sin=sin,
                        layout="bshd", backend="cpu")
    assert_bits_equal(q, before)


def test_rotary_replay_takes_each_call_s_q_offsets(rng, rotary_validations):
    """q_offsets (one start a sequence) are the call's own on a replay, checked as the
    full path checks them: a start whose rows leave the tables, a float or a wrong
    shape raises its error, as does an offset beside them; nothing written."""
    from test_rotary import assert_rotated, make, positions_of, wanted

    theta = np.arange(50)[:, None] * 0.7 ** np.arange(3)[None, :]
    cos, sin = np.cos(theta), np.sin(theta)
    q = make(rng, (3, 2, 2, 6), "float64", "bshd")
    k = make(rng, (3, 1, 2, 6), "float64", "bshd")  # GQA: one KV head
    for starts in ([0, 5, 48], np.array([9, 0, 2], dtype=np.int32), [47, 47, 1]):
        before_q, before_k = q.copy(), k.copy()
        nc.apply_rotary(q, k, q_offsets=starts, cos=cos, sin=sin, layout="bshd",
                        backend="cpu")
        for got, before in ((q, before_q), (k, before_k)):
            want = wanted(before, positions_of(3, 2, q_offsets=starts), "float64",
                          layout="bshd", tables=(cos, sin))
            assert_rotated(got, before, want, "float64", layout="bshd")
    assert rotary_validations["n"] == 1
    before = q.copy()
    for bad, error, message in (
            ([0, 49, 3], ValueError, r"positions must lie in \[0, 50\)"),
            ([-1, 0, 0], ValueError, r"positions must lie in \[0, 50\)"),
            ([0.0, 1.0, 2.0], TypeError, "q_offsets must hold integers"),
            ([1, 2], ValueError, r"q_offsets must have shape \(3,\)")):
        with pytest.raises(error, match=message):
            nc.apply_rotary(q, k, q_offsets=bad, cos=cos, sin=sin, layout="bshd",
                            backend="cpu")
        assert_bits_equal(q, before)
    with pytest.raises(ValueError, match="give at most one of positions, q_offsets and offset"):
        nc.apply_rotary(q, k, q_offsets=[1, 2, 3], offset=3, cos=cos, sin=sin,
                        layout="bshd", backend="cpu")
    assert_bits_equal(q, before)


# --- softmax backward -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float64"])
@pytest.mark.parametrize("out", ["new", "separate"])
def test_softmax_backward_replay(rng, monkeypatch, dtype, out):
    """Repeated backward calls on NumPy arrays, fresh contents each time, match the
    float64 formula; the first call alone validated its arrays."""
    from numba_causal import softmax_backward
    from test_softmax_backward import assert_gradient, formula

    count = _counted(monkeypatch, [(softmax_backward, "_inspect_pair")])
    shape = (2, 3, 5, 9)
    target = np.full(shape, np.nan, np_dtype(dtype)) if out == "separate" else None
    for _ in range(3):
        p = rng.random(shape).astype(np_dtype(dtype))
        g = rng.standard_normal(shape).astype(np_dtype(dtype))
        got = nc.causal_softmax_backward(p, g, scale=0.5, window=4, out=target,
                                         backend="cpu")
        assert target is None or got is target
        assert_gradient(got, formula(p, g, 0.5, window=4), masked_where(shape, window=4),
                        dtype)
    assert count["n"] == 1
    assert len(fastpath._HOST) == 1


def test_softmax_backward_replay_leaves_in_place_and_overlap_to_the_full_path(rng):
    """out given as grad (in place) is never replayed; an out of a recorded layout
    that now overlaps an input is refused as on the full path, nothing written."""
    p = rng.random((4, 12)).astype(np.float32)
    g = rng.standard_normal((4, 12)).astype(np.float32)
    other = np.full((4, 12), np.nan, np.float32)
    nc.causal_softmax_backward(p[:, :6], g[:, :6], out=other[:, :6], backend="cpu")
    nc.causal_softmax_backward(p[:, :6], g[:, :6], out=other[:, :6], backend="cpu")
    assert len(fastpath._HOST) == 1
    before = g.copy()
    with pytest.raises(ValueError, match="out overlaps grad"):
        nc.causal_softmax_backward(p[:, :6], g[:, :6], out=g[:, 3:9], backend="cpu")
    assert_bits_equal(g, before)
    nc.causal_softmax_backward(p, g, out=g, backend="cpu")
    assert len(fastpath._HOST) == 1  # in place: not recorded
