using System.Collections.Concurrent;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training.Datasets;

/// <summary>Reads a dataset once and keeps it for browsing (MNIST is about 55 MB of bytes).</summary>
public sealed class DatasetExplorer(DatasetCatalog catalog) : IDatasetExplorer
{
    public const int MaxSample = 200;

    private readonly ConcurrentDictionary<string, Lazy<(ImageSet Train, ImageSet Test)>> _loaded = new();

    public DatasetOverview? Overview(string dataset)
    {
        if (Data(dataset) is not { } data)
        {
            return null;
        }
        var classes = catalog.Find(dataset)!.Classes;
        return new DatasetOverview(dataset, data.Train.Count, data.Test.Count, classes,
            PerClass(data.Train.Labels, classes.Count), PerClass(data.Test.Labels, classes.Count));
    }

    public DatasetSplit? Split(RunConfig config)
    {
        if (Data(config.Dataset) is not { } data)
        {
            return null;
        }
        var classes = catalog.Find(config.Dataset)!.Classes;
        var train = data.Train.Take(config.TrainLimit ?? data.Train.Count);
        var test = data.Test.Take(config.TestLimit ?? data.Test.Count);
        // The same seeded split the trainer makes (its first use of the run's Random).
        var (trainPositions, validationPositions) = Trainer.Split(train.Count, config.ValidationFraction, new Random(config.Seed));
        IReadOnlyList<int> Labels(long[] positions) => PerClass([.. positions.Select(p => train.Labels[p])], classes.Count);
        return new DatasetSplit(config.Dataset, trainPositions.Length, validationPositions.Length, test.Count, classes,
            Labels(trainPositions), Labels(validationPositions), PerClass(test.Labels, classes.Count));
    }

    private static int[] PerClass(byte[] labels, int classes)
    {
        var counts = new int[classes];
        foreach (var label in labels)
        {
            counts[label]++;
        }
        return counts;
    }

    public IReadOnlyList<DatasetImage> Sample(string dataset, int count, int seed)
    {
        if (Data(dataset) is not { } data)
        {
            return [];
        }
        var train = data.Train;
        var classes = catalog.Find(dataset)!.Classes;
        var size = (int)train.Shape.Elements;
        var random = new Random(seed);
        return [.. Enumerable.Range(0, Math.Clamp(count, 0, Math.Min(MaxSample, train.Count)))
            .Select(_ => random.Next(train.Count))
            .Select(i => new DatasetImage(i, train.Labels[i], classes[train.Labels[i]], train.Shape.Dims[0], train.Shape.Dims[1],
                train.Shape.Dims[2], train.Pixels[(i * size)..((i + 1) * size)]))];
    }

    /// <summary>A dataset's training and test sets, read once; null when it is unknown or not installed.</summary>
    public (ImageSet Train, ImageSet Test)? Data(string dataset)
    {
        if (catalog.Find(dataset) is not { Available: true })
        {
            return null;
        }
        var lazy = _loaded.GetOrAdd(dataset, name => new Lazy<(ImageSet, ImageSet)>(() => catalog.Load(name)));
        try
        {
            return lazy.Value;
        }
        catch (DatasetException)
        {
            _loaded.TryRemove(dataset, out _);
            throw;
        }
    }
}
