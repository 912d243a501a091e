"""One apply_rotary call per variant on issue 14's [8,4096,32,128] bshd q and k
(positions 0..4095), for Nsight Compute (issue 14):

    ncu --kernel-name regex:rotary --section SpeedOfLight --section Occupancy \\
        --section LaunchStats --section WarpStateStats --section MemoryWorkloadAnalysis \\
        python3 tools/gpu/ncu_rotary.py

Variants, in launch order: float16 base, float16 tables, bfloat16 base, bfloat16
tables (tables in q's dtype).
"""

import torch

from numba_causal import rotary as R

b, s, hq, hk, d = 8, 4096, 32, 8, 128
ang = torch.arange(s, device="cuda", dtype=torch.float32)[:, None] * torch.from_numpy(
    R.inverse_frequencies(10000.0, d, "float32")).cuda()
for name in ("float16", "bfloat16"):
    dt = getattr(torch, name)
    q = torch.randn(b, s, hq, d, device="cuda", dtype=dt)
    k = torch.randn(b, s, hk, d, device="cuda", dtype=dt)
    for tables in (False, True):
        kw = dict(cos=ang.cos().to(dt), sin=ang.sin().to(dt)) if tables else {}
        R.apply_rotary(q, k, layout="bshd", backend="cuda", **kw)
        torch.cuda.synchronize()
        print(name, "tables" if tables else "base", flush=True)
