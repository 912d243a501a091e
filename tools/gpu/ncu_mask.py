"""One launch each of the mask kernel (fp32, fp16) and of the sector-rounded
experiment, for Nsight Compute to count DRAM bytes:

    ncu --metrics dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum \
        -k regex:kernel python3 tools/gpu/ncu_mask.py
"""
import torch

import tune_mask  # noqa: E402  (same folder)

for dtype in (torch.float32, torch.float16):
    for kind in ("product", "sector-experiment"):
        x = torch.randn((4, 32, 2048, 2048), device="cuda", dtype=dtype)
        fn = tune_mask.run_variant(kind, x, 1, 8)
        fn()
        torch.cuda.synchronize()
        print(kind, dtype, flush=True)
