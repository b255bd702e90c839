using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// Receives the run queue's events on the thread that raised them (the training thread for
/// batches and epochs). Storage, the SignalR forwarder and the UI notifier implement it;
/// each must return quickly and never throw.
/// </summary>
public interface IRunListener
{
    void OnQueued(RunRecord run) { }

    void OnStarted(RunRecord run) { }

    /// <summary>Throttled by the queue to about four a second per run, plus each epoch's last batch.</summary>
    void OnBatch(RunBatch batch) { }

    /// <summary>The step points since the last (every native call's), sent just before each <see cref="OnBatch"/>.</summary>
    void OnSteps(RunSteps steps) { }

    /// <summary>A measured batch's health (RunConfig.HealthEvery), with the alerts it raised.</summary>
    void OnHealth(RunHealth health) { }

    /// <summary><paramref name="run"/> already holds <paramref name="epoch"/> as its last epoch.</summary>
    void OnEpoch(RunRecord run, EpochMetrics epoch) { }

    /// <summary>The run completed, failed or was cancelled.</summary>
    void OnFinished(RunRecord run) { }
}

public static class RunListeners
{
    /// <summary>Tells every listener, in order; one that throws is logged and the others are still told.</summary>
    public static void Notify(IReadOnlyList<IRunListener> listeners, Action<IRunListener> send, ILogger logger)
    {
        foreach (var listener in listeners)
        {
            try
            {
                send(listener);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Run listener {Listener} failed", listener.GetType().Name);
            }
        }
    }
}
