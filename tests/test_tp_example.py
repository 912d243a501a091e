"""examples/tp_decode.py: heads of a decode attention block split across processes
(rotary + causal_attention per rank, outputs gathered) equal the unsharded block.

On the CPU it runs two gloo processes (the same sharding logic); on two GPUs it
runs one NCCL process per GPU and is skipped, with the reason, on fewer."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torch.distributed.run", reason="torch without torch.distributed")

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "examples" / "tp_decode.py"


def torchrun(nproc: int, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
        NCCL_NVLS_ENABLE="0", OMP_NUM_THREADS="1")
    env.pop("NUMBA_CAUSAL_BACKEND", None)
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           f"--nproc-per-node={nproc}", str(SCRIPT), *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(not torch.distributed.is_available() or
                    not torch.distributed.is_gloo_available(),
                    reason="torch built without the gloo backend")
def test_two_cpu_ranks_match_the_single_process_block():
    done = torchrun(2, "--device", "cpu")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 ranks on cpu: 6 decode steps" in done.stdout and "match" in done.stdout


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available() or torch.cuda.device_count() < 2,
                    reason="needs two CUDA GPUs (kind nvidia-h200-x2)")
def test_two_gpus_match_the_single_gpu_block():
    done = torchrun(2, "--device", "cuda")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 ranks on cuda:0: 6 decode steps" in done.stdout and "match" in done.stdout
