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
public sealed class SweepService(ISweepStore store, IRunControl runs, ITrainingCatalog catalog, ILogger<SweepService> logger)
    : ISweepService, IHostedService
{
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
            Fill(id);
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
            ResumeTrials(sweep);
            Fill(id);
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
                    if (!run.IsActive && run.Status != RunStatus.Interrupted)
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

    /// <summary>ASHA at the rung the run's last epoch is, once per trial and rung: promote or prune.</summary>
    private void Judge(StoredSweep sweep, int number, RunRecord run)
    {
        if (sweep.Spec.EarlyStopping is not { } stopping || run.Status != RunStatus.Running || run.Epochs.Count == 0
            || sweep.Status != SweepStatus.Running)
        {
            return;
        }
        var epoch = run.Epochs[^1];
        var trial = sweep.Trials.First(t => t.Number == number);
        if (!stopping.Rungs(run.Config.Epochs).Contains(epoch.Epoch) || trial.Rungs.Any(r => r.Epoch == epoch.Epoch)
            || sweep.Spec.Metric.Of(epoch) is not { } value)
        {
            return;
        }
        var others = sweep.Trials.Where(t => t.Number != number).SelectMany(t => t.Rungs.Where(r => r.Epoch == epoch.Epoch)).Select(r => r.Value).ToList();
        var promoted = Asha.Promote(value, others, stopping.Eta, sweep.Spec.Metric);
        store.SetRungs(sweep.Id, number, [.. trial.Rungs, new RungResult(epoch.Epoch, value, promoted)]);
        if (!promoted)
        {
            logger.LogInformation("Sweep {SweepId}: trial {Number} (run {RunId}) pruned at epoch {Epoch}: {Metric} {Value:G4} is not in the best 1/{Eta} of {Count}",
                sweep.Id, number, run.Id, epoch.Epoch, sweep.Spec.Metric.Name, value, stopping.Eta, others.Count + 1);
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
            foreach (var sweep in store.List())
            {
                foreach (var trial in sweep.Trials)
                {
                    _trials[trial.RunId] = (sweep.Id, trial.Number);
                }
            }
            runs.RunChanged += OnRunChanged;
            // Whatever the last process left training was interrupted: its running sweeps go on.
            foreach (var sweep in store.List().Where(s => s.Status == SweepStatus.Running))
            {
                ResumeTrials(sweep);
                Fill(sweep.Id);
            }
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        runs.RunChanged -= OnRunChanged;
        return Task.CompletedTask;
    }
}
