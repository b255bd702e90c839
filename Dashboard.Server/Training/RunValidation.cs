using Dashboard.Server.Training.Datasets;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// Checks a run configuration before anything is loaded or trained. Errors are keyed by
/// the JSON field name, ready for a ProblemDetails body or a CLI message.
/// </summary>
public static class RunValidation
{
    public const int MaxEpochs = 1000;
    public const int MaxBatchSize = 65536;
    public const int MaxHealthEvery = 1_000_000;

    public static IReadOnlyDictionary<string, string[]> Validate(RunConfig config, DatasetCatalog datasets)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) =>
            (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        var dataset = datasets.Find(config.Dataset);
        if (dataset is null)
        {
            Add("dataset", $"Unknown dataset '{config.Dataset}'. Known: {string.Join(", ", datasets.Names)}.");
        }

        var layers = ResolveLayers(config, dataset);
        if (layers is null)
        {
            Add("model", $"Unknown model '{config.Model}'. Presets: {string.Join(", ", NetworkPresets.Names)}.");
        }
        else if (dataset is not null)
        {
            var summary = NetworkShapes.Infer(layers, dataset.Shape, dataset.Classes.Count);
            if (!summary.IsValid)
            {
                Add(config.Layers is null ? "model" : "layers",
                    $"{summary.Error} (input {dataset.Shape} from {dataset.Name}).");
            }
        }

        if (!double.IsFinite(config.LearningRate) || config.LearningRate <= 0 || config.LearningRate > 10)
            Add("learningRate", $"must be a finite number in (0, 10], got {config.LearningRate}.");
        if (!double.IsFinite(config.Momentum) || config.Momentum < 0 || config.Momentum >= 1)
            Add("momentum", $"must be in [0, 1), got {config.Momentum}.");
        if (!double.IsFinite(config.WeightDecay) || config.WeightDecay < 0 || config.WeightDecay > 1)
            Add("weightDecay", $"must be in [0, 1], got {config.WeightDecay}.");
        if (config.BatchSize is < 1 or > MaxBatchSize)
            Add("batchSize", $"must be between 1 and {MaxBatchSize}, got {config.BatchSize}.");
        if (config.Epochs is < 1 or > MaxEpochs)
            Add("epochs", $"must be between 1 and {MaxEpochs}, got {config.Epochs}.");
        if (!double.IsFinite(config.ValidationFraction) || config.ValidationFraction < 0 || config.ValidationFraction > 0.9)
            Add("validationFraction", $"must be in [0, 0.9], got {config.ValidationFraction}.");
        if (!double.IsFinite(config.NormalizeStd) || config.NormalizeStd <= 0)
            Add("normalizeStd", $"must be a positive number, got {config.NormalizeStd}.");
        if (!double.IsFinite(config.NormalizeMean))
            Add("normalizeMean", $"must be a finite number, got {config.NormalizeMean}.");
        if (config.TrainLimit is < 2)
            Add("trainLimit", $"must be at least 2 when given, got {config.TrainLimit}.");
        if (config.TestLimit is < 1)
            Add("testLimit", $"must be at least 1 when given, got {config.TestLimit}.");
        if (config.Device.Trim().ToLowerInvariant() is not ("auto" or "cpu") && !config.Device.Trim().StartsWith("cuda", StringComparison.OrdinalIgnoreCase))
            Add("device", $"must be auto, cpu, cuda or cuda:N, got '{config.Device}'.");

        if (config.HealthEvery is < 0 or > MaxHealthEvery)
            Add("healthEvery", $"must be between 0 (off) and {MaxHealthEvery} batches, got {config.HealthEvery}.");
        if (config.Augmentation is null)
            Add("augmentation", "must be an object ({ cropPadding, flip, rotation, scale, erasing }), or left out for none.");
        var a = config.Augmentation ?? new Augmentation();
        if (a.CropPadding is < 0 or > Augmentation.MaxCropPadding)
            Add("augmentation.cropPadding", $"must be between 0 and {Augmentation.MaxCropPadding} pixels, got {a.CropPadding}.");
        if (!double.IsFinite(a.Rotation) || a.Rotation < 0 || a.Rotation > Augmentation.MaxRotation)
            Add("augmentation.rotation", $"must be between 0 and {Augmentation.MaxRotation} degrees, got {a.Rotation}.");
        if (!double.IsFinite(a.Scale) || a.Scale < 0 || a.Scale > Augmentation.MaxScale)
            Add("augmentation.scale", $"must be between 0 and {Augmentation.MaxScale}, got {a.Scale}.");
        if (!double.IsFinite(a.Erasing) || a.Erasing < 0 || a.Erasing > 1)
            Add("augmentation.erasing", $"must be a probability in [0, 1], got {a.Erasing}.");
        if (!double.IsFinite(config.LabelSmoothing) || config.LabelSmoothing < 0 || config.LabelSmoothing >= 0.5)
            Add("labelSmoothing", $"must be in [0, 0.5), got {config.LabelSmoothing}.");
        if (!Enum.IsDefined(config.Precision))
            Add("precision", $"must be fp32, bf16 or fp16, got {(int)config.Precision}.");

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    /// <summary>Why a precision cannot train on a resolved device (cpu, cuda:N), or null when it can.</summary>
    public static string? PrecisionProblem(Precision precision, string device, Func<string, bool> bf16Native) => precision switch
    {
        Precision.Fp16 when !device.StartsWith("cuda", StringComparison.Ordinal) =>
            "fp16 needs a CUDA device; on a CPU use bf16 (where the CPU supports it) or fp32.",
        Precision.Bf16 when !bf16Native(device) =>
            $"bf16 needs a CPU with AVX512-BF16 or AMX, or a CUDA device; this {device} would only emulate it, slower than fp32. Use fp32.",
        _ => null,
    };

    /// <summary>The custom layers, else the preset's fitted to the dataset's shape and classes (as designed when the dataset is unknown), else null for an unknown preset.</summary>
    public static IReadOnlyList<LayerSpec>? ResolveLayers(RunConfig config, DatasetInfo? dataset = null) =>
        config.Layers ?? (dataset is null ? NetworkPresets.Find(config.Model)?.Layers : NetworkPresets.Fit(config.Model, dataset.Shape, dataset.Classes.Count));
}
