"""Mask options (offset, window, per-sequence lengths, predicate): validated once."""

from __future__ import annotations

import math
import numbers
import re
import weakref
from dataclasses import dataclass
from typing import Optional

import numpy as np
from numba.core.errors import NumbaError

from .compile import keep_all
from .elements import compute_dtype

#: what a kernel gets for a per-sequence option not given (never read)
NO_VALUES = np.zeros(1, dtype=np.int64)
NO_VALUES.setflags(write=False)


#: positions and lengths stay within +-2**62 so that ``q + offset`` cannot overflow int64
LIMIT = 1 << 62


def _as_int(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r}")
    value = int(value)
    if not -LIMIT <= value <= LIMIT:
        raise ValueError(f"{name} must lie within +-2**62; got {value}")
    return value


def host_integers(name: str, values) -> np.ndarray:
    """``values`` (a sequence or an array meant to hold integers) as a NumPy array
    whose dtype and shape the caller then checks: an empty sequence is int64 (NumPy
    would make it float64), and a ragged one a ValueError that names ``name``."""
    if isinstance(values, (list, tuple)) and len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a flat sequence of integers; got "
                         f"{repr(values)[:60]}") from None
    if array.dtype.kind == "f" and isinstance(values, (list, tuple)) and \
            all(isinstance(v, numbers.Integral) for v in values):
        return np.asarray(values, dtype=object)  # ints past int64: NumPy made floats
    return array


def check_scale(scale, dtype=None, factor: float = 1.0) -> float:
    """A scale factor of the scores as a float: a real number (not a bool), finite;
    with ``dtype`` (the inputs' dtype name), small enough that ``|scale| * factor``
    (what the kernels multiply by) is finite in its compute type: a larger one would
    turn every kept key into NaN."""
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a real number; got {scale!r}")
    if not math.isfinite(float(scale)):  # math, not NumPy: torch.compile traces this
        raise ValueError(f"scale must be finite; got {scale!r}")
    if dtype is not None:
        compute = compute_dtype(dtype)
        limit = float(np.finfo(compute).max) / factor
        if abs(float(scale)) > limit:
            raise ValueError(f"scale {scale!r} overflows the {compute.name} "
                             f"arithmetic of {dtype} inputs: |scale| must be at most "
                             f"{limit:.6g}")
    return float(scale)


def _per_sequence(name: str, values, batch: int):
    if values is None:
        return None
    if hasattr(values, "detach"):  # torch tensor, possibly on the GPU
        values = values.detach().cpu().numpy()
    array = host_integers(name, values)
    if array.dtype.kind == "O" and all(isinstance(v, numbers.Integral) for v in array.ravel()):
        raise ValueError(f"{name} must lie within +-2**62; got values beyond int64")
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers; got dtype {array.dtype}")
    if array.shape != (batch,):
        raise ValueError(f"{name} must have shape ({batch},) (one per sequence); got {array.shape}")
    if array.size and (int(array.max()) > LIMIT or int(array.min()) < -LIMIT):
        raise ValueError(f"{name} must lie within +-2**62; got values up to {int(array.max())}")
    copy = np.array(array, dtype=np.int64, order="C")  # our own copy, never written
    copy.setflags(write=False)
    return copy


def per_sequence_array(name: str, values, batch: int):
    """``values`` (one integer a sequence: ``kv_lens`` or ``q_offsets``) checked as
    mask_options checks them: a read-only int64 copy, or None for None."""
    return _per_sequence(name, values, batch)


def _check_predicate(mask_fn) -> None:
    """A predicate must be a Python function of exactly (b, h, q_pos, k)."""
    fn = getattr(mask_fn, "py_func", mask_fn)
    code = getattr(fn, "__code__", None)
    if not callable(mask_fn) or code is None:
        raise TypeError(f"mask_fn must be a function (b, h, q_pos, k) -> bool; got {mask_fn!r}")
    positional = code.co_argcount - len(fn.__defaults__ or ())
    if code.co_argcount < 4 or positional > 4 or code.co_flags & 0x04 or \
            code.co_kwonlyargcount > len(fn.__kwdefaults__ or {}):
        raise TypeError(f"mask_fn must take exactly four arguments (b, h, q_pos, k); "
                        f"{getattr(fn, '__name__', fn)} takes {code.co_argcount}"
                        + (" and keyword-only ones" if code.co_kwonlyargcount else ""))


#: mask_fn's Python function -> its host compilation (numba's njit), for _probe_predicate
_PROBES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _probe_predicate(mask_fn, q_pos: int) -> None:
    """Compile ``mask_fn`` as the host kernels do (numba's njit; once per function) and
    call it at (b, h, q_pos, k) = (0, 0, ``q_pos``, 0), the first query's first key:
    a predicate numba cannot compile (TypeError) or that raises there (ValueError) is
    refused before anything is written. One that raises only at other arguments
    raises while a host or simulator kernel runs; op.operands then puts the outputs
    back as they were."""
    fn = getattr(mask_fn, "py_func", mask_fn)
    compiled = _PROBES.get(fn)
    if compiled is None:
        from numba import njit

        compiled = _PROBES[fn] = njit(fn)
    try:
        compiled(np.int64(0), np.int64(0), np.int64(q_pos), np.int64(0))
    except NumbaError as exc:
        lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines()]
        said = [line for line in lines if line and not line.startswith(("Failed in", "During:"))]
        raise TypeError(f"mask_fn must be a function (b, h, q_pos, k) -> bool that numba "
                        f"can compile; numba: {'; '.join(said[:2]) or type(exc).__name__}"
                        ) from None
    except Exception as exc:
        raise ValueError(f"mask_fn raised {type(exc).__name__} at (b, h, q_pos, k) = (0, 0, "
                         f"{q_pos}, 0): {exc}") from exc


@dataclass(frozen=True, eq=False)
class MaskOptions:
    """Validated mask options for scores of 4-D shape ``[batch, heads, seq_len,
    cache_len]`` (immutable; host values only: the op layer puts the
    per-sequence arrays where a kernel reads them).

    ``offset`` is the absolute position of query row 0 (``cache_len - seq_len``
    unless given); ``window`` is 0 for no sliding window; ``kv_lens`` and
    ``q_offsets`` are int64 arrays of one value per sequence, or None.
    """

    offset: int
    window: int
    kv_lens: Optional[np.ndarray]
    q_offsets: Optional[np.ndarray]
    mask_fn: object
    causal: bool

    def constants(self) -> dict:
        """The compile-time constants these options select in a kernel."""
        return dict(CAUSAL=self.causal, USE_KV_LENS=self.kv_lens is not None,
                    USE_Q_OFFSETS=self.q_offsets is not None,
                    HAS_MASK_FN=self.mask_fn is not None,
                    MASK_FN=self.mask_fn or keep_all)

    def per_sequence(self) -> tuple:
        """(kv_lens, q_offsets) as host arrays, a one-element dummy for an unused one."""
        return (NO_VALUES if self.kv_lens is None else self.kv_lens,
                NO_VALUES if self.q_offsets is None else self.q_offsets)


#: the options of a plain causal mask (the AOT catalog's base variant)
PLAIN = None  # set below


def mask_options(shape, *, offset=None, window=None, kv_lens=None, q_offsets=None,
                 mask_fn=None, causal=True) -> MaskOptions:
    """Validate the keyword options of a mask for 4-D ``shape`` (raises TypeError/ValueError)."""
    batch, _, seq_len, cache_len = shape
    window_value = 0 if window is None else _as_int("window", window)
    if window is not None and window_value < 1:
        raise ValueError(f"window must be at least 1 (the query's own key); got {window}")
    kv = _per_sequence("kv_lens", kv_lens, batch)
    qo = _per_sequence("q_offsets", q_offsets, batch)
    if qo is not None and offset is not None:
        raise ValueError("give offset or q_offsets, not both: q_offsets sets the offset of "
                         "every sequence")
    if not isinstance(causal, (bool, np.bool_)):
        raise TypeError(f"causal must be True or False; got {causal!r}")
    offset_value = cache_len - seq_len if offset is None else _as_int("offset", offset)
    if mask_fn is not None:
        _check_predicate(mask_fn)
        _probe_predicate(mask_fn, int(qo[0]) if qo is not None and qo.size else offset_value)
    return MaskOptions(offset_value, window_value, kv, qo, mask_fn, bool(causal))


PLAIN = MaskOptions(0, 0, None, None, None, True)
