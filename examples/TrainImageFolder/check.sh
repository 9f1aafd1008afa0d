#!/usr/bin/env bash
# What examples/check.sh runs for this example: make the sample ImageFolder, then train on it.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet run -c Release --no-build -- --make-sample "$work/sample"
dotnet run -c Release --no-build -- "$work/sample" "$work/runs"
test -f "$work/runs/evaluate/report.json"
test -f "$work/runs/model.onnx"
