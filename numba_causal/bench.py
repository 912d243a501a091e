"""The benchmark harness: ``python -m numba_causal bench`` (or ``numba-causal bench``).

Each kernel family brings its own benchmark (``op.Family.bench``, next to its
kernels): it draws fresh random inputs, checks our result in full against an
independent definition, then times the op (median of many runs; CUDA events on
a GPU) and its peers — what a user would otherwise write: PyTorch eager,
``torch.compile``, a Triton kernel, NumPy — and returns a :class:`Row`. This
module supplies what they share: timers, the bandwidths measured in the same
run, the sweep, the table, the plot and the command line.

The floor of a row is the bytes its kernel must move over the bandwidth
measured in the same run (a fill for ops that only write, a copy for ops that
read and write); floor / time is the fraction of the hardware's bandwidth
reached: 1.0 is the best possible, higher is better.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import asdict

import numpy as np

from . import op
from .backends import NAMES, Backend, get_backend
from .benchkit import (ITEMSIZE, BenchContext, CpuTimer, Row, TorchTimer,  # noqa: F401
                       gpu_case, masked_count, max_rel_error)  # (re-exported for tools)

#: the sweeps a family's ``bench_shapes`` may name
SWEEPS = ("gpu", "cpu", "quick")


SHAPES_FORMAT = ("SHAPE[:DTYPE,...] separated by ';', a shape being positive sizes joined by "
                 "'x' in the layout of the ops run (mask, softmax, softmax_backward: 2 or 4 "
                 "sizes; rotary 5; attention 6, or 7 with a last 1 for ragged kv_lens) and a "
                 "dtype one of float32, float16, bfloat16, float64 (rotary: +table for "
                 "cos/sin tables, e.g. float16+table; softmax on a GPU: +windowN for "
                 "window=N, +kv_lens for ragged kv_lens, e.g. float16+window1024); "
                 "e.g. '4x32x2048x2048:float32,float16;4096x4096'")


def parse_shapes(text: str) -> list:
    """'4x32x2048x2048:float32,float16;4096x4096' -> [((4,32,2048,2048), (...)), ...]."""
    cases = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        dims, _, kinds = part.partition(":")
        try:
            shape = tuple(int(d) for d in dims.lower().split("x"))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} is not a shape; expected "
                                             f"{SHAPES_FORMAT}") from None
        if len(shape) < 2 or min(shape) < 1:
            raise argparse.ArgumentTypeError(f"shape {dims!r} must have 2 or more positive "
                                             f"sizes; expected {SHAPES_FORMAT}")
        if math.prod(shape) > 2**48:  # 256 Ti elements: past any machine's memory
            raise argparse.ArgumentTypeError(f"shape {dims!r} has {math.prod(shape):.3g} "
                                             f"elements: more than any memory holds")
        dtypes = tuple(k.strip() for k in kinds.split(",")) if kinds else ("float32",)
        bad = [k for k in dtypes if k.partition("+")[0] not in ITEMSIZE]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown dtype {', '.join(map(repr, bad))}; "
                                             f"expected {SHAPES_FORMAT}")
        cases.append((shape, dtypes))
    if not cases:
        raise argparse.ArgumentTypeError(f"no shape given; expected {SHAPES_FORMAT}")
    return cases


def _progress(total: int, enabled: bool):
    try:
        if not enabled:
            raise ImportError
        from tqdm.auto import tqdm

        return tqdm(total=total, disable=not enabled, unit="case", file=sys.stderr)
    except ImportError:  # a minimal stand-in
        class Bar:
            n = 0

            def update(self, k=1):
                self.n += k
                if enabled:
                    print(f"\r[{self.n}/{total}]", end="", file=sys.stderr, flush=True)

            def set_description(self, _):
                pass

            def close(self):
                if enabled:
                    print(file=sys.stderr)
        return Bar()


def call_overhead_us(backend="auto", calls=None) -> dict:
    """Host time per call (µs) on a tiny [1,1,8,8] input: ours vs the usual peer;
    ``causal_attention`` of one query row over 8 keys (head_dim 64, ``out``
    given), against torch's SDPA where torch is present; ``apply_rotary`` of that
    query row in place (a decode step's offset).

    Calls are issued back to back and synchronised once at the end, so this is the
    launch cost a Python loop pays, not kernel time: ``calls`` a trial (default 2000;
    20 on the simulator, whose launch runs a Python thread per lane).
    """
    from .api import apply_causal_mask, causal_softmax  # what a user calls
    from .attention import causal_attention
    from .rotary import apply_rotary

    chosen = get_backend(backend)
    calls = calls or (20 if chosen.name == "sim" else 2000)
    if chosen.name in ("cuda", "hip"):
        import torch

        x = torch.randn(1, 1, 8, 8, device="cuda")
        where = torch.ones(8, 8, dtype=torch.bool, device="cuda").triu(1)
        sync = torch.cuda.synchronize
        probs = torch.empty_like(x)
        q, k = torch.randn(1, 1, 1, 64, device="cuda"), torch.randn(1, 1, 8, 64, device="cuda")
        attended = torch.empty_like(q)
        fns = {"ours": lambda: apply_causal_mask(x, backend=chosen.name),
               "ours softmax": lambda: causal_softmax(x, out=probs, backend=chosen.name),
               "torch.masked_fill_": lambda: x.masked_fill_(where, float("-inf")),
               "ours attention": lambda: causal_attention(q, k, k, out=attended,
                                                          backend=chosen.name),
               "ours rotary": lambda: apply_rotary(q, offset=7, backend=chosen.name),
               "torch SDPA": lambda: torch.nn.functional.scaled_dot_product_attention(q, k, k)}
    else:
        rng = np.random.default_rng()
        x = rng.standard_normal((1, 1, 8, 8), dtype=np.float32)
        where = np.triu(np.ones((8, 8), bool), 1)
        sync = (lambda: None)
        probs = np.empty_like(x)
        q, k = rng.standard_normal((1, 1, 1, 64), np.float32), \
            rng.standard_normal((1, 1, 8, 64), np.float32)
        attended = np.empty_like(q)
        fns = {"ours": lambda: apply_causal_mask(x, backend=chosen),
               "ours softmax": lambda: causal_softmax(x, out=probs, backend=chosen),
               "numpy.copyto": lambda: np.copyto(x, -np.inf, where=where),
               "ours attention": lambda: causal_attention(q, k, k, out=attended,
                                                          backend=chosen),
               "ours rotary": lambda: apply_rotary(q, offset=7, backend=chosen)}
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None:
            tq, tk = torch.from_numpy(q), torch.from_numpy(k)
            fns["torch CPU SDPA"] = \
                lambda: torch.nn.functional.scaled_dot_product_attention(tq, tk, tk)
    out = {name: float("inf") for name in fns}
    for _trial in range(5):  # interleaved trials; the best of each
        for name, fn in fns.items():
            for _ in range(min(50, calls)):
                fn()
            sync()
            t = time.perf_counter()
            for _ in range(calls):
                fn()
            sync()
            out[name] = min(out[name], 1e6 * (time.perf_counter() - t) / calls)
    return out


_FIRST_CALL = '''
import time, sys
import torch
x = torch.randn(1, 1, 64, 64, device="cuda"); torch.cuda.synchronize()
want = x.masked_fill(torch.ones(64, 64, dtype=torch.bool, device="cuda").triu(1), float("-inf"))
t = time.perf_counter(); import numba_causal as nc; t_import = time.perf_counter() - t
t = time.perf_counter(); nc.apply_causal_mask(x, backend=sys.argv[1]); torch.cuda.synchronize()
t_call = time.perf_counter() - t
assert torch.equal(x, want), "first call gave a wrong mask"
print(t_import, t_call)
'''


def first_call_seconds(backend="cuda") -> dict:
    """Seconds of the first apply_causal_mask in a new process (torch and its CUDA
    context already up; ``import numba_causal`` timed apart): with an empty
    on-disk kernel cache, then warm."""
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = [subprocess.run([sys.executable, "-c", _FIRST_CALL, backend], env=env,
                               check=True, capture_output=True, text=True).stdout.split()[-2:]
                for _ in range(3)]
    imports, calls = [float(r[0]) for r in runs], [float(r[1]) for r in runs]
    return {"cold": calls[0], "warm": min(calls[1:]), "import": min(imports)}


# --- the sweep ---------------------------------------------------------------------

def _sweep(backend: Backend) -> str:
    return "gpu" if backend.name in ("cuda", "hip") else "quick" if backend.name == "sim" else "cpu"


def bench_families(ops=None, shapes_given=False) -> list:
    """The families a run times: those named in ``ops`` (names or labels), else every
    family with a benchmark, or the mask alone where shapes are given."""
    families = [f for f in op.families().values() if f.bench is not None]
    if ops is not None:
        ops = (ops,) if isinstance(ops, str) else tuple(ops)
        known = {f.name for f in families} | {f.bench_label for f in families}
        bad = [o for o in ops if o not in known]
        if bad or not ops:
            raise ValueError(f"unknown op {', '.join(map(repr, bad)) or 'none given'}; choose "
                             f"from {', '.join(sorted(f.bench_label for f in families))}")
        return [f for f in families if f.name in ops or f.bench_label in ops]
    return families[:1] if shapes_given else families


def check_shapes(families, cases, backend_name: str = None) -> None:
    """Each of ``cases`` ([(shape, dtypes)], --shapes) in the layout of every family
    run (its ``bench_sizes``), each dtype's ``+MODE`` one it has (``bench_modes``) and
    the case one its benchmark can run on ``backend_name`` (``bench_check``), else
    ValueError naming what it takes."""
    for shape, dtypes in cases:
        if isinstance(dtypes, str) or not all(isinstance(d, str) for d in dtypes):
            raise ValueError(f"a case is (shape, dtype names), the names a tuple or list: "
                             f"got dtypes {dtypes!r} for shape {tuple(shape)}")
    for family in families:
        for shape, dtypes in cases:
            if len(shape) not in family.bench_sizes:
                sizes = " or ".join(map(str, family.bench_sizes))
                raise ValueError(f"--shapes {'x'.join(map(str, shape))}: {family.bench_label} "
                                 f"takes {sizes} sizes ({family.bench_layout})")
            for dtype in dtypes:
                mode = dtype.partition("+")[2]
                if "+" in dtype and not family.takes_mode(mode):
                    takes = ", ".join(f"+{m}" for m in family.bench_modes) or "none"
                    raise ValueError(f"--shapes dtype {dtype!r}: {family.bench_label} takes no "
                                     f"mode +{mode} (its modes: {takes})")
                why = family.bench_check and family.bench_check(shape, dtype, backend_name)
                if why:
                    raise ValueError(f"--shapes {'x'.join(map(str, shape))}:{dtype}: "
                                     f"{family.bench_label} {why}")


def run_benchmark(backend="auto", cases=None, repeats=None, progress=True, peers=True,
                  use_compile=True, ops=None) -> dict:
    """Run the sweep; returns {"device", "fill_gbps", "copy_gbps", "rows": [Row, ...]}.

    ``ops``: family names or labels to run (default: every family with a
    benchmark; the mask alone where ``cases`` are given); ``cases``: [(shape,
    dtypes)] for every op run (default: each family's own shapes for this
    backend's sweep, 'quick' when ``cases`` is the string 'quick')."""
    chosen = get_backend(backend)
    on_gpu = chosen.name in ("cuda", "hip")
    sweep = "quick" if cases == "quick" else _sweep(chosen)
    if cases == "quick":
        cases = None
    families = bench_families(ops, cases is not None)
    if cases:  # the command line checked them before the run already (exit status 2)
        check_shapes(families, cases, chosen.name)
    if on_gpu:
        import torch

        timer = TorchTimer(repeats or 50)
        device = torch.cuda.get_device_name()
    else:
        timer = CpuTimer(repeats or (3 if chosen.name == "sim" else 10), warmup=1)
        device = f"{chosen.name} on host CPU"
    ctx = BenchContext(chosen, timer, peers, use_compile)
    work = [(f, shape, dtype) for f in families
            for shape, dtypes in (cases or f.bench_shapes.get(sweep, ())) for dtype in dtypes]
    rows = []
    bar = _progress(len(work), progress)
    for family, shape, dtype in work:
        bar.set_description(f"{family.bench_label} {'x'.join(map(str, shape))} {dtype}")
        rows.append(family.bench(ctx, shape, dtype))
        bar.update(1)
    bar.close()
    return {"backend": chosen.name, "device": device, "fill_gbps": ctx._bandwidth.get("fill"),
            "copy_gbps": ctx._bandwidth.get("copy"), "date": time.strftime("%Y-%m-%d"),
            "rows": rows}


def format_table(result: dict) -> str:
    """A Markdown table of the rows."""
    names = sorted({p for r in result["rows"] for p in r.peers})
    head = ["op", "shape", "dtype", "ours ms", "floor ms", "floor/ours", "GB/s"]
    head += [f"{n} ms" for n in names] + [f"vs {n}" for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in result["rows"]:
        ratio = f"{r.floor_ratio:.2f}" if r.floor_ms > 0 else "n/a (nothing to mask)"
        cells = [r.op, "x".join(map(str, r.shape)), r.dtype, f"{r.ms:.4f}", f"{r.floor_ms:.4f}",
                 ratio, f"{r.write_gbps:.0f}"]
        cells += [f"{r.peers[n]:.4f}" if n in r.peers else "-" for n in names]
        cells += [f"{r.speedup[n]:.2f}x" if n in r.speedup else "-" for n in names]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(result: dict, path: str) -> None:
    """Bar chart of effective write bandwidth per case, ours vs peers, with the fill line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    names = ["ours"] + sorted({p for r in rows for p in r.peers})
    labels = [f"{r.op}\n{'x'.join(map(str, r.shape))}\n{r.dtype}" for r in rows]
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(rows)), 4))
    for i, name in enumerate(names):
        vals = [r.write_gbps if name == "ours" else
                (r.write_gbps * r.ms / r.peers[name] if name in r.peers else 0) for r in rows]
        ax.bar(np.arange(len(rows)) + i * width, vals, width, label=name)
    if result.get("fill_gbps"):
        ax.axhline(result["fill_gbps"], color="k", ls="--", lw=1,
                   label="fill bandwidth (mask floor)")
    if result.get("copy_gbps"):
        ax.axhline(result["copy_gbps"], color="grey", ls=":", lw=1,
                   label="copy bandwidth (read+write floor)")
    ax.set_xticks(np.arange(len(rows)) + 0.4 - width / 2, labels, fontsize=8)
    ax.set_ylabel("bytes that must move / time (GB/s)")
    ax.set_title(f"numba_causal on {result['device']} ({result['date']})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def _output_path(text: str) -> str:
    """--json's file (and --plot's): a file name, not a folder, in a folder that
    exists and can be written (checked before the run, not after it)."""
    if not text:
        raise argparse.ArgumentTypeError("name a file")
    folder = os.path.dirname(os.path.abspath(text))
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a folder: name a file in it")
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"folder {folder!r} cannot be written")
    return text


#: the chart formats --plot writes (by the file's extension)
PLOT_FORMATS = ("png", "svg", "pdf")


def _plot_path(text: str) -> str:
    """--plot's file: _output_path's checks, a name ending in one of PLOT_FORMATS, and
    matplotlib importable (checked before the run, not after it)."""
    _output_path(text)
    if os.path.splitext(text)[1].lstrip(".").lower() not in PLOT_FORMATS:
        raise argparse.ArgumentTypeError(f"{text!r}: name a file ending in "
                                         f"{', '.join('.' + f for f in PLOT_FORMATS)}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise argparse.ArgumentTypeError("needs matplotlib (pip install matplotlib)") from None
    return text


def _ops(text: str) -> tuple:
    names = tuple(t.strip() for t in text.split(",") if t.strip())
    try:
        bench_families(names or (text,))  # bench_families names what it knows
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return names


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default once: not for switches, nor where the help already says it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or action.default in (None, False):
            return text
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="numba-causal bench", formatter_class=_HelpFormatter,
        description=__doc__.split("\n\n")[0] + " Columns: 'ours ms' is our time (lower is "
        "better); 'floor ms' the time the bytes that must move take at the bandwidth measured "
        "in the same run; 'floor/ours' the fraction of that bound reached (higher is better; "
        "1.0 is the measured bandwidth, which a case small enough to stay in a cache can "
        "pass); 'vs PEER' the peer's time over ours (above 1: we are faster).")
    parser.add_argument("--backend", default="auto", choices=("auto",) + NAMES,
                        help="where to run")
    parser.add_argument("--ops", type=_ops, default=None,
                        help="comma-separated ops to run, e.g. 'mask,softmax' (default: every "
                        "op; the mask alone with --shapes)")
    parser.add_argument("--shapes", type=parse_shapes, default=None,
                        help="cases for every op run: " + SHAPES_FORMAT + " (default: each "
                        "op's own)")
    parser.add_argument("--quick", action="store_true",
                        help="a small sweep (seconds on the CPU or a GPU; minutes on the "
                        "simulator)")
    parser.add_argument("--repeats", type=_positive, default=None,
                        help="timed runs per case (default: 50 on a GPU, 10 on the CPU, 3 on "
                        "the simulator)")
    parser.add_argument("--no-peers", action="store_true", help="skip the PyTorch/NumPy peers")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile peer")
    parser.add_argument("--json", metavar="FILE", type=_output_path,
                        help="write the rows as JSON")
    parser.add_argument("--plot", metavar="FILE.png", type=_plot_path,
                        help="write a bandwidth bar chart, .png, .svg or .pdf (needs "
                        "matplotlib)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--overhead", action="store_true",
                        help="also time the per-call host cost on a [1,1,8,8] input (ours: the "
                        "mask, the softmax, attention and rotary of one row; peers: torch "
                        "masked_fill_ and SDPA on a GPU, "
                        "numpy.copyto on the CPU; lower is better) and (GPU) the first call of "
                        "a process")
    return parser


def main(argv=None) -> int:
    """Command-line entry: ``numba-causal bench [--backend B] [--ops O] [--shapes S] ...``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.shapes:
        try:
            backend_name = get_backend(args.backend).name
        except (ValueError, RuntimeError):  # unknown or unavailable: run_benchmark says so
            backend_name = None
        try:
            check_shapes(bench_families(args.ops, True), args.shapes, backend_name)
        except ValueError as exc:
            parser.error(str(exc))
    cases = args.shapes or ("quick" if args.quick else None)
    try:
        result = run_benchmark(args.backend, cases, args.repeats, not args.no_progress,
                               not args.no_peers, not args.no_compile, ops=args.ops)
    except MemoryError as exc:  # a --shapes case larger than this machine's memory
        parser.exit(2, f"{parser.prog}: error: a case does not fit in memory "
                       f"({type(exc).__name__}: {exc})\n")
    bandwidths = [f"{name} bandwidth {result[key]:.0f} GB/s"
                  for name, key in (("fill", "fill_gbps"), ("copy", "copy_gbps")) if result[key]]
    print(f"numba_causal bench, backend {result['backend']} on {result['device']}, "
          f"{result['date']}; {', '.join(bandwidths) or 'no bandwidth measured'}")
    print(format_table(result))
    if args.overhead:
        result["overhead_us"] = call_overhead_us(result["backend"])
        print("per-call host overhead, [1,1,8,8] (attention: 1 row, 8 keys): " +
              ", ".join(f"{k} {v:.1f} us" for k, v in result["overhead_us"].items()))
        if result["backend"] in ("cuda", "hip"):
            result["first_call_s"] = first_call_seconds(result["backend"])
            print("first call in a new process: cold cache {cold:.3f} s, warm cache {warm:.3f} s "
                  "(import numba_causal {import:.3f} s)".format(**result["first_call_s"]))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dict(result, rows=[asdict(r) for r in result["rows"]]), fh, indent=1)
    if args.plot:
        plot(result, args.plot)
    return 0 if all(math.isfinite(r.ms) for r in result["rows"]) else 1
