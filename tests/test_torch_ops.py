"""The kernels as torch custom ops (numba_causal/torch_ops.py): autograd through
``causal_softmax`` and ``apply_causal_mask``, ``torch.autograd.gradcheck`` in
float64, ``torch.compile(fullgraph=True)`` of an attention block, fake tensors,
every dtype, strided views with guard bands, bad input; the default backend on
a CPU torch build; and that NumPy users never import torch.

Expected values come from torch's own ``softmax`` and ``masked_fill`` on a mask
built here from the mask's definition (helpers.masked_where), never from the
code under test. The cpu backend runs here; cuda cases are marked ``gpu``.
"""

import os
import subprocess
import sys

import pytest

import numba_causal as nc
from numba_causal.backends import unavailable_reasons
from helpers import masked_where

torch = pytest.importorskip("torch")
from numba_causal import torch_ops  # noqa: E402  (needs torch)

DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
          "float64": torch.float64}
#: |ours - torch's float64 softmax| allowed, relative to the row's largest probability
TOL = {"float16": 2e-3, "bfloat16": 1e-2, "float32": 1e-6, "float64": 1e-12}
CUDA = pytest.mark.skipif("cuda" in unavailable_reasons() or not torch.cuda.is_available(),
                          reason="needs the cuda backend and a torch CUDA build")

OPTIONS = [dict(), dict(offset=2), dict(window=3), dict(causal=False, kv_lens=[5, 3]),
           dict(q_offsets=[0, 4], kv_lens=torch.tensor([7, 6])),
           dict(mask_fn=lambda b, h, q_pos, k: (k + h) % 3 != 1)]
OPTION_IDS = ["plain", "offset", "window", "kv_lens", "q_offsets", "mask_fn"]


def where_of(shape, options, device="cpu"):
    """The masked keys (bool tensor) by the mask's definition, built in NumPy."""
    plain = {k: (v.tolist() if isinstance(v, torch.Tensor) else v) for k, v in options.items()}
    return torch.from_numpy(masked_where(tuple(shape), **plain)).to(device)


def softmax_want(x, scale, where):
    """torch's float64 softmax of scale * x with masked keys -inf; rows with nothing kept 0."""
    z = (scale * x.double()).masked_fill(where, float("-inf"))
    p = torch.softmax(z, -1)
    return torch.nan_to_num(p, nan=0.0)


# --- autograd ----------------------------------------------------------------------------

@pytest.mark.parametrize("options", OPTIONS, ids=OPTION_IDS)
def test_softmax_gradcheck_float64(options):
    x = torch.randn(2, 3, 5, 7, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda t: nc.causal_softmax(t, scale=0.7, backend="cpu", **options), (x,))


@pytest.mark.parametrize("options", OPTIONS, ids=OPTION_IDS)
def test_mask_gradcheck_float64(options):
    x = torch.randn(2, 3, 5, 7, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda t: nc.apply_causal_mask(t * 1.0, fill=-3.0, backend="cpu", **options), (x,))


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_forward_and_backward_match_torch(dtype):
    torch.manual_seed(1)
    x = torch.randn(2, 2, 6, 9).to(DTYPES[dtype]).requires_grad_()
    grad = torch.randn(2, 2, 6, 9, dtype=torch.float64)
    where = where_of(x.shape, {})
    p = nc.causal_softmax(x, scale=0.5, backend="cpu")
    assert p.dtype == x.dtype and p.requires_grad
    want = softmax_want(x.detach(), 0.5, where)
    assert (p.detach().double() - want).abs().max() <= TOL[dtype] + 2 ** -8 * (dtype in (
        "float16", "bfloat16"))
    assert torch.all(p.detach()[where.expand_as(p)] == 0)
    p.backward(grad.to(x.dtype))
    # the gradient of the float64 formula, by torch's autograd
    ref = x.detach().double().requires_grad_()
    softmax_want(ref, 0.5, where).backward(grad.to(x.dtype).double())
    tol = 1e-10 if dtype == "float64" else 1e-5 if dtype == "float32" else 3e-2
    assert (x.grad.double() - ref.grad).abs().max() <= tol
    assert torch.all(x.grad[where.expand_as(x)] == 0)


def test_softmax_backward_of_a_broadcast_gradient():
    """sum().backward() hands the backward an expanded gradient (stride 0)."""
    x = torch.randn(2, 3, 6, 6, dtype=torch.float64, requires_grad=True)
    nc.causal_softmax(x, scale=0.5, backend="cpu").sum().backward()
    assert x.grad.abs().max() < 1e-12  # each row of probabilities sums to 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_mask_gradient_is_zero_on_masked_keys(dtype):
    leaf = torch.randn(2, 3, 4, 6).to(DTYPES[dtype]).requires_grad_()
    x = leaf * 1  # a non-leaf: masked in place
    version = x._version
    assert nc.apply_causal_mask(x, backend="cpu") is x
    assert x._version > version  # written in place, as autograd sees it
    where = where_of(x.shape, {})
    want = leaf.detach().masked_fill(where, float("-inf"))
    assert torch.equal(x.detach(), want)
    grad = torch.randn(2, 3, 4, 6).to(DTYPES[dtype])
    x.backward(grad)
    assert torch.equal(leaf.grad, grad.masked_fill(where, 0))


def test_mask_on_a_leaf_that_requires_grad_is_refused_like_masked_fill_():
    leaf = torch.randn(4, 6, requires_grad=True)
    before = leaf.detach().clone()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.masked_fill_(torch.ones(4, 6, dtype=torch.bool), 0.0)
    with pytest.raises(ValueError, match="scores require grad and are a leaf tensor.*"
                       r"causal_mask\(scores\).*scores.detach\(\)"):
        nc.apply_causal_mask(leaf, backend="cpu")
    assert leaf.grad is None and torch.equal(leaf.detach(), before)


def test_out_of_place_mask_leaves_input():
    x = torch.randn(3, 8, dtype=torch.float64, requires_grad=True)
    before = x.detach().clone()
    y = torch_ops.causal_mask(x, fill=-7.0, window=2, backend="cpu")
    assert torch.equal(x.detach(), before)
    assert torch.equal(y.detach(), before.masked_fill(where_of(x.shape, dict(window=2)), -7.0))
    y.sum().backward()
    assert torch.equal(x.grad, (~where_of(x.shape, dict(window=2))).double())


def test_strided_view_with_guard_band():
    """A view inside a larger tensor that requires grad: only the view's masked keys
    change, the guard band keeps its bits, and the gradient is zero exactly there."""
    leaf = torch.randn(2, 3, 9, 12, dtype=torch.float32, requires_grad=True)
    base = leaf * 1
    before = base.detach().clone()
    view = base[:, ::2, 1:-2, 3:-1]
    assert not view.is_contiguous()
    nc.apply_causal_mask(view, offset=1, backend="cpu")
    where = where_of(view.shape, dict(offset=1))
    want = before.clone()
    want[:, ::2, 1:-2, 3:-1] = before[:, ::2, 1:-2, 3:-1].masked_fill(where, float("-inf"))
    assert torch.equal(base.detach().view(torch.int32), want.view(torch.int32))
    base.sum().backward()
    zero = torch.zeros_like(before, dtype=torch.bool)
    zero[:, ::2, 1:-2, 3:-1] = where
    assert torch.equal(leaf.grad, (~zero).float())


# --- options, out=, bad input -------------------------------------------------------------

def test_out_with_autograd_is_refused_and_nothing_written():
    x = torch.randn(4, 6, requires_grad=True)
    out = torch.full((4, 6), float("nan"))
    with pytest.raises(ValueError, match="out= is not supported when scores require grad"):
        nc.causal_softmax(x, out=out, backend="cpu")
    assert torch.isnan(out).all()


@pytest.mark.parametrize("call, error, message", [
    (lambda x: nc.causal_softmax(x, kv_lens=[1, 2, 3], backend="cpu"), ValueError,
     r"kv_lens must have shape \(2,\)"),
    (lambda x: nc.causal_softmax(x, window=0, backend="cpu"), ValueError, "window must be at least 1"),
    (lambda x: nc.causal_softmax(x, scale="big", backend="cpu"), TypeError, "scale must be a real"),
    (lambda x: nc.apply_causal_mask(x * 1, fill="x", backend="cpu"), TypeError, "fill must be a real"),
    (lambda x: nc.apply_causal_mask(x * 1, offset=1.5, backend="cpu"), TypeError,
     "offset must be an integer"),
    (lambda x: nc.apply_causal_mask(x * 1, mask_fn=lambda b, h: True, backend="cpu"), TypeError,
     "exactly four arguments"),
    (lambda x: nc.apply_causal_mask(x * 1, backend="nope"), ValueError, "unknown backend"),
])
def test_bad_input_raises_before_anything(call, error, message):
    x = torch.randn(2, 1, 3, 5, requires_grad=True)
    before = x.detach().clone()
    with pytest.raises(error, match=message):
        call(x)
    assert torch.equal(x.detach(), before) and x.grad is None


def test_backend_object_and_name_are_accepted():
    x = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    p = nc.causal_softmax(x, backend=nc.get_backend("cpu"))
    assert torch.allclose(p.detach(), softmax_want(x.detach(), 1.0, where_of(x.shape, {})).to(
        p.dtype), atol=1e-12)


def test_plain_tensors_keep_the_direct_path(monkeypatch):
    """No grad, no compile: the custom ops are not called (nothing added per call)."""
    def refuse(*args, **kwargs):
        raise AssertionError("custom op used for a plain tensor")

    monkeypatch.setattr(torch_ops, "apply_causal_mask", refuse)
    monkeypatch.setattr(torch_ops, "causal_softmax", refuse)
    x = torch.randn(4, 6)
    want = x.masked_fill(where_of(x.shape, {}), float("-inf"))
    assert torch.equal(nc.apply_causal_mask(x, backend="cpu"), want)
    nc.causal_softmax(x, backend="cpu")


# --- fake tensors and torch.compile -------------------------------------------------------

def test_ops_have_fake_implementations():
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        x = torch.empty(2, 3, 5, 7, dtype=torch.bfloat16)
        args = (None, None, None, None, None, True, "cpu")
        p = torch.ops.numba_causal.causal_softmax(x, 0.5, *args)
        m = torch.ops.numba_causal.causal_mask(x, -1.0, *args)
        g = torch.ops.numba_causal.causal_softmax_backward(p, p, 0.5, *args)
    for y in (p, m, g):
        assert y.shape == x.shape and y.dtype == x.dtype


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("name", [e.name for e in torch_ops.OPS])
def test_opcheck(name, layout):
    """torch.library.opcheck: schema, fake implementation (shapes and strides, also of
    a transposed input) and autograd registration agree."""
    x = torch.randn(1, 2, 4, 6, dtype=torch.float64)
    if layout == "transposed":
        x = torch.randn(1, 2, 6, 4, dtype=torch.float64).transpose(-1, -2)
    q, k, v = (torch.randn(1, 2, n, 8, dtype=torch.float64) for n in (4, 6, 6))
    options = (None, None, None, None, None, True, "cpu")
    args = {"causal_softmax": (x, 0.5) + options, "causal_mask": (x, -2.0) + options,
            "apply_causal_mask_": (x.clone(), -2.0) + options,
            "causal_softmax_backward": (torch.softmax(x, -1), torch.randn_like(x), 0.5) + options,
            "causal_attention": (q, k, v, None) + options,
            "apply_rotary_": (q.clone(), k[:, :, :4].clone(), None, 3, None, None, None,
                              10000.0, None, False, "bhsd", "cpu")}[name]
    torch.library.opcheck(getattr(torch.ops.numba_causal, name).default, args,
                          test_utils=("test_schema", "test_faketensor",
                                      "test_autograd_registration"))


def attention_block(q, k, v, backend):
    scores = q @ k.transpose(-1, -2)
    nc.apply_causal_mask(scores, window=5, backend=backend)
    return nc.causal_softmax(scores, scale=q.shape[-1] ** -0.5, backend=backend) @ v


def reference_block(q, k, v):
    scores = (q @ k.transpose(-1, -2)).double()
    where = where_of(scores.shape, dict(window=5), q.device)
    return (softmax_want(scores, q.shape[-1] ** -0.5, where).to(q.dtype) @ v)


def _compile_case(device):
    torch._dynamo.reset()
    q, k, v = (torch.randn(2, 3, 6, 8, device=device, requires_grad=True) for _ in range(3))
    compiled = torch.compile(attention_block, fullgraph=True)  # a graph break raises
    out = compiled(q, k, v, "cpu" if device == "cpu" else "cuda")
    want = reference_block(q.detach(), k.detach(), v.detach())
    assert (out.detach() - want).abs().max() < 1e-5
    out.sum().backward()  # the compiled backward runs our backward ops
    grads = [t.grad.clone() for t in (q, k, v)]
    for t in (q, k, v):
        t.grad = None
    reference_block(q, k, v).sum().backward()
    for got, t in zip(grads, (q, k, v)):
        assert (got - t.grad).abs().max() < 1e-4


def test_compile_fullgraph_attention_block():
    _compile_case("cpu")


def test_compile_fullgraph_without_grad_and_with_out():
    torch._dynamo.reset()

    def fn(x, out):
        nc.apply_causal_mask(x, offset=1, backend="cpu")
        return nc.causal_softmax(x, out=out, backend="cpu")

    x = torch.randn(2, 4, 7)[0]
    out = torch.full((4, 7), float("nan"))
    want = softmax_want(x, 1.0, where_of(x.shape, dict(offset=1))).float()
    result = torch.compile(fn, fullgraph=True)(x.clone(), out)
    assert torch.allclose(result, want, atol=1e-6) and torch.allclose(out, want, atol=1e-6)


def test_compile_fullgraph_with_a_predicate():
    torch._dynamo.reset()

    def odd_keys(b, h, q_pos, k):
        return k % 2 == 1

    def fn(x):
        return nc.causal_softmax(x, mask_fn=odd_keys, backend="cpu")

    x = torch.randn(5, 8, dtype=torch.float64)
    want = softmax_want(x, 1.0, where_of(x.shape, dict(mask_fn=odd_keys)))
    assert torch.allclose(torch.compile(fn, fullgraph=True)(x), want, atol=1e-12)


def test_attention_and_rotary_ops_under_compile():
    """The attention and rotary families as ops (forward only): torch.compile of a
    decode step (rotate the new rows, attend over the cache) gives the eager
    result, and the attention matches torch's formula."""
    from numba_causal.attention import causal_attention

    torch._dynamo.reset()
    q, k_new = (torch.randn(1, 4, 3, 8, dtype=torch.float64) for _ in range(2))
    k_old, v = torch.randn(1, 4, 4, 8, dtype=torch.float64), torch.randn(1, 4, 7, 8,
                                                                        dtype=torch.float64)

    def step(q, k_new):
        torch_ops.apply_rotary(q, k_new, offset=4, backend="cpu")
        k = torch.cat([k_old, k_new], 2)
        return torch_ops.causal_attention(q, k, v, window=4, backend="cpu"), k

    eager_q, eager_k = q.clone(), k_new.clone()
    compiled_q, compiled_k = q.clone(), k_new.clone()
    want, k = step(eager_q, eager_k)
    got, _ = torch.compile(step, fullgraph=True)(compiled_q, compiled_k)
    assert torch.equal(compiled_q, eager_q) and torch.equal(compiled_k, eager_k)
    assert not torch.equal(eager_q, q)  # rotated in place
    assert torch.allclose(got, want, atol=1e-12)
    scores = (eager_q @ k.transpose(-1, -2)) * 8 ** -0.5
    where = where_of(scores.shape, dict(window=4))
    assert torch.allclose(want, torch.softmax(scores.masked_fill(where, float("-inf")), -1) @ v,
                          atol=1e-12)
    assert torch.equal(causal_attention(eager_q, k, v, window=4, backend="cpu"), want)


@pytest.mark.parametrize("options, error, message", [
    (dict(interleaved="no"), TypeError, "interleaved must be True or False"),
    (dict(offset=1.5), TypeError, "offset must be an integer"),
    (dict(offset=True), TypeError, "offset must be an integer"),
    (dict(rotary_dim=2.0), TypeError, "rotary_dim must be an integer"),
    (dict(rotary_dim=3), ValueError, "rotary_dim must be even"),
    (dict(base="100"), TypeError, "base must be a real number"),
    (dict(layout="sbhd"), ValueError, "layout must be 'bhsd' or 'bshd'"),
])
def test_rotary_op_refuses_what_apply_rotary_refuses(options, error, message):
    """The op's schema (int offset, float base, bool interleaved...) would coerce a bad
    option (interleaved="no" became True: the other pairing); the wrapper checks each
    as apply_rotary does, before anything is written (found 2026-12-05)."""
    q = torch.randn(1, 2, 3, 8, dtype=torch.float64)
    before = q.clone()
    with pytest.raises(error, match=message):
        nc.apply_rotary(q.clone(), backend="cpu", **options)
    with pytest.raises(error, match=message):
        torch_ops.apply_rotary(q, backend="cpu", **options)
    assert torch.equal(q, before)


@pytest.mark.parametrize("scale, error", [(True, TypeError), ("0.5", TypeError),
                                          (float("inf"), ValueError)])
def test_attention_op_refuses_what_causal_attention_refuses(scale, error):
    """A scale the package refuses is refused by the op's wrapper too (float(True) and
    float("0.5") were taken as scales)."""
    q = torch.randn(1, 1, 2, 4)
    with pytest.raises(error, match="scale must be"):
        nc.causal_attention(q, q, q, scale=scale, backend="cpu")
    with pytest.raises(error, match="scale must be"):
        torch_ops.causal_attention(q, q, q, scale=scale, backend="cpu")


def test_attention_op_refuses_grad():
    q, k, v = (torch.randn(1, 1, 2, 4, requires_grad=True) for _ in range(3))
    with pytest.raises(ValueError, match="no backward yet"):
        torch_ops.causal_attention(q, k, v, backend="cpu")


# --- no torch in NumPy programs; the default backend on a CPU torch build -----------------

def _python(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CAUSAL_BACKEND"}
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True, env=env).stdout


def test_numpy_users_never_import_torch():
    out = _python("import sys, numpy as np, numba_causal as nc\n"
                  "x = np.ones((4, 6), np.float32); nc.apply_causal_mask(x, backend='cpu')\n"
                  "nc.causal_softmax(x, backend='cpu')\n"
                  "print('torch' in sys.modules, 'numba_causal.torch_ops' in sys.modules)")
    assert out.split() == ["False", "False"]


def test_default_backend_on_cpu_torch_first_call():
    """Issue 13 item 2: the first call with the default backend on a CPU torch tensor
    (a new process, so that nothing is cached) masks it: on a CPU-only torch build
    the fast path's CUDA stream query must never run."""
    out = _python("import torch, numba_causal as nc\n"
                  "x = torch.randn(4, 6); want = x.masked_fill(torch.ones(4, 6, dtype=torch.bool)"
                  ".triu(3), float('-inf'))\n"
                  "assert nc.apply_causal_mask(x) is x\n"
                  "print(torch.equal(x, want))")
    assert out.split()[-1] == "True"


# --- cuda -----------------------------------------------------------------------------------

@pytest.mark.gpu
@CUDA
@pytest.mark.parametrize("op", ["softmax", "mask"])
def test_gradcheck_float64_cuda(op):
    x = torch.randn(2, 2, 5, 9, dtype=torch.float64, device="cuda", requires_grad=True)
    if op == "softmax":
        fn = lambda t: nc.causal_softmax(t, scale=0.8, window=4, backend="cuda")  # noqa: E731
    else:
        fn = lambda t: nc.apply_causal_mask(t * 1.0, fill=-2.0, backend="cuda")  # noqa: E731
    assert torch.autograd.gradcheck(fn, (x,))


@pytest.mark.gpu
@CUDA
def test_compile_fullgraph_attention_block_cuda():
    _compile_case("cuda")


@pytest.mark.gpu
@CUDA
def test_ops_run_on_the_current_stream():
    """The op's kernel runs on torch's current stream: queued behind a long producer
    on a side stream, it must see the producer's values."""
    stream = torch.cuda.Stream()
    x = torch.zeros(4, 2, 256, 256, device="cuda", requires_grad=True)
    with torch.cuda.stream(stream):
        big = torch.randn(4096, 4096, device="cuda")
        for _ in range(4):
            big = big @ big / 64  # keep the stream busy
        scores = x + big[:256, :256]  # the producer, on the side stream
        p = nc.causal_softmax(scores, backend="cuda")
        want = softmax_want(scores.detach(), 1.0, where_of(scores.shape[-2:], {}, "cuda"))
    stream.synchronize()
    assert (p.detach().double() - want).abs().max() < 1e-6
