using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Runs;

public sealed class TrainingCatalog(DatasetCatalog datasets) : ITrainingCatalog
{
    public IReadOnlyList<DatasetInfo> Datasets() => datasets.List();

    public IReadOnlyList<NetworkPreset> Presets() => NetworkPresets.All;

    public IReadOnlyList<Recipe> Recipes() => Training.Recipes.All;

    public IReadOnlyList<string> Devices() =>
        ["auto", "cpu", .. Enumerable.Range(0, TorchRuntime.CudaDeviceCount).Select(i => $"cuda:{i}")];

    public IReadOnlyDictionary<string, string[]> Validate(RunConfig config) => RunValidation.Validate(config, datasets);

    public IReadOnlyList<LayerSpec> PresetLayers(string preset, string dataset) =>
        RunValidation.ResolveLayers(new RunConfig { Model = preset, Dataset = dataset }, datasets.Find(dataset)) ?? [];

    public NetworkSummary Check(IReadOnlyList<LayerSpec> layers, string dataset)
    {
        var info = datasets.Find(dataset) ?? throw new ArgumentException($"Unknown dataset '{dataset}'.");
        return NetworkShapes.Infer(layers, info.Shape, info.Classes.Count);
    }
}
