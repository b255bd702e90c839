using Dashboard.Server.Inference;
using Dashboard.Server.Storage;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Samples;

namespace Dashboard.Server.Samples;

/// <summary>Saves, lists, deletes and exports users' labelled samples, and hands them to training.</summary>
public sealed class SampleService(ISampleStore store, DatasetCatalog datasets) : ISampleService
{
    public IReadOnlyList<SavedSample> List(string dataset) => store.List(dataset);

    public SaveSampleResult Save(NewSample sample)
    {
        var errors = new Dictionary<string, string[]>();
        var info = sample.Dataset is null ? null : datasets.Find(sample.Dataset);
        if (info is null)
        {
            errors["dataset"] = [$"must be one of {string.Join(", ", datasets.Names)}, got '{sample.Dataset}'."];
        }
        else
        {
            if (sample.Label is not { } label || label < 0 || label >= info.Classes.Count)
            {
                errors["label"] = [$"must be a class number from 0 to {info.Classes.Count - 1}, got {sample.Label?.ToString() ?? "nothing"}."];
            }
            if (sample.Pixels is null)
            {
                errors["pixels"] = [$"is required: {info.Shape.Elements} values in [0, 1]."];
            }
            else if (Pixels.Problem(sample.Pixels, info.Shape) is { } problem)
            {
                errors["pixels"] = [problem];
            }
        }
        if (errors.Count > 0)
        {
            return new SaveSampleResult(null, errors);
        }
        var dims = info!.Shape.Dims;
        return new SaveSampleResult(
            store.Add(info.Name, sample.Label!.Value, dims[0], dims[1], dims[2], Pixels.ToBytes(sample.Pixels!), DateTimeOffset.UtcNow), errors);
    }

    public bool Delete(int id) => store.Delete(id);

    /// <summary>A dataset's samples as training images (oldest first), for RunConfig.IncludeSamples.</summary>
    public ImageSet TrainingImages(string dataset)
    {
        var samples = store.List(dataset).Reverse().ToList();
        var shape = datasets.Find(dataset)!.Shape;
        return new ImageSet(shape, [.. samples.SelectMany(s => s.Pixels)], [.. samples.Select(s => (byte)s.Label)]);
    }

    /// <summary>
    /// The samples as CSV in the layout of Kaggle's MNIST files: a header row, then per sample
    /// the label followed by every pixel value (0-255).
    /// </summary>
    public async Task WriteCsv(string dataset, TextWriter writer)
    {
        var size = (int)datasets.Find(dataset)!.Shape.Elements;
        await writer.WriteLineAsync("label," + string.Join(",", Enumerable.Range(0, size).Select(i => $"pixel{i}")));
        foreach (var sample in store.List(dataset).Reverse())
        {
            await writer.WriteLineAsync(sample.Label + "," + string.Join(",", sample.Pixels));
        }
    }
}
