"""Profile causal_softmax on a real GPU: one launch per dtype on [4,32,2048,2048]
(under Nsight Compute when run by ncu), then each compiled kernel's registers,
local memory, and its SASS (nvdisasm from triton's bundled CUDA tools) written
to the folder in argv[1], if given.

    python tools/gpu/profile_softmax.py [OUT [DTYPE ...]]
    tools/gpu/run_gpu_suite.sh WHEELS OUT profile_softmax   # also under Nsight Compute

Each dtype runs twice: through 8-byte words and element by element (ROW_WORDS).
"""

import glob
import os
import subprocess
import sys
import tempfile

import torch

from numba_causal import compile as kc
from numba_causal import softmax


def nvdisasm():
    import triton

    found = glob.glob(os.path.join(os.path.dirname(triton.__file__), "**", "nvdisasm"),
                      recursive=True)
    return found[0] if found else "nvdisasm"


def main(argv):
    out_dir = argv[1] if len(argv) > 1 else None
    dtypes = [getattr(torch, name) for name in (argv[2:] or ["float32", "float16"])]
    for words in (True, False):
        softmax.ROW_WORDS = words
        for dtype in dtypes:
            x = torch.randn(4, 32, 2048, 2048, device="cuda", dtype=dtype)
            out = torch.empty_like(x)
            softmax.causal_softmax(x, scale=128 ** -0.5, out=out, backend="cuda")
            torch.cuda.synchronize()
    for entry in kc.compiled("cuda", "causal_softmax_kernel"):
        for sig, compiled in entry.kernel.overloads.items():
            constants = entry.constants
            name = f"{constants.get('FORMAT')}_word{constants.get('WORD')}"
            print(f"FORMAT {name}: regs/thread {compiled.regs_per_thread}  local bytes/thread "
                  f"{compiled.local_mem_per_thread}  shared bytes {compiled.shared_mem_per_block}")
            if out_dir:
                cubin = compiled._codelibrary.get_cubin()
                cubin = getattr(cubin, "code", cubin)  # cuda.core ObjectCode -> bytes
                with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
                    f.write(bytes(cubin))
                    f.flush()
                    sass = subprocess.run([nvdisasm(), "-c", "-g", f.name],
                                          capture_output=True, text=True)
                with open(os.path.join(out_dir, f"softmax_format{name}.sass"), "w") as f:
                    f.write(sass.stdout or sass.stderr)


if __name__ == "__main__":
    main(sys.argv)
