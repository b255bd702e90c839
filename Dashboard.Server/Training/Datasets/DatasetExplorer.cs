using System.Collections.Concurrent;
using Dashboard.Shared.Datasets;

namespace Dashboard.Server.Training.Datasets;

/// <summary>Reads a dataset once and keeps it for browsing (MNIST is about 55 MB of bytes).</summary>
public sealed class DatasetExplorer(DatasetCatalog catalog) : IDatasetExplorer
{
    public const int MaxSample = 200;

    private readonly ConcurrentDictionary<string, Lazy<(ImageSet Train, ImageSet Test)>> _loaded = new();

    public DatasetOverview? Overview(string dataset)
    {
        if (Load(dataset) is not { } data)
        {
            return null;
        }
        var classes = catalog.Find(dataset)!.Classes;
        int[] Count(ImageSet set) => [.. Enumerable.Range(0, classes.Count).Select(c => set.Labels.Count(l => l == c))];
        return new DatasetOverview(dataset, data.Train.Count, data.Test.Count, classes, Count(data.Train), Count(data.Test));
    }

    public IReadOnlyList<DatasetImage> Sample(string dataset, int count, int seed)
    {
        if (Load(dataset) is not { } data)
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

    private (ImageSet Train, ImageSet Test)? Load(string dataset)
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
