"""PTX and ptxas registers of the mask's 16-byte path (issue 12 item 3), no GPU needed.

    CUDA_HOME=/tmp/labsite/nvidia/cu13 PYTHONPATH=/tmp/labsite \\
        LD_LIBRARY_PATH=/tmp/labsite/nvidia/cu13/lib .venv/bin/python tools/gpu/ptx_mask.py OUT

(/tmp/labsite: `pip install --no-deps --target /tmp/labsite nvidia-nvvm nvidia-cuda-nvcc`;
libdevice comes with nvidia-nvvm's wheel.) Compiles the variant the cuda launcher plans
for a [4, 32, 2048, 2048] mask of float32 and float16, its lane passes aligned and not
(mask.ALIGNED_PASSES), with numba-cuda's compile_ptx (cc 9.0); writes OUT/<name>.ptx and
prints the PTX instruction counts by class (softmax_lab.ptx_counts) and ptxas's register
line where ptxas is found.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools", "gpu"))

import numpy as np  # noqa: E402
from numba import cuda  # noqa: E402

import softmax_lab as lab  # noqa: E402
from numba_causal import compile as kc  # noqa: E402
from numba_causal import mask  # noqa: E402
from numba_causal.options import mask_options  # noqa: E402
from ptx_softmax import _device_functions_without_a_gpu  # noqa: E402


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    _device_functions_without_a_gpu()
    family = mask.CAUSAL_MASK
    backend = types.SimpleNamespace(name="cuda", warp=32)
    shape = (4, 32, 2048, 2048)
    for name, bits in (("float32", np.uint32(0xFF800000)), ("float16", np.uint16(0xFC00))):
        for aligned in (False, True):
            constants, *_ = mask.plan_launch(shape, bits.itemsize, True, bits,
                                                  mask_options(shape), backend, True)
            constants.update(ALIGNED=aligned, ELEMENT=bits.dtype.name)
            constants = family.variant(constants, True)  # as an H200 launches it
            fn = kc.bind_for_aot(family.gpu_kernel, family.gpu_helper_list("cuda"), constants,
                                 cuda)
            ptx, _ = cuda.compile_ptx(fn, family.signature(constants), cc=(9, 0))
            label = f"causal_mask_{name}_vec_aligned{int(aligned)}"
            path = os.path.join(out_dir, label + ".ptx")
            open(path, "w").write(ptx)
            ptxas = lab.tool("ptxas")
            log = subprocess.run([ptxas, "-arch=sm_90", "-v", path, "-o", os.devnull],
                                 capture_output=True, text=True).stderr if ptxas else ""
            registers = [line.split(":", 1)[1].strip() for line in log.splitlines()
                         if "registers" in line] or ["(no ptxas here)"]
            print(label, lab.ptx_counts(ptx), *registers, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
