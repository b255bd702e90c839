// Training: optimizers, the training step (in fp32, or under autocast in bf16 or fp16 with loss scaling),
// calls of several batches, evaluation and prediction.
#include "shim.h"

#include <cmath>
#include <cstring>

namespace {

// The training forward pass under autocast in the net's lower precision; leaving the scope turns
// it off and drops the cast weights, which change at every step.
class AutocastScope {
public:
  explicit AutocastScope(const dt_net* net)
      : type_(net->device.type()), enabled_(net->precision != DT_FP32) {
    if (enabled_) {
      set_autocast(type_, true, net->precision == DT_BF16 ? torch::kBFloat16 : torch::kHalf);
    }
  }
  ~AutocastScope() {
    if (enabled_) {
      set_autocast(type_, false, type_ == torch::kCUDA ? torch::kHalf : torch::kBFloat16); // libtorch's defaults
    }
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

private:
  torch::DeviceType type_;
  bool enabled_;
};

// GradScaler's step for fp16: unscale the gradients, step unless one overflowed, adapt the scale.
void scaled_step(dt_optim* optim, const torch::Tensor& loss) {
  (loss * optim->loss_scale).backward();
  std::vector<torch::Tensor> finite;
  for (const auto& group : optim->optimizer->param_groups()) {
    for (const auto& p : group.params()) {
      if (p.grad().defined()) {
        p.grad().mul_(1.0 / optim->loss_scale);
        finite.push_back(p.grad().isfinite().all());
      }
    }
  }
  if (finite.empty() || torch::stack(finite).all().item<bool>()) {
    optim->optimizer->step();
    if (++optim->good_steps == 2000) {
      optim->loss_scale *= 2.0;
      optim->good_steps = 0;
    }
  } else {
    optim->loss_scale /= 2.0;
    optim->good_steps = 0;
  }
}

} // namespace

namespace dt {

std::pair<torch::Tensor, torch::Tensor> train_step(dt_net* net, dt_optim* optim, dt_data* data,
                                                   const torch::Tensor& rows,
                                                   std::vector<torch::Tensor>* outputs) {
  auto x = dt::network_input(net, dt::augmented(data, data->images.index_select(0, rows)));
  auto y = data->labels.index_select(0, rows);
  optim->optimizer->zero_grad();
  torch::Tensor logits;
  {
    AutocastScope autocast(net);
    if (outputs == nullptr) {
      logits = net->module->forward(x);
    } else {
      for (auto& module : *net->module) {
        x = module.forward(x);
        outputs->push_back(x.detach());
      }
      logits = x;
    }
  }
  auto loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat32), y,
      torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(data->augmenting ? data->augment.label_smoothing : 0.0));
  if (net->precision == DT_FP16) {
    scaled_step(optim, loss);
  } else {
    loss.backward();
    optim->optimizer->step();
  }
  return {loss.detach(), logits.detach()};
}

} // namespace dt

extern "C" {

dt_optim* dt_optim_create(dt_net* net, int32_t kind, double lr, double momentum,
                          double weight_decay) {
  DT_TRY
  TORCH_CHECK(lr > 0, "learning rate must be positive, got ", lr);
  auto params = net->module->parameters();
  if (kind == DT_SGD) {
    return new dt_optim{std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(lr).momentum(momentum).weight_decay(weight_decay)), net->device};
  }
  if (kind == DT_ADAM) {
    return new dt_optim{std::make_unique<torch::optim::Adam>(
        params, torch::optim::AdamOptions(lr).weight_decay(weight_decay)), net->device};
  }
  TORCH_CHECK(false, "unknown optimizer kind ", kind);
  DT_CATCH(nullptr)
}

void dt_optim_free(dt_optim* optim) { delete optim; }

int32_t dt_train_batches(dt_net* net, dt_optim* optim, dt_data* data, dt_index* index,
                         int64_t start, int32_t batch_size, int32_t batches,
                         const double* learning_rates, double* loss_sum,
                         int64_t* correct, int64_t* samples, int32_t* first_nonfinite) {
  DT_TRY
  TORCH_CHECK(batch_size > 0 && batches > 0, "batch size and batch count must be positive");
  const auto total = index->positions.size(0);
  TORCH_CHECK(start >= 0 && start < total, "start position ", start, " is outside the index of ",
              total);
  net->module->train();
  const auto end_of_call = std::min<int64_t>(start + static_cast<int64_t>(batch_size) * batches, total);
  const auto count = (end_of_call - start + batch_size - 1) / batch_size;
  // Per batch, only what the metrics need stays on the device: its mean loss and its
  // predictions (two copies and an argmax); sums and comparisons happen once per call.
  auto losses = torch::empty({count}, torch::TensorOptions().device(net->device));
  auto predicted = torch::empty({end_of_call - start}, torch::TensorOptions().dtype(torch::kInt64).device(net->device));
  const auto begin = start;
  for (int64_t b = 0; b < count; ++b) {
    if (learning_rates) {
      TORCH_CHECK(learning_rates[b] > 0, "learning rate must be positive, got ", learning_rates[b]);
      for (auto& group : optim->optimizer->param_groups()) {
        group.options().set_lr(learning_rates[b]);
      }
    }
    const auto end = std::min<int64_t>(start + batch_size, end_of_call);
    auto rows = index->positions.slice(0, start, end);
    const auto [loss, logits] = dt::train_step(net, optim, data, rows, nullptr);
    losses.select(0, b).copy_(loss);
    predicted.slice(0, start - begin, end - begin).copy_(logits.argmax(1));
    start = end;
  }
  const auto targets = data->labels.index_select(0, index->positions.slice(0, begin, end_of_call));
  *correct = predicted.eq(targets).sum().item<int64_t>();
  const auto host = losses.to(torch::kCPU, torch::kFloat64);
  const auto* values = host.data_ptr<double>();
  double sum = 0;
  *first_nonfinite = -1;
  for (int64_t b = 0; b < count; ++b) {
    const auto n = std::min<int64_t>(batch_size, end_of_call - begin - b * batch_size);
    if (!std::isfinite(values[b]) && *first_nonfinite < 0) {
      *first_nonfinite = static_cast<int32_t>(b);
    }
    sum += values[b] * static_cast<double>(n);
  }
  *loss_sum = sum;
  *samples = end_of_call - begin;
  return 0;
  DT_CATCH(-1)
}

int32_t dt_evaluate(dt_net* net, dt_data* data, dt_index* index, int32_t batch_size,
                    double* loss_sum, int64_t* predictions, float* probabilities, int32_t classes) {
  DT_TRY
  TORCH_CHECK(batch_size > 0, "batch size must be positive");
  c10::InferenceMode inference; // no autograd records and no version counters
  net->module->eval();
  const auto total = index->positions.size(0);
  auto loss_acc = torch::zeros({}, torch::TensorOptions().device(net->device));
  std::vector<torch::Tensor> predicted;
  std::vector<torch::Tensor> probs;
  for (int64_t start = 0; start < total; start += batch_size) {
    const auto end = std::min<int64_t>(start + batch_size, total);
    auto rows = index->positions.slice(0, start, end);
    auto logits = net->module->forward(dt::network_input(net, data->images.index_select(0, rows)));
    auto y = data->labels.index_select(0, rows);
    loss_acc += torch::nn::functional::cross_entropy(
        logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    predicted.push_back(logits.argmax(1));
    if (probabilities) {
      TORCH_CHECK(logits.size(1) == classes, "the network has ", logits.size(1),
                  " outputs but ", classes, " classes were expected");
      probs.push_back(logits.softmax(1).to(torch::kFloat32));
    }
  }
  *loss_sum = loss_acc.item<double>();
  if (total > 0) {
    auto all = torch::cat(predicted).to(torch::kCPU).contiguous();
    std::memcpy(predictions, all.data_ptr<int64_t>(), sizeof(int64_t) * total);
    if (probabilities) {
      auto p = torch::cat(probs).to(torch::kCPU).contiguous();
      std::memcpy(probabilities, p.data_ptr<float>(), sizeof(float) * p.numel());
    }
  }
  return 0;
  DT_CATCH(-1)
}

int32_t dt_predict(dt_net* net, const float* pixels, int64_t n, int32_t c, int32_t h, int32_t w,
                   double mean, double std, float* probabilities, int32_t classes) {
  DT_TRY
  TORCH_CHECK(n > 0, "nothing to predict");
  c10::InferenceMode inference; // no autograd records and no version counters
  net->module->eval();
  auto x = torch::from_blob(const_cast<float*>(pixels), {n, c, h, w}, torch::kFloat32)
               .to(net->device)
               .clone();
  auto logits = net->module->forward(dt::network_input(net, dt::normalise(x, mean, std)));
  TORCH_CHECK(logits.dim() == 2 && logits.size(1) == classes, "the network produced shape ",
              logits.sizes(), " but ", classes, " class scores were expected");
  auto p = logits.softmax(1).to(torch::kCPU).contiguous();
  std::memcpy(probabilities, p.data_ptr<float>(), sizeof(float) * p.numel());
  return 0;
  DT_CATCH(-1)
}

} // extern "C"
