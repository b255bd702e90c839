using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// The recipes the Train page and <c>train --recipe</c> offer. "fast" and "fast-99.3" keep only
/// what measurably helped on MNIST here (bench --time-to-accuracy): a small BatchNorm CNN, a
/// one-cycle Adam schedule, larger batches and every training image (no validation split).
/// </summary>
public static class Recipes
{
    public static IReadOnlyList<Recipe> All { get; } =
    [
        new("tutorial", "The PyTorch tutorial recipe: cnn-bn, Adam 1e-3, batch 64, 10 epochs, 80/20 split (99.2% in about 5 minutes on 2 cores)",
            new RunConfig()),
        new("fast", "99% quickly: cnn-fast, Adam with a one-cycle schedule peaking at 0.02, batch 256, channels-last, 2 epochs, no validation split (99.1-99.2% in about 10 s on 2 cores)",
            new RunConfig { Model = "cnn-fast", LearningRate = 0.02, Schedule = LearningRateSchedule.OneCycle, BatchSize = 256, Epochs = 2, ValidationFraction = 0, ChannelsLast = true }),
        new("fast-99.3", "99.3% in about a minute: cnn-fast, Adam one-cycle peaking at 0.01, weight decay 5e-4, batch 128, channels-last, 9 epochs, no validation split (99.33-99.45% in about 50 s on 2 cores, about 60 s when the VM runs slow)",
            new RunConfig { Model = "cnn-fast", LearningRate = 0.01, Schedule = LearningRateSchedule.OneCycle, WeightDecay = 5e-4, BatchSize = 128, Epochs = 9, ValidationFraction = 0, ChannelsLast = true }),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(r => r.Name)];

    public static Recipe? Find(string name) => All.FirstOrDefault(r => r.Name == name);
}
