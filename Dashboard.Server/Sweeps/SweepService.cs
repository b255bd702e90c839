using System.Text.Json;
using Dashboard.Server.Runs;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Sweeps;
using Microsoft.Extensions.Hosting;

namespace Dashboard.Server.Sweeps;

/// <summary>
/// The owner of the sweeps: it plans a sweep once, starts its trials as ordinary runs (never more at once than its
/// Parallel), judges each trial at its ASHA rungs as its epochs arrive (on the training thread, before the next epoch
/// begins) and prunes the ones that fall behind, and starts the next trial when one ends. A restarted server resumes its
/// running sweeps' interrupted trials and goes on.
/// </summary>
public sealed class SweepService(ISweepStore store, IRunControl runs, ITrainingCatalog catalog, ISweepOwner owner, ILogger<SweepService> logger)
    : ISweepService, IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _watch;

    private readonly object _gate = new();

    // Which sweep and trial a run is: every event of every run is looked up here.
    private readonly Dictionary<int, (int Sweep, int Number)> _trials = [];

    public event Action<int>? SweepChanged;

    public StartSweepResult Start(SweepSpec spec)
    {
        var (plan, errors) = SweepChecks.Plan(spec, runs.Check, catalog.PresetLayers);
        if (plan is null)
        {
            return new StartSweepResult(null, errors);
        }
        int id;
        lock (_gate)
        {
            id = store.Create(plan, DateTimeOffset.UtcNow);
            if (owner.Owns())
            {
                Fill(id);
            }
        }
        return new StartSweepResult(Get(id), errors);
    }

    public SweepRecord? Get(int id) => store.Get(id) is { } sweep ? Record(sweep, RunsOf([sweep])) : null;

    public IReadOnlyList<SweepRecord> List()
    {
        var sweeps = store.List();
        var found = RunsOf(sweeps);
        return [.. sweeps.Select(s => Record(s, found))];
    }

    public (int Sweep, int Number)? TrialOf(int runId)
    {
        lock (_gate)
        {
            return _trials.TryGetValue(runId, out var trial) ? trial : null;
        }
    }

    public bool Stop(int id)
    {
        lock (_gate)
        {
            if (store.Get(id) is not { } sweep)
            {
                return false;
            }
            if (sweep.Status == SweepStatus.Running)
            {
                store.SetStatus(id, SweepStatus.Stopped, DateTimeOffset.UtcNow);
            }
            foreach (var trial in sweep.Trials)
            {
                runs.Stop(trial.RunId);
            }
        }
        SweepChanged?.Invoke(id);
        return true;
    }

    public string? Resume(int id)
    {
        lock (_gate)
        {
            if (store.Get(id) is not { } sweep)
            {
                return null;
            }
            if (sweep.Status == SweepStatus.Completed)
            {
                return $"Sweep {id} has completed its {sweep.Budget} trials.";
            }
            store.SetStatus(id, SweepStatus.Running, null);
            if (owner.Owns())
            {
                ResumeTrials(sweep);
                Fill(id);
            }
        }
        SweepChanged?.Invoke(id);
        return "";
    }

    public DeleteSweepResult Delete(int id)
    {
        lock (_gate)
        {
            if (store.Get(id) is not { } sweep)
            {
                return DeleteSweepResult.NotFound;
            }
            if (sweep.Trials.Any(t => runs.Get(t.RunId) is { IsActive: true }))
            {
                return DeleteSweepResult.Running;
            }
            foreach (var trial in sweep.Trials)
            {
                runs.Delete(trial.RunId);
                _trials.Remove(trial.RunId);
            }
            store.Delete(id);
        }
        SweepChanged?.Invoke(id);
        return DeleteSweepResult.Deleted;
    }

    /// <summary>A run changed: if it is a trial, judge it at a rung it has just reached, and when it ended start the next.</summary>
    private void OnRunChanged(RunRecord run)
    {
        int sweepId;
        lock (_gate)
        {
            if (!_trials.TryGetValue(run.Id, out var trial))
            {
                return;
            }
            sweepId = trial.Sweep;
            try
            {
                if (store.Get(sweepId) is { } sweep)
                {
                    Judge(sweep, trial.Number, run);
                    // An interrupted trial means the server is stopping: the next start resumes it and goes on.
                    if (!run.IsActive && run.Status != RunStatus.Interrupted && owner.Owns())
                    {
                        Fill(sweepId);
                    }
                }
            }
            catch (Exception e) when (Storage.Database.IsFault(e))
            {
                logger.LogError(e, "Sweep {SweepId}: storage failed while handling run {RunId}", sweepId, run.Id);
            }
        }
        SweepChanged?.Invoke(sweepId);
    }

    /// <summary>ASHA at the rung the run's last epoch is, once per trial and rung: promote or prune (this host's own runs only).</summary>
    private void Judge(StoredSweep sweep, int number, RunRecord run)
    {
        if (!owner.JudgesRungs || run.Status != RunStatus.Running || run.Epochs.Count == 0 || sweep.Status != SweepStatus.Running
            || Asha.Judge(sweep.Spec, sweep.Trials, number, run.Config, run.Epochs[^1]) is not { } result)
        {
            return;
        }
        var trial = sweep.Trials.First(t => t.Number == number);
        store.SetRungs(sweep.Id, number, [.. trial.Rungs, result]);
        if (!result.Promoted)
        {
            logger.LogInformation("Sweep {SweepId}: trial {Number} (run {RunId}) pruned at epoch {Epoch}: {Metric} {Value:G4} is not in the best 1/{Eta} of the trials there",
                sweep.Id, number, run.Id, result.Epoch, sweep.Spec.Metric.Name, result.Value, sweep.Spec.EarlyStopping!.Eta);
            runs.Prune(run.Id);
        }
    }

    /// <summary>Starts trials until Parallel are active or the budget is spent; marks the sweep completed when every trial has ended.</summary>
    private void Fill(int id)
    {
        if (store.Get(id) is not { Status: SweepStatus.Running } sweep)
        {
            return;
        }
        var trials = sweep.Trials.ToList();
        var records = trials.Select(t => runs.Get(t.RunId)).ToList();
        var active = records.Count(r => r is { IsActive: true });
        var sampler = Sampler.For(sweep.Spec);
        while (active < sweep.Spec.Parallel && trials.Count < sweep.Budget)
        {
            var number = trials.Count + 1;
            var parameters = sampler.Next(number, Observations(sweep, trials, records), sweep.Spec.Metric.Goal);
            var config = SearchSpace.Apply(sweep.Spec.Base, parameters, catalog.PresetLayers);
            var started = runs.Start(config);
            if (started.Run is not { } run)
            {
                var problem = string.Join(" ", started.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
                logger.LogWarning("Sweep {SweepId}: trial {Number} cannot start: {Problem}", id, number, problem);
                store.SetStatus(id, SweepStatus.Stopped, DateTimeOffset.UtcNow, $"Trial {number} ({Describe(parameters)}) cannot start: {problem}");
                return;
            }
            var trial = new StoredTrial(number, run.Id, parameters, []);
            store.AddTrial(id, trial);
            _trials[run.Id] = (id, number);
            trials.Add(trial);
            records.Add(run);
            active++;
        }
        if (trials.Count >= sweep.Budget && active == 0)
        {
            store.SetStatus(id, SweepStatus.Completed, DateTimeOffset.UtcNow);
            logger.LogInformation("Sweep {SweepId} completed its {Budget} trials", id, sweep.Budget);
        }
    }

    private static IReadOnlyList<Observation> Observations(StoredSweep sweep, List<StoredTrial> trials, List<RunRecord?> records) =>
        [.. trials.Zip(records).Where(p => p.Second is { IsActive: false })
            .Select(p => new Observation(p.First.Parameters,
                p.Second!.Status == RunStatus.Completed && p.Second.Epochs.Count > 0 ? sweep.Spec.Metric.Of(p.Second.Epochs[^1]) : null,
                p.Second.Status == RunStatus.Pruned))];

    /// <summary>A stopped or interrupted sweep's trials that did not end by themselves go on from their checkpoints.</summary>
    private void ResumeTrials(StoredSweep sweep)
    {
        foreach (var trial in sweep.Trials)
        {
            if (runs.Get(trial.RunId) is { Status: RunStatus.Interrupted or RunStatus.Cancelled or RunStatus.Lost })
            {
                runs.Resume(trial.RunId);
            }
        }
    }

    private static string Describe(IReadOnlyDictionary<string, JsonElement> parameters) =>
        string.Join(", ", parameters.Select(p => $"{p.Key} {p.Value.GetRawText()}"));

    private Dictionary<int, RunRecord> RunsOf(IReadOnlyList<StoredSweep> sweeps)
    {
        var wanted = sweeps.SelectMany(s => s.Trials.Select(t => t.RunId)).ToHashSet();
        if (wanted.Count == 0)
        {
            return [];
        }
        return wanted.Count <= 8
            ? wanted.Select(runs.Get).OfType<RunRecord>().ToDictionary(r => r.Id)
            : runs.List().Where(r => wanted.Contains(r.Id)).ToDictionary(r => r.Id);
    }

    private static SweepRecord Record(StoredSweep sweep, Dictionary<int, RunRecord> found)
    {
        var trials = sweep.Trials.Select(t =>
        {
            var run = found.GetValueOrDefault(t.RunId);
            var curve = run?.Epochs.Select(sweep.Spec.Metric.Of).ToList() ?? [];
            return new SweepTrial
            {
                Number = t.Number, RunId = t.RunId, Status = run?.Status ?? RunStatus.Failed, Parameters = t.Parameters, Rungs = t.Rungs,
                Metric = curve.LastOrDefault(), Curve = curve, EpochsTrained = run?.Epochs.Count ?? 0,
                Seconds = run?.Epochs.Sum(e => e.Seconds) ?? 0, TestAccuracy = run?.Test?.Accuracy,
            };
        }).ToList();
        var metric = sweep.Spec.Metric;
        SweepTrial? best = null;
        foreach (var trial in trials.Where(t => t.Metric is not null))
        {
            var completed = trial.Status == RunStatus.Completed;
            var bestCompleted = best?.Status == RunStatus.Completed;
            if (best is null || (completed && !bestCompleted) || (completed == bestCompleted && metric.Better(trial.Metric!.Value, best.Metric!.Value)))
            {
                best = trial;
            }
        }
        return new SweepRecord
        {
            Id = sweep.Id, Spec = sweep.Spec, Status = sweep.Status, CreatedAt = sweep.CreatedAt, FinishedAt = sweep.FinishedAt,
            Trials = trials, Best = best, Budget = sweep.Budget, Error = sweep.Error,
        };
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            runs.RunChanged += OnRunChanged;
            if (owner.Poll is null)
            {
                TakeOver(Remember(store.List()));
            }
        }
        if (owner.Poll is { } poll)
        {
            _watch = Task.Run(() => Watch(poll, _stopping.Token));
        }
        return Task.CompletedTask;
    }

    /// <summary>Which sweep and trial each of these sweeps' runs is; returns them.</summary>
    private IReadOnlyList<StoredSweep> Remember(IReadOnlyList<StoredSweep> sweeps)
    {
        foreach (var sweep in sweeps)
        {
            foreach (var trial in sweep.Trials)
            {
                _trials[trial.RunId] = (sweep.Id, trial.Number);
            }
        }
        return sweeps;
    }

    /// <summary>
    /// The host that starts trials begins: whatever the last owner left training was interrupted (or, on a team, is still with
    /// its trainers), so the running sweeps' interrupted trials resume and new ones start.
    /// </summary>
    private void TakeOver(IReadOnlyList<StoredSweep> sweeps)
    {
        foreach (var sweep in sweeps.Where(s => s.Status == SweepStatus.Running))
        {
            ResumeTrials(sweep);
            Fill(sweep.Id);
        }
    }

    /// <summary>A team front-end: until it stops, it looks at the running sweeps every poll while it is their owner (sweeps
    /// started on other front-ends, trials that ended while another owned them).</summary>
    private async Task Watch(TimeSpan poll, CancellationToken stopping)
    {
        var owned = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                lock (_gate)
                {
                    // Every front-end tells its pages about every trial; the owner also starts the next ones.
                    var sweeps = Remember(store.List());
                    var owns = owner.Owns();
                    if (owns && !owned)
                    {
                        logger.LogInformation("This front-end now starts the sweeps' trials");
                        TakeOver(sweeps);
                    }
                    else if (owns)
                    {
                        foreach (var sweep in sweeps.Where(s => s.Status == SweepStatus.Running))
                        {
                            Fill(sweep.Id);
                        }
                    }
                    owned = owns;
                }
            }
            catch (Exception e) when (Storage.Database.IsFault(e))
            {
                logger.LogWarning("Sweeps: the team database is unavailable: {Message}", e.Message);
            }
            try
            {
                await Task.Delay(poll, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        runs.RunChanged -= OnRunChanged;
        _stopping.Cancel();
        if (_watch is not null)
        {
            await _watch.WaitAsync(cancellationToken);
        }
    }
}
