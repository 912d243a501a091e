"""PTX, registers and SASS of the rotary kernel (issue 14), no GPU needed.

    CUDA_HOME=/usr/local/cuda PYTHONPATH=/tmp/labsite LD_LIBRARY_PATH=/tmp/labsite/nvidia/cu13/lib \\
        .venv/bin/python tools/gpu/ptx_rotary.py OUT [PTXAS [NVDISASM]]

Compiles the variants the benchmark's [8,4096,32,128] bshd rows run (float16 and
bfloat16, base and cos/sin tables in q's dtype) with numba-cuda's compile_ptx (cc
9.0), writes OUT/<name>.ptx, prints the PTX instruction counts and, with PTXAS, the
register report; with NVDISASM too, the SASS instruction histogram (OUT/<name>.sass).
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools", "gpu"))

from numba_causal import rotary as R  # noqa: E402
from ptx_attention import report  # noqa: E402
from ptx_softmax import _device_functions_without_a_gpu  # noqa: E402


def variants():
    """(name, constants) of each variant compiled (the cuda launcher's settings;
    tables read as 16-byte chunks, as contiguous aligned tables are)."""
    threads, preload = R.THREADS_BY_BACKEND["cuda"], R.PRELOAD_BY_BACKEND["cuda"]
    for name in ("float16", "bfloat16"):
        vec = R.chunk_elements(name)
        for table in (None, name):
            yield (f"rotary_{name}" + ("_table" if table else "_base"),
                   R.kernel_constants(name, table, vec, threads, False, False, False, preload,
                                      table_vec=bool(table)))


def main(out_dir, ptxas=None, nvdisasm=None):
    os.makedirs(out_dir, exist_ok=True)
    _device_functions_without_a_gpu()
    for name, constants in variants():
        report(out_dir, name, R.ROTARY, constants, ptxas, nvdisasm)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ptx-rotary", *sys.argv[2:4])
