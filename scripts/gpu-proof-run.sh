#!/usr/bin/env bash
# The GPU proof kit's run script (scripts/gpu-proof.sh packs it as gpu-proof/run.sh). Needs
# CMake, a C++ compiler and a libtorch: PyTorch's own (torch.utils.cmake_prefix_path of
# $PYTHON, default python3) when it has one, else whatever CMake finds (Debian's libtorch-dev).
# No .NET SDK and no network: the server inside is self-contained.
#   DEVICE   cuda (default), cuda:N or cpu
#   QUICK=1  a short check (small data, one round): what scripts/gpu-proof.sh --check-cpu runs
#   SEEDS    the seeds each recipe trains with (default "1 2 3")
set -euo pipefail
kit="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
device="${DEVICE:-cuda}"
python="${PYTHON:-python3}"
cd "$kit"

torch_args=()
prefix="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)"
if [[ -n "$prefix" && -f "$prefix/Torch/TorchConfig.cmake" ]]; then
  torch_args=(-DTorch_DIR="$prefix/Torch")
  echo "kit: libtorch from $python: $prefix/Torch"
else
  echo "kit: $python has no torch CMake package; using the libtorch CMake finds"
fi
echo "kit: building the shim"
cmake -S native -B build -DCMAKE_BUILD_TYPE=Release "${torch_args[@]}" >build.log 2>&1 || { tail -30 build.log; exit 1; }
cmake --build build --target dashboard_torch plain_loop -j "$(nproc)" >>build.log 2>&1 || { tail -30 build.log; exit 1; }
cp build/libdashboard_torch.so build/plain_loop app/

echo "kit: host $(hostname), $(nproc) cores"
if [[ "$device" == cuda* ]]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
  "$python" -c 'import torch; print("kit: torch", torch.__version__, "CUDA", torch.version.cuda, "device", torch.cuda.get_device_name(0))' 2>/dev/null || true
fi

server=app/Dashboard.Server
if [[ "${QUICK:-0}" == 1 ]]; then
  "$server" train --recipe fast --device "$device" --data data --train-limit 8192 --test-limit 2000 --output runs/fast.pt
  "$server" bench --guard --presets logreg cnn-small --rounds 1 --images 2048 --device "$device" --data data --python none
  exit 0
fi
# A trained run, its per-epoch lines and the test accuracy (the checkpoint is fp32 whatever the precision).
"$server" train --recipe fast --device "$device" --data data --output runs/fast.pt
echo "kit: time to accuracy (seconds from the data on the device to the test result)"
# shellcheck disable=SC2086
"$server" bench --time-to-accuracy --recipes fast fast-99.3 --seeds ${SEEDS:-1 2 3} --device "$device" --data data
echo "kit: images/s per preset against the plain C++ loop and the PyTorch tutorial script on $device"
"$server" bench --guard --presets logreg mlp mlp-relu cnn cnn-small cnn-bn cnn-fast --rounds 2 --images 16384 --batch-size 64 \
  --device "$device" --data data --python "$python"
