"""How a warp's 16-byte copies of K/V rows reach L2 (issue 15, r29): the decode
route's staging pattern alone, in variants, timed and counted.

Each block is one warp that streams its share of a K and a V array (rows of 256
bytes: head_dim 128, 16-bit) through a ring of STAGES shared stages of TILE rows,
as decode_mma_kernel stages them (lane l copies 16-byte chunk l % 16 of rows
l // 16 + 2m), and reads one word per lane and stage so the copies are used.
Variants: where the stage starts in a 128-byte line (``off``), cp.async.cg / .ca,
and a load to registers then a shared store (``ldg``).

    python3 copy_pattern.py            # times (CUDA events), 268 MB per call
    ncu --metrics lts__t_requests_srcunit_tex_op_read.sum,... python3 copy_pattern.py ncu
"""

import sys

import numpy as np
from llvmlite import ir
from numba import cuda, int64, types, uint32
from numba.cuda.extending import intrinsic

from numba_causal.intrinsics import INTRINSICS

copy16 = INTRINSICS["copy16"]["cuda"]
async_commit = INTRINSICS["async_commit"]["cuda"]
async_wait = INTRINSICS["async_wait"]["cuda"]
load_v4 = INTRINSICS["load_v4"]["cuda"]
store_v4 = INTRINSICS["store_v4"]["cuda"]
align128_skip = INTRINSICS["align128_skip"]["cuda"]

ROW = 64  # words of a 256-byte row
TILE = 32
STAGES = 2
BLOCKS = 1024
ROWS = 32 * 8 * 2048  # B32 Hkv8 L2048: 134 MB of K, the same of V
SH_WORDS = 2 * STAGES * TILE * ROW + 64  # K and V stages, + 256 bytes to align


@intrinsic
def copy16_ca(typingctx, dst, i, src, j):
    """cp.async.ca (L1-allocating) 16-byte copy of src[j:] to dst[i:]."""
    def codegen(context, builder, sig, args):
        def ptr(k):
            ary = context.make_array(sig.args[k])(context, builder, args[k])
            return builder.gep(ary.data, [args[k + 1]], inbounds=True)
        to, frm = ptr(0), ptr(2)
        shared = builder.addrspacecast(to, ir.PointerType(to.type.pointee, 3))
        fnty = ir.FunctionType(ir.VoidType(), [ir.IntType(32), ir.IntType(64)])
        asm = ir.InlineAsm(fnty, "{ .reg .u64 gsrc; cvta.to.global.u64 gsrc, $1; "
                           "cp.async.ca.shared.global [$0], [gsrc], 16; }", "r,l",
                           side_effect=True)
        builder.call(asm, [builder.ptrtoint(shared, ir.IntType(32)),
                           builder.ptrtoint(frm, ir.IntType(64))])
        return context.get_dummy_value()
    return types.void(dst, i, src, j), codegen


def make(kind, off):
    """The streaming kernel of one variant: ``kind`` cg / ca / ldg, stage start
    ``off`` bytes past a 128-byte line."""
    stage_words = TILE * ROW
    shift = off // 4
    CA = kind == "ca"
    LDG = kind == "ldg"

    @cuda.jit(lineinfo=True)
    def stream(kw, vw, out, rows_per_block):
        sh = cuda.shared.array(SH_WORDS, uint32)
        lane = int64(cuda.threadIdx.x)
        at = align128_skip(sh) + shift
        first = int64(cuda.blockIdx.x) * rows_per_block
        tiles = rows_per_block // TILE
        chunk = lane % 16
        row = lane // 16
        acc = uint32(0)
        for t in range(tiles + STAGES - 1):
            if t < tiles:  # issue tile t into stage t % STAGES
                stage = t % STAGES
                src = (first + t * TILE + row) * ROW + chunk * 4
                dst = at + stage * 2 * stage_words + row * ROW + chunk * 4
                if LDG:
                    for m in range(TILE // 2):
                        a0, a1, a2, a3 = load_v4(kw, src + m * 2 * ROW)
                        b0, b1, b2, b3 = load_v4(vw, src + m * 2 * ROW)
                        store_v4(sh, dst + m * 2 * ROW, a0, a1, a2, a3)
                        store_v4(sh, dst + stage_words + m * 2 * ROW, b0, b1, b2, b3)
                else:
                    for m in range(TILE // 2):
                        if CA:
                            copy16_ca(sh, dst + m * 2 * ROW, kw, src + m * 2 * ROW)
                        else:
                            copy16(sh, dst + m * 2 * ROW, kw, src + m * 2 * ROW)
                    for m in range(TILE // 2):
                        if CA:
                            copy16_ca(sh, dst + stage_words + m * 2 * ROW, vw,
                                      src + m * 2 * ROW)
                        else:
                            copy16(sh, dst + stage_words + m * 2 * ROW, vw, src + m * 2 * ROW)
            if not LDG:
                async_commit()
            c = t - (STAGES - 1)
            if c >= 0:
                if not LDG:
                    async_wait(STAGES - 1)
                cuda.syncthreads()
                base = at + (c % STAGES) * 2 * stage_words
                acc ^= sh[base + lane * ROW + (c & 63)] + sh[base + stage_words + lane]
                cuda.syncthreads()
        out[cuda.blockIdx.x * 32 + lane] = acc
    return stream


VARIANTS = [("cg", 0), ("cg", 16), ("cg", 64), ("ca", 0), ("ldg", 0), ("ldg", 16)]


def sass(path):
    """The SASS of the cg +0 and ldg +0 variants (nvdisasm) into ``path``."""
    sig = "void(uint32[::1], uint32[::1], uint32[::1], int64)"
    with open(path, "w") as f:
        for kind in ("cg", "ldg"):
            fn = make(kind, 0)
            fn.compile(sig)
            f.write(f"=== {kind} +0\n{fn.inspect_sass(fn.signatures[0])}\n")


def main():
    import torch

    if len(sys.argv) > 2 and sys.argv[1] == "sass":
        return sass(sys.argv[2])
    ncu = len(sys.argv) > 1 and sys.argv[1] == "ncu"
    g = torch.Generator(device="cuda").manual_seed(0)
    k = torch.randint(0, 2**31 - 1, (ROWS * ROW,), device="cuda", generator=g, dtype=torch.int32)
    v = torch.randint(0, 2**31 - 1, (ROWS * ROW,), device="cuda", generator=g, dtype=torch.int32)
    kw = cuda.as_cuda_array(k.view(torch.int32)).view(np.uint32)
    vw = cuda.as_cuda_array(v.view(torch.int32)).view(np.uint32)
    out = cuda.device_array(BLOCKS * 32, np.uint32)
    nbytes = 2 * ROWS * ROW * 4
    rows_per_block = ROWS // BLOCKS
    stream = cuda.default_stream()
    # the expected xor of what each variant reads, from host copies
    kh, vh = k.cpu().numpy().view(np.uint32), v.cpu().numpy().view(np.uint32)
    expect = np.zeros(BLOCKS * 32, np.uint32)
    lanes = np.arange(32)
    for c in range(rows_per_block // TILE):
        rows0 = np.arange(BLOCKS) * rows_per_block + c * TILE
        kk = kh[((rows0[:, None] + lanes[None, :]) * ROW + (c & 63)).ravel()]
        vv = vh[(rows0[:, None] * ROW + lanes[None, :]).ravel()]
        expect ^= (kk + vv).astype(np.uint32)
    dst = torch.empty(2 * ROWS * ROW, device="cuda", dtype=torch.int32)
    src = torch.cat([k, v])
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    print(f"{'variant':12} {'us':>8} {'GB/s':>8} {'of copy':>8}")
    for kind, off in VARIANTS:
        fn = make(kind, off)
        fn[BLOCKS, 32, stream](kw, vw, out, rows_per_block)
        cuda.synchronize()
        assert np.array_equal(out.copy_to_host(), expect), (kind, off)
        if ncu:
            fn[BLOCKS, 32, stream](kw, vw, out, rows_per_block)
            cuda.synchronize()
            continue
        best, copy_best = [], []
        for _ in range(5):
            torch.cuda.synchronize()
            start.record()
            for _ in range(20):
                fn[BLOCKS, 32, stream](kw, vw, out, rows_per_block)
            end.record()
            end.synchronize()
            best.append(start.elapsed_time(end) / 20 * 1e3)
            start.record()
            for _ in range(20):
                dst.copy_(src)
            end.record()
            end.synchronize()
            copy_best.append(start.elapsed_time(end) / 20 * 1e3)
        us = min(best)
        copy_bw = 2 * nbytes / (min(copy_best) * 1e-6) / 1e9  # read + write
        bw = nbytes / (us * 1e-6) / 1e9
        print(f"{kind + ' +' + str(off):12} {us:8.1f} {bw:8.0f} {bw / copy_bw:8.2f}")


if __name__ == "__main__":
    main()
