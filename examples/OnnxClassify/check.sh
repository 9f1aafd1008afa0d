#!/usr/bin/env bash
# What examples/check.sh runs for this example: the deployment journey. A short `livt finetune` (the
# repository's CLI, built by the pack before), `livt export --onnx`, then this program classifies real
# Fashion-MNIST PNGs (written by the TrainImageFolder example) through ONNX Runtime alone.
set -euo pipefail
cd "$(dirname "$0")"
livt=../../src/Livt.Cli/bin/Release/net10.0/livt.dll
[ -f "$livt" ] || { echo "error: $livt not found: build Livt.sln in Release first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet "$livt" finetune --dataset fashion-mnist-lt --epochs 1 --steps-per-epoch 20 --out "$work/run" >/dev/null
dotnet "$livt" export "$work/run" --onnx "$work/model.onnx"
dotnet run --project ../TrainImageFolder -c Release --no-build -- --make-sample "$work/sample"
mapfile -t images < <(find "$work/sample/val" -name '*.png' | sort | head -n 3) # class folders have spaces
dotnet run -c Release --no-build -- "$work/model.onnx" "${images[@]}" --top-k 2 | tee "$work/out.txt"
test "$(grep -c '%' "$work/out.txt")" -eq 6
