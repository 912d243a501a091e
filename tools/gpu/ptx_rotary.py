"""PTX, registers and SASS of the rotary kernel (issue 14), no GPU needed.

    CUDA_HOME=/usr/local/cuda PYTHONPATH=/tmp/labsite LD_LIBRARY_PATH=/tmp/labsite/nvidia/cu13/lib \\
        .venv/bin/python tools/gpu/ptx_rotary.py OUT [PTXAS [NVDISASM]]

Compiles the variants the benchmark's [8,4096,32,128] bshd rows run (float16 and
bfloat16, base and cos/sin tables in q's dtype) with numba-cuda's compile_ptx (cc
9.0), writes OUT/<name>.ptx, prints the PTX instruction counts and, with PTXAS, the
register report; with NVDISASM too, the SASS instruction histogram (OUT/<name>.sass).
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools", "gpu"))

from numba import cuda  # noqa: E402

from numba_causal import rotary as R  # noqa: E402
from numba_causal import compile as kc  # noqa: E402
from ptx_attention import counts  # noqa: E402
from ptx_softmax import _device_functions_without_a_gpu  # noqa: E402


def variants():
    """(name, constants) of each variant compiled (the cuda launcher's settings)."""
    threads, preload = R.THREADS_BY_BACKEND["cuda"], R.PRELOAD_BY_BACKEND["cuda"]
    for name in ("float16", "bfloat16"):
        vec = R.chunk_elements(name)
        for table in (None, name):
            yield (f"rotary_{name}" + ("_table" if table else "_base"),
                   R.kernel_constants(name, table, vec, threads, False, False, False, preload))


def sass_counts(sass: str) -> collections.Counter:
    ops = collections.Counter()
    for line in sass.splitlines():
        m = re.match(r"\s+/\*[0-9a-f]{4}\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_]*)", line)
        if m:
            ops[m.group(1)] += 1
    return ops


def main(out_dir, ptxas=None, nvdisasm=None):
    os.makedirs(out_dir, exist_ok=True)
    _device_functions_without_a_gpu()
    family = R.ROTARY
    for name, constants in variants():
        fn = kc.bind_for_aot(family.gpu_kernel, family.gpu_helper_list("cuda"), constants, cuda)
        ptx, _ = cuda.compile_ptx(fn, family.signature(constants), cc=(9, 0))
        path = os.path.join(out_dir, name + ".ptx")
        open(path, "w").write(ptx)
        c = counts(ptx)
        top = ", ".join(f"{k} {v}" for k, v in c.most_common(12))
        print(f"{name}: {sum(c.values())} PTX instructions; {top}", flush=True)
        if ptxas:
            cubin = os.path.join(out_dir, name + ".cubin")
            log = subprocess.run([ptxas, "-arch=sm_90", "-v", path, "-o", cubin],
                                 capture_output=True, text=True)
            print("   ", " ".join(l.strip() for l in log.stderr.splitlines()
                                  if "registers" in l or "spill" in l), flush=True)
            if nvdisasm:
                sass = subprocess.run([nvdisasm, cubin], capture_output=True, text=True).stdout
                open(os.path.join(out_dir, name + ".sass"), "w").write(sass)
                s = sass_counts(sass)
                top = ", ".join(f"{k} {v}" for k, v in s.most_common(14))
                print(f"    SASS {sum(s.values())}: {top}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ptx-rotary", *sys.argv[2:4])
