"""The kernels torch's SDPA launches for issue 15's decode shapes, and their times.

    cd tools/gpu; python3 profile_sdpa.py

For each shape (fp16, head_dim 128, seq_len 1, ``enable_gqa=True``, no mask): the
kernels of 30 calls (torch profiler, CUPTI), each kernel's median duration, the
median gap between a call's kernels and the median span of a call, against the
floor (K and V read once at the copy bandwidth of this run). A peer's split
kernel and combine, timed apart, tell how much of its lead over ours is the
streaming and how much the merge.
"""

from __future__ import annotations

import sys

import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from time_kernels import ATTENTION_CASES, copy_bandwidth  # noqa: E402
from trace_decode import profile_call  # noqa: E402


def main():
    gbps = copy_bandwidth()
    print(f"copy bandwidth {gbps:.0f} GB/s")
    for b, hq, hkv, n in ATTENTION_CASES:
        q = torch.randn(b, hq, 1, 128, device="cuda", dtype=torch.float16)
        k = torch.randn(b, hkv, n, 128, device="cuda", dtype=torch.float16)
        v = torch.randn(b, hkv, n, 128, device="cuda", dtype=torch.float16)
        floor = 2 * b * hkv * n * 128 * 2 / (gbps * 1e3)  # us

        def call():
            torch.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True)

        kernels, gap, span = profile_call(call)
        print(f"SDPA B{b} Hq{hq} Hkv{hkv} S1 L{n}: floor {floor:.1f} us, span {span:.1f} us "
              f"(floor/span {floor / span:.2f}), gap {gap:.1f} us; "
              + ", ".join(f"{name} {us:.1f} us" for name, us in kernels.items()), flush=True)


if __name__ == "__main__":
    main()
