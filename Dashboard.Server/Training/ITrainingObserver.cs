using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// Receives a run's events as the engine raises them, on the training thread. The CLI
/// prints them; the host forwards them to SignalR and storage. Implementations must be quick.
/// </summary>
public interface ITrainingObserver
{
    void OnStarted(RunStarted started) { }

    /// <summary>After every batch; throttle in the observer if forwarding is costly.</summary>
    void OnBatch(BatchProgress progress) { }

    void OnEpoch(EpochMetrics epoch) { }

    void OnCompleted(TestMetrics test) { }
}
