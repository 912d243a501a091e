"""Time a causal_softmax call with ``kv_lens`` in each form a caller may hold it
(an int64 or int32 CUDA tensor, a NumPy array, a CPU tensor, a list; none for
reference).

    python3 tools/gpu/kv_lens_call_cost.py > out.txt
    python3 tools/gpu/kv_lens_call_cost.py attention > out.txt   # q_offsets, kv_lens

On a small [1, 8, 16, 256] and a large [4, 32, 2048, 2048] float16 input: ``wall``,
host time a call over back-to-back calls (synchronised at the end); ``queued``, the
GPU's time a call with the calls queued behind a sleeping kernel (CUDA events).
Then a cProfile of 200 small calls with NumPy lengths (the host's time by function).
Host-held and int32 lengths took the full path before 2026-12-05 (about 1 ms a call);
they are now staged into a kept device tensor and the launch replayed
(``fastpath.kv_lens_on_gpu``; docs/pytorch.md). ``attention``: causal_attention
steps of seq_len 1 and 4 whose sequences sit at ``q_offsets = kv_lens - seq_len``,
both given in each form (an int64 CUDA q_offsets takes the full path: its values are
checked on the host); staged since 2026-12-05's evening, the full path before.
"""

import cProfile
import pstats
import time

import numpy as np
import torch

import sys

import numba_causal as nc
from numba_causal.benchkit import queued_gpu_ms


def wall(fn, n=200):
    fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / n * 1e6


def main():
    for shape in ((1, 8, 16, 256), (4, 32, 2048, 2048)):
        x = torch.randn(shape, device="cuda", dtype=torch.float16)
        out = torch.empty_like(x)
        lens = np.random.default_rng(0).integers(shape[-1] // 2, shape[-1] + 1, size=shape[0])
        forms = {"cuda tensor": torch.from_numpy(lens).cuda(),
                 "int32 cuda": torch.from_numpy(lens).to("cuda", torch.int32), "numpy": lens,
                 "cpu tensor": torch.from_numpy(lens), "list": [int(v) for v in lens],
                 "none": None}
        for name, kv in forms.items():
            kw = {} if kv is None else {"kv_lens": kv}

            def call(kw=kw):
                nc.causal_softmax(x, out=out, backend="cuda", **kw)

            host_us = wall(call, 200 if shape[0] == 1 else 20)
            print(f"{shape} kv_lens as {name:12s}: wall {host_us:8.1f} us a call, "
                  f"queued {1000 * queued_gpu_ms(call):8.1f} us", flush=True)
        if shape[0] == 1:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(200):
                nc.causal_softmax(x, out=out, backend="cuda", kv_lens=lens)
            torch.cuda.synchronize()
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def attention():
    rng = np.random.default_rng(0)
    for b, hq, hkv, n, d in ((1, 8, 2, 512, 64), (8, 32, 8, 4096, 128)):
        for seq_len in (1, 4):
            q = torch.randn(b, hq, seq_len, d, device="cuda", dtype=torch.float16)
            k = torch.randn(b, hkv, n, d, device="cuda", dtype=torch.float16)
            v = torch.randn_like(k)
            out = torch.empty_like(q)
            lens = rng.integers(n // 2, n + 1, size=b)
            forms = {"int64 cuda": torch.from_numpy(lens).cuda(),
                     "int32 cuda": torch.from_numpy(lens).to("cuda", torch.int32),
                     "numpy": lens, "list": [int(x) for x in lens]}
            for name, kv in forms.items():
                pos = kv - seq_len if not isinstance(kv, list) else [x - seq_len for x in kv]
                for given in ({"kv_lens": kv}, {"kv_lens": kv, "q_offsets": pos}):

                    def call(given=given):
                        nc.causal_attention(q, k, v, out=out, backend="cuda", **given)

                    host_us = wall(call, 200 if b == 1 else 50)
                    print(f"attention B{b} Hq{hq} Hkv{hkv} S{seq_len} L{n} d{d} "
                          f"{' and '.join(given):20s} as {name:10s}: wall {host_us:8.1f} us "
                          f"a call, queued {1000 * queued_gpu_ms(call):8.1f} us", flush=True)


if __name__ == "__main__":
    attention() if sys.argv[1:2] == ["attention"] else main()
