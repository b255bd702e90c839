using Dashboard.Server.Training;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Team;

/// <summary>
/// A team front-end's source of run events: it reads the active runs and the trainers' progress from
/// PostgreSQL every <see cref="TeamOptions.WatchSeconds"/>, and at once on a trainer's Redis hint, and tells this host's listeners (the hub's
/// broadcaster, the pages' events, the log) what changed since the last look, in the order the
/// single process raises them. Reading the store makes it catch up by itself after any outage. Step points too:
/// a trainer's Redis message says a run has new ones, and the points told are the stored ones after the last told,
/// so a lost message leaves no gap.
/// </summary>
public sealed class TeamEvents(TeamStore store, IEnumerable<IRunListener> listeners, TeamOptions options, ILogger<TeamEvents> logger,
    TeamSignals? signals = null)
    : BackgroundService
{
    private readonly IReadOnlyList<IRunListener> _listeners = [.. listeners];

    // Released by a trainer's "run changed" hint (Redis): the next look comes at once.
    private readonly SemaphoreSlim _wake = new(0, 1);

    // The active runs as last told, the last epoch told of each, and each one's last progress.
    private readonly Dictionary<int, RunRecord> _told = [];
    private readonly Dictionary<int, int> _lastEpoch = [];
    private readonly Dictionary<int, BatchProgress> _progress = [];

    // The last step point told of each active run; read and written by the looks and by Redis' step hints.
    private readonly Dictionary<int, long> _lastStep = [];
    private readonly Lock _steps = new();

    // The newest run id looked at: every run after it is new to this front-end.
    private int _latest;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        signals?.Subscribe(_ => Wake(), batch => RunListeners.Notify(_listeners, l => l.OnBatch(batch), logger),
            health => RunListeners.Notify(_listeners, l => l.OnHealth(health), logger),
            // Reading the points is a query: off Redis' own thread.
            id => ThreadPool.QueueUserWorkItem(_ => TellSteps(id, fromLook: false)));
        var first = true;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                Look(first);
                first = false;
            }
            catch (Exception e) when (TeamStore.IsFault(e))
            {
                logger.LogWarning("The team database is unavailable: {Message}", e.Message);
            }
            try
            {
                await _wake.WaitAsync(options.Watch, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A look is already due.
        }
    }

    private void Look(bool first)
    {
        if (first)
        {
            _latest = store.LatestId();
        }
        // One read: the active runs, and any run created since the last look. One queued and ended in
        // between (a short run, or one while Redis was away) is told now.
        var seen = store.ActiveOrAfter(_latest);
        var active = seen.Where(r => r.IsActive).ToDictionary(r => r.Id);
        if (!first)
        {
            foreach (var run in seen.Where(r => !r.IsActive).OrderBy(r => r.Id))
            {
                Tell(null, run);
            }
        }
        _latest = Math.Max(_latest, seen.Select(r => r.Id).DefaultIfEmpty(0).Max());
        foreach (var id in _told.Keys.Where(id => !active.ContainsKey(id)).ToList())
        {
            if (store.Get(id) is { } ended)
            {
                Tell(_told[id], ended);
            }
            _told.Remove(id);
            _lastEpoch.Remove(id);
            _progress.Remove(id);
        }
        foreach (var run in active.Values)
        {
            // At start-up there is nothing to replay: pages and followers read the store.
            if (first)
            {
                lock (_steps)
                {
                    _lastStep[run.Id] = store.LastStep(run.Id);
                }
            }
            else
            {
                Tell(_told.GetValueOrDefault(run.Id), run);
            }
            _told[run.Id] = run;
            _lastEpoch[run.Id] = Math.Max(_lastEpoch.GetValueOrDefault(run.Id), run.Epochs.LastOrDefault()?.Epoch ?? 0);
        }
        // With Redis the trainers send their progress directly; the heartbeat's is older.
        foreach (var trainer in signals is null ? store.Trainers() : [])
        {
            if (trainer is { RunId: { } id, Progress: { } progress } && active.ContainsKey(id)
                && (!_progress.TryGetValue(id, out var last) || last != progress))
            {
                _progress[id] = progress;
                RunListeners.Notify(_listeners, l => l.OnBatch(new RunBatch(id, progress)), logger);
            }
        }
    }

    /// <summary>
    /// Tells the listeners a run's stored step points after the last told. A hint (<paramref name="fromLook"/> false) counts
    /// only for a run a look has seen active and not yet seen end: the looks tell the others.
    /// </summary>
    private void TellSteps(int runId, bool fromLook)
    {
        try
        {
            lock (_steps)
            {
                if (!fromLook && !_lastStep.ContainsKey(runId))
                {
                    return;
                }
                var after = _lastStep.GetValueOrDefault(runId);
                var steps = store.StepsAfter(runId, after);
                _lastStep[runId] = steps.Count > 0 ? steps[^1].Step : after;
                if (steps.Count > 0)
                {
                    RunListeners.Notify(_listeners, l => l.OnSteps(new RunSteps(runId, steps)), logger);
                }
            }
        }
        catch (Exception e) when (TeamStore.IsFault(e))
        {
            // The next look or hint reads them again.
            logger.LogWarning("The team database is unavailable: {Message}", e.Message);
        }
    }

    private void Tell(RunRecord? before, RunRecord now)
    {
        // A takeover redoes the epochs after the last checkpoint: only epochs past the last one told are new.
        var told = _lastEpoch.GetValueOrDefault(now.Id);
        // A run that ended since the last look is told its start and epochs as they were then: running.
        var during = now.IsActive ? now : now with { Status = RunStatus.Running, FinishedAt = null, Test = null, Error = null };
        if (before is null && now.Status == RunStatus.Queued)
        {
            RunListeners.Notify(_listeners, l => l.OnQueued(now), logger);
        }
        if (now.Status != RunStatus.Queued && now.Started is not null && (before is null || before.Status == RunStatus.Queued || before.Started is null))
        {
            RunListeners.Notify(_listeners, l => l.OnStarted(during with { Epochs = [.. now.Epochs.Where(e => e.Epoch <= told)] }), logger);
        }
        // A takeover redoes steps too: points at or before the last told are not told again.
        TellSteps(now.Id, fromLook: true);
        foreach (var epoch in now.Epochs.Where(e => e.Epoch > told))
        {
            var upTo = during with { Epochs = [.. now.Epochs.Where(e => e.Epoch <= epoch.Epoch)] };
            RunListeners.Notify(_listeners, l => l.OnEpoch(upTo, epoch), logger);
        }
        if (!now.IsActive && (before is null || before.IsActive))
        {
            RunListeners.Notify(_listeners, l => l.OnFinished(now), logger);
        }
        if (!now.IsActive)
        {
            lock (_steps)
            {
                _lastStep.Remove(now.Id);
            }
        }
    }
}
