// Data on the device: a dataset's images (normalised once) and labels, and index tensors into them.
#include "shim.h"

namespace dt {

torch::Tensor normalise(torch::Tensor unit_range, double mean, double std) {
  return unit_range.sub_(mean).div_(std);
}

} // namespace dt

extern "C" {

dt_data* dt_data_create(const uint8_t* pixels, const uint8_t* labels, int64_t n, int32_t c,
                        int32_t h, int32_t w, double mean, double std, const char* device) {
  DT_TRY
  TORCH_CHECK(n > 0 && c > 0 && h > 0 && w > 0, "dataset dimensions must be positive");
  TORCH_CHECK(std > 0, "normalisation std must be positive");
  const auto parsed = dt::parse_device(device);
  // from_blob borrows the caller's memory; .to() copies before the call returns.
  auto raw = torch::from_blob(const_cast<uint8_t*>(pixels), {n, c, h, w}, torch::kUInt8);
  auto images = dt::normalise(raw.to(parsed).to(torch::kFloat32).div_(255.0), mean, std);
  auto label_tensor =
      torch::from_blob(const_cast<uint8_t*>(labels), {n}, torch::kUInt8).to(parsed).to(torch::kInt64);
  auto data = new dt_data{images.contiguous(), label_tensor};
  data->mean = mean;
  data->std = std;
  return data;
  DT_CATCH(nullptr)
}

void dt_data_free(dt_data* data) { delete data; }

dt_index* dt_index_create(const int64_t* positions, int64_t count, const char* device) {
  DT_TRY
  TORCH_CHECK(count >= 0, "index count must not be negative");
  const auto parsed = dt::parse_device(device);
  auto tensor = torch::from_blob(const_cast<int64_t*>(positions), {count}, torch::kInt64).to(parsed);
  if (!parsed.is_cuda()) {
    tensor = tensor.clone(); // .to() on the same device does not copy; the caller's buffer is borrowed.
  }
  return new dt_index{tensor};
  DT_CATCH(nullptr)
}

void dt_index_free(dt_index* index) { delete index; }

} // extern "C"
