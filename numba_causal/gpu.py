"""The catalog of the project's GPU kernels, for ahead-of-time compilation checks
(e.g. numba-hip compiling each for gfx90a/gfx942/gfx1100 in CI, without a GPU)."""

from __future__ import annotations

from .compile import KernelSpec  # noqa: F401  (re-exported)

#: modules holding GPU kernels; each defines kernel_specs(gpu, lanes, warp) -> [KernelSpec]
KERNEL_MODULES = ("numba_causal.mask", "numba_causal.softmax")


def kernel_catalog(gpu, lanes: int, warp: int = None) -> list:
    """Every GPU kernel bound to namespace ``gpu`` (``numba.hip`` or ``numba.cuda``)
    with ``lanes`` lanes per row on a target of ``warp`` lanes per warp (wavefront;
    default ``lanes``): a list of KernelSpec(name, pyfunc, signature)."""
    import importlib

    specs = []
    for name in KERNEL_MODULES:
        specs.extend(importlib.import_module(name).kernel_specs(gpu, lanes, warp))
    return specs
