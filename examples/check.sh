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
# Every example is built before any runs: a check may use another example's program (OnnxClassify
# classifies the PNGs TrainImageFolder writes).
examples=()
for example in */; do
  example=${example%/}
  [ -f "$example/check.sh" ] && examples+=("$example")
done
for example in "${examples[@]}"; do dotnet build "$example" -c Release -nologo -v quiet; done
for example in "${examples[@]}"; do
  echo "== examples/$example"
  bash "$example/check.sh"
done
