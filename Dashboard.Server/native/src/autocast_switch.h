// Turns libtorch's autocast on or off for one device type, for libtorch 1.13 and 2.x alike: the
// shim and the plain C++ loop share it, as the one place that depends on the libtorch version.
#pragma once
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

inline void set_autocast(torch::DeviceType type, bool on, at::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_dtype(type, dtype); // one API per device type since 2.4
  at::autocast::set_autocast_enabled(type, on);
#else
  if (type == torch::kCUDA) {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(on);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(on);
  }
#endif
  if (!on) {
    at::autocast::clear_cache(); // the cast weights change at every step
  }
}
