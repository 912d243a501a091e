"""Mask options (offset, window, per-sequence lengths, predicate): validated once."""

from __future__ import annotations

import numbers

import numpy as np

from .arrays import constant_on

_DUMMY = np.zeros(1, dtype=np.int64)


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
    return np.ascontiguousarray(array, dtype=np.int64)


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


class MaskOptions:
    """Validated mask options for scores of 4-D ``shape``.

    ``offset`` is the absolute position of query row 0 (``cache_len - seq_len``
    unless given); ``window`` is 0 for no sliding window.
    """

    def __init__(self, shape, offset, window, kv_lens, q_offsets, mask_fn, causal):
        batch, _, seq_len, cache_len = shape
        self.offset = cache_len - seq_len if offset is None else _as_int("offset", offset)
        self.window = 0 if window is None else _as_int("window", window)
        if window is not None and self.window < 1:
            raise ValueError(f"window must be at least 1 (the query's own key); got {window}")
        self.kv_lens = _per_sequence("kv_lens", kv_lens, batch)
        self.q_offsets = _per_sequence("q_offsets", q_offsets, batch)
        if mask_fn is not None:
            _check_predicate(mask_fn)
        self.mask_fn = mask_fn
        self.causal = bool(causal)
        self.stream = None

    @property
    def kv_lens_or_dummy(self):
        return _DUMMY if self.kv_lens is None else self.kv_lens

    @property
    def q_offsets_or_dummy(self):
        return _DUMMY if self.q_offsets is None else self.q_offsets

    def device_arrays(self, backend):
        """(kv_lens, q_offsets) where the backend's kernel can read them."""
        if not backend.on_device:
            return self.kv_lens_or_dummy, self.q_offsets_or_dummy
        dummy = constant_on(backend, "no per-sequence values", _DUMMY)
        to_device = backend.gpu.to_device
        kv = dummy if self.kv_lens is None else to_device(self.kv_lens, stream=self.stream or 0)
        qo = dummy if self.q_offsets is None else to_device(self.q_offsets, stream=self.stream or 0)
        return kv, qo


def mask_options(shape, *, offset=None, window=None, kv_lens=None, q_offsets=None,
                 mask_fn=None, causal=True) -> MaskOptions:
    """Validate the keyword options of a mask for 4-D ``shape`` (raises TypeError/ValueError)."""
    return MaskOptions(shape, offset, window, kv_lens, q_offsets, mask_fn, causal)
