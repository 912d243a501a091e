"""The fused softmax's rows, two package trees alternately (issue 12: ``window=`` and
``kv_lens=`` no slower than plain causal per byte moved), on a GPU.

    python3 tools/gpu/ab_softmax_rows.py OLD_TREE NEW_TREE [ROUNDS] > out.txt

A tree may carry Python statements run after its import path is set, as
``TREE::STATEMENTS`` (a launch constant tried without a change to the tree), e.g.
``$PWD::from numba_causal import softmax; softmax.VEC_MOST_KEYS = 64``.

Each round runs ``bench.run_benchmark`` (the package's own rows: fresh random
scores, checked against float64 before timing, CUDA events) once per tree, each in
a fresh process with that tree first on ``sys.path``, on [4, 32, 2048, 2048] plain
causal, ``window=1024`` and ``kv_lens`` (float16, bfloat16, float32) and
[1, 8, 8192, 8192] plain and ``window=4096`` (float16), no peers. Prints each run's
table, then per tree the median GB/s of every row (bytes the row must move over its
time) and each mask option's GB/s over its dtype's plain causal row.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

CASES = [((4, 32, 2048, 2048), ["float16", "float16+window1024", "float16+kv_lens",
                                "bfloat16", "bfloat16+window1024",
                                "float32", "float32+window1024"]),
         ((1, 8, 8192, 8192), ["float16", "float16+window4096"])]

CHILD = """
import json, sys
tree, _, setup = sys.argv[1].partition("::")
sys.path.insert(0, tree)
exec(setup)
from numba_causal import bench
cases = [(tuple(s), d) for s, d in json.loads(sys.argv[2])]
result = bench.run_benchmark("cuda", cases=cases, peers=False, progress=False,
                             ops=("softmax",))
print(bench.format_table(result), file=sys.stderr)
print(json.dumps({"copy": result["copy_gbps"],
                  "rows": [["x".join(map(str, r.shape)) + " " + r.dtype + " " + r.op,
                            r.ms, r.write_gbps] for r in result["rows"]]}))
"""


def main(old: str, new: str, rounds: int = 2) -> None:
    gbps = {old: {}, new: {}}
    for round_ in range(rounds):
        for tree in (old, new) if round_ % 2 == 0 else (new, old):
            done = subprocess.run([sys.executable, "-c", CHILD, tree, json.dumps(CASES)],
                                  capture_output=True, text=True, check=True)
            print(f"## round {round_}, tree {tree}\n{done.stderr}", flush=True)
            got = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"copy bandwidth {got['copy']:.0f} GB/s\n", flush=True)
            for label, _ms, rate in got["rows"]:
                gbps[tree].setdefault(label, []).append(rate)
    for tree in (old, new):
        print(f"## {tree}: median GB/s over {rounds} rounds; option / plain causal")
        medians = {label: statistics.median(v) for label, v in gbps[tree].items()}
        for label, rate in medians.items():
            shape, dtype, op = label.split(" ", 2)
            plain = medians.get(f"{shape} {dtype} softmax")
            ratio = f"{rate / plain:.3f}x" if plain and op != "softmax" else ""
            print(f"{label:48s} {rate:7.0f} {ratio}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2)
