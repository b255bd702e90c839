using System.CommandLine;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Cli;

/// <summary>The options that make a run configuration, shared by the <c>train</c> and <c>lr-find</c> verbs.</summary>
internal sealed class RunConfigOptions
{
    private static readonly RunConfig Defaults = new();

    public Option<string?> Recipe { get; } = new("--recipe") { Description = $"Start from a named recipe ({string.Join(", ", Recipes.Names)}); options given explicitly override its values." };
    public Option<string> Dataset { get; } = new("--dataset") { Description = "Dataset: mnist, fashion-mnist, cifar10 or an imported one's name.", DefaultValueFactory = _ => Defaults.Dataset };
    public Option<string> Model { get; } = new("--model") { Description = $"Preset network: {string.Join(", ", NetworkPresets.Names)}.", DefaultValueFactory = _ => Defaults.Model };
    public Option<OptimizerKind> Optimizer { get; } = new("--optimizer") { Description = "sgd or adam.", DefaultValueFactory = _ => Defaults.Optimizer };
    public Option<double> Lr { get; } = new("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => Defaults.LearningRate };
    public Option<LearningRateSchedule> Schedule { get; } = new("--schedule") { Description = "Learning-rate schedule: constant, onecycle (--lr is the peak) or cosine.", DefaultValueFactory = _ => Defaults.Schedule };
    public Option<double> Momentum { get; } = new("--momentum") { Description = "SGD momentum (ignored by Adam).", DefaultValueFactory = _ => Defaults.Momentum };
    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "L2 weight decay.", DefaultValueFactory = _ => Defaults.WeightDecay };
    public Option<bool> ChannelsLast { get; } = new("--channels-last") { Description = "Keep convolution weights and inputs channels-last (NHWC), the default; --channels-last false keeps them NCHW. Networks without convolutions ignore it.", DefaultValueFactory = _ => Defaults.ChannelsLast };
    public Option<Precision> Precision { get; } = new("--precision") { Description = "Training precision: fp32, bf16 (a CPU with AVX512-BF16 or AMX, or CUDA) or fp16 (CUDA, with loss scaling); weights and checkpoints stay fp32.", DefaultValueFactory = _ => Defaults.Precision };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Images per training batch.", DefaultValueFactory = _ => Defaults.BatchSize };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Passes over the training images.", DefaultValueFactory = _ => Defaults.Epochs };
    public Option<double> Validation { get; } = new("--validation-split") { Description = "Fraction of training images held out for validation (0 to 0.9).", DefaultValueFactory = _ => Defaults.ValidationFraction };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed for initialisation, split, shuffling and dropout; on CPU a seed reproduces a run exactly.", DefaultValueFactory = _ => Defaults.Seed };
    public Option<string> Device { get; } = new("--device") { Description = "auto (CUDA when available, else CPU), cpu, cuda or cuda:N.", DefaultValueFactory = _ => Defaults.Device };
    public Option<int?> TrainLimit { get; } = new("--train-limit") { Description = "Use only the first N training images (before the split)." };
    public Option<int?> TestLimit { get; } = new("--test-limit") { Description = "Evaluate on only the first N test images." };
    public Option<int> HealthEvery { get; } = new("--health-every") { Description = "Measure every layer's training health (gradient, weight and update norms, activations, dead ReLUs, BatchNorm statistics) every N batches and at each epoch's end, with alerts; 0 measures nothing.", DefaultValueFactory = _ => Defaults.HealthEvery };

    public Option<int> CropPadding { get; } = new("--crop-padding") { Description = $"Augment training batches with a random crop of this much black padding (0 to {Augmentation.MaxCropPadding} pixels; 0: none).", DefaultValueFactory = _ => Defaults.Augmentation.CropPadding };
    public Option<bool> Flip { get; } = new("--flip") { Description = "Augment with a horizontal flip half the time (not for digits or text).", DefaultValueFactory = _ => Defaults.Augmentation.Flip };
    public Option<double> Rotation { get; } = new("--rotation") { Description = $"Augment with a rotation of up to this many degrees (0 to {Augmentation.MaxRotation}).", DefaultValueFactory = _ => Defaults.Augmentation.Rotation };
    public Option<double> Scale { get; } = new("--scale") { Description = $"Augment with a scale of up to 1 +/- this (0 to {Augmentation.MaxScale}).", DefaultValueFactory = _ => Defaults.Augmentation.Scale };
    public Option<double> Erasing { get; } = new("--erasing") { Description = "Augment with random erasing of a rectangle with this probability (0 to 1).", DefaultValueFactory = _ => Defaults.Augmentation.Erasing };
    public Option<double> LabelSmoothing { get; } = new("--label-smoothing") { Description = "Label smoothing of the training loss (0 to 0.5).", DefaultValueFactory = _ => Defaults.LabelSmoothing };

    public IEnumerable<Option> All => [Recipe, Dataset, Model, Optimizer, Lr, Schedule, Momentum, WeightDecay, ChannelsLast, Precision, BatchSize, Epochs, Validation, Seed, Device, TrainLimit, TestLimit, HealthEvery,
        CropPadding, Flip, Rotation, Scale, Erasing, LabelSmoothing];

    /// <summary>The configuration the command line asks for: a recipe's values unless an option was given; null and a message for an unknown recipe.</summary>
    public (RunConfig? Config, string? Error) Read(ParseResult parse)
    {
        var recipeName = parse.GetValue(Recipe);
        if (recipeName is not null && Recipes.Find(recipeName) is null)
        {
            return (null, $"recipe: unknown recipe '{recipeName}'. Recipes: {string.Join(", ", Recipes.Names)}.");
        }
        var basis = recipeName is null ? Defaults : Recipes.Find(recipeName)!.Config;
        T Pick<T>(Option<T> option, T fromRecipe) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option)! : fromRecipe;
        return (basis with
        {
            Dataset = Pick(Dataset, basis.Dataset),
            Model = Pick(Model, basis.Model),
            Optimizer = Pick(Optimizer, basis.Optimizer),
            LearningRate = Pick(Lr, basis.LearningRate),
            Schedule = Pick(Schedule, basis.Schedule),
            Momentum = Pick(Momentum, basis.Momentum),
            WeightDecay = Pick(WeightDecay, basis.WeightDecay),
            ChannelsLast = Pick(ChannelsLast, basis.ChannelsLast),
            Precision = Pick(Precision, basis.Precision),
            BatchSize = Pick(BatchSize, basis.BatchSize),
            Epochs = Pick(Epochs, basis.Epochs),
            ValidationFraction = Pick(Validation, basis.ValidationFraction),
            Seed = Pick(Seed, basis.Seed),
            Device = Pick(Device, basis.Device),
            TrainLimit = Pick(TrainLimit, basis.TrainLimit),
            TestLimit = Pick(TestLimit, basis.TestLimit),
            HealthEvery = Pick(HealthEvery, basis.HealthEvery),
            Augmentation = basis.Augmentation with
            {
                CropPadding = Pick(CropPadding, basis.Augmentation.CropPadding),
                Flip = Pick(Flip, basis.Augmentation.Flip),
                Rotation = Pick(Rotation, basis.Augmentation.Rotation),
                Scale = Pick(Scale, basis.Augmentation.Scale),
                Erasing = Pick(Erasing, basis.Augmentation.Erasing),
            },
            LabelSmoothing = Pick(LabelSmoothing, basis.LabelSmoothing),
        }, null);
    }
}
