"""The CPU softmax against torch's eager masked_fill + softmax (the causal mask at the
cache's end), float32, NumPy arrays shared with torch; checked equal first.
Usage: PYTHONPATH=<tree> python softmax_vs_torch.py"""
import time

import numpy as np
import torch

import numba_causal as nc

for shape in ((1, 8, 2048, 2048), (4, 8, 512, 512), (8, 32, 1, 4096)):
    x = np.random.default_rng().standard_normal(shape, dtype=np.float32)
    out = np.empty_like(x)
    tx = torch.from_numpy(x)
    s, n = shape[2], shape[3]
    mask = torch.from_numpy(np.arange(n)[None, :] > (np.arange(s)[:, None] + n - s))
    ours = lambda: nc.causal_softmax(x, out=out, backend="cpu")  # noqa: E731
    peer = lambda: torch.softmax(tx.masked_fill(mask, float("-inf")), -1)  # noqa: E731
    ours()
    assert np.abs(out - peer().numpy()).max() < 1e-6
    res = {}
    for name, fn in (("ours", ours), ("torch masked_fill+softmax", peer)):
        ts = []
        for _ in range(15):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        res[name] = np.median(ts) * 1e3
    print(shape, {k: "%.3f ms" % v for k, v in res.items()},
          "x%.2f" % (res["torch masked_fill+softmax"] / res["ours"]))
