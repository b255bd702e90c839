// Looking inside a network: every layer's output for an image, a batch forward up to a layer, and
// attributions (gradient, gradient x input, SmoothGrad, integrated gradients, Grad-CAM).
#include "shim.h"

#include <cstring>

namespace {

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

extern "C" {

int32_t dt_forward_layers(dt_net* net, const float* pixels, int32_t c, int32_t h, int32_t w,
                          double mean, double std, float* outputs, int64_t capacity,
                          int64_t* sizes, int32_t max_layers) {
  DT_TRY
  c10::InferenceMode inference;
  net->module->eval();
  auto x = torch::from_blob(const_cast<float*>(pixels), {1, c, h, w}, torch::kFloat32)
               .to(net->device)
               .clone();
  x = dt::network_input(net, dt::normalise(x, mean, std));
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
  x = dt::network_input(net, dt::normalise(x, mean, std));
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
    return net->module->forward(dt::network_input(net, (unit_range - mean) / std));
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
    auto x = dt::network_input(net, (image - mean) / std);
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
