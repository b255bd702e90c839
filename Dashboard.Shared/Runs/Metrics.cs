namespace Dashboard.Shared.Runs;

/// <summary>Facts about a run that are known once its network and data are on the device.</summary>
public sealed record RunStarted(
    string Device,
    int Threads,
    string TorchVersion,
    long Parameters,
    int TrainImages,
    int ValidationImages,
    int TestImages,
    int BatchesPerEpoch);

/// <summary>
/// Progress within an epoch; Loss and Accuracy are the running means of the epoch so far,
/// Seconds the time since the epoch began.
/// </summary>
public sealed record BatchProgress(
    int Epoch,
    int Batch,
    int Batches,
    double Loss,
    double Accuracy,
    double ImagesPerSecond,
    double Seconds)
{
    /// <summary>Seconds left in this epoch's training at the pace so far.</summary>
    public double EtaSeconds => Batch == 0 ? 0 : Seconds * (Batches - Batch) / Batch;
}

/// <summary>One completed epoch. Accuracies are fractions in [0, 1]. Health: the layers' training health over the epoch,
/// null when the run samples none (<see cref="RunConfig.HealthEvery"/> 0).</summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double Seconds,
    double ImagesPerSecond,
    double LearningRate,
    DateTimeOffset CompletedAt,
    EpochHealth? Health = null);

/// <summary>Per-class results on the test set. Fractions in [0, 1].</summary>
public sealed record ClassMetrics(
    int Class,
    string Label,
    int Support,
    double Accuracy,
    double Precision,
    double Recall,
    double F1);

/// <summary>The final evaluation on the test set. ConfusionMatrix[true][predicted] holds counts.</summary>
public sealed record TestMetrics(
    double Loss,
    double Accuracy,
    int Images,
    IReadOnlyList<string> Classes,
    int[][] ConfusionMatrix,
    IReadOnlyList<ClassMetrics> PerClass,
    double ImagesPerSecond);

/// <summary>
/// What a checkpoint needs besides its weights to be used again: the network, the data it
/// expects and how inputs are normalised. Saved as JSON beside the .pt file. Epochs: how many
/// epochs the weights have been trained (a resumed run continues after them). For an imported
/// dataset, Pictures is how its pictures were made (a picture to classify goes the same way, even
/// after the dataset is renamed or deleted) and DatasetHash its content.
/// </summary>
public sealed record ModelCard(
    string Dataset,
    string Model,
    IReadOnlyList<Networks.LayerSpec> Layers,
    Networks.TensorShape Input,
    IReadOnlyList<string> Classes,
    double NormalizeMean,
    double NormalizeStd,
    double? TestAccuracy,
    DateTimeOffset SavedAt,
    int? Epochs = null,
    Datasets.PictureFormat? Pictures = null,
    string? DatasetHash = null);
