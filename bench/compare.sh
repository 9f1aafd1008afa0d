#!/usr/bin/env bash
# Livt and PyTorch side by side in one run: same model (the quick-start ViT), mode, batch, threads, source
# and precision (Livt's --precision auto decides; PyTorch then runs bf16 under autocast too). PyTorch gets
# OpenBLAS (Debian's python3-torch otherwise calls netlib's reference BLAS) with the kernels OpenBLAS picks
# for this CPU, and the malloc thresholds Livt sets for itself at start-up.
#   bash bench/compare.sh train --source fashion-mnist-lt --steps 200
# Needs: apt-get install libopenblas0-openmp python3-torch python3-torchvision
set -euo pipefail
mode=${1:-train}; shift || true
here=$(cd "$(dirname "$0")" && pwd)
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
[ -e "$openblas/libblas.so.3" ] || { echo "compare.sh: OpenBLAS missing: apt-get install libopenblas0-openmp" >&2; exit 1; }
livt_json=$(mktemp); torch_json=$(mktemp)
dotnet run -c Release --project "$here/../src/Livt.Cli" -- bench "$mode" --threads 2 --batch-size 128 --json "$livt_json" "$@"
precision=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["precision"])' "$livt_json")

# OpenBLAS core type. Some machines here export OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for older OpenBLAS
# builds; they can pin an AVX-512 CPU to AVX2 kernels. Let this OpenBLAS choose, ask it what it chose, and
# only when it falls back to the generic Prescott kernels on an AVX2/AVX-512 CPU name the nearest known core.
echo "machine environment: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-<unset>} (unset for PyTorch below)" >&2
probe() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ${1:+OPENBLAS_CORETYPE=$1} LD_LIBRARY_PATH=$openblas /usr/bin/python3 "$here/pytorch/bench.py" corename; }
core_env=""
picked=$(probe "")
core=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["core"])' "$picked")
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
if [ "$core" = "Prescott" ]; then
  if [[ $flags == *" avx512f"* ]]; then
    if [[ $flags == *avx512_bf16* ]]; then core_env=COOPERLAKE; else core_env=SKYLAKEX; fi
  elif [[ $flags == *" avx2"* ]]; then core_env=HASWELL; fi
fi
if [ -n "$core_env" ]; then
  picked=$(probe "$core_env")
  echo "OpenBLAS fell back to Prescott on this CPU: OPENBLAS_CORETYPE=$core_env -> $picked" >&2
else
  echo "OpenBLAS core chosen by OpenBLAS itself: $picked" >&2
fi
if [[ $picked == *'"gemm_correct": false'* ]]; then
  echo "compare.sh: OpenBLAS's $core kernels compute wrong products here: falling back to HASWELL" >&2
  core_env=HASWELL
fi

env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ${core_env:+OPENBLAS_CORETYPE=$core_env} \
  LD_LIBRARY_PATH=$openblas MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=536870912 \
  /usr/bin/python3 "$here/pytorch/bench.py" "$mode" --threads 2 --batch-size 128 --precision "$precision" "$@" > "$torch_json"
/usr/bin/python3 - "$livt_json" "$torch_json" <<'PY'
import json, sys
l, t = (json.load(open(p)) for p in sys.argv[1:3])
print(f"precision {l['precision']} ({l['precision_reason']}); PyTorch {t['torch']} on OpenBLAS core {t['openblas_core']}"
      f" ({'bf16 autocast' if t['precision'] == 'bf16' else 'fp32'})")
print(f"{'':24}{'livt':>10}{'pytorch':>10}{'ratio':>8}")
for k in ("images_per_second", "bare_images_per_second", "loader_ratio", "peak_rss_mb"):
    a, b = l.get(k), t.get(k)
    if a and b:
        print(f"{k:24}{a:10.3f}{b:10.3f}{a / b:8.2f}" if k == "loader_ratio" else f"{k:24}{a:10.1f}{b:10.1f}{a / b:8.2f}")
c = l.get("compute")
if c:
    print(f"livt: {c['gflops_per_second']:.1f} GFLOP/s end to end ({c['percent_of_peak']:.1f} % of the {c['peak_gflops']:.0f} GFLOP/s peak: {c['peak_basis']}); "
          f"pytorch {c['flops_per_image'] * t['images_per_second'] / 1e9:.1f} GFLOP/s")
PY
