// Layer health: one training step that also measures every layer (norms, activations, dead units,
// BatchNorm statistics, histograms), for the trainer's health monitor.
#include "shim.h"

#include <cmath>
#include <cstring>

namespace {

// The L2 norm of several tensors taken together.
torch::Tensor joint_norm(const std::vector<torch::Tensor>& tensors, const torch::TensorOptions& options) {
  if (tensors.empty()) {
    return torch::full({}, std::nan(""), options);
  }
  std::vector<torch::Tensor> norms;
  for (const auto& t : tensors) {
    norms.push_back(t.norm().to(torch::kFloat64));
  }
  return torch::stack(norms).pow(2).sum().sqrt();
}

// [min, max, counts...] of a tensor, bins + 2 values, on its device.
torch::Tensor histogram(const torch::Tensor& t, int32_t bins) {
  auto flat = t.detach().to(torch::kFloat32).reshape(-1);
  auto low = flat.min();
  auto high = flat.max();
  // histc with min == max == 0 spans the tensor's own range.
  return torch::cat({low.view(1), high.view(1), torch::histc(flat, bins)});
}

} // namespace

extern "C" {

int32_t dt_train_health(dt_net* net, dt_optim* optim, dt_data* data, dt_index* index,
                        int64_t start, int32_t batch_size, double learning_rate,
                        int32_t reset_fired, int32_t bins, double* values, float* histograms,
                        int32_t max_layers, double* loss, int64_t* correct, int64_t* samples) {
  DT_TRY
  TORCH_CHECK(batch_size > 0, "batch size must be positive");
  TORCH_CHECK(bins >= 0 && bins <= 1024, "bins must be 0 to 1024, got ", bins);
  const auto total = index->positions.size(0);
  TORCH_CHECK(start >= 0 && start < total, "start position ", start, " is outside the index of ", total);
  const auto layers = static_cast<int32_t>(net->module->size());
  TORCH_CHECK(layers <= max_layers, "the network has more than ", max_layers, " layers");
  if (learning_rate > 0) {
    for (auto& group : optim->optimizer->param_groups()) {
      group.options().set_lr(learning_rate);
    }
  }
  if (reset_fired != 0 || net->fired.size() != static_cast<size_t>(layers)) {
    net->fired.assign(layers, torch::Tensor());
  }
  net->module->train();
  std::vector<std::vector<torch::Tensor>> before(layers);
  {
    torch::NoGradGuard no_grad;
    for (int32_t i = 0; i < layers; ++i) {
      for (const auto& p : net->module->ptr(i)->parameters()) { // a residual block's own layers' too
        before[i].push_back(p.detach().clone());
      }
    }
  }
  const auto end = std::min<int64_t>(start + batch_size, total);
  const auto rows = index->positions.slice(0, start, end);
  std::vector<torch::Tensor> outputs;
  const auto [batch_loss, logits] = dt::train_step(net, optim, data, rows, &outputs);

  torch::NoGradGuard no_grad;
  const auto options = torch::TensorOptions().dtype(torch::kFloat64).device(net->device);
  const auto nan = torch::full({}, std::nan(""), options);
  std::vector<torch::Tensor> rows_out;
  std::vector<torch::Tensor> hists;
  for (int32_t i = 0; i < layers; ++i) {
    auto module = net->module->ptr(i);
    const auto parameters = module->parameters();
    std::vector<torch::Tensor> gradients;
    std::vector<torch::Tensor> updates;
    int64_t count = 0;
    for (size_t k = 0; k < parameters.size(); ++k) {
      count += parameters[k].numel();
      if (parameters[k].grad().defined()) {
        gradients.push_back(parameters[k].grad());
      }
      updates.push_back(parameters[k].detach() - before[i][k]);
    }
    const auto out = outputs[i].to(torch::kFloat32);
    auto dead = nan;
    if (module->as<torch::nn::ReLU>() != nullptr) {
      // A unit is a feature of a 2-D output, a channel of a 4-D one.
      auto fired = out.dim() == 4 ? out.gt(0).sum({0, 2, 3}).gt(0) : out.gt(0).sum(0).gt(0).reshape(-1);
      net->fired[i] = net->fired[i].defined() ? net->fired[i].logical_or(fired) : fired;
      dead = 1.0 - net->fired[i].to(torch::kFloat64).mean();
    }
    auto running_mean = nan;
    auto running_var = nan;
    if (auto* norm = module->as<torch::nn::BatchNorm2d>()) {
      running_mean = norm->running_mean.to(torch::kFloat64).mean();
      running_var = norm->running_var.to(torch::kFloat64).mean();
    } else if (auto* norm1d = module->as<torch::nn::BatchNorm1d>()) {
      running_mean = norm1d->running_mean.to(torch::kFloat64).mean();
      running_var = norm1d->running_var.to(torch::kFloat64).mean();
    }
    rows_out.push_back(torch::stack({torch::full({}, static_cast<double>(count), options),
                                     joint_norm(before[i], options), joint_norm(gradients, options),
                                     joint_norm(updates, options), out.mean().to(torch::kFloat64),
                                     out.std().to(torch::kFloat64), dead, running_mean, running_var}));
    if (bins > 0) {
      const auto named = module->named_parameters(false);
      const auto* weight = named.find("weight");
      const auto none = torch::cat({torch::full({2}, std::nan(""), torch::TensorOptions().device(net->device)),
                                    torch::zeros({bins}, torch::TensorOptions().device(net->device))});
      hists.push_back(weight == nullptr ? none : histogram(*weight, bins));
      hists.push_back(weight == nullptr || !weight->grad().defined() ? none : histogram(weight->grad(), bins));
    }
  }
  const auto host = torch::stack(rows_out).to(torch::kCPU).contiguous();
  std::memcpy(values, host.data_ptr<double>(), sizeof(double) * host.numel());
  if (bins > 0) {
    const auto h = torch::cat(hists).to(torch::kCPU, torch::kFloat32).contiguous();
    std::memcpy(histograms, h.data_ptr<float>(), sizeof(float) * h.numel());
  }
  *loss = batch_loss.item<double>();
  *correct = logits.argmax(1).eq(data->labels.index_select(0, rows)).sum().item<int64_t>();
  *samples = end - start;
  return layers;
  DT_CATCH(-1)
}

} // extern "C"
