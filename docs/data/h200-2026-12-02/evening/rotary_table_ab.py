"""A/B of the rotary table read (issue 14): cos/sin tables as 16-byte chunks
(TABLE_VEC) against entry by entry, interleaved in one process, on the bench shape
q and k [8, 4096, 32, 128] bshd at positions 0..4095 (offset 0, as the bench). Prints ms per call (median
of CUDA-event samples) and floor/ours at this run's copy bandwidth.

    python3 tools/gpu/rotary_table_ab.py
"""

import statistics

import torch

import numba_causal as nc
from numba_causal import rotary

real_ok = rotary._table_vector_ok


def ms(fn, n=20, samples=15):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(samples):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(n):
            fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) / n)
    return statistics.median(times)


copy = torch.empty(2**28, device="cuda")
gbps = 2 * copy.numel() * 4 / ms(lambda: copy.clone()) / 1e6
del copy
print(f"copy bandwidth {gbps:.0f} GB/s")
for dtype in (torch.float16, torch.bfloat16):
    q = torch.randn(8, 4096, 32, 128, device="cuda", dtype=dtype)
    k = torch.randn(8, 4096, 32, 128, device="cuda", dtype=dtype)
    theta = torch.arange(4096, device="cuda")[:, None].float() * \
        (10000.0 ** (-torch.arange(0, 128, 2, device="cuda").float() / 128))
    cos, sin = theta.cos().to(dtype), theta.sin().to(dtype)
    floor = 4 * q.numel() * q.element_size() / (gbps * 1e6)
    result = {}
    for trial in range(3):
        for name, ok in (("chunks", real_ok), ("entries", lambda *a: False)):
            rotary._table_vector_ok = ok
            fn = lambda: nc.apply_rotary(q, k, cos=cos, sin=sin, layout="bshd",  # noqa: E731
                                         backend="cuda")
            result.setdefault(name, []).append(ms(fn))
    rotary._table_vector_ok = real_ok
    for name, values in result.items():
        best = min(values)
        print(f"{str(dtype)[6:]} tables as {name}: {', '.join(f'{v:.4f}' for v in values)} ms; "
              f"best floor/ours {floor / best:.3f}")
