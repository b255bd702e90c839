namespace Dashboard.Shared.Runs;

/// <summary>
/// The messages the hub at /hubs/training sends. Every SignalR client (the dashboard's
/// browser module, a Node script, a notebook) receives exactly these. A client calls
/// FollowAll() for every run's events, or FollowRun(id) for one run: it first receives
/// RunHistory with the epochs so far, then the live events, with no gap and no duplicate.
/// </summary>
public interface ITrainingClient
{
    /// <summary>A run was created and waits for its device.</summary>
    Task RunQueued(RunRecord run);

    /// <summary>A run's data and network are on the device; Started says which device.</summary>
    Task RunStarted(RunRecord run);

    /// <summary>Progress within an epoch, at most about four a second per run.</summary>
    Task BatchProgress(RunBatch batch);

    /// <summary>
    /// The step points since the last message: one per native training call (a batch, or several for small networks),
    /// with the call's loss and accuracy; sent just before each BatchProgress. A run's earlier points: GET /api/runs/{id}/steps.
    /// </summary>
    Task StepsAdded(RunSteps steps);

    /// <summary>
    /// A measured batch (RunConfig.HealthEvery, every 50th batch and each epoch's last by default): the current epoch's
    /// per-layer health so far and the alerts this batch raised.
    /// </summary>
    Task HealthSampled(RunHealth health);

    /// <summary>A health alert (exploding or vanishing gradient, dead units, update ratio, non-finite loss).</summary>
    Task HealthAlert(RunAlert alert);

    /// <summary>An epoch finished; Metrics.CompletedAt is the server's timestamp; Metrics.Health its layers' health.</summary>
    Task EpochCompleted(RunEpoch epoch);

    /// <summary>The run finished; Test holds the test metrics and the confusion matrix.</summary>
    Task RunCompleted(RunRecord run);

    /// <summary>The run stopped with an error; Error says why.</summary>
    Task RunFailed(RunRecord run);

    /// <summary>The run was stopped by a user; completed epochs are kept.</summary>
    Task RunCancelled(RunRecord run);

    /// <summary>Sent to a client that follows a run, before any live event of that run.</summary>
    Task RunHistory(RunRecord run);

    /// <summary>An import's progress (pictures done and total, pictures/s, ETA), at most four a second; sent to every client.</summary>
    Task ImportProgress(Datasets.DatasetImport import);

    /// <summary>An import ended: ready (with its report), failed (Error says why) or cancelled; sent to every client.</summary>
    Task ImportEnded(Datasets.DatasetImport import);
}
