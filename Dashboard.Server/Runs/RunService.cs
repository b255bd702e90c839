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
    : RunEventSource(events), IRunControl
{
    private readonly object _arrival = new();

    public StartRunResult Start(RunConfig config)
    {
        var (plan, errors) = RunChecks.Plan(config, datasets, explorer, this, TorchRuntime.ResolveDevice);
        if (plan is null)
        {
            return new StartRunResult(null, errors);
        }
        // One at a time: runs are queued in the order their ids were given (arrival order).
        lock (_arrival)
        {
            var created = store.Create(config, DateTimeOffset.UtcNow);
            return new StartRunResult(queue.Enqueue(created, plan), errors);
        }
    }

    public IReadOnlyDictionary<string, string[]> Check(RunConfig config) =>
        RunChecks.Plan(config, datasets, explorer, this, TorchRuntime.ResolveDevice).Errors;

    public ResumeRunResult Resume(int id)
    {
        lock (_arrival)
        {
            if (store.Get(id) is not { } run)
            {
                return new ResumeRunResult(null, $"Run {id} does not exist.", NotFound: true);
            }
            if (queue.Find(id) is not null || run.Status is not (RunStatus.Interrupted or RunStatus.Cancelled or RunStatus.Failed or RunStatus.Pruned))
            {
                return new ResumeRunResult(null, $"Run {id} is {run.Status.ToString().ToLowerInvariant()}; only interrupted, cancelled, failed or pruned runs can be resumed.");
            }
            if (run.Status == RunStatus.Failed && datasets.Find(run.Config.Dataset) is { Available: false } missing)
            {
                return new ResumeRunResult(null, missing.Problem);
            }
            // The stored configuration passed its checks when the run was created; this host resolves it again into a plan.
            var plan = new RunPlan(run.Config, RunValidation.ResolveLayers(run.Config, datasets.Find(run.Config.Dataset))!);
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
            return new ResumeRunResult(queue.Enqueue(queued, plan), null);
        }
    }

    public StopRunResult Stop(int id) => Stop(id, RunStatus.Cancelled);

    public StopRunResult Prune(int id) => Stop(id, RunStatus.Pruned);

    private StopRunResult Stop(int id, RunStatus endAs) =>
        queue.Stop(id, endAs) ? StopRunResult.Stopping : store.Get(id) is null ? StopRunResult.NotFound : StopRunResult.NotActive;

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
    public IReadOnlyList<StepMetrics> Steps(int id) => store.Steps(id);

    public string? CheckpointFile(int id) =>
        Get(id) is { HasCheckpoint: true } && File.Exists(options.CheckpointPath(id)) ? options.CheckpointPath(id) : null;
}
