"""Mask options (offset, window, per-sequence lengths, predicate): validated once."""

from __future__ import annotations

import numbers
import threading

import numpy as np

_DUMMY = np.zeros(1, dtype=np.int64)
_DEVICE_DUMMIES: dict = {}
_LOCK = threading.Lock()


def _as_int(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r}")
    return int(value)


def _per_sequence(name: str, values, batch: int):
    if values is None:
        return None
    if hasattr(values, "detach"):  # torch tensor, possibly on the GPU
        values = values.detach().cpu().numpy()
    array = np.asarray(values)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers; got dtype {array.dtype}")
    if array.shape != (batch,):
        raise ValueError(f"{name} must have shape ({batch},) (one per sequence); got {array.shape}")
    return np.ascontiguousarray(array, dtype=np.int64)


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
        if mask_fn is not None and not callable(mask_fn):
            raise TypeError(f"mask_fn must be a function (b, h, q_pos, k) -> bool; got {mask_fn!r}")
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
        with _LOCK:
            dummy = _DEVICE_DUMMIES.get(backend.name)
            if dummy is None:
                dummy = _DEVICE_DUMMIES[backend.name] = backend.gpu.to_device(_DUMMY)
        to_device = backend.gpu.to_device
        kv = dummy if self.kv_lens is None else to_device(self.kv_lens, stream=self.stream or 0)
        qo = dummy if self.q_offsets is None else to_device(self.q_offsets, stream=self.stream or 0)
        return kv, qo


def mask_options(shape, *, offset=None, window=None, kv_lens=None, q_offsets=None,
                 mask_fn=None, causal=True) -> MaskOptions:
    """Validate the keyword options of a mask for 4-D ``shape`` (raises TypeError/ValueError)."""
    return MaskOptions(shape, offset, window, kv_lens, q_offsets, mask_fn, causal)
