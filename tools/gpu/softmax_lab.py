"""Softmax lab (issue 12): experimental causal-softmax kernels written with
numba_causal/intrinsics.py, their PTX/SASS instruction mix against the Triton row
kernel's, and their speed against the copy floor and the peers.

Standalone: loads numba_causal/intrinsics.py and triton_peer.py by path (not the
package), so it runs whatever state the package is in.

    python tools/gpu/softmax_lab.py ptx OUT        # no GPU: PTX + SASS + counts of ours
    python tools/gpu/softmax_lab.py gpu OUT        # H100/H200: check, time, Triton asm
    ncu --metrics ... python tools/gpu/softmax_lab.py ncu   # one launch each, for ncu

Kernel design ("row kernel"): a row of ``cache_len`` keys is handled by ``T``
threads (``T/32`` warps; T = 32 is a row per warp), ``ROWS`` rows per block
(block = (T, ROWS)). Thread t holds CHUNKS 16-byte chunks of the row in
registers: chunk c covers keys [(c*T + t)*VEC, +VEC) (VEC = 4 float32 or 8
16-bit keys), so each warp load is 512 contiguous bytes. Only chunks that hold a
kept key are loaded (kept-range-only reads); keys past the row's last kept key
become -inf by one compare against a per-chunk limit (only in the one chunk
that straddles it); the row max and sum are warp butterflies (+ one shared
memory step when T > 32); exp is one ``ex2.approx.ftz`` of ``fma(x, c, -m*c)``;
every chunk is stored (masked keys as zeros). All index arithmetic is int32/uint32
(intrinsics), 16-bit decode/encode is the hardware cvt (``cvt.f32.f16``,
``cvt.rn.f16x2.f32``/``cvt.rn.bf16x2.f32`` pack two per instruction).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load_by_path(name, rel):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, rel))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


sys.path.insert(0, ROOT)
from numba_causal import intrinsics as I  # noqa: E402  (relative imports: the package)

from numba import float32, uint32  # noqa: E402

try:
    from numba import cuda
except Exception:  # numba-hip's environment (lab_hip_softmax.py) has no numba-cuda
    cuda = None

P = {name: spelled["cuda"] for name, spelled in I.INTRINSICS.items() if "cuda" in spelled}

SCALE = 128 ** -0.5
FORMATS = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}
NEG = float32(-math.inf)


def make_kernel(fmt: str, T: int, ROWS: int, CHUNKS: int, LOADS_FIRST: bool = True,
                gpu=cuda, prims=None):
    """The row kernel for element format ``fmt`` ('f32', 'f16', 'bf16'), ``T`` threads
    per row, ``ROWS`` rows per block, ``CHUNKS`` 16-byte chunks per thread.
    Arguments: x, y (flat float32 or int16 bits), seq_len, offset, c2 = scale*log2(e).
    The row length is CACHE = CHUNKS*T*VEC (compile time). LOADS_FIRST (v2): every
    chunk's load is issued before any is decoded (v1 decoded each chunk inside its
    load's branch, so the SASS waited for each load before issuing the next).
    ``gpu``/``prims``: the GPU namespace and the primitives' spellings (default
    numba.cuda and the cuda ones; lab_hip_softmax.py passes numba.hip's)."""
    p = P if prims is None else prims
    add32, sub32, mul32, mad32, u32 = p["add32"], p["sub32"], p["mul32"], p["mad32"], p["u32"]
    urem32, shr32, and32 = p["urem32"], p["shr32"], p["and32"]
    load_v4, store_v4, as_f32, exp2f = p["load_v4"], p["store_v4"], p["as_f32"], p["exp2f"]
    warp_max, warp_sum = p["warp_max"], p["warp_sum"]
    VEC = 4 if fmt == "f32" else 8
    W = T // 32
    NV = CHUNKS * VEC
    NW = CHUNKS * 4  # 32-bit words per thread
    STRIDE = T * VEC
    CACHE = CHUNKS * STRIDE
    WIDE = fmt == "f32"
    lo = p["f16x2_lo"] if fmt == "f16" else p["bf16x2_lo"]
    hi = p["f16x2_hi"] if fmt == "f16" else p["bf16x2_hi"]
    pack = p["pack_f16x2"] if fmt == "f16" else p["pack_bf16x2"]
    # -inf as raw words: float32, or two float16 / bfloat16 -inf keys
    NEGW = uint32({"f32": 0xFF800000, "f16": 0xFC00FC00, "bf16": 0xFF80FF80}[fmt])

    def kernel(x, y, seq_len, offset, c2):
        t = gpu.threadIdx.x
        r = gpu.threadIdx.y
        row = mad32(gpu.blockIdx.x, ROWS, r)
        last = add32(urem32(row, seq_len), offset)  # keys <= last are kept
        base = mul32(row, CACHE)
        lim0 = sub32(last, mul32(t, VEC))  # chunk c keeps its keys j <= lim0 - c*STRIDE
        v = gpu.local.array(NV, float32)
        m = NEG
        if LOADS_FIRST:
            raw = gpu.local.array(NW, uint32)
            for c in range(CHUNKS):
                if sub32(lim0, c * STRIDE) >= 0:
                    w = load_v4(x, u32(add32(base, mad32(t, VEC, c * STRIDE))))
                    raw[c * 4 + 0] = w[0]
                    raw[c * 4 + 1] = w[1]
                    raw[c * 4 + 2] = w[2]
                    raw[c * 4 + 3] = w[3]
                else:
                    raw[c * 4 + 0] = NEGW
                    raw[c * 4 + 1] = NEGW
                    raw[c * 4 + 2] = NEGW
                    raw[c * 4 + 3] = NEGW
            for c in range(CHUNKS):
                for k in range(4):
                    if WIDE:
                        v[c * 4 + k] = as_f32(raw[c * 4 + k])
                    else:
                        v[c * 8 + 2 * k] = lo(raw[c * 4 + k])
                        v[c * 8 + 2 * k + 1] = hi(raw[c * 4 + k])
                lim = sub32(lim0, c * STRIDE)
                if lim >= 0 and lim < VEC - 1:  # the chunk that straddles the last kept key
                    for j in range(1, VEC):
                        if j > lim:
                            v[c * VEC + j] = NEG
                for j in range(VEC):
                    m = max(m, v[c * VEC + j])
        else:
            for c in range(CHUNKS):
                lim = sub32(lim0, c * STRIDE)
                if lim >= 0:
                    w = load_v4(x, u32(add32(base, mad32(t, VEC, c * STRIDE))))
                    if WIDE:
                        v[c * 4 + 0] = as_f32(w[0])
                        v[c * 4 + 1] = as_f32(w[1])
                        v[c * 4 + 2] = as_f32(w[2])
                        v[c * 4 + 3] = as_f32(w[3])
                    else:
                        v[c * 8 + 0] = lo(w[0])
                        v[c * 8 + 1] = hi(w[0])
                        v[c * 8 + 2] = lo(w[1])
                        v[c * 8 + 3] = hi(w[1])
                        v[c * 8 + 4] = lo(w[2])
                        v[c * 8 + 5] = hi(w[2])
                        v[c * 8 + 6] = lo(w[3])
                        v[c * 8 + 7] = hi(w[3])
                    if lim < VEC - 1:  # the one chunk that straddles the last kept key
                        for j in range(1, VEC):
                            if j > lim:
                                v[c * VEC + j] = NEG
                    for j in range(VEC):
                        m = max(m, v[c * VEC + j])
        m = warp_max(m)
        if W > 1:
            red = gpu.shared.array((ROWS, W), float32)
            lane = and32(t, 31)
            warp = shr32(t, 5)
            if lane == 0:
                red[u32(r), warp] = m
            gpu.syncthreads()
            m = red[u32(r), 0]
            for i in range(1, W):
                m = max(m, red[u32(r), i])
        mc = m * c2
        s = float32(0.0)
        for c in range(CHUNKS):
            if sub32(lim0, c * STRIDE) >= 0:
                for j in range(VEC):
                    e = exp2f(v[c * VEC + j] * c2 - mc)
                    v[c * VEC + j] = e
                    s += e
        s = warp_sum(s)
        if W > 1:
            red2 = gpu.shared.array((ROWS, W), float32)
            if and32(t, 31) == 0:
                red2[u32(r), shr32(t, 5)] = s
            gpu.syncthreads()
            s = red2[u32(r), 0]
            for i in range(1, W):
                s += red2[u32(r), i]
        inv = float32(1.0) / s
        for c in range(CHUNKS):
            at = u32(add32(base, mad32(t, VEC, c * STRIDE)))
            if sub32(lim0, c * STRIDE) >= 0:
                if WIDE:
                    store_v4(y, at, v[c * 4] * inv, v[c * 4 + 1] * inv,
                             v[c * 4 + 2] * inv, v[c * 4 + 3] * inv)
                else:
                    store_v4(y, at, pack(v[c * 8] * inv, v[c * 8 + 1] * inv),
                             pack(v[c * 8 + 2] * inv, v[c * 8 + 3] * inv),
                             pack(v[c * 8 + 4] * inv, v[c * 8 + 5] * inv),
                             pack(v[c * 8 + 6] * inv, v[c * 8 + 7] * inv))
            else:
                store_v4(y, at, u32(0), u32(0), u32(0), u32(0))

    kernel.__name__ = kernel.__qualname__ = \
        f"lab_softmax_{'v2' if LOADS_FIRST else 'v1'}_{fmt}_t{T}_r{ROWS}_c{CHUNKS}"
    return kernel


def signature(fmt):
    arr = "float32[::1]" if fmt == "f32" else "int16[::1]"
    return f"void({arr}, {arr}, int32, int32, float32)"


def configs(dtype: str, cache_len: int):
    """(T, ROWS, CHUNKS) launch shapes tried for one row length."""
    vec = 4 if dtype == "float32" else 8
    out = []
    for t, rows in ((32, 4), (64, 2), (128, 2), (256, 1), (256, 2), (512, 1), (1024, 1)):
        chunks = cache_len // (t * vec)
        if chunks * t * vec == cache_len and 1 <= chunks and chunks * vec <= 64:
            out.append((t, rows, chunks))
    return out


# ------------------------------------------------------------------ asm analysis

def tool(name):
    for d in [os.path.join(sys.prefix, "bin"), "/usr/local/cuda/bin"] + \
             [os.path.join(p, "nvidia", "cu13", "bin") for p in sys.path if p]:
        f = os.path.join(d, name)
        if os.path.exists(f):
            return f
    try:
        import triton
        import glob

        found = glob.glob(os.path.join(os.path.dirname(triton.__file__), "**", name),
                          recursive=True)
        if found:
            return found[0]
    except Exception:
        pass
    return shutil.which(name)


def sass_of_ptx(ptx: str):
    ptxas, nvdisasm = tool("ptxas"), tool("nvdisasm")
    if not ptxas or not nvdisasm:
        return None, "ptxas/nvdisasm not found"
    with tempfile.TemporaryDirectory() as d:
        src, cubin = os.path.join(d, "k.ptx"), os.path.join(d, "k.cubin")
        open(src, "w").write(ptx)
        r = subprocess.run([ptxas, "-arch=sm_90", "-v", src, "-o", cubin],
                           capture_output=True, text=True)
        if r.returncode:
            return None, r.stderr
        return sass_of_cubin(open(cubin, "rb").read(), nvdisasm), r.stderr


def sass_of_cubin(cubin: bytes, nvdisasm=None):
    nvdisasm = nvdisasm or tool("nvdisasm")
    with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
        f.write(cubin)
        f.flush()
        return subprocess.run([nvdisasm, "-c", f.name], capture_output=True, text=True).stdout


def ptx_counts(ptx: str) -> dict:
    """Static PTX instruction counts by class (kernel bodies only)."""
    c = dict(total=0, int64=0, int32=0, conv_fp=0, ld_global=0, st_global=0, ld_v4=0,
             st_v4=0, ld_v2=0, shfl=0, ex2=0, fp32=0, branch=0, other=0)
    body = False
    for line in ptx.splitlines():
        s = line.strip()
        if s.startswith(".entry") or s.startswith(".visible .entry"):
            body = True
        if not body or not s or s.startswith(("//", ".", "{", "}", "$", ")", "(")) or s.endswith(":"):
            continue
        s = re.sub(r"^@!?%p\d+\s+", "", s)
        op = s.split()[0]
        if op in ("ret;", "ret"):
            continue
        c["total"] += 1
        base = op.split(".")[0]
        if base.startswith("ld") and ".global" in op:
            c["ld_global"] += 1
            c["ld_v4"] += ".v4" in op
            c["ld_v2"] += ".v2" in op
        elif base.startswith("st") and ".global" in op:
            c["st_global"] += 1
            c["st_v4"] += ".v4" in op
        elif base == "cvt" and re.search(r"\.(f16|bf16|f32|f64)", op) and \
                re.search(r"cvt(\.\w+)*\.(f16|bf16|f16x2|bf16x2)|\.f16$|\.bf16$", op):
            c["conv_fp"] += 1
        elif base.startswith("shfl"):
            c["shfl"] += 1
        elif base == "ex2":
            c["ex2"] += 1
        elif base in ("bra",):
            c["branch"] += 1
        elif re.search(r"\.(s64|u64|b64)\b", op) and base in (
                "add", "sub", "mul", "mad", "shl", "shr", "and", "or", "xor", "setp", "selp",
                "min", "max", "cvt", "neg", "rem", "div", "cvta"):
            c["int64"] += 1
        elif re.search(r"\.(s32|u32|b32|s16|u16|b16)\b", op) and base in (
                "add", "sub", "mul", "mad", "shl", "shr", "and", "or", "xor", "setp", "selp",
                "min", "max", "cvt", "neg", "rem", "div", "prmt", "bfe", "bfi"):
            c["int32"] += 1
        elif re.search(r"\.f32\b", op):
            c["fp32"] += 1
        else:
            c["other"] += 1
    return c


SASS_CLASSES = [
    ("ld_global_128", r"^LDG\.E\.128"), ("ld_global_64", r"^LDG\.E\.64"),
    ("ld_global_other", r"^LDG"), ("st_global_128", r"^STG\.E\.128"),
    ("st_global_other", r"^STG"), ("shared", r"^(LDS|STS)"), ("local", r"^(LDL|STL)"),
    ("conv", r"^(F2F|F2FP|I2F|F2I|HADD2\.F32)"), ("mufu", r"^MUFU"),
    ("shfl", r"^SHFL"), ("int64_part", r"^(IADD3\.X|LEA\.HI\.X|IMAD\.WIDE|ISETP\.\w*\.EX|SHF\.\w*\.64|IMAD\.X)"),
    ("int", r"^(IADD3|IMAD|LEA|SHF|LOP3|ISETP|IMNMX|SEL|PRMT|IABS|I2I|POPC|FLO|BMSK|SGXT|UIADD3|UIMAD|ULEA|USHF|ULOP3|UISETP|USEL|UPRMT|IMUL)"),
    ("fp32", r"^(FADD|FMUL|FFMA|FMNMX|FSEL|FSETP|FMUL)"),
    ("control", r"^(BRA|EXIT|BAR|BSSY|BSYNC|WARPSYNC|RET|CALL|NOP|BPT|YIELD|VOTE|BREAK)"),
    ("move", r"^(MOV|S2R|S2UR|ULDC|LDC|CS2R|R2UR|UMOV|IMAD\.MOV|P2R|R2P|PLOP3)"),
]


def sass_counts(sass: str) -> dict:
    c = {k: 0 for k, _ in SASS_CLASSES}
    c["other"] = c["total"] = 0
    for line in sass.splitlines():
        mm = re.match(r"\s*/\*[0-9a-f]{4,}\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*)", line)
        if not mm:
            continue
        op = mm.group(1)
        if op in ("NOP",):
            continue
        c["total"] += 1
        for k, pat in SASS_CLASSES:
            if re.match(pat, op) and not (k == "int" and op.startswith("IMAD.MOV")):
                c[k] += 1
                break
        else:
            c["other"] += 1
    return c


def per_element(counts: dict, elements: int) -> dict:
    return {k: round(v / elements, 2) for k, v in counts.items()}


# ------------------------------------------------------------------ modes

CASES = [((4, 32, 2048, 2048), d) for d in ("float32", "float16", "bfloat16")] + \
        [((1, 8, 8192, 8192), d) for d in ("float32", "float16", "bfloat16")]


def ptx_mode(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    table = []
    for shape, dtype in CASES:
        fmt = FORMATS[dtype]
        for lf, T, rows, chunks in [(lf,) + c for lf in (False, True)
                                    for c in configs(dtype, shape[-1])]:
            fn = make_kernel(fmt, T, rows, chunks, lf)
            ptx, _ = cuda.compile_ptx(fn, signature(fmt), cc=(9, 0))
            sass, log = sass_of_ptx(ptx)
            name = f"{fn.__name__}_{shape[-1]}"
            elements = chunks * (4 if fmt == "f32" else 8)
            row = dict(kernel=name, dtype=dtype, cache_len=shape[-1], T=T, rows=rows,
                       variant="v2" if lf else "v1",
                       chunks=chunks, elements_per_thread=elements,
                       ptx=ptx_counts(ptx), ptx_per_element=per_element(ptx_counts(ptx), elements),
                       ptxas=(log or "").strip().splitlines()[-3:])
            if sass:
                row["sass"] = sass_counts(sass)
                row["sass_per_element"] = per_element(row["sass"], elements)
            table.append(row)
            if (T, shape[-1]) in ((128, 2048), (32, 2048), (512, 8192)):
                open(os.path.join(out_dir, name + ".ptx"), "w").write(ptx)
                if sass:
                    open(os.path.join(out_dir, name + ".sass"), "w").write(sass)
            print(f"{name:40s} ptx/elem {row['ptx_per_element']['total']:5.2f} "
                  f"int64 {row['ptx']['int64']:3d} int32 {row['ptx']['int32']:3d} "
                  f"sass/elem {row.get('sass_per_element', {}).get('total', '-')} "
                  f"{' '.join(row['ptxas'][-2:])}", flush=True)
    with open(os.path.join(out_dir, "asm_counts.json"), "w") as f:
        json.dump(table, f, indent=1)
    return table


class Timer:
    """Median of CUDA-event samples, each spanning ~1 ms of back-to-back calls
    (bench.TorchTimer's method, copied so the lab does not import the package)."""

    def __init__(self, repeats=30, warmup=3):
        import torch

        self.torch, self.repeats, self.warmup = torch, repeats, warmup

    def _events(self, fn, inner):
        torch = self.torch
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(inner):
            fn()
        b.record()
        b.synchronize()
        return a.elapsed_time(b) / inner

    def __call__(self, fn):
        for _ in range(self.warmup):
            fn()
        self.torch.cuda.synchronize()
        inner = max(1, min(100, int(1.0 / max(self._events(fn, 1), 1e-3))))
        return float(np.median([self._events(fn, inner) for _ in range(self.repeats)]))


def gpu_mode(out_dir, budget_s=290.0):
    import torch

    start = time.time()
    os.makedirs(out_dir, exist_ok=True)
    tp = _load_by_path("lab_triton_peer", "numba_causal/triton_peer.py")
    timer = Timer()
    src = torch.randn(2**28, device="cuda")
    dst = torch.empty_like(src)
    copy_gbps = 2 * 2**28 * 4 / (timer(lambda: dst.copy_(src)) * 1e6)
    del src, dst
    dev = torch.cuda.get_device_name()
    head = (f"{dev}  copy {copy_gbps:.0f} GB/s  {time.strftime('%F %T %Z')}  torch {torch.__version__}"
            f"  numba-cuda {getattr(__import__('numba_cuda'), '__version__', '?')}")
    print(head, flush=True)
    results = dict(device=dev, copy_gbps=copy_gbps, date=time.strftime("%F %T %Z"), rows=[])
    tol = {"float32": 1e-6, "float16": 1e-3, "bfloat16": 2.0 ** -8}
    log = open(os.path.join(out_dir, "lab_gpu.txt"), "w")
    log.write(head + "\n")
    c2 = SCALE / math.log(2.0)
    for shape, dtype in CASES:
        tdt = getattr(torch, dtype)
        fmt = FORMATS[dtype]
        b, h, s, n = shape
        x = torch.randn(shape, device="cuda", dtype=tdt)
        q = torch.arange(s, device="cuda")[:, None] + (n - s)
        where = torch.arange(n, device="cuda")[None, :] > q
        want = torch.softmax((SCALE * x.double()).masked_fill(where, float("-inf")), -1)
        rowmax = want.amax(-1)

        def err_of(out):
            return float(((out.double() - want).abs().amax(-1) / rowmax).max())

        total = x.numel()
        kept = b * h * sum(min(n, qq + (n - s) + 1) for qq in range(s))
        item = x.element_size()
        floor_ms = (kept * item + total * item) / (copy_gbps * 1e6)
        flat_x = x.view(-1) if fmt == "f32" else x.view(torch.int16).view(-1)
        out = torch.full_like(x, float("nan"))
        flat_y = out.view(-1) if fmt == "f32" else out.view(torch.int16).view(-1)
        rows_here = []
        for lf, T, rows, chunks in [(lf,) + c for lf in (True, False) for c in configs(dtype, n)]:
            fn = cuda.jit(signature(fmt))(make_kernel(fmt, T, rows, chunks, lf))
            xa, ya = cuda.as_cuda_array(flat_x), cuda.as_cuda_array(flat_y)
            grid = (b * h * s) // rows
            stream = cuda.external_stream(torch.cuda.current_stream().cuda_stream)

            def launch():
                fn[grid, (T, rows), stream](xa, ya, s, n - s, c2)
            out.fill_(float("nan"))
            launch()
            torch.cuda.synchronize()
            err = err_of(out)
            finite = bool(torch.isfinite(out).all())
            ok = finite and err <= tol[dtype]
            ms = timer(launch) if ok else float("nan")
            regs = next(iter(fn.overloads.values())).regs_per_thread
            local = next(iter(fn.overloads.values())).local_mem_per_thread
            rec = dict(shape=shape, dtype=dtype, kernel="lab", variant="v2" if lf else "v1", T=T, rows=rows, chunks=chunks,
                       ms=ms, of_floor=floor_ms / ms, err=err, ok=ok, regs=regs, local=local)
            rows_here.append(rec)
            line = (f"{dtype:8s} {'x'.join(map(str, shape)):15s} {rec['variant']} T{T:4d} R{rows} C{chunks:2d} "
                    f"regs {regs} local {local}: {ms:.4f} ms  floor {floor_ms:.4f}  "
                    f"{floor_ms / ms:.2f} of floor  err {err:.1e} {'OK' if ok else 'FAILED'}")
            print(line, flush=True)
            log.write(line + "\n")
        peers = {}
        out.fill_(float("nan"))
        nw = 8 if n >= 2048 else 4
        ck = tp._causal_softmax_row[(b * h * s,)](x, out, s, n, n - s, SCALE, BLOCK=n,
                                                   num_warps=nw)  # = causal_softmax_triton
        terr = err_of(out)
        if terr <= 2.0 ** -8 and bool(torch.isfinite(out).all()):
            peers["triton row kernel"] = timer(lambda: tp.causal_softmax_triton(x, SCALE, out))
        peers_err = {"triton row kernel": terr}

        def eager(t):
            return torch.softmax((SCALE * t).masked_fill(where, float("-inf")), -1)
        peers["torch eager"] = timer(lambda: eager(x))
        if time.time() - start < budget_s:
            compiled = torch.compile(eager, dynamic=False)
            got = compiled(x)
            peers_err["torch.compile"] = err_of(got)
            del got
            peers["torch.compile"] = timer(lambda: compiled(x))
        best = min((r for r in rows_here if r["ok"]), key=lambda r: r["ms"], default=None)
        summary = dict(shape=shape, dtype=dtype, floor_ms=floor_ms, peers_ms=peers,
                       peers_err=peers_err, best=best,
                       peers_of_floor={k: floor_ms / v for k, v in peers.items()},
                       best_vs_peers={k: v / best["ms"] for k, v in peers.items()} if best else {})
        results["rows"].extend(rows_here)
        results.setdefault("summary", []).append(summary)
        line = (f"{dtype:8s} {'x'.join(map(str, shape)):15s} peers: " +
                ", ".join(f"{k} {v:.4f} ms ({floor_ms / v:.2f} of floor)" for k, v in peers.items()))
        print(line, flush=True)
        log.write(line + "\n")
        # Triton's asm for the comparison (2048 keys)
        try:
            kernel_asm = getattr(ck, "asm", None)
            if n == 2048 and kernel_asm and "ptx" in kernel_asm:
                tag = f"triton_row_{dtype}_{n}"
                ptx = kernel_asm["ptx"]
                sass = sass_of_cubin(kernel_asm["cubin"]) if "cubin" in kernel_asm else ""
                with open(os.path.join(out_dir, tag + ".ptx"), "w") as f:
                    f.write(ptx)
                if sass:
                    with open(os.path.join(out_dir, tag + ".sass"), "w") as f:
                        f.write(sass)
                elements = n // (nw * 32)
                results.setdefault("triton_asm", []).append(dict(
                    kernel=tag, elements_per_thread=elements, ptx=ptx_counts(ptx),
                    ptx_per_element=per_element(ptx_counts(ptx), elements),
                    sass=sass_counts(sass) if sass else None,
                    sass_per_element=per_element(sass_counts(sass), elements) if sass else None))
        except Exception as exc:  # the asm is a by-product: keep timing
            print(f"triton asm: {type(exc).__name__}: {exc}", flush=True)
        del x, out, want, where, rowmax, flat_x, flat_y
        torch.cuda.empty_cache()
        with open(os.path.join(out_dir, "lab_gpu.json"), "w") as f:
            json.dump(results, f, indent=1, default=str)
    print("\nsummary (best lab launch per case):")
    for sm in results.get("summary", []):
        best = sm["best"]
        print(f"{sm['dtype']:8s} {'x'.join(map(str, sm['shape'])):15s} "
              + (f"lab {best['variant']} T{best['T']} R{best['rows']} C{best['chunks']} {best['ms']:.4f} ms "
                 f"{sm['floor_ms'] / best['ms']:.2f} of floor; " if best else "lab FAILED; ")
              + "; ".join(f"{k} {v:.2f}" for k, v in sm["peers_of_floor"].items())
              + " | lab vs: " + ", ".join(f"{k} {v:.2f}x" for k, v in sm["best_vs_peers"].items()))
    log.close()
    return results


NCU_CONFIGS = {"float32": (256, 1, 2), "float16": (128, 2, 2), "bfloat16": (128, 2, 2)}


def ncu_mode(out_dir):
    """One launch of the v2 kernel and of the Triton row kernel per dtype on
    [4,32,2048,2048], for Nsight Compute (instructions executed, DRAM bytes)."""
    import torch

    tp = _load_by_path("lab_triton_peer", "numba_causal/triton_peer.py")
    shape = (4, 32, 2048, 2048)
    b, h, s, n = shape
    for dtype, (T, rows, chunks) in NCU_CONFIGS.items():
        fmt = FORMATS[dtype]
        x = torch.randn(shape, device="cuda", dtype=getattr(torch, dtype))
        out = torch.empty_like(x)
        fx = x.view(-1) if fmt == "f32" else x.view(torch.int16).view(-1)
        fy = out.view(-1) if fmt == "f32" else out.view(torch.int16).view(-1)
        fn = cuda.jit(signature(fmt))(make_kernel(fmt, T, rows, chunks, True))
        fn[(b * h * s) // rows, (T, rows)](cuda.as_cuda_array(fx), cuda.as_cuda_array(fy),
                                           s, n - s, SCALE / math.log(2.0))
        cuda.synchronize()
        tp.causal_softmax_triton(x, SCALE, out)
        torch.cuda.synchronize()
        print(dtype, "launched", flush=True)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "ptx"
    out = sys.argv[2] if len(sys.argv) > 2 else "lab_out"
    {"ptx": ptx_mode, "gpu": gpu_mode, "ncu": ncu_mode}[mode](out)
