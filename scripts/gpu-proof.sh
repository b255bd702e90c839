#!/usr/bin/env bash
# Builds the GPU proof kit: one archive, at most 60 MiB, that proves the CUDA path on a host
# that has PyTorch (with CUDA) but no .NET SDK and no network. It holds a self-contained
# `dotnet publish` of the server for linux-x64, the shim's C++ sources, MNIST (gzip) and
# gpu-proof/run.sh, which builds the shim there against PyTorch's own libtorch and then
# trains the fast recipes and runs the benchmark on the device.
#
#   scripts/gpu-proof.sh                 builds dist/gpu-proof.tar.xz
#   scripts/gpu-proof.sh --check-cpu     also extracts it into an empty folder and runs its
#                                        run.sh there on the CPU with Debian's libtorch and a
#                                        dotnet on PATH that always fails (DEVICE=cpu QUICK=1)
#
# On the GPU host: tar xJf gpu-proof.tar.xz && gpu-proof/run.sh   (DEVICE=cuda by default)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/setup.sh"
cd "$repo"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
kit="$stage/gpu-proof"
mkdir -p "$kit/data/mnist" "$repo/dist"

dotnet build Dashboard.Server -c Release -nologo -v quiet
echo "gpu-proof: publishing the server, self-contained for linux-x64"
dotnet publish Dashboard.Server -c Release -r linux-x64 --self-contained -nologo -v quiet \
  -p:SatelliteResourceLanguages=en -o "$kit/app"
# Built on the host against its own libtorch; these two are Debian's.
rm -f "$kit/app/libdashboard_torch.so" "$kit/app/plain_loop" "$kit/app/"*.pdb
cp -r Dashboard.Server/native "$kit/native"
cp scripts/gpu-proof-run.sh "$kit/run.sh"
chmod +x "$kit/run.sh"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  gzip -9 -c "${Data__Folder:-$repo/data}/mnist/$f" > "$kit/data/mnist/$f.gz"
done

archive="$repo/dist/gpu-proof.tar.xz"
tar -C "$stage" -cf - gpu-proof | xz -T0 -9 > "$archive"
size=$(stat -c %s "$archive")
echo "gpu-proof: $archive, $((size / 1024 / 1024)) MiB ($size bytes)"
if (( size > 60 * 1024 * 1024 )); then
  echo "gpu-proof: the kit is over 60 MiB" >&2
  exit 1
fi

if [[ "${1:-}" == "--check-cpu" ]]; then
  check="$(mktemp -d)"
  echo "gpu-proof: checking the kit in the empty folder $check, without dotnet on PATH"
  tar -C "$check" -xJf "$archive"
  # A dotnet that always fails stands first on PATH (Debian's /bin is /usr/bin, so leaving a
  # folder out would not hide the SDK): the kit must run without calling it.
  mkdir -p "$check/no-sdk"
  printf '#!/bin/sh\necho "dotnet is not available to the kit" >&2\nexit 127\n' > "$check/no-sdk/dotnet"
  chmod +x "$check/no-sdk/dotnet"
  (cd "$check" && env -u DOTNET_ROOT PATH="$check/no-sdk:$PATH" DEVICE=cpu QUICK=1 gpu-proof/run.sh)
  rm -rf "$check"
fi
