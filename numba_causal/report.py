"""``info()``: a readable report of backends, devices and versions."""

from __future__ import annotations

import importlib.metadata
import platform

from .backends import (NAMES, BackendUnavailable, UnknownBackend, available_backends,
                       get_backend, install_hint, unavailable_reasons)

_PACKAGES = ("numba-causal", "numba", "numba-cuda", "numba-hip", "numpy", "llvmlite", "torch")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _device(name: str) -> str:
    backend = get_backend(name)
    if name == "cuda":
        dev = backend.gpu.get_current_device()
        return f"{dev.name.decode() if isinstance(dev.name, bytes) else dev.name} (cc {dev.compute_capability})"
    if name == "hip":
        return f"AMD GPU {backend.extras.get('arch')} (wavefront {backend.warp})"
    if name == "sim":
        return "numba-cuda simulator on the host CPU"
    import os

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def info() -> str:
    """Which backends work here, on what device, with which versions, and how to get the rest."""
    try:
        default = get_backend("auto").name
    except (UnknownBackend, BackendUnavailable) as exc:  # $NUMBA_CAUSAL_BACKEND: bad, or
        default = f"none: {exc}"                       # a backend this machine lacks
    lines = [f"numba_causal on Python {platform.python_version()} ({platform.machine()})",
             f"default backend ('auto'): {default}", "backends:"]
    missing = unavailable_reasons()
    for name in NAMES:
        if name in missing:
            lines.append(f"  {name:5s} unavailable: {missing[name]} -> {install_hint(name, missing[name])}")
        else:
            lines.append(f"  {name:5s} ok: {_device(name)}")
    lines.append("versions: " + ", ".join(f"{p} {_version(p)}" for p in _PACKAGES))
    assert set(available_backends()) | set(missing) == set(NAMES)
    return "\n".join(lines)
