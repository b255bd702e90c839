// The engine limit for the benchmark: a plain libtorch training loop written the obvious
// way, with no dashboard code, on the same networks, batch size and device-resident data.
// Usage: plain_loop PRESET BATCH_SIZE IMAGES THREADS [RAW_IDX_IMAGES]
// With RAW_IDX_IMAGES (an uncompressed MNIST images file) it trains on those pixels and the
// labels file beside it, as the engine does; without, on uniform noise and random labels. Prints one line:
// "PRESET images_per_second=N peak_rss_mib=N".
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
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: plain_loop PRESET BATCH_SIZE IMAGES THREADS [RAW_IDX_IMAGES]\n");
    return 2;
  }
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
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  auto x_all = torch::rand({images, channels, side, side});
  if (argc == 6) {
    std::vector<uint8_t> raw(static_cast<size_t>(images * channels * side * side));
    std::ifstream file(argv[5], std::ios::binary);
    file.seekg(16); // IDX header of an images file
    if (!file.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()))) {
      std::fprintf(stderr, "could not read %lld images from %s\n", static_cast<long long>(images), argv[5]);
      return 2;
    }
    x_all = torch::from_blob(raw.data(), {images, channels, side, side}, torch::kUInt8).to(torch::kFloat32).div_(255.0);
  }
  x_all = x_all.sub_(0.5).div_(0.5);
  auto y_all = torch::randint(0, 10, {images}, torch::kInt64);
  if (argc == 6) {
    // The matching labels file beside the images (train-labels-idx1-ubyte), when there is one.
    std::string labels_path = argv[5];
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
  model->train();
  auto run_epoch = [&] {
    auto order = torch::randperm(images, torch::kInt64);
    for (int64_t start = 0; start < images; start += batch) {
      auto rows = order.slice(0, start, std::min(start + batch, images));
      auto x = x_all.index_select(0, rows);
      auto y = y_all.index_select(0, rows);
      optimizer.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
      loss.backward();
      optimizer.step();
      loss.item<float>(); // the engine reads each batch's loss too
    }
  };
  run_epoch(); // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  run_epoch();
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
