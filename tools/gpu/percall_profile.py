"""Where the host time of one small CUDA call goes (issue 13's per-call bar).

Times each piece of ``apply_causal_mask(torch_cuda_tensor)``'s fast path on its own
(best of 5 trials of CALLS calls, synchronised once per trial) next to torch's
``masked_fill_`` on the same [1,1,8,8] tensor. Run on a GPU machine:

    python3 tools/gpu/percall_profile.py
"""

import time

import torch

import numba_causal as nc
from numba_causal import backends, fastpath

CALLS = 20000


def best_us(fn, sync=torch.cuda.synchronize) -> float:
    best = float("inf")
    for _ in range(5):
        for _ in range(100):
            fn()
        sync()
        t = time.perf_counter()
        for _ in range(CALLS):
            fn()
        sync()
        best = min(best, 1e6 * (time.perf_counter() - t) / CALLS)
    return best


def main() -> None:
    x = torch.randn(1, 1, 8, 8, device="cuda")
    where = torch.ones(8, 8, dtype=torch.bool, device="cuda").triu(1)
    nc.apply_causal_mask(x, backend="cuda")  # compiles, records the launch
    key = fastpath.call_key(x, "cuda", None, None, float("-inf"), True)
    entry = fastpath._CACHE[key]
    raw = torch._C._cuda_getCurrentRawStream
    neg = float("-inf")
    pieces = {
        "empty lambda": lambda: None,
        "torch masked_fill_": lambda: x.masked_fill_(where, neg),
        "ours apply_causal_mask": lambda: nc.apply_causal_mask(x, backend="cuda"),
        "ours, auto backend": lambda: nc.apply_causal_mask(x),
        "  torch_op_wanted": lambda: fastpath.torch_op_wanted(x),
        "  call_key": lambda: fastpath.call_key(x, "cuda", None, neg and None, neg, True),
        "  launch_known": lambda: fastpath.launch_known(key, x, None),
        "  replay (cuLaunchKernel)": entry,
        "    x.requires_grad": lambda: x.requires_grad,
        "    x.is_cuda": lambda: x.is_cuda,
        "    x.data_ptr()": lambda: x.data_ptr(),
        "    x.stride()": lambda: x.stride(),
        "    tuple(x.shape)": lambda: tuple(x.shape),
        "    x.get_device()": lambda: x.get_device(),
        "    raw stream": lambda: raw(0),
        "    is_compiling()": torch.compiler.is_compiling,
        "    auto_means_cuda_for_torch": lambda: backends.auto_means_cuda_for_torch(torch),
        "    CallKey(...)": lambda: fastpath.CallKey(1, (1,), (1,), x.dtype, 0, 0, None, None,
                                                     neg, True, "cuda"),
        "    hash(key)": lambda: hash(key),
        "    _CACHE.get(key)": lambda: fastpath._CACHE.get(key),
    }
    print(f"per-call host time on {torch.cuda.get_device_name()}, [1,1,8,8] float32, "
          f"best of 5 x {CALLS} calls")
    for name, fn in pieces.items():
        print(f"{name:32s} {best_us(fn):7.2f} us")


if __name__ == "__main__":
    main()
