"""Draw the 2026-12-04 mask study (issue 12 item 3) from its raw output, no GPU needed.

    python tools/plot_mask_study.py [OUT.png]
    python tools/plot_mask_study.py occupancy [OUT.png]

Reads docs/data/h200-2026-12-04/r37-mask-structure.txt (`tune_mask.py structure`),
r38-mask-twopass.txt (`tune_mask.py twopass`) and r41-ab-*.txt (`numba-causal bench
--ops mask`, the package before and after its aligned passes) and draws, per case, each
variant's floor/time with issue 12's bar: which layouts of the stores reach it and
which valid masks do. Default OUT: docs/img/mask-study-h200-2026-12-04.png.

``occupancy``: the package's edge-and-store-block kernel (`tune_mask.py split first`,
r53-r55) at each number of blocks an SM was asked to hold (unused shared memory a
block), per case: floor/time against the warps an SM asked for, by warps a block.
Default OUT: docs/img/mask-occupancy-h200-2026-12-04.png.
"""

from __future__ import annotations

import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "docs", "data", "h200-2026-12-04")
CASES = [("4x32x2048x2048", "float32", 0.90), ("4x32x2048x2048", "float16", 0.85),
         ("1x8x8192x8192", "float32", 0.90)]
#: (file, what its label starts with, the bar's name, a valid mask?)
ROWS = [
    ("r37", "bound: stores alone", "stores alone, many waves", False),
    ("r37", "bound on the product's grid (660", "stores alone, the one-wave grid", False),
    ("r37", "staged, edges copied first, edge sector not written: NOT valid, 660",
     "edge read, never written", False),
    ("r37", "no edge copies", "the package without its edge reads", False),
    ("r37", "product (the public call)", "the package before", True),
    ("r41", "after", "the package now (aligned passes)", True),
    ("r37", "regions of 32 bytes copied first, 660",
     "edge read first, written first, aligned", True),
    ("r37", "staged, edges copied first (valid), 660", "edge read first, written last", True),
    ("r38", "own reads, edge first, 4 rows", "many waves, a warp reads its edge", True),
    ("r38", "prefetch pass (evict_last) + own reads, edge first, 4 rows",
     "the same after an L2 prefetch launch", True),
]
LINE = re.compile(r"^\s*(\S+)\s+(\S+) (.*?): [0-9.]+ us .*ratio ([0-9.]+)")


def tool_ratios(name: str) -> dict:
    """{(shape, dtype, label): floor/time} of one tool's raw output."""
    path = glob.glob(os.path.join(DATA, f"{name}-mask-*.txt"))[0]
    out = {}
    for line in open(path):
        m = LINE.match(line)
        if m:
            out[(m[1], m[2], m[3])] = float(m[4])
    return out


def bench_ratios() -> dict:
    """{(shape, dtype, 'before' | 'after'): mean floor/time} of r41's A/B benchmark."""
    got = {}
    for path in sorted(glob.glob(os.path.join(DATA, "r41-ab-*.txt"))):
        which = "before" if path.endswith("old.txt") else "after"
        for line in open(path):
            cells = [c.strip() for c in line.split("|")]
            if len(cells) > 6 and cells[1] == "mask" and cells[6][:1].isdigit():
                got.setdefault((cells[2], cells[3], which), []).append(float(cells[6]))
    return {k: sum(v) / len(v) for k, v in got.items()}


def main(out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tools = {name: tool_ratios(name) for name in ("r37", "r38")}
    bench = bench_ratios()
    fig, axes = plt.subplots(1, len(CASES), figsize=(15, 4.6), sharey=True)
    for ax, (shape, dtype, bar) in zip(axes, CASES):
        labels, values, colours = [], [], []
        for source, prefix, label, valid in ROWS:
            if source == "r41":
                value = bench.get((shape, dtype, prefix))
            else:
                value = next((v for (s, d, lab), v in tools[source].items()
                              if s == shape and d == dtype and lab.startswith(prefix)), None)
            if value is not None:
                labels.append(label)
                values.append(value)
                colours.append("tab:blue" if valid else "lightgray")
        ax.barh(range(len(values)), values, color=colours)
        ax.axvline(bar, color="tab:red", linestyle="--")
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_xlim(0.4, 1.0)
        ax.set_title(f"{shape} {dtype}, bar {bar}", fontsize=10)
        ax.set_xlabel("floor / time")
    fig.suptitle("The causal mask on an H200, 2026-12-04 (r37, r38, r41): blue = valid masks, "
                 "gray = timing experiments (not valid), dashed = issue 12's bar\nthe package's "
                 "rows: its benchmark's public call; the others: the GPU's time alone",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)


HELD = re.compile(r"launched directly, (?:(\d) rows a block, )?at most (\d+) blocks an SM")


def held_ratios() -> dict:
    """{(shape, dtype): {"free": [floor/time as registers allow], warps a block:
    {warps an SM asked: [floor/time]}}} from r53-r55 (`split first`)."""
    got = {}
    for run in ("r53-split-occupancy", "r54-split-occupancy2", "r55-split-occupancy3"):
        for line in open(os.path.join(DATA, f"{run}.txt")):
            m = LINE.match(line)
            if not m or "launched directly" not in m[3]:
                continue
            case = got.setdefault((m[1], m[2]), {"free": []})
            if m[3].endswith("launched directly"):
                case["free"].append(float(m[4]))
            elif (h := HELD.search(m[3])) is not None:
                rows = int(h[1] or 4)
                case.setdefault(rows, {}).setdefault(rows * int(h[2]), []).append(float(m[4]))
    return got


def occupancy_main(out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    held = held_ratios()
    fig, axes = plt.subplots(1, len(CASES), figsize=(15, 4.2), sharey=True)
    for ax, (shape, dtype, bar) in zip(axes, CASES):
        case = held[(shape, dtype)]
        for rows, colour in ((4, "tab:blue"), (2, "tab:orange"), (1, "tab:green")):
            points = case.get(rows, {})
            warps = sorted(points)
            ax.plot(warps, [sum(points[w]) / len(points[w]) for w in warps], "o-",
                    color=colour, label=f"blocks of {rows} warp{'s' if rows > 1 else ''}")
        free = sum(case["free"]) / len(case["free"])
        ax.axhline(free, color="gray", linestyle=":", label="as registers allow")
        ax.axhline(bar, color="tab:red", linestyle="--", label="issue 12's bar")
        ax.set_xlabel("warps an SM (asked, by unused shared memory a block)")
        ax.set_title(f"{shape} {dtype}", fontsize=10)
        ax.set_ylim(0.45, 1.0)
    axes[0].set_ylabel("floor / time")
    axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle("The mask's edge and store blocks on an H200, 2026-12-04 (tune_mask.py split "
                 "first, r53-r55; the GPU's time alone): fewer rows in flight stream better, "
                 "until the edge reads starve", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["occupancy"]:
        occupancy_main(sys.argv[2] if len(sys.argv) > 2 else
                       os.path.join(ROOT, "docs", "img", "mask-occupancy-h200-2026-12-04.png"))
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else
             os.path.join(ROOT, "docs", "img", "mask-study-h200-2026-12-04.png"))
