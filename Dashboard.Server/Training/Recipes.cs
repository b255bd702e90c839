using Dashboard.Server.Torch;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// The recipes the Train page and <c>train --recipe</c> offer. "fast" and "fast-99.3" keep only
/// what measurably helped on MNIST here (bench --time-to-accuracy): a small BatchNorm CNN, a
/// one-cycle Adam schedule, channels-last memory, bf16 where the device computes it natively,
/// and every training image (no validation split).
/// </summary>
public static class Recipes
{
    // bf16 made cnn-fast 10-25% faster here at the same accuracy; where it would only be emulated, fp32.
    private static readonly Precision FastPrecision = TorchRuntime.Bf16Native(TorchRuntime.ResolveDevice("auto")) ? Precision.Bf16 : Precision.Fp32;

    public static IReadOnlyList<Recipe> All { get; } =
    [
        new("tutorial", "The PyTorch tutorial recipe: cnn-bn, Adam 1e-3, batch 64, 10 epochs, 80/20 split, fp32 (99.1-99.3% in about 1.5 minutes on 2 cores, seeds 1-3)",
            new RunConfig()),
        new("fast", "99% in one epoch: cnn-fast, Adam with a one-cycle schedule peaking at 0.03, batch 128, label smoothing 0.1, channels-last, bf16 where the CPU has it, 1 epoch, no validation split (99.14-99.23% in 3.5-4.0 s of training on 2 cores, seeds 1-6)",
            new RunConfig { Model = "cnn-fast", LearningRate = 0.03, Schedule = LearningRateSchedule.OneCycle, BatchSize = 128, Epochs = 1, ValidationFraction = 0, ChannelsLast = true,
                Precision = FastPrecision, LabelSmoothing = 0.1 }),
        new("fast-99.3", "99.3%: cnn-fast, Adam one-cycle peaking at 0.01, weight decay 5e-4, batch 128, channels-last, bf16 where the CPU has it, 6 epochs, no validation split (99.35-99.45% in 12-15 s of training on 2 cores, seeds 1-6)",
            new RunConfig { Model = "cnn-fast", LearningRate = 0.01, Schedule = LearningRateSchedule.OneCycle, WeightDecay = 5e-4, BatchSize = 128, Epochs = 6, ValidationFraction = 0, ChannelsLast = true, Precision = FastPrecision }),
        new("fashion-resnet8", "Fashion-MNIST with resnet8: a 4-pixel crop and a flip, Adam one-cycle peaking at 0.005, batch 128, bf16 where the CPU has it, 6 epochs, no validation split (90.96-91.39% test accuracy in 90-106 s of training on 2 cores, seeds 1-3)",
            new RunConfig { Dataset = "fashion-mnist", Model = "resnet8", LearningRate = 0.005, Schedule = LearningRateSchedule.OneCycle, BatchSize = 128, Epochs = 6,
                ValidationFraction = 0, Precision = FastPrecision, Augmentation = Augmentation.CropAndFlip, HealthEvery = 0 }),
        new("cifar-resnet", "CIFAR-10 (or any imported RGB set) with resnet20: a 4-pixel crop and a flip, SGD one-cycle peaking at 0.1 with momentum 0.9 and weight decay 5e-4, batch 128, bf16 where the CPU has it, 30 epochs (not measured on CIFAR-10 here; 100% on 3,000 generated 32x32 shapes in 67-76 s, seeds 1-3)",
            new RunConfig { Dataset = "cifar10", Model = "resnet20", Optimizer = OptimizerKind.Sgd, LearningRate = 0.1, Momentum = 0.9, WeightDecay = 5e-4,
                Schedule = LearningRateSchedule.OneCycle, BatchSize = 128, Epochs = 30, ValidationFraction = 0.1, Precision = FastPrecision,
                Augmentation = Augmentation.CropAndFlip, HealthEvery = 0 }),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(r => r.Name)];

    public static Recipe? Find(string name) => All.FirstOrDefault(r => r.Name == name);
}
