using Dashboard.Server.Training;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Runs;

/// <summary>Turns queue events into plain .NET events for the Blazor pages (server-side state).</summary>
public sealed class RunEvents : IRunListener
{
    public event Action<RunRecord>? RunChanged;
    public event Action<RunBatch>? BatchProgressed;
    public event Action<RunHealth>? HealthSampled;

    public void OnQueued(RunRecord run) => RunChanged?.Invoke(run);

    public void OnStarted(RunRecord run) => RunChanged?.Invoke(run);

    public void OnBatch(RunBatch batch) => BatchProgressed?.Invoke(batch);

    public void OnHealth(RunHealth health) => HealthSampled?.Invoke(health);

    public void OnEpoch(RunRecord run, EpochMetrics epoch) => RunChanged?.Invoke(run);

    public void OnFinished(RunRecord run) => RunChanged?.Invoke(run);
}

/// <summary>A run service's events, raised by this host's <see cref="RunEvents"/> (both run services have the same ones).</summary>
public abstract class RunEventSource(RunEvents events)
{
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

    public event Action<RunHealth>? HealthSampled
    {
        add => events.HealthSampled += value;
        remove => events.HealthSampled -= value;
    }
}
