#include "dashboard_torch.h"

#include "autocast_switch.h"
#include "channels_last.h"

#include <torch/torch.h>

#include <malloc.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct dt_net {
  torch::nn::Sequential module;
  torch::Device device;
  bool channels_last; // 4-D weights and inputs kept NHWC (RunConfig.ChannelsLast)
  int32_t precision;  // DT_FP32, DT_BF16 or DT_FP16, for training (RunConfig.Precision)
  std::vector<torch::Tensor> fired; // per layer, which ReLU units fired since dt_train_health's last reset
};

struct dt_data {
  torch::Tensor images; // float, N x C x H x W, normalised
  torch::Tensor labels; // int64, N
};

struct dt_index {
  torch::Tensor positions; // int64 on the data's device
};

struct dt_optim {
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  torch::Device device;
  double loss_scale = 65536.0; // DT_FP16 only, GradScaler's initial scale
  int32_t good_steps = 0;      // steps since the scale last changed
};

namespace {

thread_local std::string last_error;

// glibc hands every block over 128 KiB back to the OS on free and page-faults it in again on
// the next batch, which made evaluation 5-10x and early training 4x slower here. Keep freed
// memory for reuse instead (the reason PyTorch recommends jemalloc or tcmalloc on CPU).
__attribute__((constructor)) void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);
}

void set_error(const char* message) { last_error = message ? message : "unknown error"; }

torch::Device parse_device(const char* device) {
  torch::Device parsed(device ? std::string(device) : std::string("cpu"));
  if (parsed.is_cuda()) {
    const auto count = static_cast<int>(torch::cuda::device_count());
    TORCH_CHECK(count > 0,
                "CUDA was requested but no CUDA device is available to this libtorch build");
    TORCH_CHECK(parsed.index() < count, "CUDA device ", static_cast<int>(parsed.index()),
                " was requested but only ", count, " are available");
  }
  return parsed;
}

torch::nn::AnyModule make_layer(const dt_layer& l) {
  namespace nn = torch::nn;
  switch (l.kind) {
  case DT_LINEAR:
    return nn::AnyModule(nn::Linear(l.in_features, l.out_features));
  case DT_CONV2D:
    return nn::AnyModule(nn::Conv2d(nn::Conv2dOptions(l.in_features, l.out_features, l.kernel)
                                        .stride(l.stride)
                                        .padding(l.padding)));
  case DT_BATCHNORM2D:
    return nn::AnyModule(nn::BatchNorm2d(l.in_features));
  case DT_RELU:
    return nn::AnyModule(nn::ReLU());
  case DT_MAXPOOL2D:
    return nn::AnyModule(nn::MaxPool2d(nn::MaxPool2dOptions(l.kernel).stride(l.stride)));
  case DT_DROPOUT:
    return nn::AnyModule(nn::Dropout(l.p));
  case DT_FLATTEN:
    return nn::AnyModule(nn::Flatten());
  case DT_SIGMOID:
    return nn::AnyModule(nn::Sigmoid());
  default:
    TORCH_CHECK(false, "unknown layer kind ", l.kind);
  }
}

// Channels-last is a per-run choice (on by default, RunConfig.ChannelsLast) that only networks
// with convolutions take: on this 2-core CPU it trains cnn 1.25x, cnn-bn 1.5x and cnn-small and
// cnn-fast 1.75-1.9x as fast (max-pooling alone is about 10x faster NHWC in libtorch 1.13).
// Weights are converted once (again after a load, which replaces them); inputs on their way in.
void keep_channels_last(dt_net* net) {
  if (!net->channels_last) {
    return;
  }
  torch::NoGradGuard no_grad;
  for (auto& p : net->module->parameters()) {
    p.set_data(to_channels_last(p.data())); // leaves all but 4-D weights as they are
  }
}

torch::Tensor network_input(const dt_net* net, const torch::Tensor& x) {
  return net->channels_last ? to_channels_last(x) : x;
}

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

// One optimizer step on the data's `rows`; outputs, when given, receives every layer's output
// (detached). Returns the batch's mean loss and its logits, both detached.
std::pair<torch::Tensor, torch::Tensor> train_step(dt_net* net, dt_optim* optim, dt_data* data,
                                                   const torch::Tensor& rows,
                                                   std::vector<torch::Tensor>* outputs) {
  auto x = network_input(net, data->images.index_select(0, rows));
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
  auto loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat32), y);
  if (net->precision == DT_FP16) {
    scaled_step(optim, loss);
  } else {
    loss.backward();
    optim->optimizer->step();
  }
  return {loss.detach(), logits.detach()};
}

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

torch::Tensor normalise(torch::Tensor unit_range, double mean, double std) {
  return unit_range.sub_(mean).div_(std);
}

// The objective an attribution explains: logit[target] minus logit[other] ("why A and not B"),
// summed over a batch of inputs (each row's gradient is then its own).
torch::Tensor attribution_objective(const torch::Tensor& logits, int32_t target, int32_t other) {
  TORCH_CHECK(logits.dim() == 2 && target >= 0 && target < logits.size(1), "class ", target,
              " is not one of the network's ", logits.size(1), " outputs");
  auto f = logits.select(1, target);
  if (other >= 0) {
    TORCH_CHECK(other < logits.size(1), "class ", other, " is not one of the network's ",
                logits.size(1), " outputs");
    f = f - logits.select(1, other);
  }
  return f.sum();
}

} // namespace

// One wrapper per return kind, as in TorchSharp's native layer: no exception crosses the ABI.
#define DT_TRY try {
#define DT_CATCH(failure)                                                                          \
  }                                                                                                \
  catch (const c10::Error& e) {                                                                    \
    set_error(e.what_without_backtrace());                                                         \
    return failure;                                                                                \
  }                                                                                                \
  catch (const std::exception& e) {                                                                \
    set_error(e.what());                                                                           \
    return failure;                                                                                \
  }                                                                                                \
  catch (...) {                                                                                    \
    set_error("unknown native error");                                                             \
    return failure;                                                                                \
  }

extern "C" {

const char* dt_last_error(void) { return last_error.c_str(); }

const char* dt_torch_version(void) {
  static const std::string version = std::to_string(TORCH_VERSION_MAJOR) + "." +
                                     std::to_string(TORCH_VERSION_MINOR) + "." +
                                     std::to_string(TORCH_VERSION_PATCH);
  return version.c_str();
}

int32_t dt_cuda_device_count(void) {
  DT_TRY
  return static_cast<int32_t>(torch::cuda::device_count());
  DT_CATCH(0)
}

int32_t dt_get_num_threads(void) { return static_cast<int32_t>(torch::get_num_threads()); }

int32_t dt_set_num_threads(int32_t threads) {
  DT_TRY
  TORCH_CHECK(threads > 0, "thread count must be positive, got ", threads);
  torch::set_num_threads(threads);
  return 0;
  DT_CATCH(-1)
}

int32_t dt_manual_seed(uint64_t seed) {
  DT_TRY
  torch::manual_seed(seed);
  return 0;
  DT_CATCH(-1)
}

int32_t dt_bf16_native(const char* device) {
  DT_TRY
  if (parse_device(device).is_cuda()) {
    return 1;
  }
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16") ? 1 : 0; // every CPU with AMX has it too
  DT_CATCH(-1)
}

dt_net* dt_net_create(const dt_layer* layers, int32_t count, const char* device,
                      int32_t channels_last, int32_t precision) {
  DT_TRY
  TORCH_CHECK(count > 0, "a network needs at least one layer");
  TORCH_CHECK(precision == DT_FP32 || precision == DT_BF16 || precision == DT_FP16,
              "unknown precision ", precision);
  const auto parsed = parse_device(device);
  TORCH_CHECK(precision != DT_FP16 || parsed.is_cuda(),
              "fp16 training needs a CUDA device; on a CPU use bf16 or fp32");
  torch::nn::Sequential module;
  for (int32_t i = 0; i < count; ++i) {
    module->push_back(make_layer(layers[i]));
  }
  module->to(parsed);
  auto net = new dt_net{module, parsed, channels_last != 0 && has_convolutions(module->parameters()), precision, {}};
  keep_channels_last(net);
  return net;
  DT_CATCH(nullptr)
}

void dt_net_free(dt_net* net) { delete net; }

int64_t dt_net_parameter_count(dt_net* net) {
  DT_TRY
  int64_t total = 0;
  for (const auto& p : net->module->parameters()) {
    total += p.numel();
  }
  return total;
  DT_CATCH(-1)
}

int32_t dt_net_save(dt_net* net, const char* path) {
  DT_TRY
  torch::save(net->module, path);
  return 0;
  DT_CATCH(-1)
}

int32_t dt_net_load(dt_net* net, const char* path) {
  DT_TRY
  torch::load(net->module, path, net->device);
  keep_channels_last(net);
  return 0;
  DT_CATCH(-1)
}

dt_data* dt_data_create(const uint8_t* pixels, const uint8_t* labels, int64_t n, int32_t c,
                        int32_t h, int32_t w, double mean, double std, const char* device) {
  DT_TRY
  TORCH_CHECK(n > 0 && c > 0 && h > 0 && w > 0, "dataset dimensions must be positive");
  TORCH_CHECK(std > 0, "normalisation std must be positive");
  const auto parsed = parse_device(device);
  // from_blob borrows the caller's memory; .to() copies before the call returns.
  auto raw = torch::from_blob(const_cast<uint8_t*>(pixels), {n, c, h, w}, torch::kUInt8);
  auto images = normalise(raw.to(parsed).to(torch::kFloat32).div_(255.0), mean, std);
  auto label_tensor =
      torch::from_blob(const_cast<uint8_t*>(labels), {n}, torch::kUInt8).to(parsed).to(torch::kInt64);
  return new dt_data{images.contiguous(), label_tensor};
  DT_CATCH(nullptr)
}

void dt_data_free(dt_data* data) { delete data; }

dt_index* dt_index_create(const int64_t* positions, int64_t count, const char* device) {
  DT_TRY
  TORCH_CHECK(count >= 0, "index count must not be negative");
  const auto parsed = parse_device(device);
  auto tensor = torch::from_blob(const_cast<int64_t*>(positions), {count}, torch::kInt64).to(parsed);
  if (!parsed.is_cuda()) {
    tensor = tensor.clone(); // .to() on the same device does not copy; the caller's buffer is borrowed.
  }
  return new dt_index{tensor};
  DT_CATCH(nullptr)
}

void dt_index_free(dt_index* index) { delete index; }

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

int32_t dt_optim_save(dt_optim* optim, const char* path) {
  DT_TRY
  torch::serialize::OutputArchive archive;
  optim->optimizer->save(archive);
  archive.save_to(path);
  return 0;
  DT_CATCH(-1)
}

int32_t dt_optim_load(dt_optim* optim, const char* path) {
  DT_TRY
  torch::serialize::InputArchive archive;
  archive.load_from(path, optim->device);
  optim->optimizer->load(archive);
  return 0;
  DT_CATCH(-1)
}

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
    const auto [loss, logits] = train_step(net, optim, data, rows, nullptr);
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
      for (const auto& p : net->module->ptr(i)->parameters(false)) {
        before[i].push_back(p.detach().clone());
      }
    }
  }
  const auto end = std::min<int64_t>(start + batch_size, total);
  const auto rows = index->positions.slice(0, start, end);
  std::vector<torch::Tensor> outputs;
  const auto [batch_loss, logits] = train_step(net, optim, data, rows, &outputs);

  torch::NoGradGuard no_grad;
  const auto options = torch::TensorOptions().dtype(torch::kFloat64).device(net->device);
  const auto nan = torch::full({}, std::nan(""), options);
  std::vector<torch::Tensor> rows_out;
  std::vector<torch::Tensor> hists;
  for (int32_t i = 0; i < layers; ++i) {
    auto module = net->module->ptr(i);
    const auto parameters = module->parameters(false);
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
    auto logits = net->module->forward(network_input(net, data->images.index_select(0, rows)));
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
  auto logits = net->module->forward(network_input(net, normalise(x, mean, std)));
  TORCH_CHECK(logits.dim() == 2 && logits.size(1) == classes, "the network produced shape ",
              logits.sizes(), " but ", classes, " class scores were expected");
  auto p = logits.softmax(1).to(torch::kCPU).contiguous();
  std::memcpy(probabilities, p.data_ptr<float>(), sizeof(float) * p.numel());
  return 0;
  DT_CATCH(-1)
}

int32_t dt_forward_layers(dt_net* net, const float* pixels, int32_t c, int32_t h, int32_t w,
                          double mean, double std, float* outputs, int64_t capacity,
                          int64_t* sizes, int32_t max_layers) {
  DT_TRY
  c10::InferenceMode inference;
  net->module->eval();
  auto x = torch::from_blob(const_cast<float*>(pixels), {1, c, h, w}, torch::kFloat32)
               .to(net->device)
               .clone();
  x = network_input(net, normalise(x, mean, std));
  int64_t offset = 0;
  int32_t layer = 0;
  for (auto& module : *net->module) {
    TORCH_CHECK(layer < max_layers, "the network has more than ", max_layers, " layers");
    x = module.forward(x);
    // contiguous() in the default format: C x H x W order whatever the memory layout.
    auto flat = x.to(torch::kCPU, torch::kFloat32).contiguous().view(-1);
    TORCH_CHECK(offset + flat.numel() <= capacity, "layer outputs exceed ", capacity, " values");
    std::memcpy(outputs + offset, flat.data_ptr<float>(), sizeof(float) * flat.numel());
    sizes[layer++] = flat.numel();
    offset += flat.numel();
  }
  return layer;
  DT_CATCH(-1)
}

int64_t dt_forward_to(dt_net* net, const float* pixels, int64_t n, int32_t c, int32_t h, int32_t w,
                      double mean, double std, int32_t last, float* out, int64_t capacity) {
  DT_TRY
  TORCH_CHECK(n > 0, "no images");
  TORCH_CHECK(last >= 0 && static_cast<size_t>(last) < net->module->size(), "no layer ", last);
  c10::InferenceMode inference;
  net->module->eval();
  auto x = torch::from_blob(const_cast<float*>(pixels), {n, c, h, w}, torch::kFloat32)
               .to(net->device)
               .clone();
  x = network_input(net, normalise(x, mean, std));
  int32_t layer = 0;
  for (auto& module : *net->module) {
    x = module.forward(x);
    if (layer++ == last) {
      break;
    }
  }
  auto flat = x.to(torch::kCPU, torch::kFloat32).contiguous().view({n, -1});
  TORCH_CHECK(flat.numel() <= capacity, "the outputs exceed ", capacity, " values");
  std::memcpy(out, flat.data_ptr<float>(), sizeof(float) * flat.numel());
  return flat.size(1);
  DT_CATCH(-1)
}

int64_t dt_layer_weights(dt_net* net, int32_t layer, float* out, int64_t capacity) {
  DT_TRY
  TORCH_CHECK(layer >= 0 && static_cast<size_t>(layer) < net->module->size(), "no layer ", layer);
  auto parameters = net->module->ptr(layer)->named_parameters(false);
  const auto* weight = parameters.find("weight");
  if (weight == nullptr) {
    return 0;
  }
  auto flat = weight->detach().to(torch::kCPU, torch::kFloat32).contiguous().view(-1);
  TORCH_CHECK(flat.numel() <= capacity, "layer ", layer, " has ", flat.numel(), " weights, more than ", capacity);
  std::memcpy(out, flat.data_ptr<float>(), sizeof(float) * flat.numel());
  return flat.numel();
  DT_CATCH(-1)
}

int32_t dt_attribute(dt_net* net, const float* pixels, int32_t c, int32_t h, int32_t w,
                     double mean, double std, int32_t target, int32_t other, int32_t method,
                     int32_t samples, double noise, uint64_t seed, float* attribution,
                     double* objective, double* at_baseline) {
  DT_TRY
  torch::AutoGradMode grad_mode(true);
  net->module->eval();
  auto image = torch::from_blob(const_cast<float*>(pixels), {1, c, h, w}, torch::kFloat32)
                   .to(net->device)
                   .clone();
  auto forward = [&](const torch::Tensor& unit_range) {
    return net->module->forward(network_input(net, (unit_range - mean) / std));
  };
  {
    torch::NoGradGuard no_grad;
    *objective = attribution_objective(forward(image), target, other).item<double>();
    *at_baseline = attribution_objective(forward(torch::zeros_like(image)), target, other).item<double>();
  }
  torch::Tensor result;
  if (method == DT_ATTR_GRADIENT || method == DT_ATTR_GRADIENT_X_INPUT) {
    auto x = image.clone().requires_grad_(true);
    attribution_objective(forward(x), target, other).backward();
    result = method == DT_ATTR_GRADIENT ? x.grad() : x.grad() * image;
  } else if (method == DT_ATTR_SMOOTHGRAD || method == DT_ATTR_INTEGRATED) {
    TORCH_CHECK(samples > 0 && samples <= 512, "samples must be 1 to 512, got ", samples);
    torch::Tensor batch;
    if (method == DT_ATTR_SMOOTHGRAD) {
      auto generator = at::detail::createCPUGenerator(seed);
      auto noisy = torch::randn({samples, c, h, w}, generator, torch::TensorOptions().dtype(torch::kFloat32)) * noise;
      batch = image.repeat({samples, 1, 1, 1}) + noisy.to(net->device);
    } else {
      // Midpoints of `samples` equal steps along the straight path from black to the image.
      auto alphas = (torch::arange(samples, torch::TensorOptions().dtype(torch::kFloat32)) + 0.5) / samples;
      batch = alphas.to(net->device).view({samples, 1, 1, 1}) * image;
    }
    batch.requires_grad_(true);
    attribution_objective(forward(batch), target, other).backward();
    auto mean_gradient = batch.grad().mean(0, true);
    result = method == DT_ATTR_SMOOTHGRAD ? mean_gradient : mean_gradient * image;
  } else if (method == DT_ATTR_GRADCAM) {
    auto x = network_input(net, (image - mean) / std);
    torch::Tensor features;
    for (auto& module : *net->module) {
      x = module.forward(x);
      if (x.dim() == 4) {
        features = x;
      }
    }
    TORCH_CHECK(features.defined(), "Grad-CAM needs a network with convolutions");
    features.retain_grad();
    attribution_objective(x, target, other).backward();
    auto weights = features.grad().mean({2, 3}, true);
    auto cam = torch::relu((weights * features).sum(1, true));
    cam = torch::nn::functional::interpolate(
        cam, torch::nn::functional::InterpolateFuncOptions()
                 .size(std::vector<int64_t>{h, w})
                 .mode(torch::kBilinear)
                 .align_corners(false));
    result = cam.expand({1, c, h, w});
  } else {
    TORCH_CHECK(false, "unknown attribution method ", method);
  }
  auto flat = result.detach().to(torch::kCPU, torch::kFloat32).contiguous().view(-1);
  std::memcpy(attribution, flat.data_ptr<float>(), sizeof(float) * flat.numel());
  return 0;
  DT_CATCH(-1)
}

} // extern "C"
