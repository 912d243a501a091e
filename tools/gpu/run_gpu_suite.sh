#!/usr/bin/env bash
# Run numba_causal's GPU work on an offline GPU machine, from a folder of wheels.
#
#   tools/gpu/run_gpu_suite.sh WHEELS_DIR OUT_DIR [STEP ...]
#
# WHEELS_DIR holds what the machine's python3 lacks (numpy<2.5 for numba-cuda 0.30.4,
# ml_dtypes); they go to a private --target folder put first on PYTHONPATH. Steps:
#   info       backends, device, versions
#   tests      the whole pytest suite (cpu, sim and cuda backends) -> OUT/pytest.txt
#   bench      the benchmark with peers and overheads -> OUT/bench.{txt,json,png}
#   tune       mask kernel variants (tools/gpu/tune_mask.py) -> OUT/tune.{txt,json}
#   tune_softmax  softmax launch shapes (tools/gpu/tune_softmax.py) -> OUT/tune_softmax.{txt,json}
#   sanitizer  the cuda tests under compute-sanitizer memcheck and racecheck
#   ncu        DRAM bytes read/written by the mask kernel (Nsight Compute)
#   profile_softmax  softmax registers and SASS (tools/gpu/profile_softmax.py), then
#              Nsight Compute: speed of light, occupancy, stalls, instruction mix
#              -> OUT/profile_softmax.txt, OUT/ncu_softmax.txt, OUT/*.sass
# Default: info tests bench. Exit status: non-zero if any step failed.
set -uo pipefail
WHEELS=${1:?wheels dir}; OUT=${2:?output dir}; shift 2
STEPS=${*:-info tests bench}
mkdir -p "$OUT"
SITE=/tmp/numba-causal-site
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$SITE" "$WHEELS"/*.whl || exit 1
export PYTHONPATH="$SITE:$PWD" PYTHONUNBUFFERED=1
# instruction mix of the softmax kernel (docs/benchmarks.md, "Softmax: the rework")
SOFTMAX_METRICS=smsp__inst_executed.sum,smsp__thread_inst_executed_per_inst_executed.ratio
for op in fp32 fp64 integer memory control conversion misc; do
  SOFTMAX_METRICS+=,smsp__sass_thread_inst_executed_op_${op}_pred_on.sum
done
SOFTMAX_METRICS+=,gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum
SOFTMAX_METRICS+=,sm__warps_active.avg.pct_of_peak_sustained_active
status=0
for step in $STEPS; do
  echo "=== $step ($(date -u +%FT%TZ)) ==="
  case $step in
    info) python3 -c "import numba_causal; print(numba_causal.info())" 2>&1 | tee "$OUT/info.txt" ;;
    tests) timeout ${TESTS_TIMEOUT:-3000} python3 -m pytest -q -p no:cacheprovider -rs ${TESTS:-tests} 2>&1 \
             | tee "$OUT/pytest.txt" | tail -40 ;;
    bench) timeout ${BENCH_TIMEOUT:-3000} python3 -c "import sys; from numba_causal.bench import main; sys.exit(main(sys.argv[1:]))" --backend cuda --overhead --no-progress \
             --json "$OUT/bench.json" --plot "$OUT/bench.png" 2>&1 | tee "$OUT/bench.txt" ;;
    tune) python3 tools/gpu/tune_mask.py "$OUT/tune.json" 2>&1 | tee "$OUT/tune.txt" ;;
    tune_softmax) python3 tools/gpu/tune_softmax.py "$OUT/tune_softmax.json" 2>&1 \
                    | tee "$OUT/tune_softmax.txt" ;;
    sanitizer)
      for tool in memcheck racecheck; do
        timeout ${SANITIZER_TIMEOUT:-3000} compute-sanitizer --tool $tool --error-exitcode 9 \
          python3 -m pytest -q -p no:cacheprovider \
          -m gpu -k "cuda and not large" ${SANITIZE_TESTS:-tests/test_mask.py tests/test_softmax.py} 2>&1 \
          | tee "$OUT/sanitizer-$tool.txt" | tail -8
      done ;;
    ncu) (cd tools/gpu && ncu --metrics dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum \
           -k regex:"mask_kernel|sector_kernel" python3 ncu_mask.py) 2>&1 | tee "$OUT/ncu.txt" \
           | grep -E "kernel|dram__|gpu__time|product|experiment" ;;
    profile_softmax)
      python3 tools/gpu/profile_softmax.py "$OUT" 2>&1 | tee "$OUT/profile_softmax.txt" &&
      ncu --section SpeedOfLight --section Occupancy --section WarpStateStats \
          --metrics "$SOFTMAX_METRICS" -k regex:causal_softmax \
          python3 tools/gpu/profile_softmax.py > "$OUT/ncu_softmax.txt" 2>&1 ;;
    *) echo "unknown step $step"; false ;;
  esac
  rc=$?; [ $rc -ne 0 ] && { echo "step $step failed: $rc"; status=1; }
done
exit $status
