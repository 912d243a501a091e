"""Where the time of a decode attention launch goes: a timeline of every block.

    python tools/gpu/trace_decode.py [seq_len [out_dir]] [--read] [--ragged] [--split-only]
        [--ticket=acq_rel]

Issue 15's shapes (fp16, head_dim 128). For each, the public call's launches
(decode_mma_kernel's key splits, then merge_kernel) are recorded; the split
launch is relaunched as a *traced* copy of the same source: lane 0 of each
block reads ``%globaltimer`` (ns) on entry, when its first tile has landed,
after its last tile, at the end's steps (END_STAMPS) and at its end, and ``%smid``. The
copy is made from the kernel's own text (inspect.getsource) with those reads
inserted; nothing in the package changes. Printed per shape: the kernels'
durations and the gap between them in 30 public calls (torch profiler), the
percentiles of each stamp from the earliest entry (µs), and how the loop's time
varies with the blocks sharing an SM, the split and the (batch, KV head)
(imbalance); the raw stamps go to out_dir/trace-*.npy. ``--read``: also a
read-only kernel streaming the same K and V bytes with 16-byte loads (the same
block count, and a full grid): the fixed cost of a launch that only reads.
``--ragged``: the B8 and B1 shapes with the benchmark's kv_lens (uniform in
[L/2, L], seeded with L); the floor counts the valid keys. ``--split-only``: the B8
and B1 shapes only. ``--ticket=acq_rel``: each shape again with the traced copy's
ticket one ``atom.add.acq_rel.gpu`` instead of the package's membar.gl, atom.add,
membar.gl. A two-level cluster merge (B1) prints its steps (LEVEL2_STAMPS) for the
blocks that were not last and for the last.
"""

from __future__ import annotations

import inspect
import sys

import numpy as np
import torch
from llvmlite import ir
from numba import int64, types, uint32
from numba.cuda.extending import intrinsic

from numba_causal import attention as A
from numba_causal import compile as kc
from numba_causal import op
from numba_causal.backends import get_backend
from numba_causal.compile import GPU, compile_time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from time_kernels import ATTENTION_CASES, copy_bandwidth, events, recorded_launches  # noqa: E402

gpu = GPU
UNROLL = compile_time("UNROLL")


@intrinsic
def globaltimer(typingctx):
    def codegen(context, builder, sig, args):
        asm = ir.InlineAsm(ir.FunctionType(ir.IntType(64), []), "mov.u64 $0, %globaltimer;",
                           "=l", side_effect=True)
        return builder.call(asm, [])
    return types.int64(), codegen


@intrinsic
def smid(typingctx):
    def codegen(context, builder, sig, args):
        asm = ir.InlineAsm(ir.FunctionType(ir.IntType(32), []), "mov.u32 $0, %smid;", "=r",
                           side_effect=True)
        return builder.call(asm, [])
    return types.int32(), codegen


STAMPS = ("enter", "first tile", "loop end", "end")
#: stamps of the end's steps (trace columns 5-8 of COLUMNS; 0 where a launch has no
#: such step): warp 0 has folded the other warps' states in; its partials are in its
#: shared memory; the cluster's first barrier has passed; merge_cluster is done
END_STAMPS = ("folded", "stored", "synced", "merged")
#: stamps of a two-level cluster merge (merge_last_cluster; columns 9-11, 0 where there
#: is none): its first barrier has passed; the ticket has been drawn and shared; the
#: last cluster's merge of the clusters' pieces is issued (0 in a block that is not last)
LEVEL2_STAMPS = ("level 2 in", "ticket", "level 2 merged")
COLUMNS = 12

_TAIL = '''
    t_end = globaltimer()
    if thread == 0:
        blk = (int64(gpu.blockIdx.z) * int64(gpu.gridDim.y) + int64(gpu.blockIdx.y)) \\
            * int64(gpu.gridDim.x) + int64(gpu.blockIdx.x)
        trace[blk * 12] = t_enter
        trace[blk * 12 + 1] = t_first
        trace[blk * 12 + 2] = t_loop
        trace[blk * 12 + 3] = t_end
        trace[blk * 12 + 4] = int64(smid())
        trace[blk * 12 + 5] = t_folded
        trace[blk * 12 + 6] = t_stored
        trace[blk * 12 + 7] = t_synced
        trace[blk * 12 + 8] = t_merged
        trace[blk * 12 + 9] = t_l1
        trace[blk * 12 + 10] = t_l2
        trace[blk * 12 + 11] = t_l3
'''


def traced_source() -> str:
    """decode_mma_kernel's text with the timer reads inserted (and a ``trace``
    argument: int64 [blocks * COLUMNS])."""
    src = inspect.getsource(A.decode_mma_kernel).rstrip() + "\n"

    def once(old, new):
        nonlocal src
        assert src.count(old) == 1, old
        src = src.replace(old, new)

    once("def decode_mma_kernel(", "def traced_decode_mma_kernel(")
    once("kv_lens, q_offsets):", "kv_lens, q_offsets, trace):")
    once("    thread = int64(gpu.threadIdx.x)\n",
         "    thread = int64(gpu.threadIdx.x)\n    t_enter = globaltimer()\n    t_first = t_enter\n"
         "    t_stored = int64(0)\n    t_synced = int64(0)\n    t_merged = int64(0)\n"
         "    t_l1 = int64(0)\n    t_l2 = int64(0)\n    t_l3 = int64(0)\n")
    once("        gpu.syncthreads()  # every lane's copies of this tile have landed\n",
         "        gpu.syncthreads()  # every lane's copies of this tile have landed\n"
         "        if it == 0:\n            t_first = globaltimer()\n")
    once("    for mask in (1, 2):\n        l0 += lane_xor",
         "    t_loop = globaltimer()\n    for mask in (1, 2):\n        l0 += lane_xor")
    once("    # lane's dims: n-tile", "    t_folded = globaltimer()\n    # lane's dims: n-tile")
    once("        cluster_sync()  # every split's partials are in its shared memory\n",
         "        t_stored = globaltimer()\n"
         "        cluster_sync()  # every split's partials are in its shared memory\n"
         "        t_synced = globaltimer()\n")
    once("        cluster_sync()  # no block leaves while",
         "        t_merged = globaltimer()\n        cluster_sync()  # no block leaves while")
    once("            merge_last_cluster(part_flat,",
         "            t_l1, t_l2, t_l3 = merge_last_cluster(part_flat,")
    return src + _TAIL


def traced_merge_last_cluster():
    """merge_last_cluster with LEVEL2_STAMPS read, returned as a tuple."""
    src = inspect.getsource(A.merge_last_cluster).rstrip() + "\n"
    for old, new in (
            ("    gpu.syncthreads()  # every thread's pieces are written\n",
             "    gpu.syncthreads()  # every thread's pieces are written\n"
             "    t_l1 = globaltimer()\n"),
            ("    gpu.syncthreads()\n    if last_sh[0] == 0:\n        return\n",
             "    gpu.syncthreads()\n    t_l2 = globaltimer()\n    if last_sh[0] == 0:\n"
             "        return t_l1, t_l2, int64(0)\n")):
        assert src.count(old) == 1, old
        src = src.replace(old, new)
    namespace = dict(vars(A))
    exec(compile(src + "    return t_l1, t_l2, globaltimer()\n", "<traced merge_last_cluster>",
                 "exec"), namespace)
    return namespace["merge_last_cluster"]


def _ticket_acq_rel(typingctx, array, index):
    """The ticket (intrinsics.ticket's contract) as one ``atom.add.acq_rel.gpu``: release
    orders this thread's writes (and, through the barrier before it, the block's)
    before the add, acquire orders the add before the loads after it; no membar.gl."""
    from numba_causal.intrinsics import _I32, _I64, _element_pointer

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], sig.args[1], args[1])
        asm = ir.InlineAsm(ir.FunctionType(_I32, [_I64]),
                           "atom.add.acq_rel.gpu.u32 $0, [$1], 1;", "=r,l", side_effect=True)
        return builder.call(asm, [builder.ptrtoint(ptr, _I64)])
    return types.int32(array, index), codegen


#: ticket spellings the trace can compile its copy with (``--ticket NAME``)
TICKETS = {"package": None, "acq_rel": intrinsic(_ticket_acq_rel)}


def traced_kernel():
    namespace = dict(vars(A))
    exec(compile(traced_source(), "<traced decode_mma_kernel>", "exec"), namespace)
    return namespace["traced_decode_mma_kernel"]


def read_kernel(words, out, n_words):
    """Reads ``words`` (uint32) as 16-byte chunks, block-strided (UNROLL chunks in
    flight a lane); writes one word only if the xor of all is a value it never
    is in practice (so the loads stay)."""
    lane = int64(gpu.threadIdx.x)
    step = int64(gpu.gridDim.x) * int64(gpu.blockDim.x) * 4
    i = (int64(gpu.blockIdx.x) * int64(gpu.blockDim.x) + lane) * 4
    acc = uint32(0)
    while i + (UNROLL - 1) * step < n_words:
        for u in range(UNROLL):
            w0, w1, w2, w3 = load_v4(words, i + u * step)
            acc ^= w0 ^ w1 ^ w2 ^ w3
        i += UNROLL * step
    while i < n_words:
        w0, w1, w2, w3 = load_v4(words, i)
        acc ^= w0 ^ w1 ^ w2 ^ w3
        i += step
    if acc == uint32(0x9E3779B9):
        out[0] = acc


def percentiles(values):
    v = np.sort(np.asarray(values, dtype=np.float64))
    return "  ".join(f"{q}% {v[min(int(len(v) * q / 100), len(v) - 1)]:6.2f}"
                     for q in (0, 10, 50, 90, 100))


def profile_call(call, n=30):
    """Kernel durations and the gaps between them in ``n`` public calls (torch
    profiler, CUPTI): {kernel: median us}, median gap between consecutive kernels
    of a call (us), median span of a call's kernels (us)."""
    from torch.profiler import ProfilerActivity, profile

    call()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(n):
            call()
        torch.cuda.synchronize()
    kernels = sorted((e for e in prof.events() if e.device_type.name == "CUDA"),
                     key=lambda e: e.time_range.start)
    per_call = len({e.name for e in kernels})  # each kernel of a call is a different one
    names, gaps, spans = {}, [], []
    for i in range(0, len(kernels) - per_call + 1, per_call):
        group = kernels[i:i + per_call]
        for e in group:
            label = next((w for w in ("decode_mma_kernel", "decode_kernel", "merge_kernel",
                                      "attention_kernel") if w in e.name), e.name[:40])
            names.setdefault(label, []).append(e.time_range.elapsed_us())
        gaps += [b.time_range.start - a.time_range.end for a, b in zip(group, group[1:])]
        spans.append(group[-1].time_range.end - group[0].time_range.start)
    return ({k: float(np.median(v)) for k, v in names.items()},
            float(np.median(gaps)) if gaps else 0.0, float(np.median(spans)))


def trace_case(backend, launches, gbps, traced, case, seq_len, out_dir, dtype=torch.float16,
               d=128, ragged=False, ticket="package"):
    from time_kernels import relaunch

    b, hq, hkv, n = case
    q = torch.randn(b, hq, seq_len, d, device="cuda", dtype=dtype)
    k = torch.randn(b, hkv, n, d, device="cuda", dtype=dtype)
    v = torch.randn(b, hkv, n, d, device="cuda", dtype=dtype)
    out = torch.empty_like(q)
    kw = {}
    valid = b * n
    if ragged:  # the benchmark's lengths: uniform in [n / 2, n], seeded with n
        kv_lens = torch.randint(n // 2, n + 1, (b,), generator=torch.Generator().manual_seed(n))
        valid = int(kv_lens.sum())
        kw = dict(kv_lens=kv_lens.to("cuda"))

    def call():
        A.causal_attention(q, k, v, out=out, backend="cuda", **kw)

    from numba_causal import fastpath

    fastpath.clear()  # a replay of an earlier call makes no launch of its own to record
    launches.clear()
    call()
    torch.cuda.synchronize()
    recorded = list(launches)
    kernel, plan, stream, family = recorded[0]
    assert family is A.DECODE_MMA, family.name
    args = tuple(plan.args[a.name] for a in family.args)
    blocks = int(np.prod(plan.grid))
    trace_t = torch.zeros(blocks * COLUMNS, dtype=torch.int64, device="cuda")
    trace = backend.gpu.as_cuda_array(trace_t)
    extra = (("merge_last_cluster", traced_merge_last_cluster()),)
    if TICKETS[ticket] is not None:
        extra += (("ticket", TICKETS[ticket]),)
    built = kc.build(backend, traced, family.gpu_helper_list("cuda")
                     + (("globaltimer", globaltimer), ("smid", smid)) + extra,
                     TRACE_TICKET=list(TICKETS).index(ticket),
                     **family.variant(plan.constants, op.dependent_launches(backend)))
    op.allow_shared(backend, built, args + (trace,), plan.shared)  # past 48 KiB
    go = built[plan.grid, plan.block, stream or 0, plan.shared]
    want = out.clone()
    out.zero_()
    for _ in range(3):  # the last of a few back to back
        go(*args, trace)
        for launch in recorded[1:]:
            relaunch(*launch)()
    torch.cuda.synchronize()
    err = (out.float() - want.float()).abs().max().item()
    floor_us = 2 * valid * hkv * d * q.element_size() / (gbps * 1e3)
    t = trace_t.view(blocks, COLUMNS).cpu().numpy()
    name = f"B{b}-Hq{hq}-Hkv{hkv}-S{seq_len}-L{n}" + ("-ragged" if ragged else "") + (
        "" if ticket == "package" else f"-ticket-{ticket}")
    if out_dir:
        np.save(f"{out_dir}/trace-{name}.npy", t)
    us = (t[:, :4] - t[:, 0].min()) / 1e3
    kernels, gap, span = profile_call(call)
    print(f"\n{name}: grid {plan.grid}, floor {floor_us:.1f} us; traced split kernel + merge "
          f"vs the call: max diff {err:.1e}", flush=True)
    print("  profiler, 30 calls: " + ", ".join(f"{k} {v:.1f} us" for k, v in kernels.items())
          + f"; gap between kernels {gap:.1f} us; span {span:.1f} us (floor/span "
          f"{floor_us / span:.2f})", flush=True)
    for i, stamp in enumerate(STAMPS):
        print(f"  {stamp:>12}: {percentiles(us[:, i])}")
    loop = us[:, 2] - us[:, 1]
    print(f"  {'first tile':>12} - enter: {percentiles(us[:, 1] - us[:, 0])}")
    print(f"  {'loop':>12} (first->end): {percentiles(loop)}")
    print(f"  {'parts':>12} (loop->end): {percentiles(us[:, 3] - us[:, 2])}")
    steps = [(2, "loop end")] + [(5 + i, s) for i, s in enumerate(END_STAMPS)
                                 if t[:, 5 + i].all()] + [(3, "end")]
    for (a, was), (z, now) in zip(steps, steps[1:]):
        print(f"  {now:>12} - {was}: {percentiles((t[:, z] - t[:, a]) / 1e3)}")
    two = t[:, 9] > 0  # blocks of a two-level cluster merge
    if two.any():
        last = two & (t[:, 11] > 0)
        for sel, who in ((two & ~last, "not last"), (last, "last")):
            if not sel.any():
                continue
            ts = t[sel]
            print(f"  level 2, {who} ({sel.sum()} blocks): in - merged "
                  f"{percentiles((ts[:, 9] - ts[:, 8]) / 1e3)}")
            print(f"  {'':>10} ticket - in {percentiles((ts[:, 10] - ts[:, 9]) / 1e3)}")
            if who == "last":
                print(f"  {'':>10} merged - ticket {percentiles((ts[:, 11] - ts[:, 10]) / 1e3)}")
                print(f"  {'':>10} end - merged {percentiles((ts[:, 3] - ts[:, 11]) / 1e3)}")
            else:
                print(f"  {'':>10} end - ticket {percentiles((ts[:, 3] - ts[:, 10]) / 1e3)}")
    sm = t[:, 4].astype(np.int64)
    per_sm = np.bincount(sm)
    load = per_sm[sm]  # blocks sharing each block's SM
    for c in np.unique(load):
        sel = load == c
        print(f"  blocks on SMs holding {c}: {sel.sum():4d}, loop mean {loop[sel].mean():.2f} us, "
              f"end mean {us[sel, 3].mean():.2f} max {us[sel, 3].max():.2f}")
    split = np.arange(blocks) % plan.grid[0]
    by_split = [loop[split == i].mean() for i in range(plan.grid[0])]
    print(f"  loop mean by split index: min {min(by_split):.2f} max {max(by_split):.2f} us; "
          f"by (batch, KV head): {percentiles([loop[np.arange(blocks) // plan.grid[0] == g].mean() for g in range(blocks // plan.grid[0])])}")
    order = np.argsort(us[:, 0])
    early = order[:blocks // 4]
    print(f"  loop mean of the first quarter to enter {loop[early].mean():.2f} us, of the rest "
          f"{loop[order[blocks // 4:]].mean():.2f} us; timer step {np.diff(np.unique(t[:, 0])).min()} ns")
    return blocks, k, v


def read_case(backend, gbps, k, v, blocks):
    flat_t = torch.cat([k.reshape(-1), v.reshape(-1)]).view(torch.int32)
    flat = backend.gpu.as_cuda_array(flat_t)
    sink = backend.gpu.as_cuda_array(torch.zeros(1, dtype=torch.int32, device="cuda"))
    n_words = flat_t.numel()
    floor_ms = n_words * 4 / (gbps * 1e6)
    helpers = A.DECODE_MMA.gpu_helper_list("cuda")
    for threads, grid, unroll in ((32, blocks, 4), (32, blocks, 8), (256, 132 * 8, 4),
                                  (256, 132 * 8, 8), (512, 132 * 4, 4)):
        k_read = kc.build(backend, read_kernel, helpers, UNROLL=unroll)[grid, threads]
        ms = events(lambda: k_read(flat, sink, n_words), 200)
        print(f"  read-only stream of the same {n_words * 4 / 1e6:.0f} MB, {grid} blocks x "
              f"{threads} lanes, {unroll} loads in flight a lane: {ms * 1e3:.1f} us "
              f"(floor/time {floor_ms / ms:.2f})", flush=True)


def main():
    words = [a for a in sys.argv[1:] if not a.startswith("--")]
    seq_len = int(words[0]) if words else 1
    out_dir = words[1] if len(words) > 1 else None
    backend = get_backend("cuda")
    gbps = copy_bandwidth()
    traced = traced_kernel()
    ragged = "--ragged" in sys.argv
    with recorded_launches() as launches:
        cases = ATTENTION_CASES[:2] if ragged or "--split-only" in sys.argv else ATTENTION_CASES
        tickets = ["package"] + [a.split("=", 1)[1] for a in sys.argv if a.startswith("--ticket=")]
        for case in cases:
            for ticket in tickets:
                blocks, k, v = trace_case(backend, launches, gbps, traced, case, seq_len,
                                          out_dir, ragged=ragged, ticket=ticket)
                if "--read" in sys.argv:
                    read_case(backend, gbps, k, v, blocks)
                del k, v


if __name__ == "__main__":
    main()
