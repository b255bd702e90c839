using System.Text.Json.Serialization;
using Dashboard.Shared.Networks;

namespace Dashboard.Shared.Runs;

[JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
public enum OptimizerKind
{
    Sgd = 1,
    Adam = 2,
}

/// <summary>
/// The precision of training's forward pass. Weights, gradients, optimizer state and
/// checkpoints stay fp32 in every case; evaluation and predict run in fp32.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<Precision>))]
public enum Precision
{
    /// <summary>32-bit floats throughout, as the PyTorch tutorials train.</summary>
    [JsonStringEnumMemberName("fp32")]
    Fp32 = 0,

    /// <summary>Autocast to bfloat16 (convolutions and linear layers); needs a CPU with AVX512-BF16 or AMX, or CUDA.</summary>
    [JsonStringEnumMemberName("bf16")]
    Bf16 = 1,

    /// <summary>Autocast to float16 with dynamic loss scaling; CUDA only.</summary>
    [JsonStringEnumMemberName("fp16")]
    Fp16 = 2,
}

/// <summary>How the learning rate changes over a run (set before every batch).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LearningRateSchedule>))]
public enum LearningRateSchedule
{
    /// <summary>LearningRate throughout, as the PyTorch tutorials train.</summary>
    Constant = 0,

    /// <summary>
    /// PyTorch's OneCycleLR defaults: from LearningRate/25 up to LearningRate over the first 30%
    /// of the batches, then down to LearningRate/250,000, both along a cosine.
    /// </summary>
    OneCycle = 1,

    /// <summary>From LearningRate down to 0 along a cosine over all batches.</summary>
    Cosine = 2,
}

/// <summary>
/// Everything that defines a training run. Defaults follow the PyTorch tutorial recipe:
/// cnn-bn on MNIST, Adam 1e-3, batch 64, 10 epochs, 80/20 train/validation split.
/// </summary>
public sealed record RunConfig
{
    /// <summary>Dataset name: mnist, fashion-mnist or cifar10.</summary>
    public string Dataset { get; init; } = "mnist";

    /// <summary>Preset network name; ignored when <see cref="Layers"/> is given.</summary>
    public string Model { get; init; } = "cnn-bn";

    /// <summary>A custom network; null means the preset's layers.</summary>
    public IReadOnlyList<LayerSpec>? Layers { get; init; }

    /// <summary>How pages, logs and model cards name the network: the preset, or "custom" for one given layer by layer.</summary>
    [JsonIgnore]
    public string NetworkName => Layers is null ? Model : "custom";

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>The learning rate (with a schedule, its peak).</summary>
    public double LearningRate { get; init; } = 1e-3;

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>SGD momentum (ignored by Adam).</summary>
    public double Momentum { get; init; } = 0.9;

    public double WeightDecay { get; init; }

    /// <summary>Keep convolution weights and inputs channels-last (NHWC) in memory (on by default;
    /// networks without convolutions ignore it). On this project's 2-core CPU it trains the
    /// convolution presets 1.25-1.9x as fast. Results and checkpoints are the same either way.</summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>fp32 (default), bf16 (a CPU with BF16 support, or CUDA) or fp16 (CUDA): the
    /// training forward pass under autocast; weights and checkpoints stay fp32.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    public int BatchSize { get; init; } = 64;
    public int Epochs { get; init; } = 10;

    /// <summary>Fraction of the training images held out for validation, in [0, 0.9].</summary>
    public double ValidationFraction { get; init; } = 0.2;

    public int Seed { get; init; } = 1;

    /// <summary>auto (CUDA when available, else CPU), cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Inputs are scaled to [0, 1] then normalised as (x - NormalizeMean) / NormalizeStd.</summary>
    public double NormalizeMean { get; init; } = 0.5;

    public double NormalizeStd { get; init; } = 0.5;

    /// <summary>Use at most this many training images (before the split); null for all.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Evaluate on at most this many test images; null for all.</summary>
    public int? TestLimit { get; init; }

    /// <summary>Add the samples users saved for this dataset (Draw page) to the training images.</summary>
    public bool IncludeSamples { get; init; }

    /// <summary>
    /// Fine-tuning: start from the weights of this completed run's checkpoint instead of random
    /// ones. Its network must be the same as this run's; null trains from scratch.
    /// </summary>
    public int? StartFrom { get; init; }

    /// <summary>
    /// Keep every epoch's weights (epoch-N.pt beside the checkpoint) so the Draw page can replay a drawing through any
    /// epoch; null keeps them for networks of at most <see cref="EpochWeights.DefaultMaxParameters"/> parameters. It costs
    /// 4 bytes a parameter an epoch (<see cref="EpochWeights.Bytes"/>).
    /// </summary>
    public bool? KeepEpochWeights { get; init; }

    /// <summary>
    /// Measure every layer's training health (gradient, weight and update norms, activations, dead ReLU units,
    /// BatchNorm statistics) on every this-many-th batch and on each epoch's last; 0 measures nothing. Summarised per
    /// epoch (<see cref="EpochMetrics.Health"/>) and checked for alerts.
    /// </summary>
    public int HealthEvery { get; init; } = 50;

    /// <summary>How training batches are varied on the device (none by default); validation and test pictures never are.</summary>
    public Augmentation Augmentation { get; init; } = new();

    /// <summary>Label smoothing of the training loss, in [0, 0.5) (0: none), as PyTorch's CrossEntropyLoss(label_smoothing).</summary>
    public double LabelSmoothing { get; init; }
}

/// <summary>
/// Augmentation of training batches on the device, reproducible from the run's seed: a random crop with this much
/// black padding (a shift of up to that many pixels), a horizontal flip with probability 1/2 (off for digits and
/// text), a rotation of up to Rotation degrees and a scale of up to 1 +/- Scale, and random erasing of a rectangle with
/// probability Erasing.
/// </summary>
public sealed record Augmentation
{
    public const int MaxCropPadding = 16;
    public const double MaxRotation = 45;
    public const double MaxScale = 0.5;

    public int CropPadding { get; init; }
    public bool Flip { get; init; }
    public double Rotation { get; init; }
    public double Scale { get; init; }
    public double Erasing { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsNone => CropPadding == 0 && !Flip && Rotation == 0 && Scale == 0 && Erasing == 0;

    /// <summary>The CIFAR tutorials' crop of 4-pixel padding and horizontal flip.</summary>
    public static Augmentation CropAndFlip => new() { CropPadding = 4, Flip = true };
}

/// <summary>The per-epoch weights a run keeps (<see cref="RunConfig.KeepEpochWeights"/>).</summary>
public static class EpochWeights
{
    /// <summary>Networks this small keep their epochs' weights unless told not to (cnn-bn has 421,834 parameters).</summary>
    public const long DefaultMaxParameters = 1_000_000;

    public static bool Keeps(RunConfig config, long parameters) => config.KeepEpochWeights ?? parameters <= DefaultMaxParameters;

    /// <summary>The disk the weights of <paramref name="epochs"/> epochs take (fp32).</summary>
    public static long Bytes(long parameters, int epochs) => parameters * 4 * epochs;

    public static string FileName(int epoch) => $"epoch-{epoch}.pt";

    /// <summary>The epoch a file name is of, or null for any other file.</summary>
    public static int? EpochOf(string fileName) =>
        System.Text.RegularExpressions.Regex.Match(fileName, @"^epoch-([0-9]{1,4})\.pt$") is { Success: true } m ? int.Parse(m.Groups[1].Value) : null;
}
