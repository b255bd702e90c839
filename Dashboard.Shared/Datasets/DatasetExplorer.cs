namespace Dashboard.Shared.Datasets;

/// <summary>Sizes and class distribution of a dataset's training and test sets.</summary>
public sealed record DatasetOverview(string Name, int TrainImages, int TestImages, IReadOnlyList<string> Classes,
    IReadOnlyList<int> TrainPerClass, IReadOnlyList<int> TestPerClass);

/// <summary>One training image: raw C x H x W bytes (0-255) and its label.</summary>
public sealed record DatasetImage(int Index, int Label, string ClassName, int Channels, int Height, int Width, byte[] Pixels);

/// <summary>Looks into installed datasets. Implemented by the server; injected into the Datasets page.</summary>
public interface IDatasetExplorer
{
    /// <summary>Null for an unknown or missing dataset.</summary>
    DatasetOverview? Overview(string dataset);

    /// <summary><paramref name="count"/> training images picked at random with <paramref name="seed"/>.</summary>
    IReadOnlyList<DatasetImage> Sample(string dataset, int count, int seed);
}
