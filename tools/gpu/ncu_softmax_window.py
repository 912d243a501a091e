"""Nsight Compute on the fused softmax with and without its mask options (issue 12:
``window=`` and ``kv_lens=`` no slower than plain causal per byte moved).

    ncu --section SpeedOfLight --section Occupancy --section WarpStateStats \
        --section MemoryWorkloadAnalysis -k regex:causal_softmax \
        python3 tools/gpu/ncu_softmax_window.py

float16 [4, 32, 2048, 2048] on fresh random scores: plain causal, window=1024 and
kv_lens (an int64 CUDA tensor, lengths uniform in [1024, 2048], as the benchmark's
row), each called twice (the first compiles and records the launch; the profiler's
report has them in that order: read the second of each pair). Prints the kept keys
each case reads (counted by apply_causal_mask on ones), so that bytes a key can be compared with the report's DRAM bytes.
"""

import torch

import numba_causal as nc


def main():
    torch.manual_seed(0)
    shape = (4, 32, 2048, 2048)
    x = torch.randn(shape, device="cuda", dtype=torch.float16)
    out = torch.empty_like(x)
    kv_lens = torch.randint(1024, 2049, (shape[0],), device="cuda", dtype=torch.int64)
    for label, options in [("plain causal", {}), ("window=1024", {"window": 1024}),
                           ("kv_lens", {"kv_lens": kv_lens})]:
        ones = torch.ones(shape, device="cuda", dtype=torch.float16)
        kept = int(torch.isfinite(nc.apply_causal_mask(ones, **options)).sum())
        del ones
        for call in range(2):
            nc.causal_softmax(x, out=out, backend="cuda", **options)
        torch.cuda.synchronize()
        print(f"{label}: kept keys read {kept} ({kept * 2 / 1e6:.1f} MB), "
              f"written {x.numel() * 2 / 1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    main()
