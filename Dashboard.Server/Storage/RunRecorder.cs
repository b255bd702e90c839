using Dashboard.Server.Training;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Storage;

/// <summary>
/// Persists every run event as it happens: an epoch is in SQLite before anyone is told of it.
/// When a run ends, all its epochs are written again, so one that failed to store earlier (a
/// full disk, a locked file) is not lost once the disk recovers.
/// </summary>
public sealed class RunRecorder(RunStore store) : IRunListener
{
    public void OnStarted(RunRecord run) => store.Update(run);

    public void OnSteps(RunSteps steps) => store.AddSteps(steps);

    public void OnEpoch(RunRecord run, EpochMetrics epoch) => store.AddEpoch(run.Id, epoch);

    public void OnFinished(RunRecord run)
    {
        store.Update(run);
        store.SaveEpochs(run.Id, run.Epochs);
    }
}
