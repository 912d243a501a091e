"""Read and copy bandwidth of this machine's two cores, for an array of N rows of
2 x 2048 x 128 float32 (N=32: 67 MB, in the 480 MiB L3; N=512: 1 GB, from DRAM).
Usage: python read_bandwidth.py N"""
import sys
import time

import numpy as np
from numba import njit, prange


@njit(parallel=True, fastmath=True)
def read_sum(a):
    s = np.zeros(a.shape[0])
    for i in prange(a.shape[0]):
        t = np.float32(0)
        x = a[i]
        for j in range(x.shape[0]):
            t += x[j]
        s[i] = t
    return s.sum()


@njit(parallel=True)
def copy(a, b):
    for i in prange(a.shape[0]):
        b[i, :] = a[i, :]


a = np.random.rand(int(sys.argv[1]), 2 * 2048 * 128).astype(np.float32)
b = np.empty_like(a)
read_sum(a)
copy(a, b)
for f, name, moved in ((lambda: read_sum(a), "read", a.nbytes), (lambda: copy(a, b), "copy", 2 * a.nbytes)):
    ts = []
    for _ in range(30):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    print(f"{name} {a.nbytes / 1e6:.0f} MB: median {np.median(ts) * 1e3:.2f} ms, "
          f"{moved / np.median(ts) / 1e9:.1f} GB/s (best {moved / min(ts) / 1e9:.1f})")
