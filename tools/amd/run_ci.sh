#!/usr/bin/env bash
# CI step for AMD: build/refresh the toolchain (tools/amd/setup.sh), then compile
# every GPU kernel of the package for gfx90a, gfx942 and gfx1100 with numba-hip
# and check the code objects (tests/test_hip_codegen.py, marker hip_codegen),
# inside .venv-hip. Exits non-zero when setup or any test fails, or when the
# check was skipped instead of run (NUMBA_CAUSAL_REQUIRE_HIP=1).
# Extra arguments go to pytest (e.g. -x, -k gfx942).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"

start=$SECONDS
bash tools/amd/setup.sh
echo "[amd-ci] setup took $((SECONDS - start)) s"

# shellcheck disable=SC1091
source "${NUMBA_CAUSAL_AMD_DIR:-$REPO/.amd}/env.sh"
export NUMBA_CAUSAL_REQUIRE_HIP=1
start=$SECONDS
status=0
"$REPO/.venv-hip/bin/python" -m pytest -m hip_codegen tests/test_hip_codegen.py -q \
  -p no:cacheprovider "$@" || status=$?
echo "[amd-ci] hip_codegen tests took $((SECONDS - start)) s, pytest exit status $status"
exit "$status"
