#!/usr/bin/env bash
# Builds every example against the packages `dotnet pack` wrote to ../artifacts, then runs each one's
# check.sh (a short real run). CI calls this after packing; see docs/PACKAGING.md.
set -euo pipefail
cd "$(dirname "$0")"
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' ../Directory.Build.props)
# NuGet would take a Livt package of this version from its cache if an earlier pack was restored:
# drop those so the examples build against this pack.
cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
rm -rf "$cache/livt.core/$version"
for example in */; do
  example=${example%/}
  [ -f "$example/check.sh" ] || continue
  echo "== examples/$example"
  dotnet build "$example" -c Release -nologo -v quiet
  bash "$example/check.sh"
done
# examples/OnnxClassify (export to ONNX, run with ONNX Runtime) joins this loop when it lands: a folder
# with a project that references the packed Livt.Core and a check.sh that runs it briefly.
