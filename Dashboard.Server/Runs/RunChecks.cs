using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Runs;

/// <summary>The checks a new run passes before it is queued, the same for the single process and a team front-end.</summary>
public static class RunChecks
{
    /// <summary>
    /// The run's plan, made once here and passed down to the queue and the trainer; or, when it cannot train, the
    /// problems keyed by field name: the configuration, the dataset's files, the device (resolved with
    /// <paramref name="resolveDevice"/> where this host trains; a team front-end only checks its form), the batch
    /// against the training split, and the run to fine-tune from.
    /// </summary>
    public static (RunPlan? Plan, Dictionary<string, string[]> Errors) Plan(RunConfig config, DatasetCatalog datasets, DatasetExplorer explorer,
        IRunControl runs, Func<string, string>? resolveDevice)
    {
        var errors = Problems(config, datasets, explorer, runs, resolveDevice);
        return (errors.Count > 0 ? null : new RunPlan(config, RunValidation.ResolveLayers(config, datasets.Find(config.Dataset))!), errors);
    }

    private static Dictionary<string, string[]> Problems(RunConfig config, DatasetCatalog datasets, DatasetExplorer explorer, IRunControl runs,
        Func<string, string>? resolveDevice)
    {
        var errors = RunValidation.Validate(config, datasets).ToDictionary(e => e.Key, e => e.Value);
        if (!errors.ContainsKey("dataset") && datasets.Find(config.Dataset) is { Available: false } missing)
        {
            errors["dataset"] = [missing.Problem!];
        }
        if (!errors.ContainsKey("device"))
        {
            if (resolveDevice is null)
            {
                if (!System.Text.RegularExpressions.Regex.IsMatch(config.Device, "^(auto|cpu|cuda(:[0-9]{1,2})?)$"))
                {
                    errors["device"] = [$"must be auto, cpu, cuda or cuda:N, got '{config.Device}'."];
                }
                // Whether a CPU has native bf16 is the trainer's to say; fp16 never trains on a CPU.
                else if (config.Device == "cpu" && !errors.ContainsKey("precision") && RunValidation.PrecisionProblem(config.Precision, "cpu", _ => true) is { } cpuProblem)
                {
                    errors["precision"] = [cpuProblem];
                }
            }
            else
            {
                try
                {
                    var device = resolveDevice(config.Device);
                    if (!errors.ContainsKey("precision") && RunValidation.PrecisionProblem(config.Precision, device, Torch.TorchRuntime.Bf16Native) is { } precisionProblem)
                    {
                        errors["precision"] = [precisionProblem];
                    }
                }
                catch (ArgumentException e)
                {
                    errors["device"] = [e.Message];
                }
            }
        }
        if (errors.Count == 0 && explorer.Split(config) is { } split && config.BatchSize > split.Train)
        {
            errors["batchSize"] = [$"must not exceed the {split.Train} training images after the split, got {config.BatchSize}."];
        }
        if (config.StartFrom is { } from && StartFromProblem(config, from, runs, datasets) is { } problem)
        {
            errors["startFrom"] = [problem];
        }
        return errors;
    }

    /// <summary>Why run <paramref name="from"/>'s weights cannot start this run, or null when they can.</summary>
    private static string? StartFromProblem(RunConfig config, int from, IRunControl runs, DatasetCatalog datasets)
    {
        if (runs.Get(from) is not { } source)
        {
            return $"Run {from} does not exist.";
        }
        if (runs.CheckpointFile(from) is not { } checkpoint)
        {
            return $"Run {from} has no checkpoint to start from (runs save one when they complete).";
        }
        if (source.Config.Dataset != config.Dataset)
        {
            return $"Run {from} was trained on {source.Config.Dataset}, not {config.Dataset}.";
        }
        var dataset = datasets.Find(config.Dataset);
        var layers = RunValidation.ResolveLayers(config, dataset);
        // The checkpoint's own card says which layers its weights fit: a preset may have changed since.
        var sourceLayers = Checkpoint.ReadCard(checkpoint)?.Layers ?? RunValidation.ResolveLayers(source.Config, dataset)!;
        return layers is null || sourceLayers.SequenceEqual(layers)
            ? null
            : $"Run {from} has a different network; fine-tuning needs the same layers.";
    }
}
