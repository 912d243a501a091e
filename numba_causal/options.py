"""Mask options (offset, window, per-sequence lengths, predicate): validated once."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .compile import keep_all

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


def _per_sequence(name: str, values, batch: int):
    if values is None:
        return None
    if hasattr(values, "detach"):  # torch tensor, possibly on the GPU
        values = values.detach().cpu().numpy()
    array = np.asarray(values)
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


def _check_predicate(mask_fn) -> None:
    """A predicate must be a Python function of exactly (b, h, q_pos, k)."""
    fn = getattr(mask_fn, "py_func", mask_fn)
    code = getattr(fn, "__code__", None)
    if not callable(mask_fn) or code is None:
        raise TypeError(f"mask_fn must be a function (b, h, q_pos, k) -> bool; got {mask_fn!r}")
    positional = code.co_argcount - len(fn.__defaults__ or ())
    if code.co_argcount < 4 or positional > 4 or code.co_flags & 0x04:
        raise TypeError(f"mask_fn must take exactly four arguments (b, h, q_pos, k); "
                        f"{getattr(fn, '__name__', fn)} takes {code.co_argcount}")


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
    if mask_fn is not None:
        _check_predicate(mask_fn)
    return MaskOptions(cache_len - seq_len if offset is None else _as_int("offset", offset),
                       window_value, kv, qo, mask_fn, bool(causal))


PLAIN = MaskOptions(0, 0, None, None, None, True)
