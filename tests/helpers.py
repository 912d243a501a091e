"""Test helpers: random scores, an independent NumPy mask, and bit-exact comparison."""

import numpy as np

try:
    import ml_dtypes
    BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover
    BF16 = None

DTYPES = ["float16", "float32", "float64"] + (["bfloat16"] if BF16 is not None else [])
UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def np_dtype(name):
    return BF16 if name == "bfloat16" else np.dtype(name)


def random_scores(rng, shape, dtype="float32", specials=True):
    """Random normal scores; with ``specials``, some NaNs with payloads and -0.0s."""
    x = rng.standard_normal(shape).astype(np.float32).astype(np_dtype(dtype))
    if specials and x.size >= 4:
        bits = bits_of(x).reshape(-1)
        width = x.dtype.itemsize * 8
        idx = rng.choice(x.size, size=max(2, x.size // 50), replace=False)
        exp_all_ones = {16: 0x7C00 if dtype == "float16" else 0x7F80, 32: 0x7F800000,
                        64: 0x7FF0000000000000}[width]
        half = len(idx) // 2
        bits[idx[:half]] = exp_all_ones | (np.arange(half) % 7 + 1)  # NaNs, distinct payloads
        bits[idx[half:]] = 1 << (width - 1)  # -0.0
    return x


def bits_of(x):
    """The raw bits of an array (a view)."""
    x = np.asarray(x)
    return x.view(UINT[x.dtype.itemsize])


def masked_where(shape, offset=None, window=None, kv_lens=None, q_offsets=None, causal=True,
                 mask_fn=None):
    """Boolean array: True where the mask's definition says fill. Pure NumPy broadcasting."""
    shape4 = (1, 1) + tuple(shape) if len(shape) == 2 else tuple(shape)
    batch, heads, seq_len, cache_len = shape4
    if offset is None:
        offset = cache_len - seq_len
    q = np.arange(seq_len)[None, None, :, None]
    k = np.arange(cache_len)[None, None, None, :]
    start = np.full((batch, 1, 1, 1), offset) if q_offsets is None else \
        np.asarray(q_offsets).reshape(batch, 1, 1, 1)
    pos = q + start
    keep = np.ones(shape4, dtype=bool)
    if causal:
        keep &= k <= pos
    if window is not None:
        keep &= k > pos - window
    if kv_lens is not None:
        keep &= k < np.asarray(kv_lens).reshape(batch, 1, 1, 1)
    if mask_fn is not None:
        b, h, qq, kk = np.indices(shape4)
        keep &= np.vectorize(mask_fn)(b, h, qq + np.broadcast_to(start, shape4), kk).astype(bool)
    return ~keep.reshape(shape)


def expected(before, where, fill=-np.inf):
    """``before`` with ``fill`` at ``where``, bit for bit."""
    out = before.copy()
    out[where] = np.array(fill, dtype=np.float64).astype(before.dtype)
    return out


def assert_bits_equal(actual, wanted):
    a, w = bits_of(actual), bits_of(wanted)
    assert a.shape == w.shape
    bad = np.argwhere(a != w)
    assert bad.size == 0, f"{len(bad)} elements differ, first at {tuple(bad[0])}: " \
        f"{a[tuple(bad[0])]:#x} != {w[tuple(bad[0])]:#x}"


def device_roundtrip(backend, x, fn):
    """Run ``fn(array)`` with ``x`` on ``backend``'s device memory when it has one
    (zero-copy path), else on ``x`` itself; return the result as a host array."""
    if backend not in ("cuda", "hip") or x.dtype == BF16:
        fn(x)
        return x
    import numba_causal as nc

    gpu = nc.get_backend(backend).gpu
    d = gpu.to_device(x)
    fn(d)
    return d.copy_to_host()


def planned(monkeypatch, module, *names):
    """A list that every GPU launch ``module.plan_constants`` plans from now on appends
    to: the value of constant ``names[0]`` (or a tuple, for several names)."""
    seen = []
    plan = module.plan_constants

    def spy(*args, **kwargs):
        constants = plan(*args, **kwargs)
        values = tuple(constants[n] for n in names)
        seen.append(values if len(names) > 1 else values[0])
        return constants

    monkeypatch.setattr(module, "plan_constants", spy)
    return seen


def nvvm_reason():
    """Why numba-cuda cannot compile PTX here (no libNVVM/NVRTC), or None when it can."""
    try:
        from numba import cuda

        cuda.compile_ptx(lambda a: None, "void(float32[::1])", cc=(9, 0))
    except Exception as exc:
        return f"numba-cuda cannot compile PTX here: {type(exc).__name__}: {str(exc)[:120]}"
    return None


def sim_shape(backend, shape, sim):
    """The simulator's shape for a test: the same rows and keys in fewer sequences or
    heads. Each (sequence, head) adds its own blocks of Python threads on the simulator
    (0.1-0.5 s a block, more when the other xdist worker simulates too) and repeats
    the same mask; per-sequence options keep two sequences."""
    return sim if backend == "sim" else shape
