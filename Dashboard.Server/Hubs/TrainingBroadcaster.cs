using System.Collections.Concurrent;
using System.Threading.Channels;
using Dashboard.Server.Runs;
using Dashboard.Server.Training;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Server.Hubs;

/// <summary>
/// Forwards run events to SignalR groups off the training thread. Each run's events and a
/// new follower's history snapshot are serialised by one lock per run, so a follower gets
/// the history first and then exactly the events after it.
/// </summary>
public sealed class TrainingBroadcaster(IHubContext<TrainingHub, ITrainingClient> hub, IServiceProvider services, ILogger<TrainingBroadcaster> logger)
    : BackgroundService, IRunListener
{
    public const string AllGroup = "all";

    private readonly Channel<Func<Task>> _pending = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<int, SemaphoreSlim> _locks = new();

    // Each run as the events sent so far describe it; a follower's history comes from here.
    private readonly ConcurrentDictionary<int, RunRecord> _sent = new();

    public static string RunGroup(int runId) => $"run:{runId}";

    public void OnQueued(RunRecord run) => Send(run.Id, run, c => c.RunQueued(run));

    public void OnStarted(RunRecord run) => Send(run.Id, run, c => c.RunStarted(run));

    public void OnSteps(RunSteps steps) => Send(steps.RunId, null, c => c.StepsAdded(steps));

    public void OnBatch(RunBatch batch) => Send(batch.RunId, null, c => c.BatchProgress(batch));

    public void OnHealth(RunHealth health) => Send(health.RunId, null, async c =>
    {
        await c.HealthSampled(health);
        foreach (var alert in health.Sample.NewAlerts)
        {
            await c.HealthAlert(new RunAlert(health.RunId, alert));
        }
    });

    public void OnEpoch(RunRecord run, EpochMetrics epoch) => Send(run.Id, run, c => c.EpochCompleted(new RunEpoch(run.Id, epoch)));

    public void OnFinished(RunRecord run) => Send(run.Id, run, c => run.Status switch
    {
        RunStatus.Completed => c.RunCompleted(run),
        RunStatus.Cancelled or RunStatus.Pruned => c.RunCancelled(run),
        _ => c.RunFailed(run),
    });

    /// <summary>Sends the run's history to one connection, then adds it to the run's group.</summary>
    public async Task<bool> FollowAsync(string connectionId, int runId, CancellationToken cancellation)
    {
        var runs = services.GetRequiredService<IRunControl>();
        if (!_sent.ContainsKey(runId) && runs.Get(runId) is null)
        {
            return false; // No lock is made for ids that do not exist.
        }
        var gate = _locks.GetOrAdd(runId, _ => new SemaphoreSlim(1));
        await gate.WaitAsync(cancellation);
        try
        {
            // Under the lock: every event already sent is in this snapshot, every later one is not.
            var run = _sent.TryGetValue(runId, out var sent) ? sent : runs.Get(runId);
            if (run is null)
            {
                return false;
            }
            await hub.Clients.Client(connectionId).RunHistory(run);
            await hub.Groups.AddToGroupAsync(connectionId, RunGroup(runId), cancellation);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forgets a deleted run.</summary>
    public void Forget(int runId) => _sent.TryRemove(runId, out _);

    private void Send(int runId, RunRecord? state, Func<ITrainingClient, Task> message) =>
        _pending.Writer.TryWrite(async () =>
        {
            var gate = _locks.GetOrAdd(runId, _ => new SemaphoreSlim(1));
            await gate.WaitAsync();
            try
            {
                if (state is not null)
                {
                    _sent[runId] = state with { QueuePosition = null };
                }
                await message(hub.Clients.Groups(RunGroup(runId), AllGroup));
            }
            finally
            {
                gate.Release();
            }
        });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var send in _pending.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                // A send stuck on a dying connection must not hold up the server's shutdown.
                await send().WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not forward a training event");
            }
        }
    }
}
