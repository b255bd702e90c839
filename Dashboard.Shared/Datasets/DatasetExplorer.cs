namespace Dashboard.Shared.Datasets;

/// <summary>Sizes and class distribution of a dataset's training and test sets.</summary>
public sealed record DatasetOverview(string Name, int TrainImages, int TestImages, IReadOnlyList<string> Classes,
    IReadOnlyList<int> TrainPerClass, IReadOnlyList<int> TestPerClass);

/// <summary>One training image: raw C x H x W bytes (0-255) and its label.</summary>
public sealed record DatasetImage(int Index, int Label, string ClassName, int Channels, int Height, int Width, byte[] Pixels);

/// <summary>
/// How a run divided a dataset: its training and validation parts (the seeded split of the first
/// TrainLimit training images) and the test images it was scored on, with per-class counts.
/// </summary>
public sealed record DatasetSplit(string Dataset, int Train, int Validation, int Test, IReadOnlyList<string> Classes,
    IReadOnlyList<int> TrainPerClass, IReadOnlyList<int> ValidationPerClass, IReadOnlyList<int> TestPerClass);

/// <summary>Looks into installed datasets. Implemented by the server; injected into the Datasets page.</summary>
public interface IDatasetExplorer
{
    /// <summary>Null for an unknown or missing dataset.</summary>
    DatasetOverview? Overview(string dataset);

    /// <summary><paramref name="count"/> training images picked at random with <paramref name="seed"/>.</summary>
    IReadOnlyList<DatasetImage> Sample(string dataset, int count, int seed);

    /// <summary>The split a run with this configuration uses; null when its dataset is unknown or missing.</summary>
    DatasetSplit? Split(Runs.RunConfig config);
}
