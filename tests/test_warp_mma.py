"""primitives.warp_mma: one warp's 16x8x16 product in PTX's m16n8k16 fragment layout.

The layout is written out here from PTX's documentation (not from the package), the
fragments are made on the host from random A [16, 16] and B [16, 8], and the
kernel's D must be A @ B + C in float64 up to float32 rounding: on the simulator
(the shared-memory spelling) and on an NVIDIA GPU (mma.sync; marked ``gpu``), so
the two spellings are proven to agree on the layout. The PTX of the cuda
spelling is checked without a GPU where libNVVM is present."""

from __future__ import annotations

import numpy as np
import pytest

from numba import uint32

from numba_causal import compile as kc
from numba_causal import intrinsics, primitives
from numba_causal.compile import GPU, compile_time

from helpers import nvvm_reason

gpu = GPU
warp_mma, MMA_LANES, BF16 = compile_time("warp_mma", "MMA_LANES", "BF16")

try:
    import ml_dtypes
except ImportError:  # pragma: no cover - the test extra installs it
    ml_dtypes = None


def mma_kernel(a, b, c, d):
    """d[lane] = warp_mma(fragments a[lane], b[lane], c[lane])."""
    exchange = gpu.shared.array((2, 6, MMA_LANES), uint32)
    lane = gpu.threadIdx.x
    d0, d1, d2, d3 = warp_mma(exchange, lane, BF16, a[lane, 0], a[lane, 1], a[lane, 2],
                              a[lane, 3], b[lane, 0], b[lane, 1], c[lane, 0], c[lane, 1],
                              c[lane, 2], c[lane, 3])
    d[lane, 0] = d0
    d[lane, 1] = d1
    d[lane, 2] = d2
    d[lane, 3] = d3


def bits(x, bf16):
    """16-bit patterns of float32 values (already representable)."""
    if bf16:
        return (x.astype(np.float32).view(np.uint32) >> 16).astype(np.uint32)
    return x.astype(np.float16).view(np.uint16).astype(np.uint32)


def fragments(A, B, C, bf16):
    """PTX m16n8k16 (.row.col, 16-bit A/B, float32 C): lane l, g = l // 4, t = l % 4.
    A regs: (row g, cols 2t, 2t+1), (row g+8, same), (row g, cols 2t+8, 2t+9),
    (row g+8, same); B regs: (rows 2t, 2t+1, col g), (rows 2t+8, 2t+9, col g);
    C: (g, 2t), (g, 2t+1), (g+8, 2t), (g+8, 2t+1). A register's first element is
    its low 16 bits."""
    a_bits, b_bits = bits(A, bf16), bits(B, bf16)
    a = np.zeros((32, 4), np.uint32)
    b = np.zeros((32, 2), np.uint32)
    c = np.zeros((32, 4), np.float32)
    for lane in range(32):
        g, t = divmod(lane, 4)
        for reg, (row, col) in enumerate([(g, 2 * t), (g + 8, 2 * t), (g, 2 * t + 8),
                                          (g + 8, 2 * t + 8)]):
            a[lane, reg] = a_bits[row, col] | (a_bits[row, col + 1] << 16)
        for reg, row in enumerate([2 * t, 2 * t + 8]):
            b[lane, reg] = b_bits[row, g] | (b_bits[row + 1, g] << 16)
        c[lane] = [C[g, 2 * t], C[g, 2 * t + 1], C[g + 8, 2 * t], C[g + 8, 2 * t + 1]]
    return a, b, c


def unfragment(d):
    D = np.zeros((16, 8))
    for lane in range(32):
        g, t = divmod(lane, 4)
        D[g, 2 * t], D[g, 2 * t + 1], D[g + 8, 2 * t], D[g + 8, 2 * t + 1] = d[lane]
    return D


def _build(backend_name):
    from numba_causal.backends import get_backend

    backend = get_backend(backend_name)
    helpers = primitives.gpu_primitives(backend_name) + intrinsics.device_primitives(
        backend_name)
    return backend, helpers


@pytest.mark.parametrize("backend_name", ["sim", pytest.param("cuda", marks=pytest.mark.gpu)])
@pytest.mark.parametrize("bf16", [False, True], ids=["float16", "bfloat16"])
def test_warp_mma_is_a_b_plus_c(backend_name, bf16):
    if ml_dtypes is None:
        pytest.skip("ml_dtypes (bfloat16) not installed")
    from numba_causal.backends import unavailable_reasons

    if backend_name in unavailable_reasons():
        pytest.skip(f"backend {backend_name} unavailable")
    rng = np.random.default_rng()
    kind = ml_dtypes.bfloat16 if bf16 else np.float16
    A = rng.standard_normal((16, 16)).astype(kind).astype(np.float64)
    B = rng.standard_normal((16, 8)).astype(kind).astype(np.float64)
    C = rng.standard_normal((16, 8)).astype(np.float32).astype(np.float64)
    a, b, c = fragments(A, B, C, bf16)
    backend, helpers = _build(backend_name)
    kernel = kc.build(backend, mma_kernel, helpers, BF16=bf16,
                      MMA_LANES=32 if backend_name == "sim" else 1, WARP=32)
    if backend_name == "sim":
        d = np.zeros((32, 4), np.float32)
        kernel[1, 32](a, b, c, d)
    else:
        from numba import cuda

        out = cuda.device_array((32, 4), np.float32)
        kernel[1, 32](cuda.to_device(a), cuda.to_device(b), cuda.to_device(c), out)
        d = out.copy_to_host()
    want = A @ B + C
    assert np.allclose(unfragment(d), want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def test_warp_mma_spellings():
    """cuda and the simulator spell it; hip does not (no kernel of it calls it)."""
    assert "warp_mma" in dict(primitives.gpu_primitives("cuda"))
    assert "warp_mma" in dict(primitives.gpu_primitives("sim"))
    assert "warp_mma" not in dict(primitives.gpu_primitives("hip"))
    assert {"mma_f16", "mma_bf16"} <= set(dict(intrinsics.device_primitives("cuda")))
    assert "mma_f16" not in dict(intrinsics.device_primitives("hip"))
    pair_lo, pair_hi = (intrinsics.INTRINSICS[n]["sim"] for n in ("pair_lo", "pair_hi"))
    assert pair_lo(0x1234ABCD, 0x5678EF01) == 0xEF01ABCD
    assert pair_hi(0x1234ABCD, 0x5678EF01) == 0x56781234
    cpu_lo, cpu_hi = (intrinsics.INTRINSICS[n]["cpu"] for n in ("pair_lo", "pair_hi"))
    from numba import njit

    both = njit(lambda x, y: (cpu_lo(x, y), cpu_hi(x, y)))
    assert both(np.uint32(0x1234ABCD), np.uint32(0x5678EF01)) == (0xEF01ABCD, 0x56781234)


@pytest.mark.skipif(nvvm_reason() is not None, reason="numba-cuda cannot compile PTX here")
@pytest.mark.parametrize("bf16", [False, True], ids=["float16", "bfloat16"])
def test_ptx_warp_mma(bf16):
    """cuda spells mma_f16 / mma_bf16 (warp_mma's cuda spelling) as one
    mma.sync.aligned.m16n8k16 of the dtype with float32 accumulate, and pair_lo /
    pair_hi as 32-bit operations."""
    from numba import cuda

    kind = "bf16" if bf16 else "f16"
    mma = intrinsics.INTRINSICS[f"mma_{kind}"]["cuda"]
    pair_lo, pair_hi = (intrinsics.INTRINSICS[n]["cuda"] for n in ("pair_lo", "pair_hi"))

    def kernel(a, b, c, d):
        lane = cuda.threadIdx.x
        d0, d1, d2, d3 = mma(a[lane, 0], a[lane, 1], a[lane, 2], a[lane, 3],
                             pair_lo(b[lane, 0], b[lane, 1]), pair_hi(b[lane, 0], b[lane, 1]),
                             c[lane, 0], c[lane, 1], c[lane, 2], c[lane, 3])
        d[lane, 0] = d0 + d1 + d2 + d3

    ptx, _ = cuda.compile_ptx(kernel, "void(uint32[:, ::1], uint32[:, ::1], float32[:, ::1], "
                                      "float32[:, ::1])", cc=(9, 0))
    assert ptx.count(f"mma.sync.aligned.m16n8k16.row.col.f32.{kind}.{kind}.f32") == 1
