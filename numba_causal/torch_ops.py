"""The kernels as PyTorch custom ops: autograd, ``torch.compile`` and fake tensors.

Imported only when a torch tensor reaches a public function that needs it
(``apply_causal_mask`` / ``causal_softmax`` on a tensor that requires grad, or
any call while ``torch.compile`` traces): NumPy, CuPy and Numba users never
import torch, and a plain torch tensor keeps the direct path (and, on CUDA, the
fast path) with no custom-op dispatch in between.

Each op is one entry of :data:`OPS`: its schema, its implementation (the
family's public function on the op's own tensors, on their device and the
current stream), its fake (shape-only) implementation for tracing and, where it
has one, its backward. Adding a family = one entry.

The ops (namespace ``numba_causal``):

* ``causal_softmax``: ``softmax(scale * scores)`` with the mask, a new tensor;
  backward: ``causal_softmax_backward`` (the softmax_backward family's kernel);
* ``causal_softmax_backward``: that gradient w.r.t. the scores;
* ``causal_mask``: the masked copy of ``scores`` (out of place); backward: the
  incoming gradient with the masked keys set to 0 (this op again, fill 0);
* ``apply_causal_mask_``: the mask in place (mutates ``scores``);
* ``causal_attention`` and ``apply_rotary_`` (in place): forward only, for
  ``torch.compile`` (their families have no backward kernel yet).

Autograd: ``apply_causal_mask(t)`` on a tensor that requires grad writes the
masked values into ``t`` (``t.copy_(causal_mask(t))``: one node in the graph,
the same object returned, torch's own rule for in-place ops on leaves applies)
and its gradient is the incoming one with the masked keys set to 0.
``causal_softmax`` is out of place: ``out=`` is refused for scores that require
grad. Mask options travel as op arguments: ints, bools, per-sequence tensors; a
``mask_fn`` predicate (a Python function, which no schema can hold) is kept in a
registry under a string naming it, so it works with autograd and under
``torch.compile`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import torch

from .arrays import _check_rank
from .dtypes import check_fill
from .options import check_scale

NAMESPACE = "numba_causal"

#: the mask options every masking op takes, after its own arguments
MASK_SCHEMA = ("int? offset, int? window, Tensor? kv_lens, Tensor? q_offsets, str? mask_fn, "
               "bool causal, str backend")

# --- predicates by name ------------------------------------------------------------------

_PREDICATES: dict = {}


@torch.compiler.assume_constant_result  # torch.compile: called while tracing, its key kept
def predicate_key(mask_fn) -> Optional[str]:
    """The registry name of predicate ``mask_fn`` (registered on first use), or None."""
    if mask_fn is None:
        return None
    key = f"{getattr(mask_fn, '__module__', '?')}.{getattr(mask_fn, '__qualname__', '?')}" \
          f"@{id(mask_fn):x}"
    _PREDICATES.setdefault(key, mask_fn)  # one atomic step: no lock (torch.compile traces this)
    return key


def _predicate(key):
    return None if key is None else _PREDICATES[key]


# --- implementations ---------------------------------------------------------------------

def _options(offset, window, kv_lens, q_offsets, mask_fn, causal) -> dict:
    return dict(offset=offset, window=window, kv_lens=kv_lens, q_offsets=q_offsets,
                mask_fn=_predicate(mask_fn), causal=causal)


def _causal_softmax(scores, scale, offset, window, kv_lens, q_offsets, mask_fn, causal, backend):
    from .softmax import causal_softmax

    return causal_softmax(scores.detach(), scale=scale, backend=backend,
                          **_options(offset, window, kv_lens, q_offsets, mask_fn, causal))


def _causal_softmax_backward(probs, grad, scale, offset, window, kv_lens, q_offsets, mask_fn,
                             causal, backend):
    try:
        from .softmax_backward import causal_softmax_backward
    except ImportError:  # the fused kernel is not in this build: the same formula in torch
        return _softmax_backward_formula(probs, grad, scale)
    grad = grad.detach()
    if any(st == 0 and n > 1 for st, n in zip(grad.stride(), grad.shape)):
        grad = grad.contiguous()  # autograd's broadcast gradients (sum().backward()) share memory
    return causal_softmax_backward(probs.detach(), grad, scale=scale, backend=backend,
                                   **_options(offset, window, kv_lens, q_offsets, mask_fn, causal))


def _softmax_backward_formula(probs, grad, scale):
    """``scale * p * (g - rowsum(g * p))``: masked keys have p == 0 and get 0."""
    wide = torch.float64 if probs.dtype == torch.float64 else torch.float32
    p, g = probs.detach().to(wide), grad.detach().to(wide)
    return (scale * p * (g - (g * p).sum(-1, keepdim=True))).to(probs.dtype)


def _causal_mask(scores, fill, offset, window, kv_lens, q_offsets, mask_fn, causal, backend):
    from .mask import apply_causal_mask

    copy = scores.detach().clone(memory_format=torch.contiguous_format)
    return apply_causal_mask(copy, fill=fill, backend=backend,
                             **_options(offset, window, kv_lens, q_offsets, mask_fn, causal))


def _apply_causal_mask_(scores, fill, offset, window, kv_lens, q_offsets, mask_fn, causal,
                        backend):
    from .mask import apply_causal_mask

    apply_causal_mask(scores.detach(), fill=fill, backend=backend,
                      **_options(offset, window, kv_lens, q_offsets, mask_fn, causal))


def _causal_attention(q, k, v, scale, offset, window, kv_lens, q_offsets, mask_fn, causal,
                      backend):
    from .attention import causal_attention

    return causal_attention(q.detach(), k.detach(), v.detach(), scale=scale, backend=backend,
                            **_options(offset, window, kv_lens, q_offsets, mask_fn, causal))


def _attention_fake(q, k, v, *_):
    return q.new_empty(tuple(q.shape[:-1]) + (v.shape[-1],))


def _apply_rotary_(q, k, positions, offset, q_offsets, cos, sin, base, rotary_dim, interleaved,
                   layout, backend):
    from .rotary import apply_rotary

    apply_rotary(q.detach(), None if k is None else k.detach(), positions=positions,
                 offset=offset, q_offsets=q_offsets, cos=cos, sin=sin, base=base,
                 rotary_dim=rotary_dim, interleaved=interleaved, layout=layout, backend=backend)


# --- backwards ---------------------------------------------------------------------------

def _keep_mask_context(ctx, inputs, output):
    ctx.options = inputs[1:]  # fill, then the mask options


def _causal_mask_backward(ctx, grad):
    _fill, *options = ctx.options
    return (torch.ops.numba_causal.causal_mask(grad, 0.0, *options),) + (None,) * 8


def _softmax_context(ctx, inputs, output):
    ctx.scale, ctx.options = inputs[1], inputs[2:]
    ctx.save_for_backward(output)


def _softmax_backward(ctx, grad):
    (probs,) = ctx.saved_tensors
    scores_grad = torch.ops.numba_causal.causal_softmax_backward(probs, grad, ctx.scale,
                                                                 *ctx.options)
    return (scores_grad,) + (None,) * 8


# --- the table -----------------------------------------------------------------------------

@dataclass(frozen=True)
class OpEntry:
    """One custom op: ``name`` in the numba_causal namespace, its ``schema``,
    ``impl`` (real tensors), ``fake`` (shapes only), the names of the arguments it
    writes, and its autograd ``backward`` with ``setup_context`` (None: none)."""

    name: str
    schema: str
    impl: Callable
    fake: Callable
    mutates: tuple = ()
    backward: Optional[Callable] = None
    setup_context: Optional[Callable] = None


def _like_first(first, *_):
    """A new contiguous tensor like ``first``: what the kernels' outputs are."""
    return first.new_empty(first.shape)


OPS = (
    OpEntry("causal_softmax", f"(Tensor scores, float scale, {MASK_SCHEMA}) -> Tensor",
            _causal_softmax, _like_first,
            backward=_softmax_backward, setup_context=_softmax_context),
    OpEntry("causal_softmax_backward",
            f"(Tensor probs, Tensor grad, float scale, {MASK_SCHEMA}) -> Tensor",
            _causal_softmax_backward, _like_first),
    OpEntry("causal_mask", f"(Tensor scores, float fill, {MASK_SCHEMA}) -> Tensor",
            _causal_mask, _like_first,
            backward=_causal_mask_backward, setup_context=_keep_mask_context),
    OpEntry("apply_causal_mask_", f"(Tensor(a!) scores, float fill, {MASK_SCHEMA}) -> ()",
            _apply_causal_mask_, lambda *args: None, mutates=("scores",)),
    # forward only (no backward kernel yet): usable under torch.compile and on tensors
    # that do not require grad
    OpEntry("causal_attention",
            f"(Tensor q, Tensor k, Tensor v, float? scale, {MASK_SCHEMA}) -> Tensor",
            _causal_attention, _attention_fake),
    OpEntry("apply_rotary_",
            "(Tensor(a!) q, Tensor(b!)? k, Tensor? positions, int offset, Tensor? q_offsets, "
            "Tensor? cos, Tensor? sin, float base, int? rotary_dim, bool interleaved, "
            "str layout, str backend) -> ()",
            _apply_rotary_, lambda *args: None, mutates=("q", "k")),
)


def _register(entry: OpEntry):
    op = torch.library.custom_op(f"{NAMESPACE}::{entry.name}", entry.impl,
                                 mutates_args=entry.mutates, schema=entry.schema)
    op.register_fake(entry.fake)
    if entry.backward is not None:
        op.register_autograd(entry.backward, setup_context=entry.setup_context)
    return op


REGISTERED = {entry.name: _register(entry) for entry in OPS}


# --- what the public functions route here ------------------------------------------------

def wants_op(tensor) -> bool:
    """Whether a call on torch ``tensor`` must go through a custom op: it requires
    grad, or torch.compile is tracing."""
    return tensor.requires_grad or torch.compiler.is_compiling()


def _per_sequence(values, device):
    if values is None or isinstance(values, torch.Tensor):
        return values
    return torch.as_tensor(np.asarray(values), device=device)


def _op_options(scores, offset, window, kv_lens, q_offsets, mask_fn, causal, backend,
                shape=None):
    """The mask options as op arguments, validated first when running eagerly (the
    kernel validates again; here so that nothing reaches autograd half-checked)."""
    if not torch.compiler.is_compiling():
        from .options import mask_options

        if shape is None:
            shape = tuple(scores.shape)
            _check_rank(shape)  # a clear message before the shape is unpacked
        mask_options((1, 1) + shape if len(shape) == 2 else shape, offset=offset,
                     window=window, kv_lens=kv_lens, q_offsets=q_offsets, mask_fn=mask_fn,
                     causal=causal)
        offset = None if offset is None else int(offset)
        window = None if window is None else int(window)
    return (offset, window, _per_sequence(kv_lens, scores.device),
            _per_sequence(q_offsets, scores.device), predicate_key(mask_fn), bool(causal),
            _backend_name(backend))


def _backend_name(backend) -> str:
    return str(getattr(backend, "name", backend) or "auto")


def causal_softmax(scores, *, scale=1.0, offset=None, out=None, window=None, kv_lens=None,
                   q_offsets=None, mask_fn=None, causal=True, backend="auto"):
    """``numba_causal.causal_softmax`` through the custom op (autograd, torch.compile)."""
    scale = check_scale(scale)
    if out is not None:
        if scores.requires_grad or getattr(out, "requires_grad", False):
            raise ValueError("out= is not supported when scores require grad (autograd needs "
                             "a new tensor): call causal_softmax(scores) without out")
        _check_out_tensor(scores, out)
    options = _op_options(scores, offset, window, kv_lens, q_offsets, mask_fn, causal, backend)
    probs = torch.ops.numba_causal.causal_softmax(scores, scale, *options)
    if out is None:
        return probs
    return out.copy_(probs)


def causal_mask(scores, *, offset=None, fill=float("-inf"), window=None, kv_lens=None,
                q_offsets=None, mask_fn=None, causal=True, backend="auto"):
    """The masked copy of torch tensor ``scores`` (out of place; ``scores`` is not
    written): the differentiable form of ``apply_causal_mask``. The gradient is
    the incoming one with every masked key set to 0."""
    fill = check_fill(fill)
    options = _op_options(scores, offset, window, kv_lens, q_offsets, mask_fn, causal, backend)
    return torch.ops.numba_causal.causal_mask(scores, fill, *options)


def apply_causal_mask(scores, *, offset=None, fill=float("-inf"), window=None, kv_lens=None,
                      q_offsets=None, mask_fn=None, causal=True, backend="auto"):
    """``numba_causal.apply_causal_mask`` through the custom ops: in place, returns
    ``scores``. With autograd, ``scores.copy_(causal_mask(scores))``; refused (a
    ValueError) for a leaf that requires grad, as torch refuses ``masked_fill_``."""
    fill = check_fill(fill)
    if scores.requires_grad and scores.is_leaf:
        raise ValueError(
            "scores require grad and are a leaf tensor: autograd refuses in-place writes to "
            "it (as for masked_fill_). Mask a tensor computed from it (e.g. q @ k.transpose(-1, "
            "-2)), take a masked copy with numba_causal.torch_ops.causal_mask(scores), or pass "
            "scores.detach() to mask without autograd")
    options = _op_options(scores, offset, window, kv_lens, q_offsets, mask_fn, causal, backend)
    if scores.requires_grad:
        return scores.copy_(torch.ops.numba_causal.causal_mask(scores, fill, *options))
    torch.ops.numba_causal.apply_causal_mask_(scores, fill, *options)
    return scores


def _check_out_tensor(scores, out) -> None:
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"out must be a torch tensor like scores; got {type(out).__name__}")
    if out.dtype != scores.dtype:
        raise TypeError(f"out must have the dtype of scores ({scores.dtype}); got {out.dtype}")
    if out.shape != scores.shape:
        raise ValueError(f"out must have the shape of scores {tuple(scores.shape)}; "
                         f"got {tuple(out.shape)}")
    if out.device != scores.device:
        raise TypeError(f"out must be on the device of scores ({scores.device}); "
                        f"got {out.device}")


def causal_attention(q, k, v, *, scale=None, offset=None, window=None, kv_lens=None,
                     q_offsets=None, mask_fn=None, causal=True, backend="auto"):
    """``numba_causal.causal_attention`` as the custom op ``numba_causal::causal_attention``
    (a new output; forward only: inputs must not require grad)."""
    if any(t.requires_grad for t in (q, k, v)):
        raise ValueError("causal_attention has no backward yet: pass q, k and v detached "
                         "(or call it under torch.no_grad())")
    for name, t in (("q", q), ("k", k), ("v", v)):
        _check_rank(tuple(t.shape), name, (4,))
    scale = None if scale is None else check_scale(scale)
    options = _op_options(q, offset, window, kv_lens, q_offsets, mask_fn, causal, backend,
                          shape=(q.shape[0], q.shape[1], q.shape[2], k.shape[2]))
    return torch.ops.numba_causal.causal_attention(q, k, v, scale, *options)


def apply_rotary(q, k=None, *, positions=None, offset=0, q_offsets=None, cos=None, sin=None,
                 base=10000.0, rotary_dim=None, interleaved=False, layout="bhsd",
                 backend="auto"):
    """``numba_causal.apply_rotary`` as the custom op ``numba_causal::apply_rotary_`` (in
    place; forward only). Returns ``q``, or ``(q, k)``."""
    if q.requires_grad or (k is not None and k.requires_grad):
        raise ValueError("apply_rotary has no backward yet: pass q and k detached")
    from .rotary import check_layout, check_scalars

    _check_rank(tuple(q.shape), "q", (4,))  # head_dim is last in either layout
    layout = check_layout(layout)
    # checked here, as apply_rotary checks them: the op's schema would coerce them
    offset, base, rotary_dim, interleaved = check_scalars(
        offset, base, rotary_dim, interleaved, q.shape[3], tables=cos is not None)
    device = q.device
    torch.ops.numba_causal.apply_rotary_(
        q, k, _per_sequence(positions, device), offset, _per_sequence(q_offsets, device),
        _per_sequence(cos, device), _per_sequence(sin, device),
        10000.0 if base is None else base, rotary_dim, interleaved, layout,
        _backend_name(backend))
    return q if k is None else (q, k)
