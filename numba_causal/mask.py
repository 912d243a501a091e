"""The causal mask: GPU kernel, CPU kernel, CPU reference and launcher, side by side.

Semantics (every backend): scores are ``[batch, heads, seq_len, cache_len]``
(or 2-D ``[seq_len, cache_len]``). Query row ``q`` of sequence ``b`` sits at
absolute position ``pos = q + offset`` (``offset = cache_len - seq_len`` by
default: bottom-right alignment, as a KV cache needs; ``q_offsets[b]`` instead
when given). Key ``k`` is *kept* iff

* ``k <= pos`` (causal; ``causal=False`` drops this term),
* ``k > pos - window`` when ``window`` is given (sliding window),
* ``k < kv_lens[b]`` when ``kv_lens`` is given (right padding),
* ``mask_fn(b, h, pos, k)`` is true when a predicate is given.

Every other key is set to ``fill`` (-inf); kept elements are never written.
A negative offset (``cache_len < seq_len``) leaves the leading rows fully masked.
"""

from __future__ import annotations

import numpy as np
from numba import int64, prange

from . import compile as kc
from . import fastpath
from .arrays import inspect_scores, no_words, scores_on
from .backends import get_backend
from .dtypes import fill_bits
from .options import mask_options

# Compile-time constants of the kernel source; build() rebinds them per variant.
hip = None
LANES = 32
ROWS = 1
WORD = 1  # elements per 8-byte word when rows are written through a word view; 1: no view
CAUSAL = True
USE_KV_LENS = False
USE_Q_OFFSETS = False
HAS_MASK_FN = False
MASK_FN = kc.keep_all


def kept_keys(pos, window, kv_len, cache_len):
    """Keys ``[lo, hi)`` of a query at ``pos`` that survive the causal, window and
    length terms; keys ``[0, lo)`` and ``[hi, cache_len)`` are masked."""
    hi = min(pos + 1, kv_len) if CAUSAL else kv_len
    hi = max(min(hi, cache_len), 0)
    lo = max(pos - window + 1, 0) if window > 0 else 0
    return min(lo, hi), hi


def host_row(r, heads, seq_len, cache_len, offset, window, kv_lens, q_offsets):
    """Flat row ``r`` of a host kernel -> (b, h, q, pos, lo, hi): its indices, its
    query's absolute position and its kept keys ``[lo, hi)``."""
    b = r // (heads * seq_len)
    h = (r // seq_len) % heads
    q = r % seq_len
    pos = q + (q_offsets[b] if USE_Q_OFFSETS else offset)
    lo, hi = kept_keys(pos, window, kv_lens[b] if USE_KV_LENS else cache_len, cache_len)
    return b, h, q, pos, lo, hi


def fill_keys(row, words, start, stop, fill, fill_word, lane):
    """Lane ``lane`` of LANES writes its share of ``row[start:stop] = fill``.

    Each pass of the lanes covers one aligned chunk of LANES elements (or words),
    so every warp store fills whole memory sectors. With WORD > 1, whole 8-byte
    words go through ``words`` (the same row seen as uint64) and only the partial
    words at either end are written element by element.
    """
    if WORD > 1:
        first = (start + WORD - 1) // WORD
        end = stop // WORD
        if first < end:
            k = start + lane
            if k < first * WORD:
                row[k] = fill
            k = end * WORD + lane
            if k < stop:
                row[k] = fill
            for j in range(first - first % LANES + lane, end, LANES):
                if j >= first:
                    words[j] = fill_word
            return
    for k in range(start - start % LANES + lane, stop, LANES):
        if k >= start:
            row[k] = fill


def causal_mask_kernel(s, w, fill, fill_word, offset, window, kv_lens, q_offsets):
    """GPU kernel. ``s``: [batch, heads, seq_len, cache_len] unsigned bits; ``w``:
    the same rows as 8-byte words when WORD > 1 (else unused).

    Launch: grid (ceil(seq_len / ROWS), heads, batch), block (LANES, ROWS); each
    block row masks one query row, its LANES lanes striding over the masked keys.
    Grid dimensions clipped to the device limit fold into the strided loops.
    Indices are int64 throughout.
    """
    batch, heads, seq_len, cache_len = s.shape
    lane = int64(hip.threadIdx.x)
    for b in range(int64(hip.blockIdx.z), batch, int64(hip.gridDim.z)):
        row_offset = q_offsets[b] if USE_Q_OFFSETS else offset
        kv_len = kv_lens[b] if USE_KV_LENS else cache_len
        for h in range(int64(hip.blockIdx.y), heads, int64(hip.gridDim.y)):
            first_q = int64(hip.blockIdx.x) * ROWS + int64(hip.threadIdx.y)
            for q in range(first_q, seq_len, int64(hip.gridDim.x) * ROWS):
                pos = q + row_offset
                lo, hi = kept_keys(pos, window, kv_len, cache_len)
                row = s[b, h, q]
                words = w[b, h, q] if WORD > 1 else w[0, 0, 0]
                fill_keys(row, words, 0, lo, fill, fill_word, lane)
                fill_keys(row, words, hi, cache_len, fill, fill_word, lane)
                if HAS_MASK_FN:
                    for k in range(lo + lane, hi, LANES):
                        if not MASK_FN(b, h, pos, k):
                            row[k] = fill


def causal_mask_cpu(s, fill, offset, window, kv_lens, q_offsets):
    """CPU kernel (``@njit(parallel=True)``): rows in parallel, each a contiguous fill."""
    batch, heads, seq_len, cache_len = s.shape
    for r in prange(batch * heads * seq_len):
        b, h, q, pos, lo, hi = host_row(r, heads, seq_len, cache_len, offset, window, kv_lens,
                                        q_offsets)
        row = s[b, h, q]
        row[:lo] = fill
        row[hi:] = fill
        if HAS_MASK_FN:
            for k in range(lo, hi):
                if not MASK_FN(b, h, pos, k):
                    row[k] = fill


def causal_mask_definition(s, fill, offset, window, kv_lens, q_offsets):
    """The reference: the mask's definition evaluated element by element."""
    batch, heads, seq_len, cache_len = s.shape
    for b in range(batch):
        for h in range(heads):
            for q in range(seq_len):
                pos = q + (q_offsets[b] if USE_Q_OFFSETS else offset)
                for k in range(cache_len):
                    keep = k <= pos or not CAUSAL
                    if window > 0 and k <= pos - window:
                        keep = False
                    if USE_KV_LENS and k >= kv_lens[b]:
                        keep = False
                    if keep and HAS_MASK_FN and not MASK_FN(b, h, pos, k):
                        keep = False
                    if not keep:
                        s[b, h, q, k] = fill


#: launch shape per backend: (warps of lanes per row, rows per block); measured in
#: docs/benchmarks.md. The simulator runs one Python thread per lane: keep it small.
LAUNCH = {"cuda": (1, 8), "hip": (1, 8), "sim": (1, 1)}


def _constants(opts) -> dict:
    return dict(CAUSAL=opts.causal, USE_KV_LENS=opts.kv_lens is not None,
                USE_Q_OFFSETS=opts.q_offsets is not None,
                HAS_MASK_FN=opts.mask_fn is not None, MASK_FN=opts.mask_fn or kc.keep_all)


def plan_launch(shape, itemsize, has_words, bits, opts, backend):
    """Everything a launch decides, from shapes alone (no arrays touched):
    (compile-time constants, grid, block, scalar arguments)."""
    warps, rows = LAUNCH.get(backend.name, (1, 1))
    lanes = warps * backend.warp
    word = 8 // itemsize if has_words else 1
    constants = dict(LANES=lanes, ROWS=rows, WORD=word, **_constants(opts))
    fill_word = np.array([bits] * (8 // itemsize), dtype=bits.dtype).view(np.uint64)[0]
    # one block row per query row, ROWS rows per block; heads and batch ride y and z
    grid = kc.fold_grid(backend, -(-shape[2] // rows), shape[1], shape[0])
    return constants, grid, (lanes, rows), (bits, fill_word, opts.offset, opts.window)


def _launch_gpu(backend, target, bits, opts, call_key=None):
    """Compile (cached) and launch the GPU kernel on a Launchable ``target``."""
    constants, grid, block, scalars = plan_launch(
        target.bits.shape, target.bits.dtype.itemsize, target.words is not None, bits, opts,
        backend)
    kernel = kc.build(backend, causal_mask_kernel, (kept_keys, fill_keys), **constants)
    kv_lens, q_offsets = opts.device_arrays(backend)
    words = target.words if constants["WORD"] > 1 else no_words(backend)
    launch = kernel[grid, block, target.stream] if target.stream else kernel[grid, block]
    args = (target.bits, words) + scalars + (kv_lens, q_offsets)
    with kc.launch_guard(backend, "kernel"):
        launch(*args)
    if call_key is not None:
        fastpath.remember(call_key, constants, kernel, grid, block, target.stream, args)


def _run(kind, backend, s, bits, opts):
    """Compile (cached) and run the CPU kernel or the reference on host array ``s``."""
    source = causal_mask_definition if kind == "reference" else causal_mask_cpu
    kernel = kc.build(backend, source, (kept_keys, host_row), kind=kind, **_constants(opts))
    with kc.launch_guard(backend, kind):
        kernel(s, bits, opts.offset, opts.window, opts.kv_lens_or_dummy, opts.q_offsets_or_dummy)


def apply_causal_mask(scores, *, offset=None, fill=float("-inf"), window=None, kv_lens=None,
                      q_offsets=None, mask_fn=None, causal=True, backend="auto"):
    """Mask ``scores`` in place and return the same object.

    ``scores``: [batch, heads, seq_len, cache_len] or [seq_len, cache_len], float16,
    bfloat16, float32 or float64; a NumPy array, a torch tensor, or any object with
    ``__cuda_array_interface__`` (masked on the GPU, zero-copy, on its stream).
    Keys after each query's position (see the module docstring for ``offset``,
    ``window``, ``kv_lens``, ``q_offsets``, ``mask_fn`` and ``causal``) become
    ``fill``; nothing else is written. ``backend``: 'auto', 'hip', 'cuda', 'sim'
    or 'cpu'. Bad input raises before anything is written.
    """
    call_key = None
    if kv_lens is None and q_offsets is None and mask_fn is None:
        call_key = fastpath.call_key(scores, backend, offset, window, fill, causal)
        if call_key is not None and fastpath.launch_known(call_key, scores):
            return scores
    chosen = get_backend(backend)
    s = inspect_scores(scores)
    opts = mask_options(s.shape, offset=offset, window=window, kv_lens=kv_lens,
                        q_offsets=q_offsets, mask_fn=mask_fn, causal=causal)
    bits = fill_bits(s.dtype, fill)
    if s.size == 0:
        return scores
    with scores_on(s, chosen) as target:
        opts.stream = target.stream
        if chosen.is_gpu_kernel:
            _launch_gpu(chosen, target, bits, opts, call_key if chosen.name == "cuda" else None)
        else:
            _run(kc.host_kind(s.size), chosen, target.bits, bits, opts)
    return scores


def causal_mask_reference(scores, *, offset=None, fill=float("-inf"), window=None,
                          kv_lens=None, q_offsets=None, mask_fn=None, causal=True):
    """The plain ``@njit`` CPU reference: same semantics as ``apply_causal_mask``,
    evaluated element by element, in place on a NumPy array (or torch CPU tensor)."""
    s = inspect_scores(scores)
    if s.on_device:
        raise TypeError("causal_mask_reference works on host arrays; copy the scores to the host")
    opts = mask_options(s.shape, offset=offset, window=window, kv_lens=kv_lens,
                        q_offsets=q_offsets, mask_fn=mask_fn, causal=causal)
    bits = fill_bits(s.dtype, fill)
    if s.size:
        _run("reference", get_backend("cpu"), s.host, bits, opts)
    return scores


def kernel_specs(gpu, lanes: int, warp: int = None, rows: int = 8) -> list:
    """The mask kernel bound to ``gpu`` for ahead-of-time compilation: per element
    width, with and without the 8-byte word view (``warp`` unused: the mask
    exchanges nothing between lanes)."""
    specs = []
    for bits, per_word in (("uint16", 4), ("uint32", 2), ("uint64", 1)):
        for word in sorted({1, per_word}):
            namespace = kc.bound_namespace(
                causal_mask_kernel, (kept_keys, fill_keys),
                dict(LANES=lanes, ROWS=rows, WORD=word, **_constants(_NO_OPTIONS)),
                gpu, lambda f: gpu.jit(device=True)(f))
            specs.append(kc.KernelSpec(
                f"causal_mask_{bits}" + ("_words" if word > 1 else ""),
                kc.bind(causal_mask_kernel, namespace),
                f"void({bits}[:,:,:,::1], uint64[:,:,:,::1], {bits}, uint64, int64, int64, "
                "int64[::1], int64[::1])"))
    return specs


class _NoOptions:
    causal, kv_lens, q_offsets, mask_fn = True, None, None, None


_NO_OPTIONS = _NoOptions()
