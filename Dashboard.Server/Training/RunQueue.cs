using Dashboard.Server.Torch;
using Dashboard.Shared.Runs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dashboard.Server.Training;

/// <summary>
/// Runs trainings one at a time per device, first come first served. Further runs wait
/// with a visible position; Stop removes a queued run or cancels a running one between
/// batches. Every change is reported to the listeners.
/// </summary>
public sealed class RunQueue : IHostedService, IDisposable
{
    private readonly Trainer _trainer;
    private readonly IReadOnlyList<IRunListener> _listeners;
    private readonly Func<RunRecord, RunFiles> _files;
    private readonly ILogger<RunQueue> _logger;
    private readonly object _gate = new();
    private readonly Dictionary<int, ActiveRun> _active = [];
    private readonly Dictionary<string, DeviceWorker> _workers = [];
    private readonly CancellationTokenSource _shutdown = new();

    private sealed class ActiveRun(RunRecord record, RunPlan plan, string device)
    {
        public RunRecord Record { get; set; } = record;
        public RunPlan Plan { get; } = plan;
        public string Device { get; } = device;
        public CancellationTokenSource Cancellation { get; } = new();

        /// <summary>How a stopped run ends: cancelled, or pruned by its sweep.</summary>
        public RunStatus StopAs { get; set; } = RunStatus.Cancelled;
    }

    private sealed class DeviceWorker
    {
        public List<ActiveRun> Waiting { get; } = [];
        public SemaphoreSlim Signal { get; } = new(0);
        public Task? Loop { get; set; }
    }

    public RunQueue(Trainer trainer, IEnumerable<IRunListener> listeners, Func<RunRecord, RunFiles> files, ILogger<RunQueue> logger)
    {
        _trainer = trainer;
        _listeners = [.. listeners];
        _files = files;
        _logger = logger;
    }

    /// <summary>Queues a stored run and its plan on its device (resolved now: this host's placement).</summary>
    public RunRecord Enqueue(RunRecord run, RunPlan plan)
    {
        var device = TorchRuntime.ResolveDevice(plan.Config.Device);
        RunRecord queued;
        lock (_gate)
        {
            var active = new ActiveRun(run, plan, device);
            _active[run.Id] = active;
            if (!_workers.TryGetValue(device, out var worker))
            {
                worker = _workers[device] = new DeviceWorker();
                worker.Loop = Task.Factory.StartNew(() => Work(worker), TaskCreationOptions.LongRunning);
            }
            worker.Waiting.Add(active);
            queued = Snapshot(active);
            worker.Signal.Release();
        }
        Notify(l => l.OnQueued(queued));
        return queued;
    }

    /// <summary>The live state of a queued or running run (with its queue position), else null.</summary>
    public RunRecord? Find(int id)
    {
        lock (_gate)
        {
            return _active.TryGetValue(id, out var run) ? Snapshot(run) : null;
        }
    }

    /// <summary>Every queued or running run.</summary>
    public IReadOnlyList<RunRecord> Active()
    {
        lock (_gate)
        {
            return [.. _active.Values.Select(Snapshot).OrderBy(r => r.Id)];
        }
    }

    /// <summary>
    /// Removes a queued run (reported as <paramref name="endAs"/>: cancelled, or pruned) or asks a running one to stop between
    /// batches. False when the run is not active. Calling it twice is harmless.
    /// </summary>
    public bool Stop(int id, RunStatus endAs = RunStatus.Cancelled)
    {
        RunRecord? removed = null;
        lock (_gate)
        {
            if (!_active.TryGetValue(id, out var run))
            {
                return false;
            }
            run.StopAs = endAs;
            run.Cancellation.Cancel();
            if (_workers[run.Device].Waiting.Remove(run))
            {
                _active.Remove(id);
                removed = run.Record = run.Record with { Status = endAs, FinishedAt = DateTimeOffset.UtcNow };
            }
        }
        if (removed is not null)
        {
            Notify(l => l.OnFinished(removed));
        }
        return true;
    }

    private void Work(DeviceWorker worker)
    {
        while (!_shutdown.IsCancellationRequested)
        {
            try
            {
                worker.Signal.Wait(_shutdown.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            ActiveRun? next;
            lock (_gate)
            {
                next = worker.Waiting.FirstOrDefault();
                if (next is not null)
                {
                    worker.Waiting.RemoveAt(0);
                }
            }
            if (next is not null)
            {
                Execute(next);
            }
        }
    }

    private void Execute(ActiveRun run)
    {
        var observer = new Forwarder(this, run);
        var files = _files(run.Record) with { EarlierSeconds = run.Record.Epochs.Sum(e => e.Seconds) };
        // Every ending keeps the last completed epoch's checkpoint, if one was written.
        bool Saved() => files.Checkpoint is { } path && File.Exists(path);
        RunRecord finished;
        try
        {
            var result = _trainer.Run(run.Plan, run.Device, observer, files, run.Cancellation.Token);
            finished = Update(run, r => r with { Status = RunStatus.Completed, Test = result.Test, HasCheckpoint = true });
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            finished = Update(run, r => r with { Status = RunStatus.Interrupted, Error = "The server stopped before this run finished.", HasCheckpoint = Saved() });
        }
        catch (OperationCanceledException)
        {
            finished = Update(run, r => r with { Status = run.StopAs, HasCheckpoint = Saved() });
        }
        catch (RunDivergedException e)
        {
            _logger.LogWarning("Run {RunId} diverged at epoch {Epoch}, batch {Batch}", run.Record.Id, e.Epoch, e.Batch);
            finished = Update(run, r => r with { Status = RunStatus.Diverged, Error = e.Message, HasCheckpoint = Saved() });
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Run {RunId} failed", run.Record.Id);
            finished = Update(run, r => r with { Status = RunStatus.Failed, Error = e.Message, HasCheckpoint = Saved() });
        }
        lock (_gate)
        {
            _active.Remove(run.Record.Id);
        }
        finished = finished with { FinishedAt = DateTimeOffset.UtcNow };
        Notify(l => l.OnFinished(finished));
    }

    private RunRecord Update(ActiveRun run, Func<RunRecord, RunRecord> change)
    {
        lock (_gate)
        {
            run.Record = change(run.Record);
            return Snapshot(run);
        }
    }

    private RunRecord Snapshot(ActiveRun run)
    {
        if (run.Record.Status != RunStatus.Queued)
        {
            return run.Record with { QueuePosition = null };
        }
        var position = _workers.TryGetValue(run.Device, out var worker) ? worker.Waiting.IndexOf(run) : -1;
        return run.Record with { QueuePosition = position >= 0 ? position + 1 : null };
    }

    private void Notify(Action<IRunListener> send) => RunListeners.Notify(_listeners, send, _logger);

    /// <summary>Turns the engine's events for one run into run records for the listeners.</summary>
    private sealed class Forwarder(RunQueue queue, ActiveRun run) : ITrainingObserver
    {
        private readonly ProgressPacer _pacer = new();

        public void OnStarted(RunStarted started)
        {
            var record = queue.Update(run, r => r with { Status = RunStatus.Running, StartedAt = DateTimeOffset.UtcNow, Started = started });
            queue.Notify(l => l.OnStarted(record));
        }

        public void OnBatch(BatchProgress progress)
        {
            if (_pacer.Due(progress) is not { } due)
            {
                return;
            }
            var steps = new RunSteps(run.Record.Id, due);
            queue.Notify(l => l.OnSteps(steps));
            var batch = new RunBatch(run.Record.Id, progress);
            queue.Notify(l => l.OnBatch(batch));
        }

        public void OnStep(StepMetrics step) => _pacer.Add(step);

        public void OnHealth(HealthSample sample)
        {
            var health = new RunHealth(run.Record.Id, sample);
            queue.Notify(l => l.OnHealth(health));
        }

        public void OnEpoch(EpochMetrics epoch)
        {
            var record = queue.Update(run, r => r with { Epochs = [.. r.Epochs, epoch] });
            queue.Notify(l => l.OnEpoch(record, epoch));
        }
    }

    /// <summary>Cancelled when the host begins to stop, before running runs are cancelled.</summary>
    public CancellationToken ShuttingDown => _shutdown.Token;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops every run; a running one ends as interrupted, keeping its completed epochs.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Task[] loops;
        lock (_gate)
        {
            if (!_shutdown.IsCancellationRequested)
            {
                _shutdown.Cancel();
            }
            foreach (var run in _active.Values)
            {
                run.Cancellation.Cancel();
            }
            loops = [.. _workers.Values.Select(w => w.Loop!)];
        }
        return Task.WhenAll(loops).WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        try
        {
            StopAsync(CancellationToken.None).Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // A worker that failed has nothing left to stop.
        }
    }
}
