// Networks and their layers: a spec becomes an nn::Sequential on a device, kept channels-last when asked.
#include "shim.h"

namespace {

// torchvision's BasicBlock (He et al., 2016): two 3x3 convolutions with BatchNorm, the input added back (through a
// 1x1 convolution with BatchNorm when the shape changes), ReLU after the sum. Its parameters carry torchvision's
// names (conv1, bn1, conv2, bn2, downsample.0, downsample.1), so a PyTorch model of the same blocks loads them.
struct ResidualBlockImpl : torch::nn::Module {
  ResidualBlockImpl(int64_t in, int64_t out, int64_t stride) {
    namespace nn = torch::nn;
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    bn1 = register_module("bn1", nn::BatchNorm2d(out));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
    bn2 = register_module("bn2", nn::BatchNorm2d(out));
    if (stride != 1 || in != out) {
      downsample = register_module("downsample", nn::Sequential(
          nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)), nn::BatchNorm2d(out)));
    }
  }

  torch::Tensor forward(torch::Tensor x) {
    auto y = torch::relu(bn1->forward(conv1->forward(x)));
    y = bn2->forward(conv2->forward(y));
    return torch::relu(y + (downsample.is_empty() ? x : downsample->forward(x)));
  }

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(ResidualBlock);

// The mean of each channel over its height and width: (N, C, H, W) -> (N, C), one network for any picture size.
struct GlobalAvgPoolImpl : torch::nn::Module {
  torch::Tensor forward(torch::Tensor x) { return x.mean({2, 3}); }
};
TORCH_MODULE(GlobalAvgPool);

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
  case DT_AVGPOOL2D:
    return nn::AnyModule(nn::AvgPool2d(nn::AvgPool2dOptions(l.kernel).stride(l.stride)));
  case DT_GLOBALAVGPOOL:
    return nn::AnyModule(GlobalAvgPool());
  case DT_LEAKYRELU:
    return nn::AnyModule(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(l.p)));
  case DT_BATCHNORM1D:
    return nn::AnyModule(nn::BatchNorm1d(l.in_features));
  case DT_RESIDUAL:
    return nn::AnyModule(ResidualBlock(l.in_features, l.out_features, l.stride));
  default:
    TORCH_CHECK(false, "unknown layer kind ", l.kind);
  }
}

} // namespace

namespace dt {

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

} // namespace dt

extern "C" {

dt_net* dt_net_create(const dt_layer* layers, int32_t count, const char* device,
                      int32_t channels_last, int32_t precision) {
  DT_TRY
  TORCH_CHECK(count > 0, "a network needs at least one layer");
  TORCH_CHECK(precision == DT_FP32 || precision == DT_BF16 || precision == DT_FP16,
              "unknown precision ", precision);
  const auto parsed = dt::parse_device(device);
  TORCH_CHECK(precision != DT_FP16 || parsed.is_cuda(),
              "fp16 training needs a CUDA device; on a CPU use bf16 or fp32");
  torch::nn::Sequential module;
  for (int32_t i = 0; i < count; ++i) {
    module->push_back(make_layer(layers[i]));
  }
  module->to(parsed);
  auto net = new dt_net{module, parsed, channels_last != 0 && has_convolutions(module->parameters()), precision, {}};
  dt::keep_channels_last(net);
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

} // extern "C"
