"""Bad inputs: one test per row of the table in docs/errors.md.

Each row names a bad input, the exception it raises and fragments of the message.
The table is read from the document itself, so the two cannot drift apart; the
inputs are built here (``CASES``, keyed by the row's id). Every case runs on each
backend that works here (unless the row is about one backend), and checks that
nothing was written: the bytes of the scores (or, for a GPU array, of the memory
its interface points at) are the same after the call as before.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pytest

import numba_causal as nc
from numba_causal.backends import BackendUnavailable, available_backends, unavailable_reasons
from helpers import random_scores

ERRORS_MD = Path(__file__).resolve().parent.parent / "docs" / "errors.md"
EXCEPTIONS = {"ValueError": ValueError, "TypeError": TypeError,
              "BackendUnavailable": BackendUnavailable}


@dataclass
class Row:
    id: str
    raises: type
    fragments: list
    known_gap: Optional[str]


def read_table(path=ERRORS_MD) -> dict:
    """{id: Row} from every 5-column table in docs/errors.md."""
    rows = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 5 or cells[0] in ("id", "---"):
            continue
        ident, _, raises, message, today = cells
        gap = today if today.startswith("**not yet**") else None
        rows[ident] = Row(ident, EXCEPTIONS[raises], re.findall(r"`([^`]+)`", message), gap)
    return rows


TABLE = read_table()


# --- poison and fake GPU arrays --------------------------------------------------

def scores(shape=(2, 2, 5, 7), dtype="float32"):
    return random_scores(np.random.default_rng(abs(hash(shape)) % 2**32), shape, dtype)


class GPUArray:
    """An object with ``__cuda_array_interface__`` whose "device" memory is a host
    buffer: no backend may write it, and the test can see that none did."""

    def __init__(self, memory: np.ndarray, **override):
        self.memory = memory
        desc = {"shape": memory.shape, "typestr": memory.dtype.str, "strides": None,
                "data": (memory.ctypes.data, False), "version": 3, "stream": None}
        desc.update(override)
        self.__cuda_array_interface__ = desc


@dataclass
class Case:
    """``call(backend)`` makes the bad call; ``memory`` is what must stay unchanged
    (None: there is no memory, as for a list or a meta tensor); ``backends``: the
    backends the row is about (None: every backend that works here)."""

    call: Callable
    memory: Optional[Callable] = None
    backends: Optional[tuple] = None


def mask(x, **options):
    return lambda backend: nc.apply_causal_mask(x, backend=backend, **options)


def on_scores(x, **options):
    return Case(mask(x, **options), memory=lambda: x)


def read_only():
    x = scores()
    x.flags.writeable = False
    return on_scores(x)


def broadcast_view():
    base = scores((1, 7))
    return Case(mask(np.broadcast_to(base, (7, 7))), memory=lambda: base)


def self_overlapping():
    base = scores((64,))
    view = np.lib.stride_tricks.as_strided(base, (6, 8), (8, 4), writeable=True)  # rows overlap
    return Case(mask(view), memory=lambda: base)


def fractional_strides():
    base = scores((64,))
    view = np.lib.stride_tricks.as_strided(base, (4, 4), (18, 4), writeable=True)
    return Case(mask(view), memory=lambda: base)


def float8():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.linspace(-3, 3, 16, dtype=np.float32).reshape(4, 4).astype(ml_dtypes.float8_e4m3fn)
    return on_scores(x)


def torch_case(make, **options):
    torch = pytest.importorskip("torch")
    t = make(torch)
    memory = None if t.device.type == "meta" else (lambda: t.detach().numpy())
    return Case(mask(t, **options), memory=memory)


def gpu_array(backends=None, readonly=False, **override):
    memory = scores((6, 6))
    if readonly:
        override["data"] = (memory.ctypes.data, True)
    return Case(mask(GPUArray(memory, **override)), memory=lambda: memory, backends=backends)


def reference_on_gpu_array():
    memory = scores((6, 6))
    return Case(lambda backend: nc.causal_mask_reference(GPUArray(memory)),
                memory=lambda: memory, backends=("cpu",))


def unavailable_backend():
    missing = unavailable_reasons()
    if not missing:
        pytest.skip("every backend is available here")
    name = sorted(missing)[0]
    x = scores()
    return Case(lambda backend: nc.apply_causal_mask(x, backend=name), memory=lambda: x,
                backends=("cpu",))


def wrong_arity():
    return on_scores(scores(), mask_fn=lambda b, h: True)


def keyword_only():
    return on_scores(scores(), mask_fn=lambda b, h, q_pos, k, *, extra: True)


def not_compilable():
    return on_scores(scores(), mask_fn=lambda b, h, q_pos, k: undefined_name > k)  # noqa: F821


def raises_first():
    def predicate(b, h, q_pos, k):
        if b == 0 and k == 0:
            raise RuntimeError("the first key")
        return True
    return on_scores(scores(), mask_fn=predicate)  # [2, 2, 5, 7]: the first query at 2


def raises_later():
    """The probe's call passes; the second sequence's key 5 raises while the kernel
    runs, after other rows were masked. On a GPU a compiled kernel does not raise, so
    the row is about the backends where the predicate's exception propagates."""
    def predicate(b, h, q_pos, k):
        if b == 1 and k == 5:
            raise IndexError("key five")
        return k % 2 == 0
    x = scores()
    return Case(mask(x, mask_fn=predicate), memory=lambda: x,
                backends=tuple(b for b in ("cpu", "sim") if b in available_backends()))


def positional():
    x = scores()
    return Case(lambda backend: nc.apply_causal_mask(x, 1, backend=backend), memory=lambda: x)


CASES = {
    "rank-1": lambda: on_scores(scores((8,))),
    "rank-3": lambda: on_scores(scores((2, 4, 4))),
    "rank-5": lambda: on_scores(scores((1, 1, 2, 4, 4))),
    "rank-0": lambda: on_scores(np.array(1.5, np.float32)),
    "not-an-array": lambda: Case(mask([[1.0, 2.0], [3.0, 4.0]])),
    "int-dtype": lambda: on_scores(np.arange(16, dtype=np.int32).reshape(4, 4)),
    "bool-dtype": lambda: on_scores(np.eye(4, dtype=bool)),
    "complex-dtype": lambda: on_scores(scores((4, 4)).astype(np.complex64)),
    "float8-dtype": float8,
    "read-only": read_only,
    "broadcast-view": broadcast_view,
    "self-overlapping": self_overlapping,
    "fractional-strides": fractional_strides,
    "byte-order": lambda: on_scores(scores((4, 4)).astype(">f4")),
    "torch-requires-grad": lambda: torch_case(lambda t: t.randn(4, 4, requires_grad=True)),
    "torch-int-dtype": lambda: torch_case(lambda t: t.arange(16, dtype=t.int32).reshape(4, 4)),
    "torch-rank-3": lambda: torch_case(lambda t: t.randn(2, 4, 4)),
    "torch-meta-device": lambda: torch_case(lambda t: t.empty(4, 4, device="meta")),
    "gpu-array-on-cpu": lambda: gpu_array(backends=("cpu",)),
    "gpu-array-on-sim": lambda: gpu_array(backends=("sim",)),
    "gpu-array-read-only": lambda: gpu_array(readonly=True),
    "gpu-array-int-dtype": lambda: gpu_array(typestr="<i4"),
    "gpu-array-rank-3": lambda: gpu_array(shape=(2, 3, 6)),
    "gpu-array-negative-strides": lambda: gpu_array(strides=(24, -4)),
    "reference-on-gpu-array": reference_on_gpu_array,
    "unknown-backend": lambda: Case(on_scores(scores()).call, memory=on_scores(scores()).memory,
                                     backends=("tpu",)),
    "unavailable-backend": unavailable_backend,
    "offset-float": lambda: on_scores(scores(), offset=1.0),
    "offset-bool": lambda: on_scores(scores(), offset=True),
    "offset-str": lambda: on_scores(scores(), offset="1"),
    "offset-beyond-int64": lambda: on_scores(scores(), offset=2**70),
    "offset-near-int64-max": lambda: on_scores(scores(), offset=2**63 - 1),
    "window-beyond-int64": lambda: on_scores(scores(), window=2**70),
    "window-zero": lambda: on_scores(scores(), window=0),
    "window-negative": lambda: on_scores(scores(), window=-3),
    "window-float": lambda: on_scores(scores(), window=2.0),
    "kv-lens-wrong-length": lambda: on_scores(scores(), kv_lens=[1, 2, 3]),
    "kv-lens-scalar": lambda: on_scores(scores(), kv_lens=3),
    "kv-lens-2d": lambda: on_scores(scores(), kv_lens=[[1, 2]]),
    "kv-lens-float": lambda: on_scores(scores(), kv_lens=[1.0, 2.0]),
    "kv-lens-bool": lambda: on_scores(scores(), kv_lens=[True, False]),
    "kv-lens-beyond-int64": lambda: on_scores(scores(), kv_lens=np.array([2**63, 1], np.uint64)),
    "kv-lens-python-ints-beyond-int64": lambda: on_scores(scores(), kv_lens=[2**63, 1]),
    "q-offsets-with-offset": lambda: on_scores(scores(), offset=1, q_offsets=[0, 2]),
    "q-offsets-wrong-length": lambda: on_scores(scores(), q_offsets=[1]),
    "q-offsets-beyond-int64": lambda: on_scores(scores(), q_offsets=[2**63 - 1, 0]),
    "q-offsets-float": lambda: on_scores(scores(), q_offsets=[1.5, 2.0]),
    "mask-fn-not-callable": lambda: on_scores(scores(), mask_fn=3),
    "mask-fn-builtin": lambda: on_scores(scores(), mask_fn=print),
    "mask-fn-wrong-arity": wrong_arity,
    "mask-fn-keyword-only": keyword_only,
    "mask-fn-not-compilable": not_compilable,
    "mask-fn-raises": raises_first,
    "mask-fn-raises-later": raises_later,
    "causal-none": lambda: on_scores(scores(), causal=None),
    "causal-str": lambda: on_scores(scores(), causal="False"),
    "fill-numeric-str": lambda: on_scores(scores(), fill="1.5"),
    "fill-bool": lambda: on_scores(scores(), fill=True),
    "kv-lens-empty": lambda: on_scores(scores(), kv_lens=[]),
    "kv-lens-ragged": lambda: on_scores(scores(), kv_lens=[[1], [1, 2]]),
    "torch-rank-3-autograd": lambda: torch_case(
        lambda t: t.randn(2, 4, 4, requires_grad=True) * 1),
    "fill-str": lambda: on_scores(scores(), fill="a"),
    "fill-none": lambda: on_scores(scores(), fill=None),
    "fill-complex": lambda: on_scores(scores(), fill=1j),
    "fill-array": lambda: on_scores(scores(), fill=np.array([1.0, 2.0])),
    "options-positional": positional,
}


def test_table_and_cases_agree():
    assert TABLE, f"no table rows found in {ERRORS_MD}"
    assert sorted(TABLE) == sorted(CASES)


def row_params():
    params = []
    for ident, row in TABLE.items():
        marks = [pytest.mark.xfail(strict=True, reason=row.known_gap)] if row.known_gap else []
        params.append(pytest.param(ident, marks=marks, id=ident))
    return params


@pytest.mark.parametrize("row_id", row_params())
def test_bad_input(row_id):
    row = TABLE[row_id]
    case = CASES[row_id]()
    backends = case.backends or tuple(available_backends())
    for backend in backends:
        memory = case.memory() if case.memory else None
        before = None if memory is None else memory.tobytes()
        with pytest.raises(row.raises) as err:
            case.call(backend)
        message = str(err.value)
        for fragment in row.fragments:
            assert fragment in message, f"{backend}: {fragment!r} not in {message!r}"
        if memory is not None:
            assert memory.tobytes() == before, f"{backend} wrote before raising"


def _raises_at_key_three(b, h, q_pos, k):
    if b == 1 and k == 3:
        raise IndexError("key three")
    return True


def _ops_with_outputs(rng):
    """(name, call(backend), the output arrays) of every op that takes a mask_fn and
    writes a caller's ``out``."""
    x = rng.standard_normal((2, 2, 5, 6)).astype(np.float32)
    q = rng.standard_normal((2, 2, 5, 8)).astype(np.float32)
    out, grad_out = np.full_like(x, 7.0), np.full_like(x, 7.0)
    att_out = np.full_like(q, 7.0)
    options = dict(mask_fn=_raises_at_key_three)
    return [
        ("causal_softmax", lambda be: nc.causal_softmax(x, out=out, backend=be, **options), out),
        ("causal_softmax_backward",
         lambda be: nc.causal_softmax_backward(x, x, out=grad_out, backend=be, **options),
         grad_out),
        ("causal_attention",
         lambda be: nc.causal_attention(q, q, q, out=att_out, backend=be, **options), att_out),
    ]


@pytest.mark.parametrize("backend", [b for b in ("cpu", "sim") if b in available_backends()])
def test_a_predicate_raising_later_leaves_every_output_as_it_was(backend):
    """Row mask-fn-raises-later for the ops that write an ``out``."""
    for name, call, out in _ops_with_outputs(np.random.default_rng(5)):
        with pytest.raises(ValueError, match="mask_fn raised .* while the kernel ran") as err:
            call(backend)
        assert isinstance(err.value.__cause__, Exception), name
        assert (out == 7.0).all(), f"{name} on {backend} wrote before raising"


# --- the cuda fast path --------------------------------------------------------------

FAST_PATH_PAIRS = {  # (a good call that gets recorded, a bad call equal to it as a key)
    "offset-float": ({"offset": 1}, {"offset": 1.0}),
    "offset-bool": ({"offset": 1}, {"offset": True}),
    "window-float": ({"window": 2}, {"window": 2.0}),
}


@pytest.mark.gpu
@pytest.mark.parametrize("row_id", list(FAST_PATH_PAIRS))
def test_fast_path_still_validates(row_id):
    """A torch CUDA tensor masked once is replayed from a cache keyed by the options'
    values; a bad option equal to a good one (1.0 == True == 1) must still raise."""
    torch = pytest.importorskip("torch")
    if "cuda" not in available_backends() or not torch.cuda.is_available():
        pytest.skip("needs the cuda backend and a torch CUDA build")
    good, bad = FAST_PATH_PAIRS[row_id]
    row = TABLE[row_id]
    x = torch.randn(2, 3, 8, 8, device="cuda")
    nc.apply_causal_mask(x, backend="cuda", **good)
    nc.apply_causal_mask(x, backend="cuda", **good)  # now replayed
    before = x.clone()
    with pytest.raises(row.raises, match=re.escape(row.fragments[0].split(";")[0])):
        nc.apply_causal_mask(x, backend="cuda", **bad)
    torch.cuda.synchronize()
    assert torch.equal(x.view(torch.int32), before.view(torch.int32))
