"""The catalog of the project's GPU kernels, for ahead-of-time compilation checks
(numba-hip compiling each for gfx90a/gfx942/gfx1100 in CI, without a GPU)."""

from __future__ import annotations

from .compile import KernelSpec  # noqa: F401  (re-exported: what the catalog holds)
from .op import aot_catalog


def kernel_catalog(gpu, lanes: int = None, warp: int = None) -> list:
    """Every GPU kernel variant each family's launcher can produce, bound to
    namespace ``gpu`` (``numba.hip`` or ``numba.cuda``) for a target whose warp
    (wavefront) is ``warp`` lanes (default ``lanes``; launch shapes are whole
    warps, as the launchers make them): a list of KernelSpec(name, pyfunc,
    signature, family, constants)."""
    return aot_catalog(gpu, warp or lanes)
