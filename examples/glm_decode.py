"""A tiny GLM-style attention block decoding token by token over a growing KV cache.

Each step projects the new token's hidden state to q, k, v with the array
library's matmul, rotates q and k with GLM's rotary convention (half of each
head's dims rotated, interleaved pairs ``(2i, 2i + 1)``, position ``pos``),
appends k and v to a preallocated cache [batch, heads_kv, max_len, head_dim],
and attends with ``causal_attention`` over the cache's first ``pos + 1`` keys
(``kv_lens``, GQA: heads_q // heads_kv query heads per KV head); the output
projection follows. ``reference_step`` is the same block written plainly in
float64 (every key kept so far, heads repeated, softmax, weighted sum) and
``run`` compares the two.

Rotary: ``numba_causal.rotary.apply_rotary`` (``rotary_dim = head_dim // 2``,
``interleaved=True``) when that module is installed; else the NumPy rotation
below, the same convention.

    python examples/glm_decode.py            # prints the largest difference
"""

from __future__ import annotations

import numpy as np

from numba_causal.attention import causal_attention

try:  # the rotary family, when it has landed
    from numba_causal.rotary import apply_rotary
except ImportError:  # pragma: no cover - depends on the tree
    apply_rotary = None

BATCH, HIDDEN, HEADS_Q, HEADS_KV, HEAD_DIM, MAX_LEN = 2, 64, 8, 2, 16, 32
BASE = 10000.0


def rotate_numpy(x, pos, rotary_dim):
    """GLM's rotary on [batch, heads, 1, head_dim] at position ``pos``: pairs (2i,
    2i + 1) of the first ``rotary_dim`` dims turned by pos * base**(-2i/rotary_dim)."""
    x = np.array(x, dtype=np.float64)
    i = np.arange(rotary_dim // 2)
    angle = pos * BASE ** (-2.0 * i / rotary_dim)
    cos, sin = np.cos(angle), np.sin(angle)
    even, odd = x[..., 0:rotary_dim:2].copy(), x[..., 1:rotary_dim:2].copy()
    x[..., 0:rotary_dim:2] = even * cos - odd * sin
    x[..., 1:rotary_dim:2] = even * sin + odd * cos
    return x


def rotate(q, k, pos, backend):
    """q and k rotated in place at position ``pos`` (float32)."""
    if apply_rotary is not None:
        apply_rotary(q, k, offset=pos, rotary_dim=HEAD_DIM // 2, interleaved=True,
                     backend=backend)
        return q, k
    q[...] = rotate_numpy(q, pos, HEAD_DIM // 2)
    k[...] = rotate_numpy(k, pos, HEAD_DIM // 2)
    return q, k


def weights(seed=0):
    rng = np.random.default_rng(seed)
    scale = HIDDEN ** -0.5
    return dict(wq=rng.standard_normal((HIDDEN, HEADS_Q * HEAD_DIM)) * scale,
                wk=rng.standard_normal((HIDDEN, HEADS_KV * HEAD_DIM)) * scale,
                wv=rng.standard_normal((HIDDEN, HEADS_KV * HEAD_DIM)) * scale,
                wo=rng.standard_normal((HEADS_Q * HEAD_DIM, HIDDEN)) * scale)


def heads(x, n):
    """[batch, n * head_dim] -> [batch, n, 1, head_dim]."""
    return x.reshape(BATCH, n, 1, HEAD_DIM)


def decode_step(x, pos, cache_k, cache_v, w, backend="auto"):
    """One token per sequence: x [batch, hidden] float32 at position ``pos``; the
    caches [batch, heads_kv, MAX_LEN, head_dim] get row ``pos``. Returns [batch, hidden]."""
    q = heads(x @ w["wq"], HEADS_Q).astype(np.float32)
    k = heads(x @ w["wk"], HEADS_KV).astype(np.float32)
    v = heads(x @ w["wv"], HEADS_KV).astype(np.float32)
    q, k = rotate(q, k, pos, backend)
    cache_k[:, :, pos] = k[:, :, 0]
    cache_v[:, :, pos] = v[:, :, 0]
    o = causal_attention(q, cache_k, cache_v, offset=pos, kv_lens=[pos + 1] * BATCH,
                         backend=backend)
    return o.reshape(BATCH, HEADS_Q * HEAD_DIM) @ w["wo"].astype(np.float32)


def reference_step(x, pos, keys, values, w):
    """The same block, plainly, in float64: ``keys``/``values`` are lists of the
    rotated k and the v of every position so far (appended here)."""
    x = x.astype(np.float64)
    q = rotate_numpy(heads(x @ w["wq"], HEADS_Q), pos, HEAD_DIM // 2)[:, :, 0]
    keys.append(rotate_numpy(heads(x @ w["wk"], HEADS_KV), pos, HEAD_DIM // 2)[:, :, 0])
    values.append(heads(x @ w["wv"], HEADS_KV)[:, :, 0])
    group = HEADS_Q // HEADS_KV
    k = np.repeat(np.stack(keys, 2), group, axis=1)  # [batch, heads_q, pos + 1, dim]
    v = np.repeat(np.stack(values, 2), group, axis=1)
    scores = np.einsum("bhd,bhkd->bhk", q, k) / np.sqrt(HEAD_DIM)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    o = np.einsum("bhk,bhkd->bhd", p, v)
    return o.reshape(BATCH, HEADS_Q * HEAD_DIM) @ w["wo"]


def run(steps=8, backend="auto", seed=0) -> dict:
    """Decode ``steps`` tokens both ways; the largest difference relative to the
    reference's largest output."""
    w = weights(seed)
    w32 = {name: m.astype(np.float32) for name, m in w.items()}
    rng = np.random.default_rng(seed + 1)
    cache_k = np.full((BATCH, HEADS_KV, MAX_LEN, HEAD_DIM), np.nan, np.float32)
    cache_v = np.full((BATCH, HEADS_KV, MAX_LEN, HEAD_DIM), np.nan, np.float32)
    keys, values, worst = [], [], 0.0
    for pos in range(steps):
        x = rng.standard_normal((BATCH, HIDDEN)).astype(np.float32)
        ours = decode_step(x, pos, cache_k, cache_v, w32, backend)
        want = reference_step(x, pos, keys, values, w)
        worst = max(worst, float(np.abs(ours - want).max() / np.abs(want).max()))
    return dict(steps=steps, max_error=worst, rotary="numba_causal.rotary" if apply_rotary
                else "numpy (rotary module not installed)")


if __name__ == "__main__":
    print(run())
