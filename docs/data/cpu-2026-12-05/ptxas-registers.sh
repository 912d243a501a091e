#!/usr/bin/env bash
# Registers and spill bytes ptxas gives each PTX file, with and without a register cap:
#   bash ptxas-registers.sh LABEL "CAPS" FILE.ptx...   (CAPS e.g. "0 48 40"; 0: no cap)
# Needs ptxas (CUDA 13 here: /usr/local/cuda/bin); no GPU.
set -euo pipefail
label=$1 caps=$2
shift 2
for f in "$@"; do
  for r in $caps; do
    cap=(); ((r > 0)) && cap=(-maxrregcount="$r")
    echo -n "$label $(basename "$f" .ptx) maxrregcount=$r: "
    "${PTXAS:-/usr/local/cuda/bin/ptxas}" -arch=sm_90 -v "${cap[@]}" "$f" -o /dev/null 2>&1 \
      | grep -o "Used [0-9]* registers\|[0-9]* bytes spill stores" | tr '\n' ' '
    echo
  done
done
