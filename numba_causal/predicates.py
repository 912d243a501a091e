"""Worked example predicates for ``mask_fn`` (attention-gym style).

A predicate is a plain Python function ``(b, h, q_pos, k) -> bool``: sequence
``b``, head ``h``, the query's absolute position ``q_pos`` (row + offset) and the
key ``k``; True keeps the key. It is compiled with the kernel for each backend
(``numba.njit`` on the CPU, a device function on hip/cuda, plain Python on the
simulator), so its body must be numba-compilable: integer arithmetic,
comparisons, and reads of constants it captures. The kernel ANDs it with the
built-in terms (causal, window, kv_lens); pass ``causal=False`` when the
predicate decides the causal part itself (``prefix_lm``).

Each generator below builds one predicate with its semantics in one sentence.
Build a predicate once and reuse it: kernels are compiled and cached per
function object, so every new function compiles anew. ``draw`` shows what a
predicate keeps. See docs/predicates.md.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.core.dispatcher import Dispatcher


def causal():
    """Keep keys at or before the query: ``k <= q_pos``."""

    def causal_mask(b, h, q_pos, k):
        return k <= q_pos

    return causal_mask


def sliding_window(window: int):
    """Keep the ``window`` most recent keys up to the query: ``q_pos - window < k <= q_pos``."""
    window = _positive_int("window", window)

    def sliding_window_mask(b, h, q_pos, k):
        return q_pos - window < k <= q_pos

    return sliding_window_mask


def prefix_lm(prefix_len: int):
    """Keep every key of the first ``prefix_len`` (bidirectional prefix), causal after it.

    The predicate holds the causal term itself: use it with ``causal=False``.
    """
    prefix_len = _non_negative_int("prefix_len", prefix_len)

    def prefix_lm_mask(b, h, q_pos, k):
        return k < prefix_len or k <= q_pos

    return prefix_lm_mask


def document_mask(document_ids):
    """Keep keys of the query's own document: ``ids[q_pos] == ids[k]``.

    ``document_ids``: integers, one per position (1-D, shared by the batch) or
    ``[batch, positions]`` (per sequence); positions outside it are masked. The
    ids are copied, in the smallest signed integer type that holds them, and
    captured as a constant: a later change to the caller's array is not seen.
    On CUDA the constant lives in constant memory (64 KiB in all). Combine with
    the default ``causal=True`` for causal attention within documents.
    """
    ids = np.asarray(document_ids)
    if ids.dtype.kind not in "iu" or ids.ndim not in (1, 2):
        raise TypeError(f"document_ids must be a 1-D or 2-D integer array; got "
                        f"{ids.dtype} with shape {ids.shape}")
    smallest = np.result_type(np.min_scalar_type(int(ids.min(initial=0))),
                              np.min_scalar_type(-int(ids.max(initial=0))))
    ids = np.array(ids, dtype=smallest, order="C")
    ids.flags.writeable = False
    positions = ids.shape[-1]

    if ids.ndim == 1:
        def same_document(b, h, q_pos, k):
            return 0 <= q_pos < positions and k < positions and ids[q_pos] == ids[k]
    else:
        def same_document(b, h, q_pos, k):
            return 0 <= q_pos < positions and k < positions and ids[b, q_pos] == ids[b, k]

    return same_document


def and_masks(*predicates):
    """Keep a key only if every predicate keeps it (at least one predicate)."""
    return _combine(predicates, "and_masks", _both)


def or_masks(*predicates):
    """Keep a key if any predicate keeps it (at least one predicate)."""
    return _combine(predicates, "or_masks", _either)


def draw(predicate, seq_len: int, cache_len: int = None, offset: int = None, b: int = 0,
         h: int = 0) -> str:
    """The predicate's keep pattern as text, one line per query row ('#' kept, '.'
    masked), evaluated in Python with ``q_pos = row + offset`` (bottom-right
    aligned by default, as the kernels do)."""
    cache_len = seq_len if cache_len is None else cache_len
    offset = cache_len - seq_len if offset is None else offset
    fn = getattr(predicate, "py_func", predicate)
    return "\n".join("".join("#" if fn(b, h, q + offset, k) else "." for k in range(cache_len))
                     for q in range(seq_len))


# --- composition ----------------------------------------------------------------------

def _jitted(predicate):
    """A numba dispatcher for a predicate: numba-hip and numba-cuda recompile a
    CPU dispatcher as a device function where a kernel calls it."""
    if isinstance(predicate, Dispatcher):
        return predicate
    if not callable(predicate):
        raise TypeError(f"a predicate must be a function (b, h, q_pos, k) -> bool; "
                        f"got {predicate!r}")
    return njit(predicate)


def _both(first, second):
    first, second = _jitted(first), _jitted(second)

    def both(b, h, q_pos, k):
        return first(b, h, q_pos, k) and second(b, h, q_pos, k)

    return both


def _either(first, second):
    first, second = _jitted(first), _jitted(second)

    def either(b, h, q_pos, k):
        return first(b, h, q_pos, k) or second(b, h, q_pos, k)

    return either


def _combine(predicates, name, pair):
    """Fold ``predicates`` pairwise (numba cannot loop over a tuple of functions)."""
    if not predicates:
        raise TypeError(f"{name} needs at least one predicate")
    combined = _jitted(predicates[-1])
    for predicate in reversed(predicates[:-1]):
        combined = pair(predicate, combined)
    return combined if len(predicates) > 1 else combined.py_func


def _non_negative_int(name, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0; got {value}")
    return int(value)


def _positive_int(name, value) -> int:
    value = _non_negative_int(name, value)
    if value < 1:
        raise ValueError(f"{name} must be >= 1; got {value}")
    return value
