using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// A run as it was validated, once, when it was created: its configuration and the network's layers resolved from it.
/// The queue, the trainer host and the trainer take it as it is; none of them validates it again. Where it trains
/// (the device) is the host's to decide when it takes the run.
/// </summary>
public sealed record RunPlan(RunConfig Config, IReadOnlyList<LayerSpec> Layers)
{
    /// <summary>The device requirement of a run any host can train.</summary>
    public const string AnyDevice = "any";

    /// <summary>Which hosts may take it: those with CUDA for a cuda run, any for the rest.</summary>
    public string DeviceRequirement => RequirementOf(Config);

    public static string RequirementOf(RunConfig config) =>
        config.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? "cuda" : AnyDevice;

    /// <summary>The plan of a configuration that passes <see cref="RunValidation.Validate"/>; otherwise <see cref="RunConfigException"/>.</summary>
    public static RunPlan Make(RunConfig config, DatasetCatalog datasets)
    {
        var errors = RunValidation.Validate(config, datasets);
        return errors.Count > 0 ? throw new RunConfigException(errors) : new RunPlan(config, RunValidation.ResolveLayers(config, datasets.Find(config.Dataset))!);
    }
}
