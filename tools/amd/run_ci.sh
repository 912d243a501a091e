#!/usr/bin/env bash
# CI step for AMD: build/refresh the toolchain (tools/amd/setup.sh), then compile
# every GPU kernel of the package for gfx90a, gfx942 and gfx1100 with numba-hip
# and check the code objects (tests/test_hip_codegen.py; with the primitives'
# own AMD code, tests/test_intrinsics.py: every test marked hip_codegen),
# inside .venv-hip. Exits non-zero when setup or any test fails, or when the
# check was skipped instead of run (NUMBA_CAUSAL_REQUIRE_HIP=1).
# Then writes the per-kernel, per-arch resource table into docs/amd.md (with
# NUMBA_CAUSAL_AMD_DOC_CHECK=1, as .ci/run sets it: fails instead if the
# committed table is stale). Code objects are cached (tools/amd/codegen.py,
# NUMBA_CAUSAL_AMD_CACHE; here, as in .ci/run, by default outside the clone, so a
# check run by hand warms CI's cache on the same machine); tests run on AMD_JOBS workers
# (default: the machine's cores). Extra arguments go to pytest (e.g. -x, -k gfx942).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
export NUMBA_CAUSAL_AMD_CACHE=${NUMBA_CAUSAL_AMD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/numba-causal/amd-code-objects}

start=$SECONDS
bash tools/amd/setup.sh
echo "[amd-ci] setup took $((SECONDS - start)) s"

# shellcheck disable=SC1091
source "${NUMBA_CAUSAL_AMD_DIR:-$REPO/.amd}/env.sh"
export NUMBA_CAUSAL_REQUIRE_HIP=1
start=$SECONDS
status=0
JOBS=${AMD_JOBS:-$(nproc)}
PAR=(-n 0)  # setup.cfg's -n auto would take every core
((JOBS > 1)) && PAR=(-n "$JOBS" --dist loadgroup)
"$REPO/.venv-hip/bin/python" -m pytest -m hip_codegen tests/test_hip_codegen.py \
  tests/test_intrinsics.py -q \
  -p no:cacheprovider "${PAR[@]}" "$@" || status=$?
echo "[amd-ci] hip_codegen tests took $((SECONDS - start)) s ($JOBS workers), pytest exit status $status"

start=$SECONDS
CHECK=
[[ ${NUMBA_CAUSAL_AMD_DOC_CHECK:-0} == 1 ]] && CHECK=--check
"$REPO/.venv-hip/bin/python" tools/amd/codegen.py --table docs/amd.md $CHECK >/dev/null || status=1
echo "[amd-ci] resource table (docs/amd.md${CHECK:+, check only}) took $((SECONDS - start)) s"
exit "$status"
