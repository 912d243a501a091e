"""H100: the decode settings around the package's defaults, alternated, medians."""
import statistics
import sys
import time

sys.path.insert(0, "tools/gpu")
import torch  # noqa: E402

import time_kernels as T  # noqa: E402


def events(fn, n):
    fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(7):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(200):
            fn()
        e.record()
        e.synchronize()
        samples.append(s.elapsed_time(e) / 200)
    return statistics.median(samples)


T.events = events
# (mma, tail, wanted, splits, min_keys, batch, tile, stages, align, warps, per_sm,
#  clusters, cluster_blocks, two_level_rows, cluster_most)
D = (True, 2, 264, 64, 256, 128, 64, 2, 128, 2, 3, True, 4, 8, 8)
SETTINGS = {"default": D,
            "wanted396": D[:2] + (396,) + D[3:],
            "cluster8": D[:12] + (8,) + D[13:],
            "tworows16": D[:13] + (16,) + D[14:],
            "stages3": D[:7] + (3, 128, 2, 2) + D[11:],
            "tail0": D[:1] + (0,) + D[2:]}
only = sys.argv[2:] or list(SETTINGS)
from numba_causal import attention as A  # noqa: E402

gbps = T.copy_bandwidth()
print(f"copy {gbps:.0f} GB/s", flush=True)
A.MMA_SHARED_BYTES = 227 * 1024
stop = time.perf_counter() + float(sys.argv[1])
with T.recorded_launches() as launches, T.cuda_settings(
        (A.MMA_TAIL, A.MMA_BLOCKS_WANTED, A.DECODE_BLOCKS_WANTED, A.MIN_SPLIT_KEYS,
         A.MERGE_BATCH_BYTES, A.MMA_TILE, A.MMA_STAGES, A.MMA_STAGE_ALIGN, A.MMA_WARPS,
         A.MMA_BLOCKS_PER_SM, A.MMA_CLUSTERS, A.MMA_TWO_LEVEL_ROWS)) as apply:
    for rnd in range(2):
        for name in only:
            (mma, tail, wanted, splits, min_keys, batch, tile, stages, align, warps, per_sm,
             clusters, cluster_blocks, two_level_rows, cluster_most) = SETTINGS[name]
            A.DECODE_MOST_SPLITS = splits
            A.MMA_TWO_LEVEL_CLUSTER = cluster_blocks
            A.MMA_MOST_CLUSTER = cluster_most
            apply((tail, wanted, wanted, min_keys, batch, tile, stages, align, warps,
                   per_sm, clusters, two_level_rows))
            for seq_len, ragged in ((1, False), (4, False), (1, True)):
                for case in T.ATTENTION_CASES[:2]:
                    if time.perf_counter() > stop:
                        sys.exit(0)
                    print(f"round {rnd} setting {name}: ", end="", flush=True)
                    T.attention_case(A.causal_attention, launches, gbps, case, 128,
                                     torch.float16, seq_len, ragged)
            A.DECODE_MOST_SPLITS, A.MMA_TWO_LEVEL_CLUSTER, A.MMA_MOST_CLUSTER = 64, 4, 8
