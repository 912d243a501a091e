"""The cuda backend's per-call-site launch cache (numba_causal.fastpath), on a real GPU."""

from collections import Counter

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
x = torch.randn(3, 2, {seq_len}, {cache_len}, device="cuda")
q = torch.arange({seq_len}, device="cuda")[:, None] + {cache_len} - {seq_len}
want = x.masked_fill(torch.arange({cache_len}, device="cuda")[None, :] > q, float("-inf"))
nc.apply_causal_mask(x)
torch.cuda.synchronize()
print(bool(torch.equal(x, want)), "numba_cuda" in sys.modules)
"""


def _new_process(cache_dir, seq_len=33, cache_len=70):
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_CAUSAL_CACHE_DIR=str(cache_dir))
    code = _NEW_PROCESS.format(seq_len=seq_len, cache_len=cache_len)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return out[-2] == "True", out[-1] == "True"


@pytest.mark.parametrize("cache_len", [70, 2048])
def test_new_process_loads_stored_kernel_without_numba_cuda(tmp_path, cache_len):
    """The element path (70 keys), and the 16-byte path (2048 float32 keys: its
    blocks take 48 KB of dynamic shared memory, mask.vec_shared, planned again from
    shapes alone in the new process)."""
    correct, used_numba = _new_process(tmp_path, cache_len=cache_len)  # compiles, stores
    assert correct and used_numba
    assert list(tmp_path.glob("*.cubin"))
    correct, used_numba = _new_process(tmp_path, cache_len=cache_len)  # the driver alone
    assert correct and not used_numba


def test_shared_an_sm_is_the_devices():
    """fastpath.shared_an_sm (the driver's attribute 81, no numba) is what numba
    reports as MAX_SHARED_MEMORY_PER_MULTIPROCESSOR."""
    from numba import cuda

    device = cuda.get_current_device()
    assert fastpath.shared_an_sm(device.id) == device.MAX_SHARED_MEMORY_PER_MULTIPROCESSOR


def test_corrupt_store_falls_back_to_full_path(tmp_path):
    _new_process(tmp_path)
    for cubin in tmp_path.glob("*.cubin"):
        cubin.write_bytes(b"not a cubin")
    correct, used_numba = _new_process(tmp_path)
    assert correct and used_numba


def _softmax_want(x, scale):
    seq_len, cache_len = x.shape[-2:]
    q = torch.arange(seq_len, device=x.device)[:, None] + cache_len - seq_len
    masked = torch.arange(cache_len, device=x.device)[None, :] > q
    return torch.softmax((x.double() * scale).masked_fill(masked, float("-inf")), -1)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("mode", ["new out", "given out", "in place"])
def test_softmax_replay_computes_new_contents(dtype, mode):
    """A repeated causal_softmax call on the same torch CUDA tensors is one replayed
    launch; it computes each call's contents, into the call's output."""
    fastpath.clear()
    tol = 1e-6 if dtype == "float32" else 2e-3
    x = torch.randn(2, 3, 5, 70, device="cuda", dtype=getattr(torch, dtype))
    given = torch.empty_like(x)
    outs = []
    for i in range(3):
        x.copy_(torch.randn_like(x))
        want = _softmax_want(x, 0.3)
        out = {"new out": None, "given out": given, "in place": x}[mode]
        got = nc.causal_softmax(x, scale=0.3, out=out, backend="cuda")
        torch.cuda.synchronize()
        assert (got.double() - want).abs().max().item() <= tol
        outs.append(got)
    assert sum(1 for key in fastpath._CACHE if key[0] == "softmax") >= 1
    if mode == "given out":
        assert all(o is given for o in outs)


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
@pytest.mark.parametrize("mode", ["new out", "given out", "in place on grad", "in place on probs"])
def test_softmax_backward_replay_computes_new_contents(dtype, mode):
    """A repeated causal_softmax_backward call on the same torch CUDA tensors is one
    replayed launch; it computes each call's gradient, into the call's output."""
    fastpath.clear()
    tol = 1e-6 if dtype == "float32" else 2e-2
    p = torch.empty(2, 3, 5, 72, device="cuda", dtype=getattr(torch, dtype))
    g = torch.empty_like(p)
    given = torch.empty_like(p)
    for i in range(3):
        p.copy_(_softmax_want(torch.randn_like(p, dtype=torch.float32), 1.0))
        g.copy_(torch.randn_like(g))
        pd, gd = p.double(), g.double()
        keep = _softmax_want(torch.zeros_like(pd), 1.0) > 0
        want = torch.where(keep, 0.5 * pd * (gd - (gd * pd * keep).sum(-1, keepdim=True)), 0.0)
        out = {"new out": None, "given out": given, "in place on grad": g,
               "in place on probs": p}[mode]
        got = nc.causal_softmax_backward(p, g, scale=0.5, out=out, backend="cuda")
        torch.cuda.synchronize()
        assert (got.double() - want).abs().max().item() <= tol * max(1.0, want.abs().max().item())
        if out is not None:
            assert got is out
    assert sum(1 for key in fastpath._CACHE if key[0] == "softmax_backward") >= 1


def _kept(x, kv_lens):
    """Kept keys of causal rows (bottom-right) with per-sequence lengths (any int)."""
    seq_len, cache_len = x.shape[-2:]
    q = torch.arange(seq_len, device=x.device)[:, None] + cache_len - seq_len
    k = torch.arange(cache_len, device=x.device)[None, :]
    return (k <= q) & (k < kv_lens.view(-1, 1, 1, 1))


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_softmax_replays_read_kv_lens_on_the_gpu(dtype):
    """kv_lens as an int64 CUDA tensor replays with the launch of causal_softmax and of
    its backward: new lengths written into the same tensor (0, negative, beyond
    cache_len: every value has its meaning) give the new result, every time."""
    fastpath.clear()
    tol = 1e-6 if dtype == "float32" else 2e-3
    x = torch.randn(4, 3, 6, 80, device="cuda", dtype=getattr(torch, dtype))
    g = torch.randn_like(x)
    lens = torch.zeros(4, dtype=torch.int64, device="cuda")
    out, grad_out = torch.empty_like(x), torch.empty_like(x)
    for new in ([80, 7, 0, 300], [-5, 80, 41, 1], [3, 2, 79, 80]):
        lens.copy_(torch.tensor(new))
        keep = _kept(x, lens)
        z = (0.3 * x.double()).masked_fill(~keep, float("-inf"))
        want = torch.nan_to_num(torch.softmax(z, -1), nan=0.0)  # rows with no key: 0
        assert nc.causal_softmax(x, scale=0.3, kv_lens=lens, out=out, backend="cuda") is out
        assert (out.double() - want).abs().max().item() <= tol
        p, gd = out.double(), g.double()
        want_grad = torch.where(keep, 0.3 * p * (gd - (gd * p).sum(-1, keepdim=True)), 0.0)
        assert nc.causal_softmax_backward(out, g, scale=0.3, kv_lens=lens, out=grad_out,
                                          backend="cuda") is grad_out
        assert (grad_out.double() - want_grad).abs().max().item() <= 20 * tol
    ops = {key[0] for key in fastpath._CACHE}
    assert {"softmax kv_lens", "softmax_backward kv_lens"} <= ops


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("shape", [(4, 3, 6, 80), (4, 2, 5, 1024)])
def test_mask_replays_read_kv_lens_on_the_gpu(dtype, shape):
    """kv_lens as an int64 CUDA tensor replays with apply_causal_mask's launch (the
    element path at 80 keys, the 16-byte path at 1024): new lengths written into the
    same tensor (0, negative, beyond cache_len) give the new mask, every time."""
    fastpath.clear()
    x = torch.empty(shape, device="cuda", dtype=getattr(torch, dtype))
    cache_len = shape[-1]
    lens = torch.zeros(4, dtype=torch.int64, device="cuda")
    for new in ([cache_len, 7, 0, 300 + cache_len], [-5, cache_len, 41, 1],
                [3, 2, cache_len - 1, cache_len]):
        lens.copy_(torch.tensor(new))
        x.copy_(torch.randn_like(x))
        want = x.masked_fill(~_kept(x, lens), float("-inf"))
        assert nc.apply_causal_mask(x, kv_lens=lens, backend="cuda") is x
        assert torch.equal(x, want)
    assert [key[0] for key in fastpath._CACHE] == ["mask kv_lens"]


def _lengths_as(values, form):
    """The same lengths as a caller may hold them: on the host, or as CUDA integers
    (int32, as inference engines keep them; int64, torch's default)."""
    if form == "list":
        return [int(v) for v in values]
    if form == "numpy":
        import numpy as np

        return np.array(values, dtype=np.int32)
    if form == "int32 cuda tensor":
        return torch.tensor(values, dtype=torch.int32, device="cuda")
    if form == "int64 cuda tensor":  # torch's integer default: q_offsets are staged
        return torch.tensor(values, dtype=torch.int64, device="cuda")
    return torch.tensor(values)  # a CPU tensor


def _lengths_beside(form):
    """The form of kv_lens given beside q_offsets of ``form``: the same, but an int64
    CUDA kv_lens is read in place (a key per tensor), so int32 beside int64 offsets."""
    return "int32 cuda tensor" if form == "int64 cuda tensor" else form


@pytest.mark.filterwarnings("error::UserWarning")  # torch: a read-only NumPy array
@pytest.mark.parametrize("form", ["list", "numpy", "cpu tensor", "int32 cuda tensor"])
def test_host_kv_lens_are_staged_and_replayed(form):
    """kv_lens held on the host (a list, a NumPy array, a CPU tensor) or as int32 on the
    GPU, with torch CUDA scores: (host values checked) copied to an int64 device tensor
    kept for the stream, and the launch
    replayed (a 'kv_lens' key per op and output, whatever the lengths: a second round
    with other lengths adds none). The calls are not synchronised between them: each
    launch reads the lengths of its own call (the copy is ordered after the launches
    before it on the stream)."""
    fastpath.clear()
    x = torch.randn(4, 3, 6, 80, device="cuda")
    g = torch.randn_like(x)
    lengths = ([80, 7, 0, 300], [-5, 80, 41, 1], [3, 2, 79, 80], [80, 80, 80, 80])
    outs = [torch.empty_like(x) for _ in lengths]
    grads = [torch.empty_like(x) for _ in lengths]
    masked = [torch.empty_like(x) for _ in lengths]
    for round_ in range(2):
        trials = lengths[round_:] + lengths[:round_]  # other lengths for each output
        for new, out, grad, m in zip(trials, outs, grads, masked):
            out.fill_(float("nan"))
            grad.fill_(float("nan"))
            m.copy_(x)
            lens = _lengths_as(new, form)
            assert nc.causal_softmax(x, scale=0.3, kv_lens=lens, out=out, backend="cuda") is out
            assert nc.causal_softmax_backward(out, g, scale=0.3, kv_lens=lens, out=grad,
                                              backend="cuda") is grad
            assert nc.apply_causal_mask(m, kv_lens=lens, backend="cuda") is m
        torch.cuda.synchronize()
        for new, out, grad, m in zip(trials, outs, grads, masked):
            keep = _kept(x, torch.tensor(new, device="cuda"))
            z = (0.3 * x.double()).masked_fill(~keep, float("-inf"))
            want = torch.nan_to_num(torch.softmax(z, -1), nan=0.0)  # rows with no key: 0
            assert (out.double() - want).abs().max().item() <= 1e-6, new
            p, gd = out.double(), g.double()
            want_grad = torch.where(keep, 0.3 * p * (gd - (gd * p).sum(-1, keepdim=True)),
                                    0.0)
            assert (grad.double() - want_grad).abs().max().item() <= 2e-5, new
            assert torch.equal(m, x.masked_fill(~keep, float("-inf"))), new
        ops = Counter(key[0] for key in fastpath._CACHE)
        assert ops == {"mask kv_lens": 4, "softmax kv_lens": 4, "softmax_backward kv_lens": 4}


def _kept_at(x, q_offsets, kv_lens=None):
    """Kept keys of causal rows whose query q of sequence b sits at q_offsets[b] + q."""
    seq_len, cache_len = x.shape[-2:]
    pos = torch.arange(seq_len, device=x.device)[None, :] + q_offsets.view(-1, 1)
    k = torch.arange(cache_len, device=x.device)
    keep = k[None, None, :] <= pos[:, :, None]  # [batch, seq_len, cache_len]
    if kv_lens is not None:
        keep = keep & (k[None, None, :] < kv_lens.view(-1, 1, 1))
    return keep[:, None]


@pytest.mark.filterwarnings("error::UserWarning")
@pytest.mark.parametrize("form", ["list", "numpy", "cpu tensor", "int32 cuda tensor",
                                  "int64 cuda tensor"])
def test_q_offsets_are_staged_and_replayed(form):
    """q_offsets held on the host or as CUDA integers (with and without kv_lens):
    checked or clamped, copied to an int64 device tensor kept for the stream, and the
    softmax's, its backward's and the mask's launches replayed (a key per op and
    output, whatever the positions: a second round adds none); each launch, not
    synchronised with the next call, reads its own call's positions."""
    fastpath.clear()
    x = torch.randn(4, 3, 6, 80, device="cuda")
    g = torch.randn_like(x)
    offsets = ([0, 74, -3, 200], [10, -6, 74, 5], [74, 74, 0, 30])
    lens = [80, 50, 79, 3]
    outs = [torch.empty_like(x) for _ in range(2 * len(offsets))]
    grads = [torch.empty_like(x) for _ in outs]
    masked = [torch.empty_like(x) for _ in outs]
    for round_ in range(2):
        trials = [(o, kv) for o in offsets[round_:] + offsets[:round_] for kv in (None, lens)]
        for (pos, kv), out, grad, m in zip(trials, outs, grads, masked):
            out.fill_(float("nan"))
            grad.fill_(float("nan"))
            m.copy_(x)
            given = dict(q_offsets=_lengths_as(pos, form))
            if kv is not None:
                given["kv_lens"] = _lengths_as(kv, _lengths_beside(form))
            assert nc.causal_softmax(x, scale=0.3, out=out, backend="cuda", **given) is out
            assert nc.causal_softmax_backward(out, g, scale=0.3, out=grad, backend="cuda",
                                              **given) is grad
            assert nc.apply_causal_mask(m, backend="cuda", **given) is m
        torch.cuda.synchronize()
        for (pos, kv), out, grad, m in zip(trials, outs, grads, masked):
            keep = _kept_at(x, torch.tensor(pos, device="cuda"),
                            None if kv is None else torch.tensor(kv, device="cuda"))
            z = (0.3 * x.double()).masked_fill(~keep, float("-inf"))
            want = torch.nan_to_num(torch.softmax(z, -1), nan=0.0)
            assert (out.double() - want).abs().max().item() <= 1e-6, (pos, kv)
            p, gd = out.double(), g.double()
            want_grad = torch.where(keep, 0.3 * p * (gd - (gd * p).sum(-1, keepdim=True)),
                                    0.0)
            assert (grad.double() - want_grad).abs().max().item() <= 2e-5, (pos, kv)
            assert torch.equal(m, x.masked_fill(~keep, float("-inf"))), (pos, kv)
        ops = Counter(key[0] for key in fastpath._CACHE)
        assert ops == {"mask q_offsets": 3, "softmax q_offsets": 3,
                       "softmax_backward q_offsets": 3, "mask kv_lens q_offsets": 3,
                       "softmax kv_lens q_offsets": 3,
                       "softmax_backward kv_lens q_offsets": 3}


@pytest.mark.filterwarnings("error::UserWarning")
def test_attention_host_kv_lens_are_staged_and_replayed():
    """causal_attention's decode with kv_lens as a Python list: replayed like an int64
    CUDA tensor (a 'kv_lens' key per output), each launch reading its own call's
    lengths."""
    fastpath.clear()
    q = torch.randn(3, 4, 1, 64, device="cuda", dtype=torch.float16)
    k = torch.randn(3, 2, 500, 64, device="cuda", dtype=torch.float16)
    v = torch.randn(3, 2, 500, 64, device="cuda", dtype=torch.float16)
    trials = ([500, 1, 250], [0, 499, 17], [123, 500, 3])
    outs = [torch.empty_like(q) for _ in trials]
    for t, out in zip(trials, outs):
        assert nc.causal_attention(q, k, v, kv_lens=list(t), out=out, backend="cuda") is out
    torch.cuda.synchronize()
    qd, kd, vd = (t.double().cpu() for t in (q, k, v))
    kd, vd = kd.repeat_interleave(2, 1), vd.repeat_interleave(2, 1)
    for new, out in zip(trials, outs):
        z = (qd @ kd.transpose(-1, -2)) / 8.0
        keys = torch.arange(500)[None, None, None, :]
        z = z.masked_fill(keys >= torch.tensor(new).view(-1, 1, 1, 1), float("-inf"))
        want = torch.nan_to_num(torch.softmax(z, -1), nan=0.0) @ vd
        assert (out.double().cpu() - want).abs().max().item() <= 2e-3, new
    assert Counter(key[0] for key in fastpath._CACHE) == {"attention kv_lens": 3}


@pytest.mark.filterwarnings("error::UserWarning")
@pytest.mark.parametrize("form", ["list", "int32 cuda tensor", "int64 cuda tensor"])
@pytest.mark.parametrize("seq_len, window, head_dim", [(1, None, 64), (4, 37, 80)])
def test_attention_q_offsets_are_staged_and_replayed(form, seq_len, window, head_dim):
    """causal_attention with q_offsets (and kv_lens) held on the host or as int32 on
    the GPU: replayed (a 'q_offsets' key per output and kv_lens given or not, whatever
    the positions: a second round adds none), each launch, not synchronised with the
    next call, reading its own call's positions: decode (seq_len 1, the tensor-core
    route) and a windowed chunk of 4 queries of head_dim 80 (another route)."""
    fastpath.clear()
    q = torch.randn(3, 8, seq_len, head_dim, device="cuda", dtype=torch.float16)
    k = torch.randn(3, 2, 300, head_dim, device="cuda", dtype=torch.float16)
    v = torch.randn(3, 2, 300, head_dim, device="cuda", dtype=torch.float16)
    offsets = ([299, 0, 120], [-5, 296, 7], [40, 40, 250])
    lens = [300, 90, 0]
    outs = [torch.empty_like(q) for _ in range(2 * len(offsets))]
    qd, kd, vd = (t.double() for t in (q, k, v))
    kd, vd = kd.repeat_interleave(4, 1), vd.repeat_interleave(4, 1)
    scores = (qd @ kd.transpose(-1, -2)) * 0.125  # [3, 8, seq_len, 300]
    for round_ in range(2):
        trials = [(o, kv) for o in offsets[round_:] + offsets[:round_] for kv in (None, lens)]
        for (pos, kv), out in zip(trials, outs):
            out.fill_(float("nan"))
            given = dict(q_offsets=_lengths_as(pos, form))
            if kv is not None:
                given["kv_lens"] = _lengths_as(kv, _lengths_beside(form))
            assert nc.causal_attention(q, k, v, scale=0.125, window=window, out=out,
                                       backend="cuda", **given) is out
        torch.cuda.synchronize()
        for (pos, kv), out in zip(trials, outs):
            at = torch.tensor(pos, device="cuda")
            keep = _kept_at(scores, at, None if kv is None else torch.tensor(kv, device="cuda"))
            if window is not None:  # a row at position p keeps keys p - window + 1 .. p
                rows = torch.arange(seq_len, device="cuda")[None, :] + at.view(-1, 1)
                keys = torch.arange(300, device="cuda")
                keep = keep & (keys[None, None, :] > rows[:, :, None] - window)[:, None]
            want = torch.nan_to_num(torch.softmax(scores.masked_fill(~keep, float("-inf")),
                                                  -1), nan=0.0) @ vd
            assert (out.double() - want).abs().max().item() <= 2e-3, (pos, kv)
        ops = Counter(key[0] for key in fastpath._CACHE)
        assert ops == {"attention q_offsets": 3, "attention kv_lens q_offsets": 3}


def test_int64_cuda_q_offsets_are_clamped_on_the_gpu():
    """An int64 CUDA q_offsets: validated on the first call (a position past +-2**62
    raises, nothing written), then staged with its values clamped to +-2**62 on the
    GPU, never read on the host: a replayed position past either limit (int64's ends
    included) keeps every key or none, as the position itself says."""
    fastpath.clear()
    x = torch.randn(3, 2, 5, 64, device="cuda")
    out = torch.full_like(x, 7.0)
    masked = x.clone()
    with pytest.raises(ValueError, match="q_offsets"):
        nc.causal_softmax(x, out=out, backend="cuda",
                          q_offsets=torch.tensor([0, 2**62 + 1, 3], device="cuda"))
    assert bool((out == 7.0).all())
    top, bottom = 2**63 - 1, -2**63
    for pos in ([0, 10, -2], [2**62 + 5, -7, 60], [top, bottom, 59], [3, top - 4, bottom + 1]):
        at = torch.tensor(pos, device="cuda")
        masked.copy_(x)
        assert nc.causal_softmax(x, out=out, backend="cuda", q_offsets=at) is out
        assert nc.apply_causal_mask(masked, backend="cuda", q_offsets=at) is masked
        torch.cuda.synchronize()
        # Python integers: row q of sequence b at pos[b] + q keeps the keys at or before it
        keep = torch.tensor([[[key <= p + q for key in range(64)] for q in range(5)]
                             for p in pos], device="cuda")[:, None]
        want = torch.nan_to_num(torch.softmax(x.double().masked_fill(~keep, float("-inf")),
                                              -1), nan=0.0)
        assert (out.double() - want).abs().max().item() <= 1e-6, pos
        assert torch.equal(masked, x.masked_fill(~keep, float("-inf"))), pos
    assert Counter(key[0] for key in fastpath._CACHE) == {"softmax q_offsets": 1,
                                                           "mask q_offsets": 1}


@pytest.mark.parametrize("name", ["kv_lens", "q_offsets"])
def test_bad_per_sequence_values_still_raise_and_write_nothing(name):
    """kv_lens or q_offsets the options refuse (on the host, an int32 CUDA tensor of the
    wrong length; q_offsets beside an offset) are not staged or replayed: the full
    path raises its own error, and nothing is written."""
    x = torch.randn(2, 2, 4, 16, device="cuda")
    out = torch.full_like(x, 7.0)
    three = torch.tensor([1, 2, 3], dtype=torch.int32, device="cuda")  # batch is 2
    for bad, error in (([3], ValueError), ([1.5, 2.0], TypeError), ([2**63 - 1, 1], ValueError),
                       (three, ValueError)):
        with pytest.raises(error, match=name):
            nc.causal_softmax(x, out=out, backend="cuda", **{name: bad})
        with pytest.raises(error, match=name):
            nc.apply_causal_mask(out, backend="cuda", **{name: bad})
    if name == "q_offsets":
        for _ in range(2):  # the first call refused, so the second is not a replay
            with pytest.raises(ValueError, match="offset"):
                nc.causal_softmax(x, offset=3, q_offsets=[0, 1], out=out, backend="cuda")
            with pytest.raises(ValueError, match="offset"):
                nc.apply_causal_mask(out, offset=3, q_offsets=[0, 1], backend="cuda")
    assert bool((out == 7.0).all())


def test_softmax_key_separates_scales_and_outputs():
    fastpath.clear()
    x = torch.randn(1, 2, 4, 40, device="cuda")
    for scale in (1.0, 0.5, -2.0, 1.0, 0.5):
        got = nc.causal_softmax(x, scale=scale, backend="cuda")
        assert (got.double() - _softmax_want(x, scale)).abs().max().item() <= 1e-6


def test_negative_zero_and_nan_fills_are_not_replayed_as_others():
    """0.0 == -0.0 as a key: a -0.0 (or NaN) fill takes the full path, and gets its bits."""
    fastpath.clear()
    base = torch.randn(4, 64, device="cuda")
    for fill in (0.0, -0.0, 0.0, -0.0):
        x = base.clone()
        nc.apply_causal_mask(x, fill=fill, backend="cuda")
        masked = x[expected(base).isneginf()]
        assert torch.equal(torch.signbit(masked), torch.full_like(masked, fill).signbit())


def _replays():
    """The replays the fast path keeps (a chain's launches one by one)."""
    for entry in fastpath._CACHE.values():
        yield from (entry.first, entry.then) if type(entry) is fastpath._Chain else (entry,)


@pytest.mark.parametrize("op_name", ["mask", "softmax", "softmax_backward"])
def test_dependent_replays_wait_for_the_kernels_before_them(op_name):
    """On an sm_90 GPU a replayed call is a programmatic dependent launch
    (op.dependent_launches). Right before each call torch kernels write its inputs
    (negating or converting other tensors) and fill its output with NaN; right after
    it a torch kernel reads the result. Every call gives the result of its new
    contents: the launch waited for the kernels before it, and wrote after them."""
    fastpath.clear()
    dependent = torch.cuda.get_device_capability() >= (9, 0)
    shape = (2, 3, 5, 70)
    x, probs, out = (torch.empty(shape, device="cuda") for _ in range(3))
    for _ in range(3):
        source = torch.randn(shape, device="cuda")
        torch.neg(source, out=x)
        out.fill_(float("nan"))
        if op_name == "mask":
            nc.apply_causal_mask(x, backend="cuda")
            assert torch.equal(x * 1, expected(-source))
            continue
        if op_name == "softmax":
            got = nc.causal_softmax(x, scale=0.3, out=out, backend="cuda") * 1
            want = _softmax_want(-source, 0.3)
        else:
            probs.copy_(_softmax_want(torch.randn(shape, device="cuda"), 1.0))  # a kernel
            got = nc.causal_softmax_backward(probs, x, scale=0.5, out=out, backend="cuda") * 1
            pd, gd = probs.double(), x.double()
            want = torch.where(probs > 0, 0.5 * pd * (gd - (gd * pd).sum(-1, keepdim=True)),
                               0.0)
        assert (got.double() - want).abs().max().item() <= 1e-5, op_name
    replays = list(_replays())
    assert replays and all((r._dependent is not None) == dependent for r in replays)


def _shared_kernel():
    """A fresh kernel (its own shared-memory limit) that reads back its dynamic
    shared memory, and its argument."""
    import numpy as np
    from numba import cuda

    @cuda.jit
    def touch(out):
        buf = cuda.shared.array(0, np.float32)
        buf[cuda.threadIdx.x] = cuda.threadIdx.x
        cuda.syncthreads()
        out[cuda.threadIdx.x] = buf[cuda.threadIdx.x]

    return touch, cuda.device_array(32, np.float32)


def _driver_limit(function: int) -> int:
    """CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES of ``function``, asked of the
    driver through cuda.bindings (not the package's ctypes query)."""
    from cuda.bindings import driver

    attr = driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
    err, value = driver.cuFuncGetAttribute(attr, driver.CUfunction(function))
    assert int(err) == 0
    return value


@pytest.mark.parametrize("first", ["numba", "replay"])
def test_shared_limit_is_never_set_down_by_the_other_path(first):
    """op.allow_shared (numba's launches) and the fast path's replays both raise a
    variant's dynamic shared-memory limit; the one that asks for less afterwards
    must not set it below what the other raised it to (that launch would then fail
    with CUDA_ERROR_INVALID_VALUE), in either order."""
    import numpy as np
    from numba import cuda

    from numba_causal import op
    from numba_causal.backends import get_backend

    if getattr(cuda.get_current_device(), "MAX_SHARED_MEMORY_PER_BLOCK_OPTIN", 0) < 100 * 1024:
        pytest.skip("needs 100 KB of shared memory a block")
    touch, out = _shared_kernel()
    backend, big, small = get_backend("cuda"), 100 * 1024, 60 * 1024
    function = fastpath.function_handle(op._cu_function(touch, (out,)).handle)
    if first == "numba":
        op.allow_shared(backend, touch, (out,), big)
        fastpath.allow_function_shared(function, small)
    else:
        fastpath.allow_function_shared(function, big)
        op.allow_shared(backend, touch, (out,), small)
    assert _driver_limit(function) >= big
    touch[1, 32, 0, big](out)  # numba's own launch at the larger size
    cuda.synchronize()
    np.testing.assert_array_equal(out.copy_to_host(), np.arange(32, dtype=np.float32))
