using Dashboard.Server.Hubs;
using Dashboard.Server.Runs;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Team;

/// <summary>
/// The run service of a team front-end (role <c>web</c>): runs are queued in, read from and stopped
/// through the team's PostgreSQL; trainer hosts train them. A completed run's files are fetched from
/// the database into this host's runs folder on first use (predict, drill-down, download, fine-tuning).
/// </summary>
public sealed class TeamRunService(TeamStore store, TrainerDirectory trainers, DatasetCatalog datasets, DatasetExplorer explorer, RunsOptions options,
    RunEvents events, TrainingBroadcaster broadcaster)
    : RunEventSource(events), IRunControl
{
    private static readonly RunStatus[] Resumable = [RunStatus.Interrupted, RunStatus.Cancelled, RunStatus.Failed, RunStatus.Lost, RunStatus.Pruned];
    private readonly object _files = new();

    public StartRunResult Start(RunConfig config)
    {
        // The device is checked by its form only: the trainers, not this host, have the GPUs.
        var (plan, errors) = RunChecks.Plan(config, datasets, explorer, this, resolveDevice: null);
        return plan is null ? new StartRunResult(null, errors) : new StartRunResult(Get(store.Enqueue(plan).Id), errors);
    }

    public IReadOnlyDictionary<string, string[]> Check(RunConfig config) =>
        RunChecks.Plan(config, datasets, explorer, this, resolveDevice: null).Errors;

    /// <summary>Not used on a team: the trainer holding a trial prunes it (<see cref="TeamStore.JudgeRung"/>).</summary>
    public StopRunResult Prune(int id) => throw new InvalidOperationException("On a team the trainers prune trials at their rungs.");

    public StopRunResult Stop(int id) =>
        store.RequestStop(id) ? StopRunResult.Stopping : store.Get(id) is null ? StopRunResult.NotFound : StopRunResult.NotActive;

    public DeleteRunResult Delete(int id)
    {
        if (store.Get(id) is not { } run)
        {
            return DeleteRunResult.NotFound;
        }
        if (run.IsActive || !store.Delete(id))
        {
            return DeleteRunResult.Active;
        }
        if (Directory.Exists(options.RunFolder(id)))
        {
            Directory.Delete(options.RunFolder(id), recursive: true);
        }
        broadcaster.Forget(id);
        return DeleteRunResult.Deleted;
    }

    public ResumeRunResult Resume(int id)
    {
        if (store.Get(id) is not { } run)
        {
            return new ResumeRunResult(null, $"Run {id} does not exist.", NotFound: true);
        }
        return store.Requeue(id, Resumable) is { } queued
            ? new ResumeRunResult(queued, null)
            : new ResumeRunResult(null, $"Run {id} is {run.Status.ToString().ToLowerInvariant()}; only interrupted, cancelled, failed, lost or pruned runs can be resumed.");
    }

    public RunRecord? Get(int id) => store.Get(id) is { } run ? trainers.WithWaiting([run])[0] : null;

    public IReadOnlyList<RunRecord> List() => trainers.WithWaiting(store.List());

    public IReadOnlyList<RunRecord> Active() => trainers.WithWaiting(store.Active());

    public IReadOnlyList<StepMetrics> Steps(int id) => store.Steps(id);

    public string? CheckpointFile(int id)
    {
        if (store.Get(id) is not { HasCheckpoint: true, IsActive: false } run)
        {
            return null;
        }
        var path = options.CheckpointPath(id);
        lock (_files)
        {
            // An ended run's files no longer change; a resumed run's are fetched again when it ends anew.
            var stamp = Path.Combine(options.RunFolder(id), $".fetched-{run.FinishedAt?.ToUnixTimeMilliseconds()}");
            if (!File.Exists(stamp))
            {
                var folder = options.RunFolder(id);
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
                Directory.CreateDirectory(folder);
                foreach (var (name, content) in store.Files(id))
                {
                    File.WriteAllBytes(Path.Combine(folder, Path.GetFileName(name)), content);
                }
                File.WriteAllText(stamp, "");
            }
        }
        return File.Exists(path) && File.Exists(Checkpoint.CardPath(path)) ? path : null;
    }
}
