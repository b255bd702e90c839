// Flat C ABI over libtorch for the dashboard. Model-level, not tensor-level: build a
// network from a layer spec, hold a dataset on a device, train batches, evaluate,
// predict, save and load. Every function that can fail returns a status (0 ok, -1 error)
// or NULL, and leaves the libtorch message in a thread-local slot read by dt_last_error.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DT_EXPORT __attribute__((visibility("default")))

typedef struct dt_net dt_net;
typedef struct dt_data dt_data;
typedef struct dt_index dt_index;
typedef struct dt_optim dt_optim;

// Layer kinds; the numbers are part of the ABI (LayerKind in C#).
enum {
  DT_LINEAR = 1,
  DT_CONV2D = 2,
  DT_BATCHNORM2D = 3,
  DT_RELU = 4,
  DT_MAXPOOL2D = 5,
  DT_DROPOUT = 6,
  DT_FLATTEN = 7,
  DT_SIGMOID = 8,
  DT_AVGPOOL2D = 9,
  DT_GLOBALAVGPOOL = 10, // average of each channel: (N, C, H, W) -> (N, C)
  DT_LEAKYRELU = 11,     // p: the negative slope
  DT_BATCHNORM1D = 12,
  DT_RESIDUAL = 13,      // torchvision's BasicBlock: in, out, stride
};

typedef struct {
  int32_t kind;
  int32_t in_features;  // Linear in, Conv2d and Residual in channels, BatchNorm features
  int32_t out_features; // Linear out, Conv2d and Residual out channels
  int32_t kernel;       // Conv2d, MaxPool2d, AvgPool2d
  int32_t stride;       // Conv2d, MaxPool2d, AvgPool2d, Residual
  int32_t padding;      // Conv2d
  double p;             // Dropout probability, LeakyReLU negative slope
} dt_layer;

enum { DT_SGD = 1, DT_ADAM = 2 };

// Training precision; the numbers are part of the ABI (Precision in C#). Lower precisions run
// the training forward pass under libtorch's autocast (convolutions and linear layers in 16
// bits, the rest in fp32); weights, gradients, optimizer state and checkpoints stay fp32.
enum { DT_FP32 = 0, DT_BF16 = 1, DT_FP16 = 2 };

DT_EXPORT const char* dt_last_error(void);

DT_EXPORT const char* dt_torch_version(void);
DT_EXPORT int32_t dt_cuda_device_count(void);
DT_EXPORT int32_t dt_get_num_threads(void);
DT_EXPORT int32_t dt_set_num_threads(int32_t threads);
DT_EXPORT int32_t dt_manual_seed(uint64_t seed);
// 1 when the device computes bf16 natively (a CPU with AVX512-BF16 or AMX, or any CUDA device
// libtorch supports), else 0; an unparsable device is an error (-1).
DT_EXPORT int32_t dt_bf16_native(const char* device);

// device: "cpu", "cuda" or "cuda:N" (auto is resolved by the caller). channels_last != 0 keeps
// 4-D weights and inputs in channels-last (NHWC) memory; checkpoints are the same either way.
// precision (DT_FP32, DT_BF16, DT_FP16) applies to training; evaluation and predict run in fp32,
// as the saved checkpoint does. DT_FP16 is for CUDA only and scales the loss (see dt_train_batches).
DT_EXPORT dt_net* dt_net_create(const dt_layer* layers, int32_t count, const char* device,
                                int32_t channels_last, int32_t precision);
DT_EXPORT void dt_net_free(dt_net* net);
DT_EXPORT int64_t dt_net_parameter_count(dt_net* net);
DT_EXPORT int32_t dt_net_save(dt_net* net, const char* path);
DT_EXPORT int32_t dt_net_load(dt_net* net, const char* path);

// pixels: n*c*h*w bytes; stored on the device as float ((x/255) - mean) / std.
DT_EXPORT dt_data* dt_data_create(const uint8_t* pixels, const uint8_t* labels, int64_t n,
                                  int32_t c, int32_t h, int32_t w, double mean, double std,
                                  const char* device);
DT_EXPORT void dt_data_free(dt_data* data);

// Augmentation of a training set's batches, on its device, from a CPU generator (reproducible from the seed on any
// device): a random translation of up to crop_padding pixels with black filling (random crop with padding), a
// horizontal flip with probability 1/2, a rotation of up to rotation degrees and a scale of up to 1 +/- scale (one
// affine resampling per batch), and random erasing of a rectangle (2-33% of the picture, aspect 0.3-3.3, set to the
// mean) with probability erasing; label_smoothing is the cross entropy's. Only training steps see it.
typedef struct {
  int32_t crop_padding;
  int32_t flip;
  double rotation;
  double scale;
  double erasing;
  double label_smoothing;
} dt_augment;

// Sets a training set's augmentation (NULL: none) and reseeds its generator.
DT_EXPORT int32_t dt_data_augment(dt_data* data, const dt_augment* augment, uint64_t seed);
// The images at the index's positions as training would see them (augmented), unnormalised to [0, 1]: n x C x H x W floats.
DT_EXPORT int32_t dt_data_augmented(dt_data* data, dt_index* index, float* out, int64_t capacity);

// An order of sample positions, held on the device (an epoch's shuffle, a split).
DT_EXPORT dt_index* dt_index_create(const int64_t* positions, int64_t count, const char* device);
DT_EXPORT void dt_index_free(dt_index* index);

DT_EXPORT dt_optim* dt_optim_create(dt_net* net, int32_t kind, double lr, double momentum,
                                    double weight_decay);
DT_EXPORT void dt_optim_free(dt_optim* optim);
/* The optimizer's state (Adam's moments, SGD's momentum buffers) to and from a file, so a
   resumed run continues where it stopped. Loading needs an optimizer of the same kind over
   the same network. */
DT_EXPORT int32_t dt_optim_save(dt_optim* optim, const char* path);
DT_EXPORT int32_t dt_optim_load(dt_optim* optim, const char* path);

// Trains `batches` batches of up to batch_size samples taken from index positions
// [start, ...). Sums the per-sample loss and the number correct over those batches; the
// only host-device sync is at the end of the call. first_nonfinite receives the 0-based
// batch (within this call) whose loss was NaN or infinite, or -1. learning_rates, when not
// NULL, holds one rate per batch (a schedule), set before that batch's step; NULL keeps the
// optimizer's rate. In DT_FP16 the loss is scaled dynamically, as PyTorch's GradScaler does:
// gradients are unscaled before the step, a batch whose gradients overflow skips its step and
// halves the scale, and 2,000 good steps in a row double it.
DT_EXPORT int32_t dt_train_batches(dt_net* net, dt_optim* optim, dt_data* data, dt_index* index,
                                   int64_t start, int32_t batch_size, int32_t batches,
                                   const double* learning_rates, double* loss_sum, int64_t* correct, int64_t* samples,
                                   int32_t* first_nonfinite);

/* Training health (RunConfig.HealthEvery): the numbers dt_train_health writes per layer, in this
   order (the order is part of the ABI: HealthValue in C#). Norms are L2 over all of the layer's
   parameters; the update is the step's change of them. A value that does not apply to a layer
   (a norm of a layer without parameters, dead units of a layer that is not a ReLU, running
   statistics of a layer that is not BatchNorm) is NaN. */
enum {
  DT_H_PARAMETERS = 0,     // the layer's parameter count
  DT_H_WEIGHT_NORM = 1,    // ||w|| before the step
  DT_H_GRADIENT_NORM = 2,  // ||dL/dw||
  DT_H_UPDATE_NORM = 3,    // ||w_after - w_before||
  DT_H_ACTIVATION_MEAN = 4,
  DT_H_ACTIVATION_STD = 5, // of the layer's output over the batch
  DT_H_DEAD_FRACTION = 6,  // ReLU: the fraction of units (channels of a 4-D output) that never fired since the reset
  DT_H_RUNNING_MEAN = 7,   // BatchNorm: the mean of its running mean
  DT_H_RUNNING_VAR = 8,    // BatchNorm: the mean of its running variance
  DT_H_VALUES = 9,
};

/* Trains one batch, like dt_train_batches with batches = 1 (learning_rate > 0 sets the rate
   first), and measures every layer on the way: values gets DT_H_VALUES doubles per layer.
   reset_fired != 0 forgets which ReLU units have fired (a new epoch). bins > 0 also writes, per
   layer, the histograms of its weight tensor and of that tensor's gradient into histograms:
   [min, max, bins counts] for each, 2 * (bins + 2) floats per layer (NaN and zeros without one).
   *loss is the batch's mean loss (NaN or infinite when it diverged). Returns the layer count. */
DT_EXPORT int32_t dt_train_health(dt_net* net, dt_optim* optim, dt_data* data, dt_index* index,
                                  int64_t start, int32_t batch_size, double learning_rate,
                                  int32_t reset_fired, int32_t bins, double* values,
                                  float* histograms, int32_t max_layers, double* loss,
                                  int64_t* correct, int64_t* samples);

// Evaluates every sample of `index` without autograd. predictions (count) receives the
// argmax class; probabilities (count*classes, may be NULL) the softmax.
DT_EXPORT int32_t dt_evaluate(dt_net* net, dt_data* data, dt_index* index, int32_t batch_size,
                              double* loss_sum, int64_t* predictions, float* probabilities,
                              int32_t classes);

// Predicts n images given as floats in [0,1], normalised like the training data.
DT_EXPORT int32_t dt_predict(dt_net* net, const float* pixels, int64_t n, int32_t c, int32_t h,
                             int32_t w, double mean, double std, float* probabilities,
                             int32_t classes);

/* Every layer's output for one image (eval mode, no autograd), in layer order, each flattened C x H x W
   (or features) and written one after the other into outputs; sizes[i] gets layer i's element count.
   Returns the number of layers, or -1. */
DT_EXPORT int32_t dt_forward_layers(dt_net* net, const float* pixels, int32_t c, int32_t h, int32_t w,
                                    double mean, double std, float* outputs, int64_t capacity,
                                    int64_t* sizes, int32_t max_layers);

/* Layers 0..last for a batch of n images (eval mode, no autograd), each image's output flattened into
   out (n x features). Returns the features per image, or -1. */
DT_EXPORT int64_t dt_forward_to(dt_net* net, const float* pixels, int64_t n, int32_t c, int32_t h, int32_t w,
                                double mean, double std, int32_t last, float* out, int64_t capacity);

/* A layer's weight tensor (Linear out x in, Conv2d out x in x k x k), copied into out.
   Returns its element count, 0 for a layer without weights, or -1. */
DT_EXPORT int64_t dt_layer_weights(dt_net* net, int32_t layer, float* out, int64_t capacity);

enum { DT_ATTR_GRADIENT = 0, DT_ATTR_GRADIENT_X_INPUT = 1, DT_ATTR_SMOOTHGRAD = 2,
       DT_ATTR_INTEGRATED = 3, DT_ATTR_GRADCAM = 4 };

/* Attributions over one image's pixels (values in [0, 1], C x H x W) for the objective
   logit[target] - logit[other] (other < 0: logit[target] alone), in eval mode:
   gradient, gradient x input, SmoothGrad (the mean gradient of `samples` copies with Gaussian
   noise of standard deviation `noise`, in one batch), integrated gradients (from a black
   baseline, `samples` midpoint steps in one batch) or Grad-CAM (the last 4-D activation's
   channels weighted by their mean gradient, ReLU, bilinear to the input size). attribution gets
   C x H x W values; objective gets the objective at the image and at_baseline at the black image. */
DT_EXPORT int32_t dt_attribute(dt_net* net, const float* pixels, int32_t c, int32_t h, int32_t w,
                               double mean, double std, int32_t target, int32_t other, int32_t method,
                               int32_t samples, double noise, uint64_t seed, float* attribution,
                               double* objective, double* at_baseline);

#ifdef __cplusplus
}
#endif
