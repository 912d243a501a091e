"""How unevenly the SMs ran a traced decode launch, and what balance would gain (issue 15).

    python3 tools/gpu/trace_balance.py docs/data/h200-2026-12-03/r2-trace-*.npy

Reads trace_decode.py's raw stamps ([blocks, 8] int64: entry, first tile landed,
loop end, end in ns; %smid) and prints, per SM, the mean loop time of its blocks
(first tile to loop end, µs) and its block count; then the last loop end after
the median first tile, against the end a launch would reach if every SM's blocks
took work in proportion to their SM's rate (blocks / that SM's span). No GPU needed.
"""

from __future__ import annotations

import collections
import sys

import numpy as np


def report(path: str) -> None:
    stamps = np.load(path)
    t0 = stamps[:, 0].min()
    first, loop = (stamps[:, 1] - t0) / 1e3, (stamps[:, 2] - t0) / 1e3
    sm = stamps[:, 4]
    count = collections.Counter(sm.tolist())
    start = np.median(first)
    print(path)
    print(" ".join(f"{s}:{(loop - first)[sm == s].mean():.0f}/{count[s]}" for s in sorted(count)))
    rates = [count[s] / (loop[sm == s].max() - start) for s in count]
    print(f"last loop end after the median first tile {loop.max() - start:.1f} us; "
          f"balanced {len(stamps) / sum(rates):.1f} us")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        report(name)
