"""PTX and ptxas register counts of the decode attention kernel (issue 15), no GPU needed.

    CUDA_HOME=/usr/local/cuda PYTHONPATH=/tmp/labsite LD_LIBRARY_PATH=/tmp/labsite/nvidia/cu13/lib \\
        .venv/bin/python tools/gpu/ptx_attention.py OUT [PTXAS [NVDISASM]]

Compiles the decode variants the cuda launcher plans for head_dim 128: the
tensor-core route (float16, bfloat16; split and not) and decode_kernel (float16,
bfloat16, float32; GQA 4 at seq_len 1 and 4, split) with numba-cuda's compile_ptx
(cc 9.0), writes OUT/<name>.ptx, and prints the PTX instruction counts and, with
PTXAS (the ptxas binary), its register and spill report; with NVDISASM too, the
SASS instruction histogram (OUT/<name>.sass).
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

from numba_causal import attention as A  # noqa: E402
from numba_causal import compile as kc  # noqa: E402
from numba_causal.options import PLAIN  # noqa: E402
from ptx_softmax import _device_functions_without_a_gpu  # noqa: E402


def variants():
    """(name, family, constants) of each variant compiled."""
    for name in ("float16", "bfloat16"):
        for split in (True, False):
            c = A.mma_constants("cuda", name, 128, 128, split, False, PLAIN.constants())
            yield (f"mma_{name}_s{c['STAGES']}" + ("_split" if split else ""),
                   A.DECODE_MMA, c)
        for cluster, clusters in ((4, 1), (4, 8)):  # B8 L4096's 4 splits, B1 L32768's 32
            c = A.mma_constants("cuda", name, 128, 128, True, True, PLAIN.constants(),
                                cluster=cluster, clusters=clusters)
            yield (f"mma_{name}_s{c['STAGES']}_cluster{cluster}x{clusters}", A.DECODE_MMA,
                   c)
    for name in ("float16", "bfloat16", "float32"):
        for rows_total in (1, 4, 16):
            rows = A.decode_rows("cuda", 32, name, 128, 128, rows_total)
            c = A.decode_constants("cuda", 32, name, 128, 128, rows, True, False,
                                   PLAIN.constants())
            yield f"decode_{name}_r{rows}_s{c['STAGES']}", A.DECODE, c
    for name in ("float16", "float32", "float64"):
        yield f"merge_{name}", A.MERGE, A.merge_kernel_constants("cuda", 32, name, True)


def counts(ptx: str) -> collections.Counter:
    ops = collections.Counter()
    for line in ptx.splitlines():
        m = re.match(r"\s+(?:@%p\d+\s+)?([a-z][\w.]*)", line)
        if m and not line.strip().startswith("//"):
            ops[m.group(1).split(".")[0]] += 1
    return ops


def sass_counts(sass: str) -> collections.Counter:
    ops = collections.Counter()
    for line in sass.splitlines():
        m = re.match(r"\s+/\*[0-9a-f]{4}\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_]*)", line)
        if m:
            ops[m.group(1)] += 1
    return ops


def report(out_dir, name, family, constants, ptxas=None, nvdisasm=None):
    """Compile one variant for sm_90: OUT/<name>.ptx and its instruction counts;
    with ``ptxas``, its register and spill report; with ``nvdisasm`` too, the SASS
    (OUT/<name>.sass) and its instruction histogram."""
    constants = family.variant(constants, True)  # as an H200 launches it (op.dependent_launches)
    fn = kc.bind_for_aot(family.gpu_kernel, family.gpu_helper_list("cuda"), constants, cuda)
    ptx, _ = cuda.compile_ptx(fn, family.signature(constants), cc=(9, 0),
                              launch_bounds=kc.launch_bounds(constants.get("LAUNCH_BOUNDS"),
                                                             constants.get("CLUSTER_DIMS")))
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


def main(out_dir, ptxas=None, nvdisasm=None):
    os.makedirs(out_dir, exist_ok=True)
    _device_functions_without_a_gpu()
    for name, family, constants in variants():
        report(out_dir, name, family, constants, ptxas, nvdisasm)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ptx-attention", *sys.argv[2:4])
