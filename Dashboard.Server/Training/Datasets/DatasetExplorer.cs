using System.Collections.Concurrent;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training.Datasets;

/// <summary>Reads a dataset once and keeps it for browsing (MNIST is about 55 MB of bytes).</summary>
public sealed class DatasetExplorer(DatasetCatalog catalog) : IDatasetExplorer
{
    public const int MaxSample = 200;

    // Keyed by name and content hash: an imported name may be deleted and imported again with other pictures.
    private readonly ConcurrentDictionary<string, Lazy<LoadedDataset>> _loaded = new();

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
        // The same seeded split the trainer makes (its first use of the run's Random); a dataset's own validation set instead.
        var (trainPositions, validationPositions) = Trainer.Split(train.Count, data.Validation is null ? config.ValidationFraction : 0, new Random(config.Seed));
        IReadOnlyList<int> Labels(long[] positions) => PerClass([.. positions.Select(p => train.Labels[p])], classes.Count);
        return new DatasetSplit(config.Dataset, trainPositions.Length, data.Validation?.Count ?? validationPositions.Length, test.Count, classes,
            Labels(trainPositions), data.Validation is { } own ? PerClass(own.Labels, classes.Count) : Labels(validationPositions), PerClass(test.Labels, classes.Count));
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
    public LoadedDataset? Data(string dataset)
    {
        if (catalog.Find(dataset) is not { Available: true } info)
        {
            return null;
        }
        var key = $"{dataset}@{info.Hash}";
        var lazy = _loaded.GetOrAdd(key, _ => new Lazy<LoadedDataset>(() => catalog.Load(dataset)));
        try
        {
            return lazy.Value;
        }
        catch (DatasetException)
        {
            _loaded.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>The name of the imported dataset with this content hash, or null.</summary>
    public string? NameOf(string hash) => catalog.List().FirstOrDefault(d => d.Hash == hash)?.Name;

    /// <summary>Each test image's original path, for an imported dataset; empty for a built-in one.</summary>
    public IReadOnlyList<string> TestFiles(string dataset) => catalog.Find(dataset) is { Imported: true } ? catalog.Imported.Paths(dataset, "test") : [];

    /// <summary>Forgets what was read of a dataset (it was deleted or renamed).</summary>
    public void Forget(string dataset)
    {
        foreach (var key in _loaded.Keys.Where(k => k.StartsWith(dataset + "@", StringComparison.Ordinal)))
        {
            _loaded.TryRemove(key, out _);
        }
    }
}
