"""PTX/SASS of the package's causal_softmax GPU kernel (issue 12 item 5), no GPU needed.

    CUDA_HOME=/usr/local/cuda PYTHONPATH=/tmp/labsite LD_LIBRARY_PATH=/tmp/labsite/nvidia/cu13/lib \\
        .venv/bin/python tools/gpu/ptx_softmax.py OUT

Compiles the kernel variants the cuda launcher plans for [., 2048] and [., 8192]
rows (16-byte path) with numba-cuda's compile_ptx (cc 9.0), assembles them with
ptxas where found, and prints static instruction counts per element a thread
holds (softmax_lab.py's classes: the same table as the lab's, for the Triton
row kernel's comparison in docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools", "gpu"))

from numba import cuda  # noqa: E402

import softmax_lab as lab  # noqa: E402
from numba_causal import compile as kc  # noqa: E402
from numba_causal import softmax  # noqa: E402
from numba_causal.elements import format_constants  # noqa: E402
from numba_causal.options import PLAIN  # noqa: E402


def _device_functions_without_a_gpu():
    """compile_ptx of a kernel calling @cuda.jit(device=True) helpers asks the
    current device for its compute capability: answer 9.0 without one."""
    from numba.cuda import dispatcher

    device = types.SimpleNamespace(compute_capability=(9, 0))
    dispatcher.get_current_device = lambda: device


def variants():
    """(name, constants, keys per thread) the cuda launcher plans (16-byte path)."""
    backend = types.SimpleNamespace(name="cuda", warp=32)
    for cache_len in (2048, 8192):
        for name in ("float32", "float16", "bfloat16"):
            vec = 16 // (4 if name == "float32" else 2)
            plan = softmax._vec_plan("cuda", 32, vec, cache_len)
            constants = softmax.plan_constants(backend, name, vec, cache_len, PLAIN, vec=plan)
            constants["ELEMENT"] = softmax._element_type(name)
            yield (f"causal_softmax_{name}_{cache_len}_{constants['LANES']}x{constants['ROWS']}"
                   f"_c{constants['CHUNK']}", constants, constants["CHUNK"] * vec)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    _device_functions_without_a_gpu()
    family = softmax.CAUSAL_SOFTMAX
    table = []
    for name, constants, keys in variants():
        constants = family.variant(constants, True)  # as an H200 launches it
        fn = kc.bind_for_aot(family.gpu_kernel, family.gpu_helper_list("cuda"), constants, cuda)
        ptx, _ = cuda.compile_ptx(fn, family.signature(constants), cc=(9, 0))
        row = dict(kernel=name, keys_per_thread=keys, ptx=lab.ptx_counts(ptx),
                   ptx_per_key=lab.per_element(lab.ptx_counts(ptx), keys))
        try:
            sass, log = lab.sass_of_ptx(ptx)
        except Exception as exc:  # no ptxas/nvdisasm here
            sass, log = None, str(exc)
        if sass:
            row["sass"] = lab.sass_counts(sass)
            row["sass_per_key"] = lab.per_element(row["sass"], keys)
            row["ptxas"] = (log or "").strip().splitlines()[-3:]
            open(os.path.join(out_dir, name + ".sass"), "w").write(sass)
        open(os.path.join(out_dir, name + ".ptx"), "w").write(ptx)
        table.append(row)
        print(name, json.dumps(row.get("sass_per_key") or row["ptx_per_key"]), flush=True)
    with open(os.path.join(out_dir, "counts.json"), "w") as f:
        json.dump(table, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ptx-softmax")
