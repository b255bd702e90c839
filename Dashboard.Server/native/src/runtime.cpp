// Facts and settings of the libtorch runtime: errors, version, threads, seeds, devices.
#include "shim.h"

#include <malloc.h>

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

} // namespace

namespace dt {

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

} // namespace dt

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
  if (dt::parse_device(device).is_cuda()) {
    return 1;
  }
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16") ? 1 : 0; // every CPU with AMX has it too
  DT_CATCH(-1)
}

} // extern "C"
