#!/usr/bin/env bash
# One GPU call for the work of issue 12: the GPU tests of TEST_FILES (default: the
# softmax, its fast path and the property tests); the kernels alone of KERNELS
# (time_kernels.py) and, unless NO_SWEEP is set, a launch sweep; then the package's
# benchmark of the given ops. Writes OUT/*.txt.
#   tools/gpu/softmax_run.sh WHEELS OUT TEST_SECONDS SWEEP_SECONDS BENCH_SECONDS [OPS...]
set -uo pipefail
WHEELS=${1:?}; OUT=${2:?}; TESTS_S=${3:-150}; SWEEP_S=${4:-60}; BENCH_S=${5:-120}; shift 5
OPS=${*:-softmax}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site "$WHEELS"/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > "$OUT/device.txt"
date -u +%FT%TZ >> "$OUT/device.txt"
git log -1 --format='%H %s' >> "$OUT/device.txt" 2>/dev/null
if [ "$TESTS_S" -gt 0 ]; then
  timeout "$TESTS_S" python3 -m pytest -q -p no:cacheprovider -n 8 -m gpu -k "${TEST_K:-cuda or test_fastpath}" -rf \
      ${TEST_FILES:-tests/test_softmax.py tests/test_fastpath.py tests/test_properties.py} \
      > "$OUT/gpu-tests.txt" 2>&1
  echo "exit status $?" >> "$OUT/gpu-tests.txt"
  tail -3 "$OUT/gpu-tests.txt"
fi
if [ "$SWEEP_S" -gt 0 ]; then
  timeout "$SWEEP_S" python3 tools/gpu/time_kernels.py ${KERNELS:-softmax} > "$OUT/kernels.txt" 2>&1
  echo "exit status $?" >> "$OUT/kernels.txt"
  cat "$OUT/kernels.txt"
  if [ -z "${NO_SWEEP:-}" ]; then
    timeout "$SWEEP_S" python3 tools/gpu/time_kernels.py sweep $((SWEEP_S - 10)) > "$OUT/sweep.txt" 2>&1
    echo "exit status $?" >> "$OUT/sweep.txt"
    cat "$OUT/sweep.txt"
  fi
fi
for op in $OPS; do
  timeout "$BENCH_S" python3 -m numba_causal bench --backend cuda --ops "$op" --no-progress \
      --repeats 20 ${BENCH_ARGS:-} > "$OUT/bench-$op.txt" 2>&1
  echo "exit status $?" >> "$OUT/bench-$op.txt"
  tail -14 "$OUT/bench-$op.txt"
done
