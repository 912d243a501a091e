"""Where a decode attention call's time goes beyond its keys (issue 15): the same
launch over almost no keys (window=1: one key per row) against the full cache, and a
one-element torch op as the launch floor. CUDA events, replayed calls.

    python3 tools/gpu/attention_overhead.py [B HQ HKV L]
"""

import sys

import torch

from numba_causal.attention import causal_attention

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from time_kernels import events  # noqa: E402

b, hq, hkv, n = (int(a) for a in sys.argv[1:5]) if len(sys.argv) > 4 else (8, 32, 8, 4096)
q = torch.randn(b, hq, 1, 128, device="cuda", dtype=torch.float16)
k = torch.randn(b, hkv, n, 128, device="cuda", dtype=torch.float16)
v = torch.randn(b, hkv, n, 128, device="cuda", dtype=torch.float16)
out = torch.empty_like(q)
tiny = torch.zeros(1, device="cuda")
rows = {
    "one-element torch add_ (launch floor)": lambda: tiny.add_(1),
    f"causal_attention B{b} Hq{hq} Hkv{hkv} L{n}, window=1 (one key a row)":
        lambda: causal_attention(q, k, v, window=1, out=out, backend="cuda"),
    f"causal_attention B{b} Hq{hq} Hkv{hkv} L{n}, every key":
        lambda: causal_attention(q, k, v, out=out, backend="cuda"),
    f"causal_attention B{b} Hq{hq} Hkv{hkv} L64 (the first 64 keys)":
        lambda: causal_attention(q, k[:, :, :64], v[:, :, :64], out=out, backend="cuda"),
    "SDPA, every key": lambda: torch.nn.functional.scaled_dot_product_attention(
        q, k, v, enable_gqa=True),
}
for name, call in rows.items():
    call()
    torch.cuda.synchronize()
    print(f"{name}: {events(call, 200) * 1000:.1f} us", flush=True)
