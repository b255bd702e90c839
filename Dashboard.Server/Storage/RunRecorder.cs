using Dashboard.Server.Training;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Storage;

/// <summary>Persists every run event as it happens: an epoch is in SQLite before anyone is told of it.</summary>
public sealed class RunRecorder(RunStore store) : IRunListener
{
    public void OnStarted(RunRecord run) => store.Update(run);

    public void OnEpoch(RunRecord run, EpochMetrics epoch) => store.AddEpoch(run.Id, epoch);

    public void OnFinished(RunRecord run) => store.Update(run);
}
