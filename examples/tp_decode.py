"""Heads split across GPUs: a small decode attention block, tensor-parallel.

Run on two GPUs (one process per GPU, NCCL; NVLink multicast off)::

    NCCL_NVLS_ENABLE=0 torchrun --nproc-per-node 2 examples/tp_decode.py

or on the CPU (gloo, the same sharding logic; any number of processes)::

    torchrun --nproc-per-node 2 examples/tp_decode.py --device cpu

Every rank builds the same weights and inputs from one seed. Rank ``r`` of
``world`` holds query heads ``[r * Hq/world, (r + 1) * Hq/world)`` and their KV
heads (GQA groups stay on one rank): it projects its heads, rotates them
(``apply_rotary``, GLM's half-rotary interleaved convention), appends its keys
and values to its own KV cache and attends (``causal_attention``) — all on its
own device and current stream. The per-rank outputs [batch, heads/world, 1,
head_dim] are gathered (``all_gather``) into all heads, and rank 0 checks them
against the same block computed unsharded on one device. Exit status 0 when
every decode step matches.
"""

from __future__ import annotations

import argparse
import os
import sys

import torch
import torch.distributed as dist

import numba_causal as nc

BATCH, HEADS_Q, HEADS_KV, HEAD_DIM, MODEL, STEPS = 2, 8, 4, 64, 128, 6


def weights(generator, device):
    """Projections of the block: q [model, Hq*D], k/v [model, Hkv*D] (float32)."""
    def make(cols):
        return torch.randn(MODEL, cols, generator=generator).div_(MODEL ** 0.5).to(device)
    return make(HEADS_Q * HEAD_DIM), make(HEADS_KV * HEAD_DIM), make(HEADS_KV * HEAD_DIM)


def decode_step(x, wq, wk, wv, cache_k, cache_v, length, heads_q, heads_kv):
    """One token per sequence: x [batch, model] -> attention output [batch, heads_q, 1,
    head_dim]; appends this token's k, v at position ``length`` of the caches
    [batch, heads_kv, max_len, head_dim] (this rank's heads only)."""
    q = (x @ wq).view(BATCH, 1, heads_q, HEAD_DIM).transpose(1, 2).contiguous()
    k = (x @ wk).view(BATCH, 1, heads_kv, HEAD_DIM).transpose(1, 2).contiguous()
    v = (x @ wv).view(BATCH, 1, heads_kv, HEAD_DIM).transpose(1, 2)
    nc.apply_rotary(q, k, offset=length, rotary_dim=HEAD_DIM // 2, interleaved=True)
    cache_k[:, :, length] = k[:, :, 0]
    cache_v[:, :, length] = v[:, :, 0]
    return nc.causal_attention(q, cache_k[:, :, :length + 1], cache_v[:, :, :length + 1])


def run(device: str) -> int:
    rank, world = dist.get_rank(), dist.get_world_size()
    if HEADS_KV % world:
        raise SystemExit(f"{HEADS_KV} KV heads do not split over {world} ranks")
    generator = torch.Generator().manual_seed(0)
    wq, wk, wv = weights(generator, device)
    tokens = torch.randn(STEPS, BATCH, MODEL, generator=generator).to(device)
    hq, hkv = HEADS_Q // world, HEADS_KV // world
    # this rank's columns: its query heads and the KV heads they read
    mine_q = wq.view(MODEL, HEADS_Q, HEAD_DIM)[:, rank * hq:(rank + 1) * hq].reshape(MODEL, -1)
    mine_k = wk.view(MODEL, HEADS_KV, HEAD_DIM)[:, rank * hkv:(rank + 1) * hkv].reshape(MODEL, -1)
    mine_v = wv.view(MODEL, HEADS_KV, HEAD_DIM)[:, rank * hkv:(rank + 1) * hkv].reshape(MODEL, -1)
    cache = [torch.zeros(BATCH, hkv, STEPS, HEAD_DIM, device=device) for _ in range(2)]
    full_cache = [torch.zeros(BATCH, HEADS_KV, STEPS, HEAD_DIM, device=device) for _ in range(2)]
    worst = 0.0
    for step in range(STEPS):
        part = decode_step(tokens[step], mine_q, mine_k, mine_v, *cache, step, hq, hkv)
        parts = [torch.empty_like(part) for _ in range(world)]
        dist.all_gather(parts, part.contiguous())
        gathered = torch.cat(parts, dim=1)
        if rank == 0:
            whole = decode_step(tokens[step], wq, wk, wv, *full_cache, step, HEADS_Q, HEADS_KV)
            worst = max(worst, float((gathered - whole).abs().max()))
    if rank == 0:
        ok = worst <= 1e-5
        print(f"{world} ranks on {device}: {STEPS} decode steps, max |sharded - single| "
              f"{worst:.2e}: {'match' if ok else 'MISMATCH'}")
        return 0 if ok else 1
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cuda", "cpu"),
                        default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args(argv)
    os.environ.setdefault("NCCL_NVLS_ENABLE", "0")  # no NVLink multicast
    if args.device == "cuda":
        local = int(os.environ.get("LOCAL_RANK", 0))
        torch.cuda.set_device(local)
        dist.init_process_group("nccl", device_id=torch.device("cuda", local))
        device = f"cuda:{local}"
    else:
        dist.init_process_group("gloo")
        device = "cpu"
    try:
        return run(device)
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
