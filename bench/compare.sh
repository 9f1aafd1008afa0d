#!/usr/bin/env bash
# Livt and PyTorch side by side in one run: same model (the quick-start ViT), mode, batch, threads and
# source. PyTorch gets OpenBLAS (Debian's python3-torch otherwise calls netlib's reference BLAS) and the
# malloc thresholds Livt sets for itself at start-up.
#   bash bench/compare.sh train --source fashion-mnist-lt --steps 30
set -euo pipefail
mode=${1:-train}; shift || true
here=$(cd "$(dirname "$0")" && pwd)
livt_json=$(mktemp); torch_json=$(mktemp)
dotnet run -c Release --project "$here/../src/Livt.Cli" -- bench "$mode" --threads 2 --batch-size 128 --json "$livt_json" "$@"
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=536870912 \
  /usr/bin/python3 "$here/pytorch/bench.py" "$mode" --threads 2 --batch-size 128 "$@" > "$torch_json"
/usr/bin/python3 - "$livt_json" "$torch_json" <<'PY'
import json, sys
l, t = (json.load(open(p)) for p in sys.argv[1:3])
print(f"{'':24}{'livt':>10}{'pytorch':>10}{'ratio':>8}")
for k in ("images_per_second", "bare_images_per_second", "peak_rss_mb"):
    a, b = l.get(k), t.get(k)
    if a and b:
        print(f"{k:24}{a:10.1f}{b:10.1f}{a / b:8.2f}")
PY
