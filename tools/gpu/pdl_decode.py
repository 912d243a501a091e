"""What programmatic dependent launch (PDL) gains decode attention called back to back.

    python tools/gpu/pdl_decode.py [seq_len ...]

Issue 15's shapes (fp16, head_dim 128; seq_len 1 and 4 by default). The public
call's launches are recorded (on an sm_90 GPU the package compiles them with
``PDL``: each waits on entry for the grids before it), then replayed through the
driver 50 times back to back on a stream of their own, CUDA events around them:

* ``plain``: cuLaunchKernel, as before 2026-12-04: the next launch is placed once
  the one before has ended;
* ``dependent``: cuLaunchKernelEx with
  CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION, as the package's replay
  does now: the next launch is placed as the blocks of the one before end;
* ``trigger``: a copy of decode_mma_kernel made from its own text with
  ``griddepcontrol.launch_dependents`` after its loop, launched so: the next
  launch may be placed once every block of this one has passed its loop;
* ``call``: the public call itself.

Each replay's output is checked against the first call's after its 50 launches.
The floor is the K and V bytes at the copy bandwidth of the run (as the
benchmark's).
"""

from __future__ import annotations

import ctypes
import inspect
import sys

import torch
from llvmlite import ir
from numba import types
from numba.cuda.extending import intrinsic

from numba_causal import attention as A
from numba_causal import compile as kc
from numba_causal import fastpath, op
from numba_causal.backends import get_backend

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from time_kernels import ATTENTION_CASES, copy_bandwidth, events, recorded_launches  # noqa: E402


@intrinsic
def launch_dependents(typingctx):
    def codegen(context, builder, sig, args):
        builder.call(ir.InlineAsm(ir.FunctionType(ir.VoidType(), []),
                                  "griddepcontrol.launch_dependents;", "~{memory}",
                                  side_effect=True), [])
        return context.get_dummy_value()
    return types.void(), codegen


def trigger_kernel():
    """decode_mma_kernel with the early launch of its dependents after its loop."""
    src = inspect.getsource(A.decode_mma_kernel).rstrip() + "\n"
    for old, new in (("def decode_mma_kernel(", "def trigger_decode_mma_kernel("),
                     ("    for mask in (1, 2):\n        l0 += lane_xor",
                      "    launch_dependents()\n    for mask in (1, 2):\n        l0 += lane_xor")):
        assert src.count(old) == 1, old
        src = src.replace(old, new)
    namespace = dict(vars(A))
    exec(compile(src, "<trigger decode_mma_kernel>", "exec"), namespace)
    return namespace["trigger_decode_mma_kernel"]


def driver_launch(dispatcher, plan, family, stream, dependent=False):
    """A callable launching ``plan`` of ``dispatcher`` (compiled for its arguments)
    through the driver on ``stream`` (a handle); ``dependent``: by cuLaunchKernelEx
    with programmatic stream serialisation allowed."""
    args = tuple(plan.args[a.name] for a in family.args)
    argtypes = tuple(dispatcher.typeof_pyval(a) for a in args)
    library = dispatcher.overloads[argtypes]._codelibrary
    handle = ctypes.c_void_p(fastpath.function_handle(library.get_cufunc().handle))
    values = []
    for ty, val in zip(argtypes, args):
        if isinstance(ty, types.Array):
            values += fastpath._array_params(val.device_ctypes_pointer.value or 0, val.shape,
                                             val.strides, val.dtype.itemsize)
        else:
            make = fastpath._CTYPES[str(ty)]
            values.append(make(float(val) if isinstance(ty, types.Float) else int(val)))
    params = (ctypes.c_void_p * len(values))(*[ctypes.addressof(v) for v in values])
    if plan.shared:
        fastpath.allow_function_shared(handle.value, plan.shared)
    dims = tuple(plan.grid) + (tuple(plan.block) + (1, 1))[:3]
    lib = fastpath._cuda()
    if dependent:
        config, attr = fastpath.dependent_config(dims, plan.shared, stream)
        launch, call_args = lib.cuLaunchKernelEx, (ctypes.byref(config), handle, params, None)
    else:
        launch = lib.cuLaunchKernel
        call_args = ((handle,) + tuple(ctypes.c_uint(d) for d in dims)
                     + (ctypes.c_uint(plan.shared), ctypes.c_void_p(stream), params, None))
    launch.restype = ctypes.c_int

    def go():
        fastpath._check(launch(*call_args), launch.__name__)
    go.keep = (values, params, call_args)  # (the config's byref keeps it and its attribute)
    return go


def pdl_case(backend, launches, gbps, trigger, case, seq_len, stream, n=50):
    b, hq, hkv, length = case
    d = 128
    q = torch.randn(b, hq, seq_len, d, device="cuda", dtype=torch.float16)
    k = torch.randn(b, hkv, length, d, device="cuda", dtype=torch.float16)
    v = torch.randn(b, hkv, length, d, device="cuda", dtype=torch.float16)
    out = torch.empty_like(q)

    def call():
        A.causal_attention(q, k, v, out=out, backend="cuda")

    launches.clear()
    call()
    torch.cuda.synchronize()
    want = out.clone()
    recorded = list(launches)
    dispatcher, plan, _, family = recorded[0]
    assert family is A.DECODE_MMA, family.name
    constants = family.variant(plan.constants, op.dependent_launches(backend))
    args = tuple(plan.args[a.name] for a in family.args)
    built = kc.build(backend, trigger, family.gpu_helper_list("cuda")
                     + (("launch_dependents", launch_dependents),), **constants)
    op.allow_shared(backend, built, args, plan.shared)
    built[plan.grid, plan.block, 0, plan.shared](*args)  # compiled for these arguments
    torch.cuda.synchronize()
    floor_us = 2 * b * length * hkv * d * 2 / (gbps * 1e3)
    line = [f"B{b} Hq{hq} Hkv{hkv} S{seq_len} L{length}: grid {plan.grid}, "
            f"{len(recorded)} launch(es) a call, PDL {constants.get('PDL')}, "
            f"floor {floor_us:.1f} us"]
    for name, dependent, kernel in (("plain", False, dispatcher), ("dependent", True, dispatcher),
                                    ("trigger", True, built), ("plain", False, dispatcher),
                                    ("call", None, None)):
        if dependent is None:
            once = call
        else:
            runs = [driver_launch(kernel, plan, family, stream, dependent)] + [
                driver_launch(dsp, pl, fam, stream, dependent) for dsp, pl, _, fam in recorded[1:]]

            def once():
                for go in runs:
                    go()
        out.zero_()
        torch.cuda.synchronize()
        ms = events(once, n)
        torch.cuda.synchronize()
        err = (out.float() - want.float()).abs().max().item()
        line.append(f"{name} {ms * 1e3:.1f} us (floor/time {floor_us / (ms * 1e3):.2f}, "
                    f"max diff {err:.1e})")
    print("\n  ".join(line), flush=True)


def main():
    seq_lens = [int(a) for a in sys.argv[1:]] or [1, 4]
    backend = get_backend("cuda")
    gbps = copy_bandwidth()
    trigger = trigger_kernel()
    side = torch.cuda.Stream()
    with torch.cuda.stream(side), recorded_launches() as launches:
        for seq_len in seq_lens:
            for case in ATTENTION_CASES:
                pdl_case(backend, launches, gbps, trigger, case, seq_len, side.cuda_stream)


if __name__ == "__main__":
    main()
