#!/usr/bin/env bash
# ResNet-8 with a 4-pixel crop and a flip on Fashion-MNIST: the dashboard's engine (the train verb, fp32 and bf16) against
# Debian's PyTorch 1.13 written as the CIFAR tutorials write it and tuned (bench/pytorch_resnet8.py), each its own
# process, alternating ROUNDS times (default 2) over IMAGES training images (default 25,600) for 2 epochs; the second
# epoch's training images/s is compared. Then the recipe fashion-resnet8 on all of Fashion-MNIST for SEEDS (default 1 2 3).
#   bash bench/resnet8-fashion.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/setup.sh" --bench >/dev/null
cd "$repo"
dotnet build Dashboard.Server -c Release -nologo -v quiet >/dev/null
dll="Dashboard.Server/bin/Release/net10.0/Dashboard.Server.dll"
images="${IMAGES:-25600}"
ours() { # PRECISION: the second epoch's images/s
  dotnet "$dll" train --dataset fashion-mnist --model resnet8 --epochs 2 --batch-size 128 --train-limit "$images" --validation-split 0 \
    --health-every 0 --crop-padding 4 --flip true --precision "$1" --device cpu | awk '/^epoch 2\/2:/ {print $(NF-1)}'
}
for round in $(seq 1 "${ROUNDS:-2}"); do
  fp32="$(ours fp32)"; bf16="$(ours bf16)"
  tutorial="$(/usr/bin/python3 bench/pytorch_resnet8.py tutorial data "$images" 2 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_second"])')"
  tuned="$(/usr/bin/python3 bench/pytorch_resnet8.py tuned data "$images" 2 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_second"])')"
  python3 - "$round" "$fp32" "$bf16" "$tutorial" "$tuned" <<'PY'
import sys
r, fp32, bf16, tutorial, tuned = sys.argv[1], *map(float, sys.argv[2:])
print(f"round {r}: ours fp32 {fp32:.0f}, ours bf16 {bf16:.0f}, PyTorch tutorial-style {tutorial:.0f}, PyTorch tuned {tuned:.0f} img/s; "
      f"ours best / tutorial {max(fp32, bf16) / tutorial:.2f}x, / tuned {max(fp32, bf16) / tuned:.2f}x")
PY
done
for seed in ${SEEDS:-1 2 3}; do
  dotnet "$dll" train --recipe fashion-resnet8 --seed "$seed" --device cpu | awk -v s="$seed" '/^epoch [0-9]+\/[0-9]+:/ {t += $(NF-3); n++} /^test:/ {print "fashion-resnet8 seed " s ": test accuracy " $5 " %, " t " s of training (" t / n " s an epoch)"}'
done
