"""The ``numba-causal`` command (also ``python -m numba_causal``).

``info``   which backends work here, on what device, with which versions
``demo``   mask a small random tensor, print it, check it against the reference
``bench``  the benchmark (``numba_causal.bench.main``), every option passed through

``main`` returns the exit status (``EXIT_STATUS`` below) rather than exiting, so
it can be called in-process; the console script exits with it.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from .backends import NAMES, BackendUnavailable, UnknownBackend
from .dtypes import host_dtype

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3
EXIT_STATUS = """exit status:
  0  success
  1  a result differed from the reference (demo), or the benchmark failed (bench)
  2  bad usage
  3  the requested backend is not available here (the message says what to install)"""
#: the demo prints every element, so its matrix stays small
DEMO_MAX = 64
DEMO_DTYPES = ("float32", "float16", "float64", "bfloat16")


def _bounded(low: int, high: int = None):
    """An argparse type: an integer in ``[low, high]``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bound}; got {value}")
        return value
    return parse


class UsageError(Exception):
    """Bad usage found after parsing (exit status 2)."""


def _host_dtype(name: str):
    try:
        return host_dtype(name)
    except TypeError as exc:
        raise UsageError(str(exc)) from None


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(f"u{a.itemsize}")


def _cell(value: float) -> str:
    return f"{value:6.2f}" if np.isfinite(value) else f"{value!s:>6}"


def format_scores(matrix: np.ndarray, offset: int) -> str:
    """A [seq_len, cache_len] matrix as text: one row per query with its absolute
    position, the values (``-inf`` where masked), then a picture of the mask."""
    seq_len, cache_len = matrix.shape
    values = matrix.astype(np.float64)
    masked = np.isneginf(values)
    label = [f"q={q:<2d} pos={q + offset:<3d}" for q in range(seq_len)]
    width = max(len(s) for s in label)
    lines = [" " * width + " " + "".join(f"{f'k={k}':>7}" for k in range(cache_len))]
    for q in range(seq_len):
        note = "  (fully masked)" if masked[q].all() else ""
        lines.append(f"{label[q]:<{width}} " + " ".join(_cell(v) for v in values[q]) + note)
    lines.append("")
    lines.append("mask (x kept, . masked):")
    for q in range(seq_len):
        lines.append(f"{label[q]:<{width}} " + "".join("." if m else "x" for m in masked[q]))
    return "\n".join(lines)


def run_demo(args) -> int:
    """``numba-causal demo``: mask, print, check; returns the exit status."""
    import numba_causal as nc

    backend = nc.get_backend(args.backend)
    shape = (args.batch, args.heads, args.seq, args.cache)
    rng = np.random.default_rng(args.seed)
    scores = rng.standard_normal(shape, dtype=np.float32).astype(_host_dtype(args.dtype))
    before = scores.copy()
    options = dict(offset=args.offset, window=args.window)
    nc.apply_causal_mask(scores, backend=backend, **options)
    wanted = nc.causal_mask_reference(before, **options)

    offset = args.cache - args.seq if args.offset is None else args.offset
    how = "default: cache_len - seq_len" if args.offset is None else "--offset"
    ran = ("the GPU kernel, on the GPU" if backend.on_device else
           "the GPU kernel source, run by numba-cuda's simulator on the host CPU"
           if backend.is_gpu_kernel else "the CPU kernel (@njit), on the host CPU")
    print(f"scores [batch={args.batch}, heads={args.heads}, seq_len={args.seq}, "
          f"cache_len={args.cache}] {args.dtype}; query row q sits at position q + offset, "
          f"offset = {offset} ({how}){f', window = {args.window}' if args.window else ''}")
    print(f"backend: {backend.name} (asked for {args.backend!r}): {ran}")
    print()
    print("scores[0, 0] after apply_causal_mask:")
    print(format_scores(scores[0, 0], offset))
    print()

    bad = np.argwhere(_bits(scores) != _bits(wanted))
    if not len(bad):
        masked = int(np.isneginf(scores.astype(np.float64)).sum())
        print(f"check: all {scores.size} elements ({masked} masked) match "
              f"causal_mask_reference bit for bit; backend {backend.name} ran")
        return EXIT_OK
    print(f"check FAILED: {len(bad)} of {scores.size} elements differ from "
          f"causal_mask_reference, first at {tuple(int(i) for i in bad[0])} "
          f"(backend {backend.name})", file=sys.stderr)
    return EXIT_MISMATCH


def run_info(args) -> int:
    """``numba-causal info``: print ``numba_causal.info()``."""
    import numba_causal as nc

    print(nc.info())
    return EXIT_OK


def run_bench(argv: list) -> int:
    """``numba-causal bench ...``: hand every argument to ``numba_causal.bench.main``."""
    from . import bench  # imported here: it is heavier than info and demo need

    return bench.main(argv)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="numba-causal", epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Attention-mask kernels written in Python with Numba: AMD (numba-hip), "
                    "NVIDIA (numba-cuda), the CUDA simulator and the CPU, from one source.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{info,demo,bench}", required=True)

    sub.add_parser("info", help="backends, devices, versions; what to install for missing ones",
                   description="Print which backends work here (hip, cuda, sim, cpu), on what "
                               "device, the package versions, and what to install for the rest.")

    demo = sub.add_parser(
        "demo", help="mask a small random tensor, print it, check it against the reference",
        description="Mask random scores [batch, heads, seq_len, cache_len] on the chosen backend "
                    "with apply_causal_mask, print head [0, 0], and check every element "
                    "bit for bit against causal_mask_reference.",
        epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--backend", default="auto", choices=("auto",) + NAMES,
                      help="auto (hip, then cuda, then cpu; or $NUMBA_CAUSAL_BACKEND), hip, "
                           "cuda, sim or cpu (default: %(default)s)")
    demo.add_argument("--seq", type=_bounded(1, DEMO_MAX), default=6,
                      help="query rows, seq_len (default: %(default)s)")
    demo.add_argument("--cache", type=_bounded(1, DEMO_MAX), default=8,
                      help="keys, cache_len (default: %(default)s)")
    demo.add_argument("--offset", type=_bounded(-(1 << 62), 1 << 62), default=None,
                      help="absolute position of query row 0 (default: cache_len - seq_len; "
                           "negative leaves the leading rows fully masked)")
    demo.add_argument("--window", type=_bounded(1, 1 << 62), default=None,
                      help="sliding window: keep only the last WINDOW keys up to each query")
    demo.add_argument("--batch", type=_bounded(1, 8), default=1, help="(default: %(default)s)")
    demo.add_argument("--heads", type=_bounded(1, 8), default=2, help="(default: %(default)s)")
    demo.add_argument("--dtype", choices=DEMO_DTYPES, default="float32",
                      help="(default: %(default)s)")
    demo.add_argument("--seed", type=_bounded(0), default=None,
                      help="random seed, 0 or more (default: fresh)")

    # bench parses its own options (numba_causal.bench.main); listed here for --help only
    sub.add_parser("bench", add_help=False,
                   help="the benchmark; 'numba-causal bench --help' for its options")
    return parser


def _exit_status(exc: SystemExit) -> int:
    """What a SystemExit (argparse: --help, --version, errors) means as a status."""
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or EXIT_OK
    print(exc.code, file=sys.stderr)
    return EXIT_MISMATCH


def main(argv=None) -> int:
    """Entry point of ``numba-causal``: runs one command, returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        # bench's own options land in `rest`; every other command must use all of argv
        args, rest = parser.parse_known_args(argv)
        if args.command == "bench":
            status = run_bench(rest)
        else:
            if rest:
                parser.error(f"unrecognized arguments: {' '.join(rest)}")
            status = {"info": run_info, "demo": run_demo}[args.command](args)
        sys.stdout.flush()  # a reader that left (``| head``) shows here, not at exit
        return status
    except SystemExit as exc:
        return _exit_status(exc)
    except UsageError as exc:
        print(f"numba-causal: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BackendUnavailable as exc:
        print(f"numba-causal: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except UnknownBackend as exc:  # --backend is a choice: $NUMBA_CAUSAL_BACKEND's
        print(f"numba-causal: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader left (``| head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing at exit
        return EXIT_OK
