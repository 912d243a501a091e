"""The softmax lab's row kernel (tools/gpu/softmax_lab.py) compiled by numba-hip for
AMD GPUs with the hip spellings of numba_causal/intrinsics.py, through the
project's AMD toolchain (tools/amd/codegen.py: numba-hip IR -> ROCm LLVM -> code
object). Nothing runs: it shows that the same source compiles for AMDGPU, with
which instructions, and with no scratch or spills.

    .venv-hip/bin/python tools/gpu/lab_hip_softmax.py [OUT_DIR]
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load(name, rel):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, rel))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


codegen = _load("lab_amd_codegen", "tools/amd/codegen.py")
hip = codegen.load_hip()
lab = _load("lab_softmax", "tools/gpu/softmax_lab.py")
I = lab.I


def hip_primitives():
    """The hip spellings, with fresh device functions for the warp reductions (Python
    helpers calling hip.shfl_xor): a numba-hip device function keeps the code it
    was first compiled to, so one shared between archs or kernels carried one
    arch's code into another's (seen here: 12-32 bytes of scratch on gfx90a and
    gfx1100 when the dispatchers were shared; 0 with fresh ones)."""
    prims = {name: spelled["hip"] for name, spelled in I.INTRINSICS.items()}
    for name, fn in I.device_primitives("hip", gpu=hip):
        if name in ("warp_max", "warp_sum"):
            prims[name] = hip.jit(device=True)(fn)
    return prims


CASES = [("f32", 256, 1, 2), ("f16", 128, 2, 2), ("bf16", 128, 2, 2), ("f16", 256, 1, 4)]
PATTERNS = {"load x4": r"global_load_dwordx4|global_load_b128", "store x4": r"global_store_dwordx4|global_store_b128",
            "cvt f16->f32": r"v_cvt_f32_f16", "cvt f32->f16 (or fused v_fma_mix)": r"v_cvt_f16_f32|v_cvt_pk\w*f16|v_fma_mix\w*_f16",
            "exp": r"v_exp_f32", "64-bit int (v_add_co/v_addc, v_lshlrev_b64, v_mad_u64)":
            r"v_addc_co_u32|v_add_co_ci_u32|v_lshlrev_b64|v_mad_u64_u32|v_mad_i64_i32",
            "32-bit mul/mad": r"v_mul_lo_u32|v_mad_u32_u24|v_mul_u32_u24", "dpp/permute (shuffles)": r"ds_bpermute|ds_swizzle|_dpp"}


def main(out_dir=None):
    rows = []
    for fmt, T, R, C in CASES:
        for arch in codegen.ARCHS:
            fn = lab.make_kernel(fmt, T, R, C, True, gpu=hip, prims=hip_primitives())
            co = codegen.compile_kernel(fn, lab.signature(fmt), arch)
            res = codegen.resources(co)
            counts = {k: len(re.findall(p, co.asm)) for k, p in PATTERNS.items()}
            rows.append(dict(kernel=fn.__name__, arch=arch, resources=res, counts=counts))
            print(f"{fn.__name__:34s} {arch:8s} vgpr {res['vgpr']:3d} sgpr {res['sgpr']:3d} "
                  f"scratch {res['scratch']} spills {res['vgpr_spill']}+{res['sgpr_spill']} "
                  f"lds {res['lds']} wave{res['wave']}  " +
                  ", ".join(f"{k.split(' (')[0]} {v}" for k, v in counts.items()), flush=True)
            if out_dir:
                os.makedirs(out_dir, exist_ok=True)
                if arch == "gfx942":
                    with open(os.path.join(out_dir, f"{fn.__name__}_{arch}.s"), "w") as f:
                        f.write(co.asm)
    if out_dir:
        with open(os.path.join(out_dir, "hip_resources.json"), "w") as f:
            json.dump(rows, f, indent=1)
    bad = [r for r in rows if r["resources"]["scratch"] or r["resources"]["vgpr_spill"]
           or r["resources"]["sgpr_spill"]]
    print("scratch or spills in:", [f"{r['kernel']} {r['arch']}" for r in bad] or "none")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
