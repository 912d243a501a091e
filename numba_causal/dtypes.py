"""Dtype handling, in one place.

The mask kernels never read a score: they write the fill value's *bit pattern*
through an unsigned-integer view of the same width. That makes float16 and
bfloat16 work on every backend (numba-hip has no fp16 type, and bfloat16 has no
array-interface type string at all) and leaves every untouched element
bit-for-bit as it was, NaN payloads and -0.0 included.
"""

from __future__ import annotations

import functools

import numpy as np

#: logical dtype name -> (element size in bytes, unsigned view dtype)
SUPPORTED = {
    "float16": (2, np.dtype(np.uint16)),
    "bfloat16": (2, np.dtype(np.uint16)),
    "float32": (4, np.dtype(np.uint32)),
    "float64": (8, np.dtype(np.uint64)),
}

#: array-interface type strings (little-endian) -> logical dtype name
TYPESTR = {"<f2": "float16", "<f4": "float32", "<f8": "float64"}


@functools.lru_cache(maxsize=256)
def dtype_name(dtype) -> str:
    """The logical name of a NumPy/torch dtype ('float32', 'bfloat16', ...);
    remembered per dtype (NumPy's ``str(dtype)`` is Python code, ~2 us a call)."""
    name = str(dtype)
    return name[len("torch."):] if name.startswith("torch.") else name


def check_dtype(name: str, what: str = "scores") -> None:
    """Raise TypeError unless ``name`` is a floating dtype the kernels handle."""
    if name not in SUPPORTED:
        raise TypeError(
            f"{what} must be a floating-point array (float16, bfloat16, float32 or "
            f"float64); got dtype {name}"
        )


def bits_dtype(name: str) -> np.dtype:
    """The unsigned integer dtype the kernels write through for ``name``."""
    return SUPPORTED[name][1]


def float_to_bf16_bits(value: float) -> int:
    """Round a float to bfloat16 (nearest, ties to even) and return its 16 bits."""
    bits = int(np.array(value, dtype=np.float32).view(np.uint32))
    if np.isnan(value):
        return ((bits >> 16) & 0x8000) | 0x7FC0
    bits += 0x7FFF + ((bits >> 16) & 1)
    return (bits >> 16) & 0xFFFF


def bf16_bits_to_float32(bits: np.ndarray) -> np.ndarray:
    """Widen raw bfloat16 bits (uint16/int16 array) to float32 values."""
    return (bits.astype(np.uint16).astype(np.uint32) << 16).view(np.float32)


def check_fill(fill) -> float:
    """``fill`` as a float: a real number (a string, bytes or a bool is not one,
    though ``float`` would take them)."""
    if isinstance(fill, (str, bytes, bool, np.bool_)):
        raise TypeError(f"fill must be a real number; got {fill!r}")
    try:
        return float(fill)
    except (TypeError, ValueError):
        raise TypeError(f"fill must be a real number; got {fill!r}") from None


def fill_bits(name: str, fill: float):
    """The bit pattern of ``fill`` (check_fill) in dtype ``name``, as a NumPy unsigned
    scalar."""
    value = check_fill(fill)
    view = bits_dtype(name)
    if name == "bfloat16":
        return view.type(float_to_bf16_bits(value))
    with np.errstate(over="ignore"):
        return np.array(value, dtype=name).view(view)[()]


def host_dtype(name: str) -> np.dtype:
    """The NumPy dtype for a logical name; bfloat16 comes from ml_dtypes."""
    if name == "bfloat16":
        try:
            import ml_dtypes  # NumPy has no bfloat16 of its own
        except ImportError:
            raise TypeError("bfloat16 NumPy arrays need ml_dtypes (pip install ml_dtypes)") from None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)
