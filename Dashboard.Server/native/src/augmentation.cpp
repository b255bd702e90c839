// Augmentation on the device, batch by batch: one affine resampling for crop, flip, rotation and scale, and random
// erasing by a mask; the random numbers come from the data's CPU generator, so a seed gives the same batches anywhere.
#include "shim.h"

#include <cmath>
#include <cstring>

namespace {

constexpr double Pi = 3.14159265358979323846;

// n uniform numbers in [low, high) from the data's generator, on the batch's device.
torch::Tensor uniform(dt_data* data, int64_t n, double low, double high, const torch::Device& device) {
  return torch::empty({n}, torch::kFloat32).uniform_(low, high, data->generator).to(device);
}

} // namespace

namespace dt {

torch::Tensor augmented(dt_data* data, torch::Tensor batch) {
  if (!data->augmenting) {
    return batch;
  }
  const auto& a = data->augment;
  const auto n = batch.size(0);
  const auto h = batch.size(2);
  const auto w = batch.size(3);
  const auto device = batch.device();
  // Black in the normalised images: what padding shows, as torchvision's RandomCrop(padding) fills it.
  const auto black = -data->mean / data->std;
  if (a.crop_padding > 0 || a.flip != 0 || a.rotation > 0 || a.scale > 0) {
    auto angle = uniform(data, n, -a.rotation, a.rotation, device) * (Pi / 180.0);
    auto zoom = uniform(data, n, 1.0 - a.scale, 1.0 + a.scale, device);
    // Whole pixels, as a random crop of the padded picture moves it.
    auto tx = torch::randint(-a.crop_padding, a.crop_padding + 1, {n}, data->generator, torch::kFloat32).to(device) * (2.0 / w);
    auto ty = torch::randint(-a.crop_padding, a.crop_padding + 1, {n}, data->generator, torch::kFloat32).to(device) * (2.0 / h);
    auto mirror = a.flip != 0
        ? torch::randint(0, 2, {n}, data->generator, torch::kFloat32).to(device) * -2.0 + 1.0
        : torch::ones({n}, torch::TensorOptions().device(device));
    auto cos = angle.cos() / zoom;
    auto sin = angle.sin() / zoom;
    // The sampling grid's map from output to input: mirror, then rotate and scale, then shift.
    auto theta = torch::stack({torch::stack({cos * mirror, -sin, tx}, 1), torch::stack({sin * mirror, cos, ty}, 1)}, 1);
    auto grid = torch::nn::functional::affine_grid(theta, {n, batch.size(1), h, w}, false);
    const bool exact = a.rotation == 0 && a.scale == 0; // whole-pixel moves and flips: no interpolation
    auto options = torch::nn::functional::GridSampleFuncOptions().padding_mode(torch::kZeros).align_corners(false);
    if (exact) {
      options.mode(torch::kNearest);
    } else {
      options.mode(torch::kBilinear);
    }
    batch = torch::nn::functional::grid_sample(batch - black, grid, options) + black;
  }
  if (a.erasing > 0) {
    auto erase = uniform(data, n, 0, 1, device).lt(a.erasing);
    auto area = uniform(data, n, 0.02, 0.33, device) * (h * w);
    auto aspect = uniform(data, n, std::log(0.3), std::log(1.0 / 0.3), device).exp();
    auto eh = (area * aspect).sqrt().clamp_max(h);
    auto ew = (area / aspect).sqrt().clamp_max(w);
    auto top = uniform(data, n, 0, 1, device) * (h - eh);
    auto left = uniform(data, n, 0, 1, device) * (w - ew);
    auto rows = torch::arange(h, torch::TensorOptions().dtype(torch::kFloat32).device(device)).view({1, h, 1});
    auto cols = torch::arange(w, torch::TensorOptions().dtype(torch::kFloat32).device(device)).view({1, 1, w});
    auto inside = rows.ge(top.view({n, 1, 1})) & rows.lt((top + eh).view({n, 1, 1})) &
                  cols.ge(left.view({n, 1, 1})) & cols.lt((left + ew).view({n, 1, 1})) & erase.view({n, 1, 1});
    // The mean of the data: 0 once normalised, as torchvision's RandomErasing(value=0) after Normalize.
    batch = batch.masked_fill(inside.unsqueeze(1), 0.0);
  }
  return batch.contiguous();
}

} // namespace dt

extern "C" {

int32_t dt_data_augment(dt_data* data, const dt_augment* augment, uint64_t seed) {
  DT_TRY
  data->augmenting = augment != nullptr;
  if (augment != nullptr) {
    TORCH_CHECK(augment->crop_padding >= 0 && augment->rotation >= 0 && augment->scale >= 0 && augment->scale < 1 &&
                    augment->erasing >= 0 && augment->erasing <= 1 && augment->label_smoothing >= 0 && augment->label_smoothing < 1,
                "augmentation settings out of range");
    data->augment = *augment;
  } else {
    data->augment = dt_augment{};
  }
  data->generator = at::detail::createCPUGenerator(seed);
  return 0;
  DT_CATCH(-1)
}

int32_t dt_data_augmented(dt_data* data, dt_index* index, float* out, int64_t capacity) {
  DT_TRY
  torch::NoGradGuard no_grad;
  auto batch = dt::augmented(data, data->images.index_select(0, index->positions));
  auto flat = (batch * data->std + data->mean).clamp(0, 1).to(torch::kCPU, torch::kFloat32).contiguous().view(-1);
  TORCH_CHECK(flat.numel() <= capacity, "the images exceed ", capacity, " values");
  std::memcpy(out, flat.data_ptr<float>(), sizeof(float) * flat.numel());
  return 0;
  DT_CATCH(-1)
}

} // extern "C"
