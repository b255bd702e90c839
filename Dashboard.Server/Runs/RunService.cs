using Dashboard.Server.Hubs;
using Dashboard.Server.Storage;
using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Runs;

/// <summary>The one place that starts, stops, lists and deletes runs, for the pages and the API.</summary>
public sealed class RunService(RunStore store, RunQueue queue, DatasetCatalog datasets, DatasetExplorer explorer, RunsOptions options,
    RunEvents events, TrainingBroadcaster broadcaster)
    : IRunService
{
    private readonly object _arrival = new();

    public event Action<RunRecord>? RunChanged
    {
        add => events.RunChanged += value;
        remove => events.RunChanged -= value;
    }

    public event Action<RunBatch>? BatchProgressed
    {
        add => events.BatchProgressed += value;
        remove => events.BatchProgressed -= value;
    }

    public StartRunResult Start(RunConfig config)
    {
        var errors = RunValidation.Validate(config, datasets).ToDictionary(e => e.Key, e => e.Value);
        if (!errors.ContainsKey("dataset") && datasets.Find(config.Dataset) is { Available: false } missing)
        {
            errors["dataset"] = [missing.Problem!];
        }
        if (!errors.ContainsKey("device"))
        {
            try
            {
                var device = TorchRuntime.ResolveDevice(config.Device);
                if (!errors.ContainsKey("precision") && RunValidation.PrecisionProblem(config.Precision, device, TorchRuntime.Bf16Native) is { } precisionProblem)
                {
                    errors["precision"] = [precisionProblem];
                }
            }
            catch (ArgumentException e)
            {
                errors["device"] = [e.Message];
            }
        }
        if (errors.Count == 0 && explorer.Split(config) is { } split && config.BatchSize > split.Train)
        {
            errors["batchSize"] = [$"must not exceed the {split.Train} training images after the split, got {config.BatchSize}."];
        }
        if (config.StartFrom is { } from && StartFromProblem(config, from) is { } problem)
        {
            errors["startFrom"] = [problem];
        }
        if (errors.Count > 0)
        {
            return new StartRunResult(null, errors);
        }
        // One at a time: runs are queued in the order their ids were given (arrival order).
        lock (_arrival)
        {
            var created = store.Create(config, DateTimeOffset.UtcNow);
            return new StartRunResult(queue.Enqueue(created), errors);
        }
    }

    public ResumeRunResult Resume(int id)
    {
        lock (_arrival)
        {
            if (store.Get(id) is not { } run)
            {
                return new ResumeRunResult(null, $"Run {id} does not exist.", NotFound: true);
            }
            if (queue.Find(id) is not null || run.Status is not (RunStatus.Interrupted or RunStatus.Cancelled or RunStatus.Failed))
            {
                return new ResumeRunResult(null, $"Run {id} is {run.Status.ToString().ToLowerInvariant()}; only interrupted, cancelled or failed runs can be resumed.");
            }
            if (run.Status == RunStatus.Failed && datasets.Find(run.Config.Dataset) is { Available: false } missing)
            {
                return new ResumeRunResult(null, missing.Problem);
            }
            var checkpoint = options.CheckpointPath(id);
            var saved = File.Exists(checkpoint) ? Checkpoint.ReadCard(checkpoint)?.Epochs ?? 0 : 0;
            var keep = Math.Min(saved, run.Epochs.Count);
            if (keep == 0 && Directory.Exists(options.RunFolder(id)))
            {
                Directory.Delete(options.RunFolder(id), recursive: true); // nothing to continue from: start over
            }
            store.TruncateEpochs(id, keep);
            var queued = run with
            {
                Status = RunStatus.Queued, Epochs = [.. run.Epochs.Take(keep)], Error = null, Test = null,
                StartedAt = null, FinishedAt = null, HasCheckpoint = false,
            };
            store.Update(queued);
            return new ResumeRunResult(queue.Enqueue(queued), null);
        }
    }

    /// <summary>Why run <paramref name="from"/>'s weights cannot start this run, or null when they can.</summary>
    private string? StartFromProblem(RunConfig config, int from)
    {
        if (Get(from) is not { } source)
        {
            return $"Run {from} does not exist.";
        }
        if (CheckpointFile(from) is not { } checkpoint)
        {
            return $"Run {from} has no checkpoint to start from (runs save one when they complete).";
        }
        if (source.Config.Dataset != config.Dataset)
        {
            return $"Run {from} was trained on {source.Config.Dataset}, not {config.Dataset}.";
        }
        var layers = RunValidation.ResolveLayers(config);
        // The checkpoint's own card says which layers its weights fit: a preset may have changed since.
        var sourceLayers = Checkpoint.ReadCard(checkpoint)?.Layers ?? RunValidation.ResolveLayers(source.Config)!;
        return layers is null || sourceLayers.SequenceEqual(layers)
            ? null
            : $"Run {from} has a different network; fine-tuning needs the same layers.";
    }

    public StopRunResult Stop(int id) =>
        queue.Stop(id) ? StopRunResult.Stopping : store.Get(id) is null ? StopRunResult.NotFound : StopRunResult.NotActive;

    public DeleteRunResult Delete(int id)
    {
        if (queue.Find(id) is not null)
        {
            return DeleteRunResult.Active;
        }
        if (!store.Delete(id))
        {
            return DeleteRunResult.NotFound;
        }
        var folder = options.RunFolder(id);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
        broadcaster.Forget(id);
        return DeleteRunResult.Deleted;
    }

    public RunRecord? Get(int id) => queue.Find(id) ?? store.Get(id);

    public IReadOnlyList<RunRecord> Active() => queue.Active();

    public IReadOnlyList<RunRecord> List()
    {
        var active = queue.Active().ToDictionary(r => r.Id);
        return [.. store.List().Select(r => active.GetValueOrDefault(r.Id, r))];
    }

    /// <summary>The checkpoint file of a completed run, or null. The path is built from the id, never from input text.</summary>
    public string? CheckpointFile(int id) =>
        Get(id) is { HasCheckpoint: true } && File.Exists(options.CheckpointPath(id)) ? options.CheckpointPath(id) : null;
}
