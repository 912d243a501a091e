"""The cuda backend's per-call-site launch cache (numba_causal.fastpath), on a real GPU."""

import pytest

import numba_causal as nc
from numba_causal import fastpath
from numba_causal.backends import unavailable_reasons

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(
    "cuda" in unavailable_reasons() or not torch.cuda.is_available(),
    reason="needs the cuda backend and a torch CUDA build")]


def expected(x, offset=None):
    seq_len, cache_len = x.shape[-2:]
    offset = cache_len - seq_len if offset is None else offset
    q = torch.arange(seq_len, device=x.device)[:, None] + offset
    return x.masked_fill(torch.arange(cache_len, device=x.device)[None, :] > q, float("-inf"))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_replay_masks_new_contents(dtype):
    fastpath.clear()
    x = torch.randn(2, 3, 17, 40, device="cuda", dtype=getattr(torch, dtype))
    for _ in range(3):  # same tensor (same key), fresh contents each time
        x.copy_(torch.randn_like(x))
        want = expected(x)
        nc.apply_causal_mask(x, backend="cuda")
        torch.cuda.synchronize()
        assert torch.equal(x, want) or torch.equal(x.isnan(), want.isnan())
    assert len(fastpath._CACHE) == 1


def test_key_separates_options_and_views():
    fastpath.clear()
    base = torch.randn(4, 64, device="cuda")
    for offset in (None, 0, 7, -2):
        x = base.clone()
        nc.apply_causal_mask(x, offset=offset, backend="cuda")
        assert torch.equal(x, expected(base, offset))
        y = base.clone()
        nc.apply_causal_mask(y, offset=offset, backend="cuda")  # replayed
        assert torch.equal(y, expected(base, offset))
    view = base.clone()[:, 1:]  # same storage, other address: its own key
    want = expected(view)
    nc.apply_causal_mask(view, backend="cuda")
    assert torch.equal(view, want)


def test_replay_on_side_stream():
    fastpath.clear()
    x = torch.randn(1, 2, 64, 64, device="cuda")
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        for _ in range(2):
            x.normal_()
            want = expected(x)
            nc.apply_causal_mask(x, backend="cuda")
            assert torch.equal(x, want)  # ordered on the same stream
    stream.synchronize()
    assert any(key[5] == stream.cuda_stream for key in fastpath._CACHE)


def test_requires_grad_goes_through_autograd():
    """A tensor that requires grad takes the custom op (torch_ops.py), never a replay
    of a launch recorded for it; a leaf is refused (ValueError), as torch refuses
    masked_fill_ on it."""
    fastpath.clear()
    leaf = torch.randn(8, 8, device="cuda", requires_grad=True)
    with pytest.raises(ValueError, match="scores require grad and are a leaf tensor"):
        nc.apply_causal_mask(leaf, backend="cuda")
    for _ in range(2):
        x = leaf * 2
        assert nc.apply_causal_mask(x, backend="cuda") is x
        assert torch.equal(x.detach(), expected(leaf.detach() * 2))
        x.sum().backward()
    assert torch.equal(leaf.grad, 4 * torch.ones(8, 8, device="cuda").tril())


_NEW_PROCESS = """
import sys, torch
import numba_causal as nc
x = torch.randn(3, 2, 33, 70, device="cuda")
q = torch.arange(33, device="cuda")[:, None] + 37
want = x.masked_fill(torch.arange(70, device="cuda")[None, :] > q, float("-inf"))
nc.apply_causal_mask(x)
torch.cuda.synchronize()
print(bool(torch.equal(x, want)), "numba_cuda" in sys.modules)
"""


def _new_process(cache_dir):
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_CAUSAL_CACHE_DIR=str(cache_dir))
    out = subprocess.run([sys.executable, "-c", _NEW_PROCESS], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return out[-2] == "True", out[-1] == "True"


def test_new_process_loads_stored_kernel_without_numba_cuda(tmp_path):
    correct, used_numba = _new_process(tmp_path)  # compiles, stores the cubin
    assert correct and used_numba
    assert list(tmp_path.glob("*.cubin"))
    correct, used_numba = _new_process(tmp_path)  # loads it with the driver alone
    assert correct and not used_numba


def test_corrupt_store_falls_back_to_full_path(tmp_path):
    _new_process(tmp_path)
    for cubin in tmp_path.glob("*.cubin"):
        cubin.write_bytes(b"not a cubin")
    correct, used_numba = _new_process(tmp_path)
    assert correct and used_numba


def test_negative_zero_and_nan_fills_are_not_replayed_as_others():
    """0.0 == -0.0 as a key: a -0.0 (or NaN) fill takes the full path, and gets its bits."""
    fastpath.clear()
    base = torch.randn(4, 64, device="cuda")
    for fill in (0.0, -0.0, 0.0, -0.0):
        x = base.clone()
        nc.apply_causal_mask(x, fill=fill, backend="cuda")
        masked = x[expected(base).isneginf()]
        assert torch.equal(torch.signbit(masked), torch.full_like(masked, fill).signbit())
