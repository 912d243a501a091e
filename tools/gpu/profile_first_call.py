"""Where the first apply_causal_mask of a process spends its time (cProfile, top entries).

    NUMBA_CACHE_DIR=... python tools/gpu/profile_first_call.py
"""
import cProfile
import pstats
import time

import torch

x = torch.randn(1, 1, 64, 64, device="cuda")
torch.cuda.synchronize()
t = time.perf_counter()
import numba_causal as nc  # noqa: E402

t_import = time.perf_counter() - t
prof = cProfile.Profile()
t = time.perf_counter()
prof.enable()
nc.apply_causal_mask(x, backend="cuda")
torch.cuda.synchronize()
prof.disable()
print(f"import numba_causal {t_import:.3f} s; first call {time.perf_counter() - t:.3f} s")
pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
