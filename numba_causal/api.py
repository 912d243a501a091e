"""The public functions that PyTorch must see through: each is its family's entry
(mask.py, softmax.py), handed instead to the torch custom ops (torch_ops.py) when
the call is on a torch tensor that requires grad, or while ``torch.compile``
traces. This module stands above both, so neither a family nor the op layer
imports the torch adapter, and NumPy, CuPy and Numba callers never import torch.
"""

from __future__ import annotations

import numpy as np

from . import fastpath
from . import mask as _mask
from . import softmax as _softmax


def apply_causal_mask(scores, *, offset=None, fill=float("-inf"), window=None, kv_lens=None,
                      q_offsets=None, mask_fn=None, causal=True, backend="auto"):
    """Mask ``scores`` in place and return the same object.

    ``scores``: [batch, heads, seq_len, cache_len] or [seq_len, cache_len], float16,
    bfloat16, float32 or float64; a NumPy array, a torch tensor, or any object with
    ``__cuda_array_interface__`` (masked on the GPU, zero-copy, on its stream).
    Keys after each query's position (see ``numba_causal.mask`` for ``offset``,
    ``window``, ``kv_lens``, ``q_offsets``, ``mask_fn`` and ``causal``) become
    ``fill``; nothing else is written. ``backend``: 'auto', 'hip', 'cuda', 'sim'
    or 'cpu'. Bad input raises before anything is written. A torch tensor that
    requires grad, and any call under ``torch.compile``, goes through the custom
    op (numba_causal.torch_ops), with autograd.
    """
    if type(scores) is not np.ndarray:
        if fastpath.torch_op_wanted(scores):
            from . import torch_ops

            return torch_ops.apply_causal_mask(scores, offset=offset, fill=fill, window=window,
                                               kv_lens=kv_lens, q_offsets=q_offsets,
                                               mask_fn=mask_fn, causal=causal, backend=backend)
        if kv_lens is None and q_offsets is None and mask_fn is None:
            # a repeated call on a torch CUDA tensor: one launch (fastpath.py), here, before
            # any argument is passed on (issue 13: per call at most masked_fill_'s time)
            key = fastpath.call_key(scores, backend, offset, window, fill, causal)
            if fastpath.replayed(key):
                return scores
    return _mask.apply_causal_mask(scores, offset=offset, fill=fill, window=window,
                                   kv_lens=kv_lens, q_offsets=q_offsets, mask_fn=mask_fn,
                                   causal=causal, backend=backend)


def causal_softmax(scores, *, scale=1.0, offset=None, out=None, window=None, kv_lens=None,
                   q_offsets=None, mask_fn=None, causal=True, backend="auto"):
    """``softmax(scale * scores)`` over the keys, with the causal mask fused in.

    ``scores``: [batch, heads, seq_len, cache_len] or [seq_len, cache_len], float16,
    bfloat16, float32 or float64; a NumPy array, a torch tensor, or any object with
    ``__cuda_array_interface__`` (computed on the GPU, zero-copy, on its stream).
    The mask options are apply_causal_mask's (see ``numba_causal.mask``). Masked
    keys get exactly 0; a row with nothing kept is all zeros. ``out``: None (a new
    array of the same kind: NumPy, torch, or a numba device array for other GPU
    arrays), ``scores`` (in place) or an array of the same shape and dtype that
    does not overlap ``scores``. Returns ``out``. ``backend``: 'auto', 'hip',
    'cuda', 'sim' or 'cpu'. Bad input raises before anything is written. A torch
    tensor that requires grad, and any call under ``torch.compile``, goes through
    the custom op (numba_causal.torch_ops): its backward is the fused
    ``causal_softmax_backward``.
    """
    if type(scores) is not np.ndarray and fastpath.torch_op_wanted(scores):
        from . import torch_ops

        return torch_ops.causal_softmax(scores, scale=scale, offset=offset, out=out,
                                        window=window, kv_lens=kv_lens, q_offsets=q_offsets,
                                        mask_fn=mask_fn, causal=causal, backend=backend)
    return _softmax.causal_softmax(scores, scale=scale, offset=offset, out=out, window=window,
                                   kv_lens=kv_lens, q_offsets=q_offsets, mask_fn=mask_fn,
                                   causal=causal, backend=backend)
