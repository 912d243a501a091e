"""Kernel time alone vs time per public call (issue 12 diagnosis), on a CUDA GPU.

    python tools/gpu/time_kernels.py            # softmax and mask, the bench shapes
    python tools/gpu/time_kernels.py attention  # decode attention, issue 15's shapes

For each case: the public call once (compiles, checked by the bench elsewhere),
the launch it made captured from op.launch, then (1) the captured kernel
relaunched back to back, timed with CUDA events (GPU time alone), (2) the public
call back to back, CUDA events (what the bench reports), (3) host time per
public call (perf_counter, no synchronisation until the end). Prints one line
per case with the launch shape and the fraction of the copy floor the kernel
alone reaches.
"""

from __future__ import annotations

import contextlib
import sys
import time

import torch

from numba_causal import op
from numba_causal.backends import get_backend
from numba_causal.mask import apply_causal_mask
from numba_causal.softmax import causal_softmax

CASES = [((4, 32, 2048, 2048), torch.float32), ((4, 32, 2048, 2048), torch.float16),
         ((4, 32, 2048, 2048), torch.bfloat16), ((1, 8, 8192, 8192), torch.float32),
         ((1, 8, 8192, 8192), torch.float16), ((8, 32, 1, 4096), torch.float32)]


def events(fn, n):
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    fn()
    torch.cuda.synchronize()
    start.record()
    for _ in range(n):
        fn()
    stop.record()
    stop.synchronize()
    return start.elapsed_time(stop) / n


@contextlib.contextmanager
def recorded_launches():
    """Every launch op.launch makes while inside, appended to the yielded list as
    (kernel, plan, stream, family); op.launch is restored on the way out."""
    launches = []
    real = op.launch

    def spy(family, backend, plan, stream, fast_key=None, keep=(), then=False):
        kernel = real(family, backend, plan, stream, fast_key, keep, then)
        launches.append((kernel, plan, stream, family))
        return kernel

    op.launch = spy
    try:
        yield launches
    finally:
        op.launch = real


def relaunch(kernel, plan, stream, family):
    """A callable that makes one recorded launch again, with its arguments."""
    args = tuple(plan.args[a.name] for a in family.args)
    go = kernel[plan.grid, plan.block, stream or 0, plan.shared]
    return lambda: go(*args)


def active_clusters(plan, family) -> int:
    """How many of ``plan``'s thread-block clusters the GPU runs at once
    (op.clusters_at_once); 0 for a launch of no clusters."""
    if not plan.constants.get("CLUSTER_DIMS"):
        return 0
    return op.clusters_at_once(family, get_backend("cuda"), plan)


def copy_bandwidth() -> float:
    """GB/s of a 1 GiB device copy (read + write), printed."""
    copy = torch.empty(2**28, device="cuda")
    gbps = 2 * copy.numel() * 4 / events(lambda: copy.clone(), 20) / 1e6
    print(f"copy bandwidth {gbps:.0f} GB/s", flush=True)
    return gbps


def main():
    with recorded_launches() as launches:
        kernel_times(launches, copy_bandwidth())


def kernel_times(launches, gbps):
    for which in sys.argv[1:] or ["softmax", "mask"]:
        for shape, dtype in CASES:
            x = torch.randn(shape, device="cuda", dtype=dtype)
            out = torch.empty_like(x)
            if which == "softmax":
                def call():
                    causal_softmax(x, scale=0.088, out=out, backend="cuda")
            elif which == "softmax_backward":
                from numba_causal.softmax_backward import causal_softmax_backward

                p = causal_softmax(x, scale=0.088)
                g = torch.randn_like(x)

                def call():
                    causal_softmax_backward(p, g, scale=0.088, out=out, backend="cuda")
            else:
                def call():
                    apply_causal_mask(x, backend="cuda")
            launches.clear()
            call()
            if not launches:  # the mask's fast path launched it: capture a planned launch
                apply_causal_mask(x, kv_lens=[shape[-1]] * shape[0], backend="cuda")
            torch.cuda.synchronize()
            plan = launches[-1][1]
            kernel_ms = events(relaunch(*launches[-1]), 50)
            call_ms = events(call, 50)
            torch.cuda.synchronize()
            t = time.perf_counter()
            for _ in range(50):
                call()
            host_us = (time.perf_counter() - t) / 50 * 1e6
            torch.cuda.synchronize()
            s, c = shape[-2:]
            kept = min(s, c) * (min(s, c) + 1) // 2 + s * max(c - s, 0) if c >= s else 0
            rows = shape[0] * shape[1]
            item = x.element_size()
            # elements moved: the kept keys read (softmax: scores; backward: probs and
            # grad) and the row written; the mask writes its masked keys (at the copy
            # bandwidth here: the bench uses fill's)
            moved = {"softmax": kept + s * c, "softmax_backward": 2 * kept + s * c}.get(
                which, s * c - kept)
            floor = rows * moved * item / (gbps * 1e6)
            const = dict(plan.constants)
            print(f"{which} {'x'.join(map(str, shape))} {str(dtype)[6:]}: launch "
                  f"{const.get('LANES')}x{const.get('ROWS')} VEC={const.get('VEC')} "
                  f"CHUNK={const.get('CHUNK')} grid={plan.grid} | kernel {kernel_ms:.4f} ms "
                  f"(floor/kernel {floor / kernel_ms:.2f}) | call {call_ms:.4f} ms | host "
                  f"{host_us:.0f} us/call", flush=True)
            del x, out


def sweep(budget_s=60.0):
    """Kernel time alone per launch shape (softmax and its backward: lanes x rows of
    the 16-byte / one-pass route; mask: LAUNCH['cuda'], with kv_lens so that the fast
    path's cached plan is not reused), until ``budget_s`` seconds have passed."""
    from numba_causal import softmax, softmax_backward

    began = time.perf_counter()
    originals = softmax._vec_plan, softmax_backward.one_pass_plan
    jobs = []
    for shape, dtype in [((4, 32, 2048, 2048), torch.float16), ((4, 32, 2048, 2048), torch.float32),
                         ((1, 8, 8192, 8192), torch.float16), ((1, 8, 8192, 8192), torch.float32)]:
        for which in ("softmax", "softmax_backward"):
            for launch in [(32, 4), (64, 4), (128, 2), (128, 1), (256, 1), (512, 1), (64, 2),
                           (32, 8)]:
                jobs.append((which, shape, dtype, launch))
    for dtype in (torch.float16, torch.float32):
        for launch in [(1, 4), (1, 8), (1, 2), (2, 4), (1, 16)]:
            jobs.append(("mask", (4, 32, 2048, 2048), dtype, launch))
    with recorded_launches() as launches:
        sweep_jobs(jobs, launches, began, budget_s)
    softmax._vec_plan, softmax_backward.one_pass_plan = originals


def sweep_jobs(jobs, launches, began, budget_s):
    from numba_causal import fastpath, mask, softmax, softmax_backward

    for which, shape, dtype, launch in jobs:
        if time.perf_counter() - began > budget_s:
            print("sweep: time budget spent", flush=True)
            break
        fastpath.clear()  # no replay of an earlier job's launch at the same addresses
        x = torch.randn(shape, device="cuda", dtype=dtype)
        out = torch.empty_like(x)
        if which in ("softmax", "softmax_backward"):
            lanes, rows = launch
            vec = 16 // x.element_size()
            chunk = softmax._pow2(-(-shape[-1] // vec // lanes))
            most = 64 if which == "softmax" else 32
            if chunk * vec > most:
                continue
            plan = (lanes, rows, chunk)
            if which == "softmax":
                softmax._vec_plan = lambda *args, _l=plan: _l
                call = lambda: causal_softmax(x, scale=0.088, out=out, backend="cuda")  # noqa: E731
            else:
                softmax_backward.one_pass_plan = lambda *args, _l=plan: _l
                p = causal_softmax(x, scale=0.088)
                g = torch.randn_like(x)
                call = lambda: softmax_backward.causal_softmax_backward(  # noqa: E731
                    p, g, scale=0.088, out=out, backend="cuda")
        else:
            mask.LAUNCH["cuda"] = launch
            kv = [shape[-1]] * shape[0]
            call = lambda: apply_causal_mask(x, kv_lens=kv, backend="cuda")  # noqa: E731
        launches.clear()
        call()
        torch.cuda.synchronize()
        plan = launches[-1][1]
        ms = events(relaunch(*launches[-1]), 30)
        c = dict(plan.constants)
        print(f"sweep {which} {'x'.join(map(str, shape))} {str(dtype)[6:]} {launch}: "
              f"LANES={c['LANES']} ROWS={c['ROWS']} CHUNK={c.get('CHUNK')} VEC={c.get('VEC')} "
              f"kernel {ms:.4f} ms", flush=True)
        del x, out


ATTENTION_CASES = [(8, 32, 8, 4096), (1, 32, 8, 32768), (32, 32, 8, 2048), (8, 32, 32, 4096)]
#: decode-route settings the sweep tries: (tensor-core route on, shared tail tiles per
#: split (MMA_TAIL), blocks wanted (MMA_BLOCKS_WANTED, DECODE_BLOCKS_WANTED),
#: DECODE_MOST_SPLITS, MIN_SPLIT_KEYS, merge_kernel's bytes a lane loads a trip
#: (MERGE_BATCH_BYTES), the tensor-core route's keys a tile (MMA_TILE) and stages
#: (MMA_STAGES), the stages' alignment in bytes (MMA_STAGE_ALIGN), its warps a block
#: (MMA_WARPS), the blocks an SM must hold (MMA_BLOCKS_PER_SM; 0: no launch bounds) and
#: whether a split launch merges its splits as thread-block clusters (MMA_CLUSTERS),
#: the blocks a cluster of a launch in several clusters (MMA_TWO_LEVEL_CLUSTER) and
#: the most rows a block of such a launch may hold (MMA_TWO_LEVEL_ROWS; 0: none), and
#: the most splits merged as one cluster (MMA_MOST_CLUSTER; more: in two levels)
DECODE_SETTINGS = [(True, 2, 264, 64, 256, 128, 64, 2, 128, 2, 3, True, 4, 8, 8),
                   (True, 2, 528, 64, 256, 128, 64, 2, 128, 2, 3, False, 4, 8, 8),
                   (True, 2, 792, 64, 256, 128, 64, 2, 128, 2, 3, False, 4, 8, 8),
                   (True, 2, 1056, 64, 256, 128, 64, 2, 128, 2, 3, False, 4, 8, 8),
                   (True, 0, 1056, 64, 256, 128, 64, 2, 128, 2, 3, False, 4, 8, 8),
                   (True, 2, 1584, 64, 256, 128, 64, 2, 128, 2, 3, False, 4, 8, 8),
                   (True, 2, 264, 64, 256, 128, 64, 2, 128, 2, 3, True, 4, 8, 8)]


@contextlib.contextmanager
def cuda_settings(tables):
    """Yields a setter of the "cuda" entries of ``tables`` (dicts of the package's
    launch settings); their values are restored on the way out."""
    saved = [t["cuda"] for t in tables]

    def apply(values):
        for t, value in zip(tables, values):
            if value is not None:
                t["cuda"] = value

    try:
        yield apply
    finally:
        apply(saved)


def attention_sweep(seconds=300.0, dtype=torch.float16):
    """The decode routes' launch settings (DECODE_SETTINGS) on issue 15's shapes at
    seq_len 1 and 4, kernels alone, until ``seconds`` have passed."""
    from numba_causal import attention as A
    from numba_causal.attention import causal_attention

    gbps = copy_bandwidth()
    stop = time.perf_counter() + seconds
    backends, most_splits, most_shared = A.MMA_BACKENDS, A.DECODE_MOST_SPLITS, A.MMA_SHARED_BYTES
    two_level_cluster, most_cluster = A.MMA_TWO_LEVEL_CLUSTER, A.MMA_MOST_CLUSTER
    A.MMA_SHARED_BYTES = 227 * 1024  # an H100's or H200's most a block may ask for
    try:
        with recorded_launches() as launches, cuda_settings(
                (A.MMA_TAIL, A.MMA_BLOCKS_WANTED, A.DECODE_BLOCKS_WANTED,
                 A.MIN_SPLIT_KEYS, A.MERGE_BATCH_BYTES, A.MMA_TILE, A.MMA_STAGES,
                 A.MMA_STAGE_ALIGN, A.MMA_WARPS, A.MMA_BLOCKS_PER_SM,
                 A.MMA_CLUSTERS, A.MMA_TWO_LEVEL_ROWS)) as apply:
            for seq_len, ragged in ((1, False), (1, True), (4, False)):
                for (mma, tail, wanted, splits, min_keys, batch, tile, stages,
                     align, warps, per_sm, clusters, cluster_blocks,
                     two_level_rows, cluster_most) in DECODE_SETTINGS:
                    A.MMA_BACKENDS = ("cuda",) if mma else ()
                    A.DECODE_MOST_SPLITS = splits
                    A.MMA_TWO_LEVEL_CLUSTER = cluster_blocks
                    A.MMA_MOST_CLUSTER = cluster_most
                    apply((tail, wanted, wanted, min_keys, batch, tile, stages, align, warps,
                           per_sm, clusters, two_level_rows))
                    print(f"setting tensor cores {mma} MMA_TAIL={tail} blocks wanted {wanted} "
                          f"DECODE_MOST_SPLITS={splits} MIN_SPLIT_KEYS={min_keys} "
                          f"MERGE_BATCH_BYTES={batch} MMA_TILE={tile} MMA_STAGES={stages} "
                          f"MMA_STAGE_ALIGN={align} MMA_WARPS={warps} "
                          f"MMA_BLOCKS_PER_SM={per_sm} MMA_CLUSTERS={clusters} "
                          f"MMA_TWO_LEVEL_CLUSTER={cluster_blocks} "
                          f"MMA_TWO_LEVEL_ROWS={two_level_rows} "
                          f"MMA_MOST_CLUSTER={cluster_most} "
                          f"seq_len {seq_len}"
                          + (" ragged kv_lens" if ragged else ""), flush=True)
                    for case in ATTENTION_CASES[:3] if ragged else ATTENTION_CASES:
                        if time.perf_counter() > stop:
                            return
                        attention_case(causal_attention, launches, gbps, case, 128, dtype,
                                       seq_len, ragged)
    finally:
        A.MMA_BACKENDS, A.DECODE_MOST_SPLITS, A.MMA_SHARED_BYTES = backends, most_splits, \
            most_shared
        A.MMA_TWO_LEVEL_CLUSTER, A.MMA_MOST_CLUSTER = two_level_cluster, most_cluster


def attention_switch(table, name, rounds=3, dtype=torch.float16):
    """The package's ``table`` (a dict of a cuda setting, e.g. MMA_CLUSTERS) on and
    off in turn, ``rounds`` times, on the split shapes of issue 15 (B8, B1) at
    seq_len 1 and 4: the public call as attention_case times it."""
    from numba_causal.attention import causal_attention

    gbps = copy_bandwidth()
    with recorded_launches() as launches, cuda_settings((table,)) as apply:
        for _ in range(rounds):
            for on in (True, False):
                apply((on,))
                print(f"{name}={on}", flush=True)
                for seq_len in (1, 4):
                    for case in ATTENTION_CASES[:2]:
                        attention_case(causal_attention, launches, gbps, case, 128, dtype,
                                       seq_len)


def attention(head_dim=128, dtype=torch.float16, settings=((None, None),)):
    """Decode attention (seq_len 1, issue 15's shapes): every launch of one public
    call (split-K partials, then the combine) relaunched back to back, CUDA events
    (GPU time alone), against the call's time and the floor (K and V read once at
    the copy bandwidth of this run). ``settings``: (BLOCKS_WANTED, MIN_SPLIT_KEYS)
    pairs for cuda to try (None: the package's)."""
    from numba_causal import attention as A
    from numba_causal.attention import causal_attention

    gbps = copy_bandwidth()
    with recorded_launches() as launches, cuda_settings(
            (A.BLOCKS_WANTED, A.MIN_SPLIT_KEYS)) as apply:
        defaults = (A.BLOCKS_WANTED["cuda"], A.MIN_SPLIT_KEYS["cuda"])
        for case in ATTENTION_CASES:
            for wanted, min_keys in settings:
                apply((wanted or defaults[0], min_keys or defaults[1]))
                attention_case(causal_attention, launches, gbps, case, head_dim, dtype)


def attention_case(causal_attention, launches, gbps, case, head_dim, dtype, seq_len=1,
                   ragged=False):
    """One attention shape at the current split settings (see attention());
    ``ragged``: kv_lens uniform in [L/2, L] (an int64 CUDA tensor), the floor their
    valid bytes."""
    from numba_causal import attention as A
    from numba_causal import fastpath

    fastpath.clear()  # a replay recorded under other settings must not answer
    b, hq, hkv, n = case
    q = torch.randn(b, hq, seq_len, head_dim, device="cuda", dtype=dtype)
    k = torch.randn(b, hkv, n, head_dim, device="cuda", dtype=dtype)
    v = torch.randn(b, hkv, n, head_dim, device="cuda", dtype=dtype)
    out = torch.empty_like(q)
    keep = torch.ones(seq_len, n, dtype=torch.bool, device="cuda").tril(n - seq_len)
    mask = None if seq_len == 1 else keep
    kv_lens = None
    valid_keys = b * n
    if ragged:
        kv_lens = torch.randint(n // 2, n + 1, (b,), device="cuda")
        valid_keys = int(kv_lens.sum().item())
        mask = keep & (torch.arange(n, device="cuda")[None, None, None, :]
                       < kv_lens[:, None, None, None])
    want = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                                            enable_gqa=True)

    def call():
        causal_attention(q, k, v, out=out, kv_lens=kv_lens, backend="cuda")

    launches.clear()
    call()
    torch.cuda.synchronize()
    err = (out.float() - want.float()).abs().max().item()
    first = list(launches)
    runs = [relaunch(*launch) for launch in first]
    kernel_ms = events(lambda: [run() for run in runs], 50)
    call_ms = events(call, 50)
    sdpa_ms = events(lambda: torch.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=mask, enable_gqa=True), 50)
    floor = 2 * valid_keys * hkv * head_dim * q.element_size() / (gbps * 1e6)
    shapes = "; ".join(f"{f.name} grid={p.grid} block={p.block} ROWS={p.constants.get('ROWS')} "
                       f"STAGES={p.constants.get('STAGES')} shared={p.shared} "
                       f"clusters at once={active_clusters(p, f)} "
                       f"LAUNCH_BOUNDS={p.constants.get('LAUNCH_BOUNDS')}"
                       for _, p, _, f in first)
    print(f"attention B{b} Hq{hq} Hkv{hkv} S{seq_len} L{n}{' ragged' if ragged else ''} "
          f"d{head_dim} {str(dtype)[6:]} blocks wanted "
          f"{A.BLOCKS_WANTED['cuda']}, min split keys {A.MIN_SPLIT_KEYS['cuda']} (max err "
          f"{err:.1e}): kernels {kernel_ms:.4f} ms (floor/kernels {floor / kernel_ms:.2f}) | "
          f"call {call_ms:.4f} ms ({floor / call_ms:.2f}) | SDPA {sdpa_ms:.4f} ms "
          f"({floor / sdpa_ms:.2f}) | {shapes}", flush=True)


#: rotary settings the sweep tries: (THREADS, PRELOAD, max_registers or None, most
#: blocks or None: a clipped grid whose blocks loop over rows, 16-byte table reads)
ROTARY_SETTINGS = [(64, True, None, None, True), (64, True, None, None, False),
                   (32, True, None, None, True), (128, True, None, None, True),
                   (128, True, None, None, False)]
#: (batch, seq_len, q heads, k heads, head_dim): issue 14's bench shape, then GQA k
ROTARY_SHAPES = [(8, 4096, 32, 32, 128), (8, 4096, 32, 8, 128)]


def rotary_sweep(seconds=120.0):
    """apply_rotary on ROTARY_SHAPES (bshd, positions 0..seq_len-1): float16 and
    bfloat16, base, tables in q's dtype and float32 tables, per ROTARY_SETTINGS
    (cuda), kernel alone and public call against the copy floor (q and k read and
    written once), until ``seconds`` have passed."""
    from numba_causal import compile as kc
    from numba_causal import fastpath
    from numba_causal import rotary as R

    gbps = copy_bandwidth()
    stop = time.perf_counter() + seconds
    jitters, constants_of, fold_grid = kc._jitters, R.kernel_constants, kc.fold_grid
    table_vector_ok = R._table_vector_ok
    knobs = {}

    def jitters_with_registers(backend, kind):  # max_registers for the cuda kernel
        jit, device_jit = jitters(backend, kind)
        if kind == "kernel" and backend.name == "cuda" and knobs.get("regs"):
            return (lambda f, **kw: jit(f, max_registers=knobs["regs"], **kw)), device_jit
        return jit, device_jit

    def constants_with_registers(*args, **kw):  # a distinct compiled variant per limit
        return dict(constants_of(*args, **kw), SWEEP_REGISTERS=knobs.get("regs") or 0)

    def clipped_grid(backend, x, y, z):
        x, y, z = fold_grid(backend, x, y, z)
        return (min(x, knobs.get("blocks") or x), y, z)

    def table_vector_if_on(*args):
        return knobs["table_vec"] and table_vector_ok(*args)

    kc._jitters, R.kernel_constants, kc.fold_grid = (jitters_with_registers,
                                                     constants_with_registers, clipped_grid)
    R._table_vector_ok = table_vector_if_on
    try:
        with recorded_launches() as launches, cuda_settings(
                (R.THREADS_BY_BACKEND, R.PRELOAD_BY_BACKEND)) as apply:
            for shape in ROTARY_SHAPES:
                for threads, preload, max_registers, blocks, table_vec in ROTARY_SETTINGS:
                    apply((threads, preload))
                    knobs.update(regs=max_registers, blocks=blocks, table_vec=table_vec)
                    for name in ("float16", "bfloat16"):
                        for tables in (None, name, "float32"):
                            if time.perf_counter() > stop:
                                return
                            fastpath.clear()
                            rotary_case(R, launches, gbps, name, tables,
                                        f"THREADS={threads} PRELOAD={preload} "
                                        f"max_registers={max_registers} blocks={blocks} "
                                        f"table_vec={table_vec}", shape)
    finally:
        kc._jitters, R.kernel_constants, kc.fold_grid = jitters, constants_of, fold_grid
        R._table_vector_ok = table_vector_ok


def rotary_case(R, launches, gbps, name, tables, label, shape=(8, 4096, 32, 8, 128)):
    """One rotary case: checked against a float64 rotate-half, then timed."""
    b, s, hq, hk, d = shape
    dt = getattr(torch, name)
    q = torch.randn(b, s, hq, d, device="cuda", dtype=dt)
    k = torch.randn(b, s, hk, d, device="cuda", dtype=dt)
    kwargs = {}
    ang = torch.arange(s, device="cuda", dtype=torch.float32)[:, None] * torch.from_numpy(
        R.inverse_frequencies(10000.0, d, "float32")).cuda()
    cos, sin = ang.double().cos(), ang.double().sin()
    if tables:
        kwargs = dict(cos=cos.to(getattr(torch, tables)), sin=sin.to(getattr(torch, tables)))
        cos, sin = kwargs["cos"].double(), kwargs["sin"].double()
    x = q.double()
    half = d // 2
    c, sn = cos[None, :, None], sin[None, :, None]
    want = torch.cat((x[..., :half] * c - x[..., half:] * sn, x[..., half:] * c + x[..., :half] * sn), -1)
    launches.clear()
    q_copy, k_copy = q.clone(), k.clone()  # alive while the captured launch is relaunched
    got = R.apply_rotary(q_copy, k_copy, layout="bshd", backend="cuda", **kwargs)[0]
    torch.cuda.synchronize()
    err = ((got.double() - want).abs().amax(-1) / want.abs().amax(-1)).max().item()
    kernel_ms = events(relaunch(*launches[-1]), 50)

    def call():
        R.apply_rotary(q, k, layout="bshd", backend="cuda", **kwargs)

    call_ms = events(call, 50)
    floor = 2 * (q.numel() + k.numel()) * q.element_size() / (gbps * 1e6)
    print(f"rotary {'x'.join(map(str, shape))} {label} {name} tables={tables}: err {err:.1e} | kernel {kernel_ms:.4f} ms "
          f"({floor / kernel_ms:.3f}) | call {call_ms:.4f} ms ({floor / call_ms:.3f})", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["attention"]:
        attention()
    elif sys.argv[1:2] == ["attention-dims"]:  # decode_kernel's rows (float32, other dims)
        for dim, dt in ((128, torch.float32), (256, torch.float16), (80, torch.float16)):
            attention(dim, dt)
    elif sys.argv[1:2] == ["attention-splits"]:  # split-K launch sweep (issue 15)
        attention(settings=[(264, 256), (528, 256), (1056, 256), (1056, 128), (2112, 128),
                            (4224, 64)])
    elif sys.argv[1:2] == ["attention-sweep"]:  # the decode route's settings (issue 15)
        attention_sweep(float(sys.argv[2]) if len(sys.argv) > 2 else 300.0)
    elif sys.argv[1:2] == ["attention-switch"]:  # a cuda setting of attention on / off
        from numba_causal import attention as _A
        attention_switch(getattr(_A, sys.argv[2]), sys.argv[2])
    elif sys.argv[1:2] == ["rotary-sweep"]:  # issue 14's shape per launch setting
        rotary_sweep(float(sys.argv[2]) if len(sys.argv) > 2 else 120.0)
    elif sys.argv[1:2] == ["sweep"]:
        sweep(float(sys.argv[2]) if len(sys.argv) > 2 else 60.0)
    else:
        main()
