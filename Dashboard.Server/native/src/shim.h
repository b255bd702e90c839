// Internal to the shim: the handles' layouts, the error wrappers and the helpers its files share.
#pragma once

#include "dashboard_torch.h"

#include "autocast_switch.h"
#include "channels_last.h"

#include <torch/torch.h>

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
  double mean = 0;      // the normalisation, for black (0 before it) and for showing images again
  double std = 1;
  bool augmenting = false;
  dt_augment augment{};
  torch::Generator generator = at::detail::createCPUGenerator(0);
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

namespace dt {

// Stores the message dt_last_error returns on this thread.
void set_error(const char* message);

torch::Device parse_device(const char* device);

// Keeps 4-D weights NHWC when the net trains channels-last (after creation and after every load).
void keep_channels_last(dt_net* net);

// An input batch in the layout the net keeps.
torch::Tensor network_input(const dt_net* net, const torch::Tensor& x);

// Values in [0, 1] normalised in place: (x - mean) / std.
torch::Tensor normalise(torch::Tensor unit_range, double mean, double std);

// A training batch as the data's augmentation makes it (the batch itself when it has none).
torch::Tensor augmented(dt_data* data, torch::Tensor batch);

// One optimizer step on the data's `rows`; outputs, when given, receives every layer's output
// (detached). Returns the batch's mean loss and its logits, both detached.
std::pair<torch::Tensor, torch::Tensor> train_step(dt_net* net, dt_optim* optim, dt_data* data,
                                                   const torch::Tensor& rows,
                                                   std::vector<torch::Tensor>* outputs);

} // namespace dt

// One wrapper per return kind, as in TorchSharp's native layer: no exception crosses the ABI.
#define DT_TRY try {
#define DT_CATCH(failure)                                                                          \
  }                                                                                                \
  catch (const c10::Error& e) {                                                                    \
    dt::set_error(e.what_without_backtrace());                                                         \
    return failure;                                                                                \
  }                                                                                                \
  catch (const std::exception& e) {                                                                \
    dt::set_error(e.what());                                                                           \
    return failure;                                                                                \
  }                                                                                                \
  catch (...) {                                                                                    \
    dt::set_error("unknown native error");                                                             \
    return failure;                                                                                \
  }

