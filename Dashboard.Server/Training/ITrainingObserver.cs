using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// Receives a run's events as the engine raises them, on the training thread. The CLI
/// prints them; the host forwards them to SignalR and storage. Implementations must be quick.
/// </summary>
public interface ITrainingObserver
{
    void OnStarted(RunStarted started) { }

    /// <summary>
    /// After every native training call: one batch, or several for small networks (calls of about
    /// 30 ms); Batch counts the batches done. Throttle in the observer if forwarding is costly.
    /// </summary>
    void OnBatch(BatchProgress progress) { }

    /// <summary>After every native training call, before its <see cref="OnBatch"/>: the call's point of the step curves.</summary>
    void OnStep(StepMetrics step) { }

    /// <summary>A measured batch (RunConfig.HealthEvery): the epoch's health so far and the alerts it raised; a first epoch's
    /// warm-up measurement (Trainer.NextMeasured) only when it raised one.</summary>
    void OnHealth(HealthSample sample) { }

    void OnEpoch(EpochMetrics epoch) { }

    /// <summary>The checkpoint of the first <paramref name="epochs"/> epochs is on disk (RunFiles.Checkpoint), whole.</summary>
    void OnCheckpointSaved(int epochs) { }

    void OnCompleted(TestMetrics test) { }
}
