using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Runs;

public sealed class TrainingCatalog(DatasetCatalog datasets, DatasetExplorer explorer) : ITrainingCatalog
{
    public IReadOnlyList<DatasetInfo> Datasets() => datasets.List();

    public IReadOnlyList<NetworkPreset> Presets() => NetworkPresets.All;

    public IReadOnlyList<Recipe> Recipes() => Training.Recipes.All;

    public IReadOnlyList<string> Devices() =>
        ["auto", "cpu", .. Enumerable.Range(0, TorchRuntime.CudaDeviceCount).Select(i => $"cuda:{i}")];

    public IReadOnlyDictionary<string, string[]> Validate(RunConfig config) => RunValidation.Validate(config, datasets);

    public const int PreviewPictures = 16;

    public IReadOnlyList<DatasetImage> AugmentationPreview(string dataset, Augmentation augmentation, int seed)
    {
        var samples = explorer.Sample(dataset, PreviewPictures, seed);
        if (samples.Count == 0)
        {
            return [];
        }
        var first = samples[0];
        var shape = TensorShape.Image(first.Channels, first.Height, first.Width);
        // Unnormalised (mean 0, std 1): black padding is 0 and the pictures come back as they are shown.
        using var data = DeviceDataset.Create([.. samples.SelectMany(s => s.Pixels)], [.. samples.Select(s => (byte)s.Label)], shape, 0, 1, "cpu");
        data.Augment(augmentation, 0, (ulong)seed);
        using var index = DeviceIndex.Create([.. Enumerable.Range(0, samples.Count).Select(i => (long)i)], "cpu");
        var values = data.Augmented(index, samples.Count, shape);
        var size = (int)shape.Elements;
        return [.. samples.Select((s, n) => s with { Pixels = [.. values.AsSpan(n * size, size).ToArray().Select(v => (byte)Math.Round(v * 255))] })];
    }

    public IReadOnlyList<LayerSpec> PresetLayers(string preset, string dataset) =>
        RunValidation.ResolveLayers(new RunConfig { Model = preset, Dataset = dataset }, datasets.Find(dataset)) ?? [];

    public NetworkSummary Check(IReadOnlyList<LayerSpec> layers, string dataset)
    {
        var info = datasets.Find(dataset) ?? throw new ArgumentException($"Unknown dataset '{dataset}'.");
        return NetworkShapes.Infer(layers, info.Shape, info.Classes.Count);
    }
}
