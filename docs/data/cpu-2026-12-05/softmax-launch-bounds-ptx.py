import sys, os
sys.argv = ["x", "/tmp/sass_lb"]
sys.path.insert(0, "tools/gpu")
import runpy
ns = runpy.run_path("tools/gpu/ptx_softmax.py", run_name="lb")
from numba import cuda
from numba_causal import softmax, compile as kc
ns["_device_functions_without_a_gpu"]()
family = softmax.CAUSAL_SOFTMAX
for name, constants, keys in ns["variants"]():
    if "2048" not in name: continue
    constants = family.variant(constants, True)
    fn = kc.bind_for_aot(family.gpu_kernel, family.gpu_helper_list("cuda"), constants, cuda)
    blocks = 9 if "float32" not in name else 7
    ptx, _ = cuda.compile_ptx(fn, family.signature(constants), cc=(9, 0), launch_bounds=(constants["LANES"] * constants["ROWS"], blocks))
    open(f"/tmp/lb_{name}.ptx", "w").write(ptx)
    print(name, blocks, [l for l in ptx.splitlines() if "maxntid" in l or "minnctapersm" in l])
