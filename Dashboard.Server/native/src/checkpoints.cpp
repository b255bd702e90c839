// Checkpoints: a network's weights (torch::save of the module, which PyTorch opens with torch.jit.load) and an optimizer's state.
#include "shim.h"

extern "C" {

int32_t dt_net_save(dt_net* net, const char* path) {
  DT_TRY
  torch::save(net->module, path);
  return 0;
  DT_CATCH(-1)
}

int32_t dt_net_load(dt_net* net, const char* path) {
  DT_TRY
  torch::load(net->module, path, net->device);
  dt::keep_channels_last(net);
  return 0;
  DT_CATCH(-1)
}

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

} // extern "C"
