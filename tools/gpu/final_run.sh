#!/usr/bin/env bash
# One GPU call for a session's closing checks: the GPU-marked tests (in parallel),
# then each op's benchmark with its own time limit (a slow one cannot take the
# others' output with it). Writes OUT/gpu-tests.txt and OUT/bench-OP.txt.
#   tools/gpu/final_run.sh WHEELS OUT TEST_SECONDS BENCH_SECONDS [OPS...]
set -uo pipefail
WHEELS=${1:?}; OUT=${2:?}; TESTS_S=${3:-180}; BENCH_S=${4:-60}; shift 4
OPS=${*:-mask softmax softmax_backward rotary attention}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site "$WHEELS"/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > "$OUT/device.txt"
date -u +%FT%TZ >> "$OUT/device.txt"
workers=$(python3 -c "import xdist" 2>/dev/null && echo "-n 8" || echo "")
timeout "$TESTS_S" python3 -m pytest -q -p no:cacheprovider $workers -m gpu -k "cuda and not large" \
    -rf tests > "$OUT/gpu-tests.txt" 2>&1
echo "exit status $?" >> "$OUT/gpu-tests.txt"
tail -3 "$OUT/gpu-tests.txt"
for op in $OPS; do
  extra=""; [ "$op" = "mask" ] && extra="--overhead"
  timeout "$BENCH_S" python3 -m numba_causal bench --backend cuda --ops "$op" --no-progress \
      --repeats 20 $extra ${BENCH_ARGS:-} > "$OUT/bench-$op.txt" 2>&1
  echo "exit status $?" >> "$OUT/bench-$op.txt"
  tail -4 "$OUT/bench-$op.txt"
done
