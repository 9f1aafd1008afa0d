#!/usr/bin/env bash
# Builds .gpu-kit/ (ignored by git) on the build machine, for a GPU machine that has PyTorch but maybe no
# .NET, no dataset and no network. See bench/gpu/README.md.
#   bash bench/gpu/make-kit.sh        (from anywhere in the repository; needs dotnet, python3, xz)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd); cd "$root"
kit=.gpu-kit
rm -rf "$kit"; mkdir -p "$kit/app" "$kit/data" "$kit/pytorch"
dotnet publish src/Livt.Cli -c Release -o "$kit/app" --nologo -v q >/dev/null

# Fashion-MNIST with the training images outside the seed-0 long-tailed subset blanked: the labels stay,
# so `--seed 0` selects exactly the subset it selects here, and the blanks compress to almost nothing.
src=${LIVT_FASHION_DIR:-/usr/share/datasets/fashion-mnist}
dotnet "$kit/app/livt.dll" data indices --dataset fashion-mnist-lt --seed 0 --data-dir "$src" > "$kit/data/keep.txt"
python3 - "$src" "$kit/data" <<'PY'
import gzip, shutil, struct, sys
src, out = sys.argv[1:]
raw = bytearray(gzip.open(f"{src}/train-images-idx3-ubyte.gz").read())
n, rows, cols = struct.unpack(">III", raw[4:16])
size = rows * cols
keep = {int(line) for line in open(f"{out}/keep.txt")}
for i in range(n):
    if i not in keep:
        raw[16 + i * size:16 + (i + 1) * size] = bytes(size)
with gzip.open(f"{out}/train-images-idx3-ubyte.gz", "wb", 9) as f:
    f.write(raw)
for name in ("train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
    shutil.copy(f"{src}/{name}", out)
print(f"data: {len(keep)} of {n} training images kept")
PY
rm "$kit/data/keep.txt"

# Livt without TorchSharp's libtorch (the GPU machine's is named by LIVT_LIBTORCH) and without the native
# libraries a GPU check does not use: ONNX Runtime's, other platforms', symbols and XML docs.
native="$kit/app/runtimes/linux-x64/native"
rm -f "$native"/libtorch*.so "$native"/libc10*.so "$native"/libgomp*.so* "$native"/libshm.so "$native"/lib*backend*.so \
      "$native"/libaoti_custom_ops.so "$native"/libtorchbind_test.so "$native"/libonnxruntime*.so
find "$kit/app/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
rm -f "$kit/app"/*.pdb "$kit/app"/*.xml
(cd "$kit/app" && tar cf - . | xz -6 -T0 > ../app.tar.xz); rm -rf "$kit/app"

# This machine's .NET runtime (the GPU machine may have none).
droot=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(ls "$droot/shared/Microsoft.NETCore.App" | sort -V | tail -1)
(cd "$droot" && tar cf - dotnet host "shared/Microsoft.NETCore.App/$runtime") | xz -6 -T0 > "$kit/dotnet.tar.xz"

cp "$here/on-device.sh" "$kit/"
cp "$root/bench/pytorch/bench.py" "$root/bench/pytorch/reference_models.py" "$kit/pytorch/"
du -sh "$kit"
