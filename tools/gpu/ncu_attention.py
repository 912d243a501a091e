"""One decode attention call per issue-15 shape, for Nsight Compute (issue 15):

    ncu --kernel-name regex:decode --launch-skip 1 --launch-count 1 \\
        --section SpeedOfLight --section Occupancy --section LaunchStats \\
        --section WarpStateStats python3 tools/gpu/ncu_attention.py [B HQ HKV L]

The first call compiles (skipped by --launch-skip 1), the second is profiled.
STAGE_ALIGN=16 in the environment: the tensor-core route's stages aligned to 16
bytes only (MMA_STAGE_ALIGN).
"""

import os
import sys

import torch

from numba_causal import attention as A
from numba_causal.attention import causal_attention

A.MMA_STAGE_ALIGN["cuda"] = int(os.environ.get("STAGE_ALIGN", A.MMA_STAGE_ALIGN["cuda"]))

b, hq, hkv, n = (int(a) for a in sys.argv[1:5]) if len(sys.argv) > 4 else (8, 32, 8, 4096)
q = torch.randn(b, hq, 1, 128, device="cuda", dtype=torch.float16)
k = torch.randn(b, hkv, n, 128, device="cuda", dtype=torch.float16)
v = torch.randn(b, hkv, n, 128, device="cuda", dtype=torch.float16)
out = torch.empty_like(q)
for _ in range(2):
    causal_attention(q, k, v, out=out, backend="cuda")
torch.cuda.synchronize()
print("done", out.float().abs().mean().item())
