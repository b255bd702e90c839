using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;

namespace Dashboard.Shared.Runs;

/// <summary>The outcome of asking for a run: the queued run, or errors keyed by field name.</summary>
public sealed record StartRunResult(RunRecord? Run, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool Started => Run is not null;
}

public enum StopRunResult
{
    NotFound,
    NotActive,
    Stopping,

    /// <summary>Only the operator may stop runs on this server.</summary>
    Forbidden,
}

/// <summary>The resumed run (queued again), or why it cannot be resumed.</summary>
public sealed record ResumeRunResult(RunRecord? Run, string? Problem, bool NotFound = false);

public enum DeleteRunResult
{
    NotFound,
    Active,
    Deleted,

    /// <summary>Only the operator may delete runs on this server.</summary>
    Forbidden,
}

/// <summary>
/// Starting, stopping, listing and deleting runs. The pages and the HTTP API both use it; the
/// pages' instance refuses control actions to anyone but the operator on a shared server.
/// </summary>
public interface IRunService
{
    StartRunResult Start(RunConfig config);
    StopRunResult Stop(int id);
    DeleteRunResult Delete(int id);

    /// <summary>
    /// Queues an interrupted, cancelled or failed run again: it continues from its last
    /// checkpoint, keeping the epochs before it, up to its configured epoch count.
    /// </summary>
    ResumeRunResult Resume(int id);
    RunRecord? Get(int id);

    /// <summary>Every run, newest first, active ones with their live state.</summary>
    IReadOnlyList<RunRecord> List();

    /// <summary>The queued and running runs, with queue positions (cheap: nothing is read from disk).</summary>
    IReadOnlyList<RunRecord> Active();

    /// <summary>A run's step points in order (empty when it has none yet or does not exist).</summary>
    IReadOnlyList<StepMetrics> Steps(int id);

    /// <summary>A run was queued, started, gained an epoch, or finished. Raised off the UI thread.</summary>
    event Action<RunRecord>? RunChanged;

    /// <summary>Throttled batch progress of a running run. Raised off the UI thread.</summary>
    event Action<RunBatch>? BatchProgressed;

    /// <summary>A running run's measured batch: its epoch's health so far and new alerts. Raised off the UI thread.</summary>
    event Action<RunHealth>? HealthSampled;
}

/// <summary>What can be trained here: datasets, presets, devices, and spec checking.</summary>
public interface ITrainingCatalog
{
    IReadOnlyList<DatasetInfo> Datasets();
    IReadOnlyList<NetworkPreset> Presets();

    /// <summary>Named run configurations: the tutorial recipe and the measured fast ones.</summary>
    IReadOnlyList<Recipe> Recipes();

    /// <summary>auto and cpu always; cuda and cuda:N where this host has CUDA.</summary>
    IReadOnlyList<string> Devices();

    /// <summary>
    /// The same checks the API answers a run configuration with: messages keyed by field name
    /// (the JSON names, e.g. learningRate), empty when the configuration is valid.
    /// </summary>
    IReadOnlyDictionary<string, string[]> Validate(RunConfig config);

    /// <summary>Per-layer output shapes and parameter counts for a dataset, or the first error.</summary>
    NetworkSummary Check(IReadOnlyList<LayerSpec> layers, string dataset);

    /// <summary>Sixteen training pictures of a dataset (drawn with the seed) as augmentation makes them in training; empty for an unknown or missing dataset.</summary>
    IReadOnlyList<DatasetImage> AugmentationPreview(string dataset, Augmentation augmentation, int seed);

    /// <summary>A preset's layers fitted to a dataset's shape and classes (as designed for an unknown dataset); empty for an unknown preset.</summary>
    IReadOnlyList<LayerSpec> PresetLayers(string preset, string dataset);
}
