#!/usr/bin/env bash
# The health alerts' corpus (docs/health.md): every preset with its default settings on MNIST and Fashion-MNIST, and
# every MNIST recipe, each on the first TRAIN_LIMIT training images (default 12000) for EPOCHS epochs (default 2) with
# layer health measured as runs measure it; then the failing cases. Prints one line per run: its alerts (kind and
# layer), "none" for a healthy one. Needs MNIST and Fashion-MNIST in data/ (scripts/setup.sh). Release build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
limit="${TRAIN_LIMIT:-12000}"
epochs="${EPOCHS:-2}"
dotnet build Dashboard.Server -c Release -nologo -v quiet >/dev/null
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
train() {
  local name="$1"
  shift
  local log="$out/run.log"
  dotnet Dashboard.Server/bin/Release/net10.0/Dashboard.Server.dll train --device cpu --test-limit 1000 --output "$out/model.pt" "$@" >"$log" 2>&1 || true
  local alerts
  alerts="$(grep -o 'alert at epoch [0-9]*, batch [0-9]*: [A-Za-z -]*:' "$log" | sed 's/alert at //; s/:$//' | paste -sd ';' - || true)"
  local accuracy
  accuracy="$(grep '^test:' "$log" | grep -o 'accuracy [0-9.]* *%' | tail -1 || true)"
  [[ -z "$accuracy" ]] && accuracy="$(grep -io 'diverged[^.]*' "$log" | head -1 || true)"
  printf '%-52s %-24s %s\n' "$name" "${accuracy:-?}" "${alerts:-none}"
}
for dataset in mnist fashion-mnist; do
  for model in logreg mlp mlp-relu cnn cnn-small cnn-bn cnn-fast lenet resnet8 resnet20 resnet-small; do
    train "$dataset $model (defaults)" --dataset "$dataset" --model "$model" --train-limit "$limit" --epochs "$epochs"
  done
done
for recipe in tutorial fast fast-99.3 fashion-resnet8; do
  train "recipe $recipe" --recipe "$recipe" --train-limit "$limit" --epochs "$epochs"
done
echo "failing cases:"
train "mnist mlp-relu, Adam at 0.1 (dead ReLUs)" --model mlp-relu --lr 0.1 --train-limit "$limit" --epochs "$epochs"
train "mnist mlp, SGD at 0.2 (blows up at once)" --model mlp --optimizer sgd --lr 0.2 --train-limit "$limit" --epochs "$epochs"
train "mnist mlp, SGD at 0.07 (blows up later)" --model mlp --optimizer sgd --lr 0.07 --train-limit "$limit" --epochs "$((epochs + 1))"
train "mnist cnn-bn, SGD at 1e-4 (too slow)" --model cnn-bn --optimizer sgd --lr 1e-4 --momentum 0 --train-limit "$limit" --epochs "$epochs"
