"""torch tensors are masked on torch's current stream, on every path (GPU only)."""

import pytest

import numba_causal as nc
from numba_causal import fastpath
from numba_causal.backends import unavailable_reasons

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(
    "cuda" in unavailable_reasons() or not torch.cuda.is_available(),
    reason="needs the cuda backend and a torch CUDA build")]

OPTIONS = {"plain": {}, "offset": {"offset": 3}, "window": {"window": 5},
           "kv_lens": {"kv_lens": [40, 17]}, "q_offsets": {"q_offsets": [0, 9]},
           "mask_fn": {"mask_fn": lambda b, h, q, k: (k % 3) != 1}}


def expected(x, kv_lens=None, q_offsets=None, window=None, offset=None, mask_fn=None):
    batch, heads, seq_len, cache_len = x.shape
    q = torch.arange(seq_len, device="cuda")[None, :, None]
    k = torch.arange(cache_len, device="cuda")[None, None, :]
    start = torch.tensor(q_offsets if q_offsets is not None else
                         [cache_len - seq_len if offset is None else offset] * batch,
                         device="cuda")[:, None, None]
    pos = q + start
    keep = k <= pos
    if window is not None:
        keep &= k > pos - window
    if kv_lens is not None:
        keep &= k < torch.tensor(kv_lens, device="cuda")[:, None, None]
    if mask_fn is not None:
        keep &= (k % 3) != 1
    return x.masked_fill(~keep[:, None], float("-inf"))


@pytest.mark.parametrize("name", OPTIONS)
def test_side_stream_orders_after_producer(name):
    """Scores written on a side stream after a long sleep are masked after, not before."""
    fastpath.clear()
    side = torch.cuda.Stream()
    for _ in range(2):  # the second call replays where the fast path applies
        with torch.cuda.stream(side):
            x = torch.empty(2, 3, 24, 40, device="cuda")
            torch.cuda._sleep(50_000_000)  # keep the side stream busy
            x.normal_()
            before = x.clone()
            nc.apply_causal_mask(x, backend="cuda", **OPTIONS[name])
        side.synchronize()
        assert torch.equal(x, expected(before, **OPTIONS[name])), name
