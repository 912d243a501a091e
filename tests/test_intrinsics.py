"""numba_causal.intrinsics: each primitive checked against NumPy / ml_dtypes on the
CPU (@njit: the same LLVM IR the GPUs get) and on the simulator's Python
spelling; the NVIDIA spelling compiled to PTX (skipped without libNVVM) and run
on a GPU (marked ``gpu``, skipped without one). Self-contained: no fixtures."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

def _load_amd_codegen():
    """tools/amd/codegen.py and numba.hip (the project's AMD toolchain), or the reason
    they are not here."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "tools" / "amd" / "codegen.py"
    spec = importlib.util.spec_from_file_location("intrinsics_amd_codegen", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        return module, module.load_hip(), None
    except Exception as exc:
        return None, None, (f"numba.hip cannot be imported here ({type(exc).__name__}: {exc}); "
                            "run as tools/amd/run_ci.sh does: tools/amd/setup.sh, source .amd/env.sh, then "
                            ".venv-hip/bin/python -m pytest -m hip_codegen tests/test_intrinsics.py")


# numba.hip must be imported (with the toolchain) before anything imports numba.cuda
_AMD = _load_amd_codegen()

from numba import njit  # noqa: E402

from numba_causal import intrinsics as I  # noqa: E402

from helpers import nvvm_reason  # noqa: E402

try:
    import ml_dtypes

    BF16 = ml_dtypes.bfloat16
except ImportError:  # numba-hip's environment: only the hip test runs there
    BF16 = None
needs_ml_dtypes = pytest.mark.skipif(BF16 is None, reason="ml_dtypes (bfloat16 reference) not installed")
ALL16 = np.arange(65536, dtype=np.uint16)
CPU = {name: spelled["cpu"] for name, spelled in I.INTRINSICS.items() if "cpu" in spelled}
SIM = {name: spelled["sim"] for name, spelled in I.INTRINSICS.items() if "sim" in spelled}

f16_to_f32, f32_to_f16 = CPU["f16_to_f32"], CPU["f32_to_f16"]
bf16_to_f32, f32_to_bf16 = CPU["bf16_to_f32"], CPU["f32_to_bf16"]
pack_f16x2, pack_bf16x2 = CPU["pack_f16x2"], CPU["pack_bf16x2"]
f16x2_lo, f16x2_hi = CPU["f16x2_lo"], CPU["f16x2_hi"]
bf16x2_lo, bf16x2_hi = CPU["bf16x2_lo"], CPU["bf16x2_hi"]
load_v4, store_v4, load_v2, store_v2 = CPU["load_v4"], CPU["store_v4"], CPU["load_v2"], CPU["store_v2"]
mad32, udiv32, urem32, min32, max32 = CPU["mad32"], CPU["udiv32"], CPU["urem32"], CPU["min32"], CPU["max32"]
add32, sub32, shr32, and32, u32, i32 = CPU["add32"], CPU["sub32"], CPU["shr32"], CPU["and32"], CPU["u32"], CPU["i32"]
exp2f = CPU["exp2f"]
copy16, async_commit, async_wait = CPU["copy16"], CPU["async_commit"], CPU["async_wait"]
align16_skip, align128_skip, ticket = CPU["align16_skip"], CPU["align128_skip"], CPU["ticket"]
max_nan = CPU["max_nan"]


# ------------------------------------------------------------------ references

def same_floats(got, want):
    """Bit-equal where want is not NaN; NaN where want is NaN."""
    got, want = np.asarray(got, np.float32), np.asarray(want, np.float32)
    nan = np.isnan(want)
    return np.array_equal(got[~nan].view(np.uint32), want[~nan].view(np.uint32)) and \
        bool(np.isnan(got[nan]).all())


def same_bits16(got, want_bits, dtype):
    """Bit-equal 16-bit encodings where the value is not NaN; NaN encodings where it is."""
    got, want_bits = np.asarray(got, np.uint16), np.asarray(want_bits, np.uint16)
    nan = np.isnan(want_bits.view(dtype).astype(np.float32))
    return np.array_equal(got[~nan], want_bits[~nan]) and \
        bool(np.isnan(got[nan].view(dtype).astype(np.float32)).all())


def encode_cases():
    """float32 inputs for the encoders: every value just below, at and just above
    each float16 and bfloat16 rounding midpoint (both signs), specials,
    subnormals, overflow, and 2**20 random bit patterns."""
    rng = np.random.default_rng()
    halves = ALL16[:0x7C00].view(np.float16).astype(np.float64)        # finite, >= 0
    mid16 = (halves[:-1] + halves[1:]) / 2                             # exact in float32
    bf = ALL16[:0x7F80].view(BF16).astype(np.float64)
    mid_bf = (bf[:-1] + bf[1:]) / 2
    mids = np.concatenate([mid16, mid_bf, [65520.0, 65519.99]]).astype(np.float32)
    around = mids.view(np.uint32)[:, None] + np.array([-1, 0, 1], dtype=np.int64)[None, :]
    around = around.astype(np.uint32).view(np.float32).ravel()
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 6e-8, 5.96e-8,
                         2.98e-8, 3e-8, 1e30, -1e30, 3.4e38, np.finfo(np.float32).tiny],
                        dtype=np.float32)
    nan_payloads = np.array([0x7F800001, 0xFF800001, 0x7FC00000, 0x7FFFFFFF, 0xFFBFFFFF],
                            dtype=np.uint32).view(np.float32)
    random = rng.integers(0, 2**32, 2**20, dtype=np.uint64).astype(np.uint32).view(np.float32)
    return np.concatenate([around, -around, specials, nan_payloads, random])


def want_f16(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(x, np.float32).astype(np.float16).view(np.uint16)


def want_bf16(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(x, np.float32).astype(BF16).view(np.uint16)


# ------------------------------------------------------------------ cpu (@njit)

@njit
def _decode(bits, out, kind):
    for i in range(bits.size):
        out[i] = f16_to_f32(bits[i]) if kind == 0 else bf16_to_f32(bits[i])


@njit
def _encode(x, out, kind):
    for i in range(x.size):
        out[i] = f32_to_f16(x[i]) if kind == 0 else f32_to_bf16(x[i])


@needs_ml_dtypes
def test_cpu_decode_all_patterns():
    out = np.empty(65536, np.float32)
    _decode(ALL16, out, 0)
    assert same_floats(out, ALL16.view(np.float16).astype(np.float32))
    _decode(ALL16, out, 1)
    assert same_floats(out, ALL16.view(BF16).astype(np.float32))


@needs_ml_dtypes
def test_cpu_encode_rounding_boundaries_and_random():
    x = encode_cases()
    out = np.empty(x.size, np.uint16)
    _encode(x, out, 0)
    assert same_bits16(out, want_f16(x), np.float16)
    _encode(x, out, 1)
    assert same_bits16(out, want_bf16(x), BF16)


def test_cpu_encode_bf16_nan_is_quiet():
    x = np.array([0x7F800001, 0xFF800001, 0x7F810000], np.uint32).view(np.float32)
    out = np.empty(x.size, np.uint16)
    _encode(x, out, 1)
    assert all(b & 0x7FC0 == 0x7FC0 for b in out.tolist())  # quiet NaN, sign kept
    assert out[1] >> 15 == 1


@njit
def _packs(lo, hi, words, back):
    for i in range(lo.size):
        words[0, i] = pack_f16x2(lo[i], hi[i])
        words[1, i] = pack_bf16x2(lo[i], hi[i])
        back[0, i] = f16x2_lo(words[0, i])
        back[1, i] = f16x2_hi(words[0, i])
        back[2, i] = bf16x2_lo(words[1, i])
        back[3, i] = bf16x2_hi(words[1, i])


@needs_ml_dtypes
def test_cpu_pack_unpack_pairs():
    rng = np.random.default_rng()
    lo = (rng.standard_normal(4096) * 100).astype(np.float32)
    hi = (rng.standard_normal(4096) * 1e-3).astype(np.float32)
    words = np.empty((2, lo.size), np.uint32)
    back = np.empty((4, lo.size), np.float32)
    _packs(lo, hi, words, back)
    assert np.array_equal(words[0], want_f16(lo).astype(np.uint32) | want_f16(hi).astype(np.uint32) << 16)
    assert np.array_equal(words[1], want_bf16(lo).astype(np.uint32) | want_bf16(hi).astype(np.uint32) << 16)
    assert same_floats(back[0], lo.astype(np.float16).astype(np.float32))
    assert same_floats(back[1], hi.astype(np.float16).astype(np.float32))
    assert same_floats(back[2], lo.astype(BF16).astype(np.float32))
    assert same_floats(back[3], hi.astype(BF16).astype(np.float32))


@njit
def _reverse_v4(a, b):
    for i in range(0, a.size, 16 // a.itemsize):
        w = load_v4(a, u32(i))
        store_v4(b, u32(i), w[3], w[2], w[1], w[0])


@njit
def _swap_v2(a, b):
    for i in range(0, a.size, 8 // a.itemsize):
        w = load_v2(a, i)
        store_v2(b, i, w[1], w[0])


@pytest.mark.parametrize("dtype", [np.float32, np.int16, np.uint16, np.float64])
def test_cpu_wide_loads_and_stores(dtype):
    rng = np.random.default_rng()
    a = rng.integers(-1000, 1000, 64).astype(dtype)
    b = np.zeros_like(a)
    _reverse_v4(a, b)
    want = a.view(np.uint32).reshape(-1, 4)[:, ::-1].ravel().view(dtype)
    assert np.array_equal(b.view(np.uint32), want.view(np.uint32))
    c = np.zeros_like(a)
    _swap_v2(a, c)
    assert np.array_equal(c.view(np.uint32), a.view(np.uint32).reshape(-1, 2)[:, ::-1].ravel())


@njit
def _ints(a, b, c):
    return (mad32(a, b, c), udiv32(a, b), urem32(a, b), min32(a, c), max32(a, c),
            add32(a, c), sub32(a, c), shr32(a, 2), and32(a, 6), u32(a), i32(c))


def test_cpu_index_helpers_values_and_types():
    rng = np.random.default_rng()
    for _ in range(200):
        a, b = int(rng.integers(1, 40000)), int(rng.integers(1, 40000))
        c = int(rng.integers(-2**20, 2**20))
        got = _ints(a, b, c)
        assert got == (a * b + c, a // b, a % b, min(a, c), max(a, c), a + c, a - c,
                       a >> 2, a & 6, a, c)
    ret = _ints.nopython_signatures[0].return_type
    assert [str(t) for t in ret] == ["int32", "uint32", "uint32", "int32", "int32", "int32",
                                     "int32", "uint32", "uint32", "uint32", "int32"]


@njit
def _exp2_all(x, out):
    for i in range(x.size):
        out[i] = exp2f(x[i])


def test_cpu_exp2f():
    x = np.concatenate([np.linspace(-126, 127, 5001), [-np.inf, 0.0]]).astype(np.float32)  # normal results
    out = np.empty_like(x)
    _exp2_all(x, out)
    want = np.exp2(x.astype(np.float64))
    assert np.allclose(out, want, rtol=3e-7, atol=0) and out[-2] == 0.0 and out[-1] == 1.0


# ------------------------------------------------------------------ sim (Python)

@needs_ml_dtypes
def test_sim_decode_all_patterns():
    got16 = [SIM["f16_to_f32"](b) for b in ALL16]
    gotbf = [SIM["bf16_to_f32"](b) for b in ALL16]
    assert same_floats(got16, ALL16.view(np.float16).astype(np.float32))
    assert same_floats(gotbf, ALL16.view(BF16).astype(np.float32))


@needs_ml_dtypes
def test_sim_encode_boundaries_and_random():
    x = encode_cases()
    x = np.concatenate([x[:-2**20], x[-2**20:][:20000]])  # Python speed: fewer random
    assert same_bits16([SIM["f32_to_f16"](v) for v in x], want_f16(x), np.float16)
    assert same_bits16([SIM["f32_to_bf16"](v) for v in x], want_bf16(x), BF16)


def test_sim_and_cpu_agree_on_everything_else():
    rng = np.random.default_rng()
    lo = (rng.standard_normal(256) * 10).astype(np.float32)
    hi = (rng.standard_normal(256) * 10).astype(np.float32)
    words = np.empty((2, lo.size), np.uint32)
    back = np.empty((4, lo.size), np.float32)
    _packs(lo, hi, words, back)
    for i in range(lo.size):
        assert SIM["pack_f16x2"](lo[i], hi[i]) == words[0, i]
        assert SIM["pack_bf16x2"](lo[i], hi[i]) == words[1, i]
        assert SIM["f16x2_hi"](words[0, i]) == back[1, i]
        assert SIM["bf16x2_lo"](words[1, i]) == back[2, i]
    a = rng.standard_normal(32).astype(np.float32)
    b = np.zeros_like(a)
    for i in range(0, a.size, 4):
        w = SIM["load_v4"](a, SIM["u32"](i))
        SIM["store_v4"](b, i, w[3], w[2], w[1], w[0])
    assert np.array_equal(b, a.reshape(-1, 4)[:, ::-1].ravel())
    assert SIM["mad32"](7, 3, -1) == 20 and SIM["urem32"](17, 5) == 2
    assert SIM["exp2f"](np.float32(3.0)) == 8.0


@njit
def _staged_copy(src, dst, counter):
    """Every 16 bytes of ``src`` into ``dst`` from its first 16-byte aligned word, in
    two committed groups; then two tickets of ``counter[1]``."""
    at = align16_skip(dst)
    half = src.size // 2
    for i in range(0, half, 4):
        copy16(dst, at + i, src, i)
    async_commit()
    for i in range(half, src.size, 4):
        copy16(dst, at + i, src, i)
    async_commit()
    async_wait(0)
    return at, ticket(counter, 1), ticket(counter, 1)


@pytest.mark.parametrize("backend", ["cpu", "sim"])
def test_staged_copies_and_tickets(backend):
    """copy16 moves 16 bytes (done by async_wait on every spelling), align16_skip
    finds the first 16-byte aligned element, ticket counts and returns the count
    before."""
    rng = np.random.default_rng()
    src = rng.integers(0, 2**32, 64, dtype=np.uint64).astype(np.uint32)
    for shift in range(4):
        buf = np.zeros(64 + 8, np.uint32)
        dst = buf[shift:]
        counter = np.array([7, 5, 9], np.int32)
        if backend == "cpu":
            at, first, second = _staged_copy(src, dst, counter)
        else:
            at = SIM["align16_skip"](dst)
            for i in range(0, src.size, 4):
                SIM["copy16"](dst, at + i, src, i)
            SIM["async_commit"]()
            SIM["async_wait"](0)
            first, second = SIM["ticket"](counter, 1), SIM["ticket"](counter, 1)
        assert (dst.ctypes.data + 4 * int(at)) % 16 == 0 and 0 <= at < 4
        assert np.array_equal(dst[at:at + src.size], src)
        assert not dst[:at].any() and not dst[at + src.size:].any()
        assert (first, second) == (5, 6) and counter.tolist() == [7, 7, 9]


@njit
def _max_nans(a, b, out):
    for i in range(a.size):
        out[i] = max_nan(a[i], b[i])


@pytest.mark.parametrize("backend", ["cpu", "sim"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_nan_is_max_with_nan_winning(backend, dtype):
    """max_nan(a, b): the larger of a and b, NaN when either is NaN (either order),
    infinities as numbers."""
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0, 3e38], dtype)
    a = np.repeat(special, special.size)
    b = np.tile(special, special.size)
    got = np.zeros_like(a)
    if backend == "cpu":
        _max_nans(a, b, got)
    else:
        got[:] = [SIM["max_nan"](x, y) for x, y in zip(a, b)]
    either_nan = np.isnan(a) | np.isnan(b)
    assert np.isnan(got[either_nan]).all()
    assert np.array_equal(got[~either_nan], np.maximum(a, b)[~either_nan])


@njit
def _skips(a):
    return align16_skip(a), align128_skip(a)


@pytest.mark.parametrize("backend", ["cpu", "sim"])
def test_align_skips_find_the_first_aligned_element(backend):
    """align16_skip / align128_skip: the fewest elements to skip for a 16- / 128-byte
    aligned address (a cp.async stage that starts mid-line doubles its L2 sectors)."""
    buf = np.zeros(256, np.uint32)
    for shift in range(64):
        a = buf[shift:]
        got = _skips(a) if backend == "cpu" else (SIM["align16_skip"](a),
                                                   SIM["align128_skip"](a))
        for nbytes, at in zip((16, 128), got):
            address = a.ctypes.data + 4 * int(at)
            assert address % nbytes == 0 and 0 <= at < nbytes // 4, (shift, nbytes, at)
            assert at == 0 or (address - 4) % nbytes != 0
    one = np.zeros(64, np.uint16)[1:]  # a 2-byte element type: elements, not words
    at16, at128 = _skips(one) if backend == "cpu" else (SIM["align16_skip"](one),
                                                         SIM["align128_skip"](one))
    assert (one.ctypes.data + 2 * int(at16)) % 16 == 0 and (one.ctypes.data + 2 * int(at128)) % 128 == 0


def test_sim_checks_the_callers_guarantees():
    with pytest.raises(OverflowError):
        SIM["mad32"](2**16, 2**16, 0)
    with pytest.raises(OverflowError):
        SIM["u32"](-1)
    with pytest.raises(ValueError):
        SIM["load_v4"](np.zeros(16, np.float32), 2)  # 8 bytes in: not 16-byte aligned
    with pytest.raises(IndexError):
        SIM["load"](np.zeros(4, np.float32), -1)


def test_device_primitives_tables():
    for backend in I.BACKENDS:
        names = dict(I.device_primitives(backend))
        assert {"f16_to_f32", "load_v4", "mad32", "exp2f"} <= set(names)
    # the 32-lane warp reductions only when a GPU namespace is given (the lab's
    # kernels); the package's kernels reduce with reductions.row_reduce
    assert "warp_max" not in dict(I.device_primitives("cuda"))
    assert "warp_max" in dict(I.device_primitives("cuda", gpu=object()))
    assert "warp_max" not in dict(I.device_primitives("sim"))
    assert dict(I.device_primitives("sim"))["f16_to_f32"](0x3C00) == 1.0
    with pytest.raises(ValueError):
        I.device_primitives("metal")


# ------------------------------------------------------------------ cuda: PTX

_NO_NVVM = nvvm_reason()
needs_nvvm = pytest.mark.skipif(_NO_NVVM is not None, reason=str(_NO_NVVM))
CUDA = {name: spelled["cuda"] for name, spelled in I.INTRINSICS.items()}


def _ptx(fn, sig):
    from numba import cuda

    ptx, _ = cuda.compile_ptx(fn, sig, cc=(9, 0))
    return ptx[ptx.index(".entry"):]


@needs_nvvm
def test_ptx_conversions_and_wide_memory():
    from numba import cuda

    load_v4c, store_v4c = CUDA["load_v4"], CUDA["store_v4"]
    lo, hi, pack16 = CUDA["f16x2_lo"], CUDA["f16x2_hi"], CUDA["pack_f16x2"]
    packbf, tobf, to16, ex2 = CUDA["pack_bf16x2"], CUDA["f32_to_bf16"], CUDA["f32_to_f16"], CUDA["exp2f"]
    wmax, u32c, mad = CUDA["warp_max"], CUDA["u32"], CUDA["mad32"]

    def kernel(x, y):
        i = u32c(mad(cuda.blockIdx.x, cuda.blockDim.x, cuda.threadIdx.x))
        w = load_v4c(x, i * 8)
        a, b = lo(w[0]), hi(w[1])
        c = ex2(wmax(a))
        store_v4c(y, i * 8, pack16(b, c), packbf(a, c), tobf(b), to16(a * b))

    ptx = _ptx(kernel, "void(int16[::1], int16[::1])")
    for needle in ("ld.global.v4.u32", "st.global.v4.u32", "cvt.f32.f16", "cvt.rn.f16.f32",
                   "cvt.rn.bf16.f32", "cvt.rn.bf16x2.f32", "ex2.approx.ftz.f32",
                   "shfl.sync.bfly.b32", "mad.lo.s32"):
        assert needle in ptx, needle


@needs_nvvm
def test_ptx_async_copies_and_tickets():
    """cuda spells copy16 as cp.async (16 bytes, shared destination), async_wait(n)
    as one cp.async.wait_group n, ticket as atom.add between device fences;
    align128_skip masks the address's low 7 bits."""
    from numba import cuda, int32, uint32

    copy16c, commit, wait = CUDA["copy16"], CUDA["async_commit"], CUDA["async_wait"]
    skip, ticketc, load_v4c, store_v4c = (CUDA[n] for n in ("align128_skip", "ticket",
                                                            "load_v4", "store_v4"))

    def kernel(x, y, counter):
        stage = cuda.shared.array(96, uint32)
        at = skip(stage)
        lane = cuda.threadIdx.x
        copy16c(stage, at + lane * 4, x, lane * 4)
        commit()
        wait(1)
        cuda.syncthreads()
        w = load_v4c(stage, at + lane * 4)
        store_v4c(y, lane * 4, w[0], w[1], w[2], w[3])
        if lane == 0:
            counter[0] = ticketc(counter, 1)

    ptx = _ptx(kernel, "void(uint32[::1], uint32[::1], int32[::1])")
    for needle in ("cp.async.cg.shared.global", "cp.async.commit_group", "cp.async.wait_group 1;",
                   "atom.add.u32", "membar.gl", "ld.shared.v4.u32", "and.b64"):
        assert needle in ptx, needle
    assert ptx.count("cp.async.wait_group") == 1  # the switch folded to the one wait
    del int32


@needs_nvvm
def test_ptx_max_nan_is_one_instruction():
    """cuda spells max_nan on float32 as PTX max.NaN.f32 (no compare and select);
    float64 keeps the compare and select."""
    mx = CUDA["max_nan"]

    def kernel(x, y, z):
        i = 0
        z[i] = mx(x[i], y[i])

    ptx = _ptx(kernel, "void(float32[::1], float32[::1], float32[::1])")
    assert "max.NaN.f32" in ptx and "selp.f32" not in ptx
    ptx64 = _ptx(kernel, "void(float64[::1], float64[::1], float64[::1])")
    assert "max.NaN" not in ptx64 and "selp.f64" in ptx64


def _arith64(ptx):
    return len(re.findall(r"^\s*(add|sub|mul|mad|rem|div|shl|shr|and|setp)\.\w*64", ptx, re.M))


@needs_nvvm
def test_ptx_index_helpers_stay_32_bit():
    from numba import cuda

    mad, urem, add, u32c = CUDA["mad32"], CUDA["urem32"], CUDA["add32"], CUDA["u32"]
    load = CUDA["load"]

    def plain(x, y, n, k):  # numba's own integer arithmetic: 64-bit
        row = cuda.blockIdx.x * 4 + cuda.threadIdx.y
        q = row % n
        y[row * k + cuda.threadIdx.x] = x[q * k + cuda.threadIdx.x + 1]

    def helpers(x, y, n, k):  # the same index math through the helpers
        row = mad(cuda.blockIdx.x, 4, cuda.threadIdx.y)
        q = urem(row, n)
        y[u32c(mad(row, k, cuda.threadIdx.x))] = load(x, u32c(add(mad(q, k, cuda.threadIdx.x), 1)))

    sig = "void(float32[::1], float32[::1], int32, int32)"
    ours, theirs = _ptx(helpers, sig), _ptx(plain, sig)
    assert "rem.u32" in ours and "mad.lo.s32" in ours
    assert "rem.s64" in theirs or "rem.u64" in theirs or "div.s64" in theirs
    # what is left 64-bit is the address arithmetic only (2 add.s64 + 2 mul.wide)
    assert _arith64(ours) <= 2 < _arith64(theirs), (_arith64(ours), _arith64(theirs))


# ------------------------------------------------------------------ cuda: runtime

def _cuda_reason():
    try:
        from numba import cuda

        if not cuda.is_available():
            return "no CUDA GPU"
    except Exception as exc:
        return f"numba-cuda unusable: {exc}"
    return None


_NO_CUDA = _cuda_reason()


@pytest.mark.gpu
@pytest.mark.skipif(_NO_CUDA is not None, reason=str(_NO_CUDA))
@needs_ml_dtypes
def test_cuda_conversions_match_numpy():
    from numba import cuda

    dec16, decbf = CUDA["f16_to_f32"], CUDA["bf16_to_f32"]
    enc16, encbf = CUDA["f32_to_f16"], CUDA["f32_to_bf16"]

    @cuda.jit
    def decode(bits, out16, outbf):
        i = cuda.grid(1)
        if i < bits.size:
            out16[i] = dec16(bits[i])
            outbf[i] = decbf(bits[i])

    @cuda.jit
    def encode(x, b16, bbf):
        i = cuda.grid(1)
        if i < x.size:
            b16[i] = enc16(x[i])
            bbf[i] = encbf(x[i])

    o16, obf = cuda.device_array(65536, np.float32), cuda.device_array(65536, np.float32)
    decode[256, 256](cuda.to_device(ALL16), o16, obf)
    assert same_floats(o16.copy_to_host(), ALL16.view(np.float16).astype(np.float32))
    assert same_floats(obf.copy_to_host(), ALL16.view(BF16).astype(np.float32))
    x = encode_cases()
    b16, bbf = cuda.device_array(x.size, np.uint16), cuda.device_array(x.size, np.uint16)
    encode[(x.size + 255) // 256, 256](cuda.to_device(x), b16, bbf)
    assert same_bits16(b16.copy_to_host(), want_f16(x), np.float16)
    assert same_bits16(bbf.copy_to_host(), want_bf16(x), BF16)


@pytest.mark.gpu
@pytest.mark.skipif(_NO_CUDA is not None, reason=str(_NO_CUDA))
def test_cuda_wide_memory_and_warp_reductions():
    from numba import cuda

    load_v4c, store_v4c, wmax, wsum, u32c = (CUDA[n] for n in
                                              ("load_v4", "store_v4", "warp_max", "warp_sum", "u32"))

    @cuda.jit
    def kernel(a, b, red):
        i = cuda.grid(1)
        w = load_v4c(a, u32c(i * 4))
        store_v4c(b, u32c(i * 4), w[3], w[2], w[1], w[0])
        v = a[i * 4]
        red[i, 0] = wmax(v)
        red[i, 1] = wsum(v)

    rng = np.random.default_rng()
    a = rng.standard_normal(64 * 4).astype(np.float32)
    b, red = cuda.device_array_like(a), cuda.device_array((64, 2), np.float32)
    kernel[2, 32](cuda.to_device(a), b, red)
    assert np.array_equal(b.copy_to_host(), a.reshape(-1, 4)[:, ::-1].ravel())
    firsts = a[::4].reshape(2, 32)
    got = red.copy_to_host().reshape(2, 32, 2)
    assert np.array_equal(got[..., 0], np.repeat(firsts.max(1)[:, None], 32, 1))
    assert np.allclose(got[..., 1], np.repeat(firsts.sum(1)[:, None], 32, 1), rtol=1e-5)


# ------------------------------------------------------------------ hip: AMDGPU code

@pytest.mark.hip_codegen
@pytest.mark.parametrize("arch", ["gfx90a", "gfx942", "gfx1100"])
def test_hip_code_object_uses_hardware_conversions_and_wide_memory(arch):
    codegen, hip, reason = _AMD
    if reason:
        pytest.skip(reason)
    H = {name: spelled["hip"] for name, spelled in I.INTRINSICS.items() if "hip" in spelled}
    bound = dict(I.device_primitives("hip", gpu=hip))
    wmax = hip.jit(device=True)(bound["warp_max"])  # fresh per compile (see lab_hip_softmax.py)
    dec, enc, ld, st, mad, u32h, ex2 = (H[n] for n in ("f16x2_lo", "pack_f16x2", "load_v4",
                                                        "store_v4", "mad32", "u32", "exp2f"))

    def kernel(x, y):
        i = u32h(mad(hip.blockIdx.x, hip.blockDim.x, hip.threadIdx.x))
        w = ld(x, i * 8)
        f = dec(w[0])
        st(y, i * 8, enc(ex2(wmax(f)), f), w[1], w[2], w[3])

    co = codegen.compile_kernel(kernel, "void(int16[::1], int16[::1])", arch)
    assert re.search(r"global_load_(dwordx4|b128)", co.asm)
    assert re.search(r"global_store_(dwordx4|b128)", co.asm)
    assert "v_cvt_f32_f16" in co.asm and "v_exp_f32" in co.asm
    assert re.search(r"v_cvt_f16_f32|v_cvt_pk\w*f16|v_fma_mix\w*_f16|v_pack_b32_f16", co.asm)
    res = codegen.resources(co)
    assert res["scratch"] == 0 and res["vgpr_spill"] == 0, res
