#!/usr/bin/env bash
# Build the AMD compile-check toolchain of numba-causal on a machine with no AMD
# GPU (Debian 12 "bookworm", x86-64). Idempotent: every step is skipped when
# its result is already there and up to date, so CI can call it on every run.
#
#   1. apt: gcc, zlib/zstd headers, ROCm 5.2 comgr + HIP + device libs, lld-19
#   2. shims (gcc): librocm_sysdeps_z.so.1, librocm_sysdeps_zstd.so.1 and a
#      libamd_comgr.so that maps comgr-3 enums onto Debian's comgr 2.4
#   3. a fake ROCm tree for numba-hip ($AMD/rocm)
#   4. the virtual environment .venv-hip (numba-hip 0.2.1, pinned in
#      tools/amd/requirements-hip.txt) plus `pip install --no-deps -e .`
#   5. the HIP runtime header numba-hip compiles its device library against
#   6. $AMD/env.sh, the environment the above needs
#
# All build artefacts go to .amd/ in the repository root (git-ignored), or to
# $NUMBA_CAUSAL_AMD_DIR. Python comes from $PYTHON (default python3, 3.11).
# See docs/amd.md for what this proves and what it does not.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$REPO/tools/amd
AMD=${NUMBA_CAUSAL_AMD_DIR:-$REPO/.amd}
VENV=$REPO/.venv-hip
PY=${PYTHON:-python3}
T0=$SECONDS

say() { printf '[amd-setup %3ds] %s\n' $((SECONDS - T0)) "$*"; }

# 1. Debian packages ---------------------------------------------------------
APT_PKGS=(
  gcc=4:12.2.0-3
  zlib1g-dev=1:1.2.13.dfsg-1
  libzstd-dev=1.5.4+dfsg2-5
  libamd-comgr-dev=5.2.3-2
  libamdhip64-dev=5.2.3-8
  rocm-device-libs=5.2.3-2
  lld-19=1:19.1.7-3~deb12u1
)
missing=()
for pkg in "${APT_PKGS[@]}"; do
  have=$(dpkg-query -W -f='${Status} ${Version}' "${pkg%%=*}" 2>/dev/null || true)
  [[ "$have" == "install ok installed ${pkg#*=}" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  SUDO=; [[ $(id -u) == 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
else
  say "apt packages present"
fi
MULTIARCH=$(gcc -print-multiarch)
SYSLIB=/usr/lib/$MULTIARCH

# 2. shims -------------------------------------------------------------------
mkdir -p "$AMD/lib"
# build OUT from the files after it, with the gcc arguments after '--'
build() {
  local out=$1; shift
  local srcs=() dep
  while [[ $1 != -- ]]; do srcs+=("$1"); shift; done; shift
  for dep in "${srcs[@]}" "${BASH_SOURCE[0]}"; do
    if [[ ! -e $out || $dep -nt $out ]]; then
      say "gcc -> ${out#"$REPO"/}"
      gcc -shared -fPIC -O2 -o "$out" "$@"
      return
    fi
  done
}
S=$HERE/shims
build "$AMD/lib/librocm_sysdeps_z.so.1" "$S/sysdeps_z.c" "$S/z.map" -- \
  "$S/sysdeps_z.c" -Wl,--whole-archive "$SYSLIB/libz.a" -Wl,--no-whole-archive \
  -Wl,--version-script="$S/z.map" -Wl,-soname,librocm_sysdeps_z.so.1
build "$AMD/lib/librocm_sysdeps_zstd.so.1" "$S/zstd_shim.c" "$S/zstd.map" -- \
  "$S/zstd_shim.c" -Wl,--version-script="$S/zstd.map" \
  -Wl,-soname,librocm_sysdeps_zstd.so.1 -ldl
build "$AMD/lib/libamd_comgr.so" "$S/comgr_shim.c" -- \
  "$S/comgr_shim.c" -Wl,-soname,libamd_comgr.so -Wl,--no-as-needed \
  "$SYSLIB/libamd_comgr.so.2" -ldl

# 3. virtual environment -----------------------------------------------------
if [[ ! -x $VENV/bin/python ]]; then
  say "python -m venv .venv-hip ($($PY --version 2>&1))"
  "$PY" -m venv "$VENV"
fi
VPY=$VENV/bin/python
stamp() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }
REQ_STAMP=$(stamp "$HERE/requirements-hip.txt")
if [[ $(cat "$VENV/.req.sha256" 2>/dev/null) != "$REQ_STAMP" ]]; then
  say "pip install -r tools/amd/requirements-hip.txt"
  "$VPY" -m pip install -q --disable-pip-version-check -r "$HERE/requirements-hip.txt"
  echo "$REQ_STAMP" >"$VENV/.req.sha256"
else
  say "venv requirements up to date"
fi
if "$VPY" -m pip show -q numba-cuda >/dev/null 2>&1; then
  echo "error: numba-cuda is installed in .venv-hip; it breaks numba-hip (see docs/amd.md)" >&2
  exit 1
fi
SP=$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

# the package itself, without dependencies (they would pull numba-cuda)
PKG_FILES=()
for f in pyproject.toml setup.cfg setup.py; do
  [[ -e $REPO/$f ]] && PKG_FILES+=("$REPO/$f")
done
if ((${#PKG_FILES[@]})); then
  PKG_STAMP=$(stamp "${PKG_FILES[@]}")
  if [[ $(cat "$VENV/.pkg.sha256" 2>/dev/null) != "$PKG_STAMP" ]]; then
    say "pip install --no-deps -e ."
    "$VPY" -m pip install -q --disable-pip-version-check --no-deps -e "$REPO"
    echo "$PKG_STAMP" >"$VENV/.pkg.sha256"
  else
    say "editable install up to date"
  fi
else
  # no packaging metadata yet: put the repository root on the venv's path
  say "warning: no pyproject.toml/setup.cfg/setup.py; adding $REPO to sys.path via a .pth"
  echo "$REPO" >"$SP/numba_causal_repo.pth"
fi

# 4. fake ROCm tree: a real directory with links into Debian and the venv ------
mkdir -p "$AMD/rocm/lib" "$AMD/rocm/llvm/lib/clang"
ln -sfn "$AMD/lib/libamd_comgr.so" "$AMD/rocm/lib/libamd_comgr.so"
ln -sfn "$SYSLIB/libhiprtc-builtins.so" "$AMD/rocm/lib/libhiprtc-builtins.so"
ln -sfn "$SP/clang/native/resource" "$AMD/rocm/llvm/lib/clang/22"

# 5. env file ------------------------------------------------------------------
cat >"$AMD/env.sh.new" <<EOF
# Written by tools/amd/setup.sh: the environment numba-hip needs on this machine.
export NUMBA_CAUSAL_AMD_DIR=$AMD
export NUMBA_CAUSAL_HIP_VENV=$VENV
export LD_LIBRARY_PATH=$AMD/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export ROCM_PATH=$AMD/rocm
export NUMBA_HIP_LIBCLANG_FILE=$SP/clang/native/libclang.so
export HIP_PYTHON_HIPRTC_RUNTIME_HEADER=$AMD/hiprtc_runtime.h
EOF
mv "$AMD/env.sh.new" "$AMD/env.sh"
# shellcheck disable=SC1091
source "$AMD/env.sh"

# 6. HIP runtime header (hipRTC's builtin text, read from Debian's
#    libhiprtc-builtins) with the HIP_PI constants numba-hip's device lib uses
HEADER=$AMD/hiprtc_runtime.h
if [[ ! -s $HEADER || $VENV/.req.sha256 -nt $HEADER ]]; then
  say "dump HIP runtime header"
  env -u HIP_PYTHON_HIPRTC_RUNTIME_HEADER "$VPY" - "$HEADER" <<'EOF'
import pathlib, sys
from rocm.comgr.hiprtc_header import get_hiprtc_runtime_header
text = get_hiprtc_runtime_header()
text = text.decode() if isinstance(text, bytes) else text
pi = ("#define HIP_PI 3.14159265358979323846\n"
      "#define HIP_PI_F 3.14159265358979323846f\n")
pathlib.Path(sys.argv[1]).write_text(pi + text)
EOF
fi

# check --------------------------------------------------------------------------
"$VPY" -c 'from numba import hip' || {
  echo "error: numba.hip does not import with $AMD/env.sh" >&2
  exit 1
}
say "done: numba.hip imports; source .amd/env.sh, run .venv-hip/bin/python"
