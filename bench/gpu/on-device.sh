#!/usr/bin/env bash
# Runs Livt from the kit (bench/gpu/make-kit.sh) on a GPU machine, on that machine's own libtorch:
#   bash .gpu-kit/on-device.sh ARGS...   runs `livt ARGS...`
#   bash .gpu-kit/on-device.sh           runs the GPU check; its log and JSON go to $OUT (default .gpu-kit/out)
# LIVT_LIBTORCH names the libtorch: a lib folder, or python (python3's `import torch`, the default).
# LIVT_KIT_LIBRARY_PATH=1 also puts python3's torch/lib and nvidia/*/lib folders on LD_LIBRARY_PATH.
# See bench/gpu/README.md.
set -uo pipefail
kit=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$kit/out}; mkdir -p "$OUT"
work=${TMPDIR:-/tmp}/livt-kit-$(id -u)
stamp=$(cat "$kit/app.tar.xz" "$kit/dotnet.tar.xz" | cksum | cut -d' ' -f1)
if [ "$(cat "$work/stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$work"; mkdir -p "$work/dotnet" "$work/app"
  tar xJf "$kit/dotnet.tar.xz" -C "$work/dotnet" && tar xJf "$kit/app.tar.xz" -C "$work/app" && echo "$stamp" > "$work/stamp"
fi
export DOTNET_ROOT="$work/dotnet" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export LIVT_LIBTORCH=${LIVT_LIBTORCH:-python}
livt=("$work/dotnet/dotnet" "$work/app/livt.dll")

# How the first H200 run found its libraries (before LIVT_LIBTORCH): python3's torch/lib and the
# nvidia/*/lib folders of its pip CUDA packages on LD_LIBRARY_PATH.
with_library_path() {
  local torch_lib nv
  torch_lib=$(python3 -c "import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))") || return 1
  nv=$(python3 -c "
import glob, os
try:
    import nvidia
except ImportError:
    raise SystemExit
print(':'.join(sorted({os.path.dirname(p) for r in nvidia.__path__ for p in glob.glob(os.path.join(r, '*', 'lib', '*.so*'))})))")
  export LD_LIBRARY_PATH="$torch_lib${nv:+:$nv}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}
[ "${LIVT_KIT_LIBRARY_PATH:-0}" = 1 ] && with_library_path

if [ $# -gt 0 ]; then "${livt[@]}" "$@"; exit $?; fi

# ---- the GPU check -------------------------------------------------------------------------------
exec > >(tee "$OUT/check.log") 2>&1
T0=$(date +%s); say() { echo "== +$(( $(date +%s) - T0 ))s $*"; }
line() { python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))'; }
nvidia-smi -L 2>/dev/null || true
python3 -c "import torch; print('PyTorch', torch.__version__, 'CUDA', torch.version.cuda)" || true

say "livt doctor, LIVT_LIBTORCH=$LIVT_LIBTORCH"
if ! "${livt[@]}" doctor --json > "$OUT/doctor.json" || ! grep -q '"cuda_available": true' "$OUT/doctor.json"; then
  cat "$OUT/doctor.json"
  say "CUDA did not come up with LIVT_LIBTORCH alone: adding LD_LIBRARY_PATH (torch/lib, nvidia/*/lib) and trying again"
  with_library_path
  "${livt[@]}" doctor --json > "$OUT/doctor.json" && grep -q '"cuda_available": true' "$OUT/doctor.json" \
    || { cat "$OUT/doctor.json"; say "no CUDA: stopping"; exit 1; }
  echo "LD_LIBRARY_PATH was needed" > "$OUT/library_path_needed"
fi
"${livt[@]}" doctor

say "livt quickstart --device cuda"
start=$(date +%s)
timeout 420 "${livt[@]}" quickstart --device cuda --data-dir "$kit/data" --out "$work/quickstart"
say "quickstart exit $? after $(( $(date +%s) - start )) s"
for stage in pretrain finetune crt; do
  [ -f "$work/quickstart/$stage/report.json" ] && cp "$work/quickstart/$stage/report.json" "$OUT/quickstart_$stage.json"
done

: > "$OUT/livt_bench.jsonl"; : > "$OUT/pytorch_bench.jsonl"
for model in vit_quick_patch4_28 vit_base_patch16_224; do
  for precision in fp32 bf16; do
    say "livt bench train --model $model --precision $precision"
    timeout 240 "${livt[@]}" bench train --device cuda --model "$model" --precision "$precision" --attention fused \
      --steps 50 --warmup 10 --json "$work/bench.json" && line < "$work/bench.json" >> "$OUT/livt_bench.jsonl"
    say "PyTorch, the same step"
    timeout 240 python3 "$kit/pytorch/bench.py" train --device cuda --model "$model" --precision "$precision" --attention fused \
      --steps 50 --warmup 10 | line >> "$OUT/pytorch_bench.jsonl"
  done
done
say "livt bench pretrain (bf16)"
timeout 240 "${livt[@]}" bench pretrain --device cuda --precision bf16 --attention fused --steps 50 --warmup 10 --json "$OUT/livt_pretrain.json"
say "resident memory over 2,000 steps (bench train, quick-start ViT, bf16)"
timeout 300 "${livt[@]}" bench train --device cuda --precision bf16 --attention fused --steps 2000 --warmup 10 --json "$OUT/livt_memory_2000_steps.json"

say "summary"
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = lambda f: [json.loads(l) for l in open(os.path.join(out, f)) if l.strip()] if os.path.exists(os.path.join(out, f)) else []
torch = {(r["model"], r["precision"]): r for r in rows("pytorch_bench.jsonl")}
print(f"{'model':<22}{'prec':<6}{'livt img/s':>12}{'pytorch img/s':>15}{'ratio':>7}{'% of peak':>11}   fwd/bwd/opt ms")
for r in rows("livt_bench.jsonl"):
    t = torch.get((r["model"], r["precision"]), {})
    ips, tps = r["images_per_second"], t.get("images_per_second")
    b, c = r["breakdown"], r["compute"]
    pct = c.get("percent_of_peak")
    print(f"{r['model']:<22}{r['precision']:<6}{ips:>12.0f}{tps or float('nan'):>15.0f}{(ips / tps if tps else float('nan')):>7.2f}"
          f"{(pct if pct is not None else float('nan')):>11.1f}   {b['forward_ms']:.1f}/{b['backward_ms']:.1f}/{b['optimizer_ms']:.1f}")
m = os.path.join(out, "livt_memory_2000_steps.json")
if os.path.exists(m):
    r = json.load(open(m))
    print(f"memory over {r['steps']} steps: peak {r['peak_rss_mb']:.0f} MiB, growth {r['rss_growth_mb_per_100_steps']:.2f} MiB/100 steps "
          f"({r['rss_growth_percent_of_peak']:.2f} % of peak over the second half; .NET heap {r['managed_growth_mb_per_100_steps']:.2f} MiB/100 steps)")
for stage in ("finetune", "crt"):
    p = os.path.join(out, f"quickstart_{stage}.json")
    if os.path.exists(p):
        r = json.load(open(p))
        f = lambda k: "-" if r.get(k) is None else f"{r[k]:.2f}"
        print(f"quickstart {stage}: top-1 {f('top1')} % (many {f('many')}, medium {f('medium')}, few {f('few')}), "
              f"ECE {f('ece')}, {f('seconds')} s, {r.get('precision')}")
PY
say "end"
