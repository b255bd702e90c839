// The engine limit for the benchmark: a plain libtorch training loop written the obvious
// way, with no dashboard code, on the same networks, batch size and device-resident data.
// Usage: plain_loop PRESET BATCH_SIZE IMAGES THREADS PRECISION CHANNELS_LAST DEVICE [RAW_IDX_IMAGES]
// PRECISION is fp32, bf16 or fp16 (the forward pass under autocast, as the engine's run option);
// CHANNELS_LAST is 0 or 1; DEVICE is cpu or cuda[:N]. With RAW_IDX_IMAGES (an uncompressed MNIST images file) it trains on those pixels and the
// labels file beside it, as the engine does; without, on uniform noise and random labels. Prints one line:
// "PRESET images_per_second=N peak_rss_mib=N".
#include "../src/autocast_switch.h"
#include "../src/channels_last.h"

#include <torch/torch.h>

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace nn = torch::nn;

static nn::Sequential build(const std::string& preset, int64_t& channels, int64_t& side) {
  channels = 1;
  side = 28;
  if (preset == "logreg") return nn::Sequential(nn::Flatten(), nn::Linear(784, 10));
  if (preset == "mlp") return nn::Sequential(nn::Flatten(), nn::Linear(784, 100), nn::Linear(100, 10));
  if (preset == "mlp-relu")
    return nn::Sequential(nn::Flatten(), nn::Linear(784, 32), nn::ReLU(), nn::Linear(32, 10));
  if (preset == "cnn")
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 32, 3)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Conv2d(nn::Conv2dOptions(32, 64, 3)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Flatten(), nn::Linear(1600, 128), nn::ReLU(), nn::Linear(128, 10));
  if (preset == "cnn-small")
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 8, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Conv2d(nn::Conv2dOptions(8, 16, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Flatten(), nn::Linear(784, 10));
  if (preset == "cnn-bn")
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::BatchNorm2d(32), nn::ReLU(),
                          nn::MaxPool2d(2), nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)),
                          nn::BatchNorm2d(64), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                          nn::Linear(3136, 128), nn::ReLU(), nn::Dropout(0.5), nn::Linear(128, 10));
  if (preset == "cnn-fast")
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 16, 3).padding(1)), nn::MaxPool2d(2),
                          nn::BatchNorm2d(16), nn::ReLU(), nn::Conv2d(nn::Conv2dOptions(16, 32, 3).padding(1)),
                          nn::MaxPool2d(2), nn::BatchNorm2d(32), nn::ReLU(), nn::Flatten(),
                          nn::Linear(1568, 64), nn::ReLU(), nn::Linear(64, 10));
  if (preset == "lenet") {
    channels = 3;
    side = 32;
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(3, 6, 5)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Conv2d(nn::Conv2dOptions(6, 16, 5)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Flatten(), nn::Linear(400, 120), nn::ReLU(), nn::Linear(120, 84), nn::ReLU(),
                          nn::Linear(84, 10));
  }
  std::fprintf(stderr, "unknown preset %s\n", preset.c_str());
  std::exit(2);
}

int main(int argc, char** argv) {
  if (argc != 8 && argc != 9) {
    std::fprintf(stderr, "usage: plain_loop PRESET BATCH_SIZE IMAGES THREADS PRECISION CHANNELS_LAST DEVICE [RAW_IDX_IMAGES]\n");
    return 2;
  }
  const std::string precision = argv[5];
  if (precision != "fp32" && precision != "bf16" && precision != "fp16") {
    std::fprintf(stderr, "precision must be fp32, bf16 or fp16\n");
    return 2;
  }
  const bool lower = precision != "fp32";
  const auto dtype = precision == "bf16" ? torch::kBFloat16 : torch::kHalf;
  const torch::Device device(argv[7]);
  // The same allocator settings as the shim, so the comparison measures the loop, not malloc.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);
  const std::string preset = argv[1];
  const int64_t batch = std::atoll(argv[2]);
  const int64_t images = std::atoll(argv[3]);
  torch::set_num_threads(std::atoi(argv[4]));
  torch::manual_seed(1);
  int64_t channels = 0, side = 0;
  auto model = build(preset, channels, side);
  model->to(device);
  // As the engine: only networks with convolutions (4-D weights) go channels-last.
  const bool channels_last = std::string(argv[6]) == "1" && has_convolutions(model->parameters());
  if (channels_last) {
    for (auto& p : model->parameters()) {
      p.set_data(to_channels_last(p.data()));
    }
  }
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  // fp16 needs loss scaling; a fixed scale is the plain way (no overflow at this size).
  const double loss_scale = precision == "fp16" ? 1024.0 : 1.0;
  auto x_all = torch::rand({images, channels, side, side});
  if (argc == 9) {
    std::vector<uint8_t> raw(static_cast<size_t>(images * channels * side * side));
    std::ifstream file(argv[8], std::ios::binary);
    file.seekg(16); // IDX header of an images file
    if (!file.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()))) {
      std::fprintf(stderr, "could not read %lld images from %s\n", static_cast<long long>(images), argv[8]);
      return 2;
    }
    x_all = torch::from_blob(raw.data(), {images, channels, side, side}, torch::kUInt8).to(torch::kFloat32).div_(255.0);
  }
  x_all = x_all.sub_(0.5).div_(0.5);
  auto y_all = torch::randint(0, 10, {images}, torch::kInt64);
  if (argc == 9) {
    // The matching labels file beside the images (train-labels-idx1-ubyte), when there is one.
    std::string labels_path = argv[8];
    const auto at = labels_path.rfind("images-idx3");
    std::vector<uint8_t> raw(static_cast<size_t>(images));
    std::ifstream file;
    if (at != std::string::npos) {
      file.open(labels_path.replace(at, 11, "labels-idx1"), std::ios::binary);
    }
    if (file && file.seekg(8) && file.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()))) {
      y_all = torch::from_blob(raw.data(), {images}, torch::kUInt8).to(torch::kInt64);
    }
  }
  x_all = x_all.to(device);
  y_all = y_all.to(device);
  model->train();
  auto run_epoch = [&] {
    auto order = torch::randperm(images, torch::kInt64).to(device);
    for (int64_t start = 0; start < images; start += batch) {
      auto rows = order.slice(0, start, std::min(start + batch, images));
      auto x = x_all.index_select(0, rows);
      auto y = y_all.index_select(0, rows);
      if (channels_last) x = to_channels_last(x);
      optimizer.zero_grad();
      if (lower) set_autocast(device.type(), true, dtype);
      auto logits = model->forward(x);
      if (lower) set_autocast(device.type(), false, dtype);
      auto loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat32), y);
      (loss * loss_scale).backward();
      if (loss_scale != 1.0) {
        for (auto& p : model->parameters()) p.grad().div_(loss_scale);
      }
      optimizer.step();
      loss.item<float>(); // the engine reads each batch's loss too
    }
  };
  run_epoch(); // warm-up
  if (device.is_cuda()) torch::cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  run_epoch();
  if (device.is_cuda()) torch::cuda::synchronize();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // VmHWM, not getrusage's ru_maxrss, which keeps the peak of the process this one was forked from.
  long peak_kib = 0;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) peak_kib = std::atol(line.c_str() + 6);
  }
  std::printf("%s images_per_second=%.1f peak_rss_mib=%.0f\n", preset.c_str(), images / seconds, peak_kib / 1024.0);
  return 0;
}
