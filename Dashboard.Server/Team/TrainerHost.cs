using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Team;

/// <summary>
/// The trainer role: registers this host, then takes the oldest queued run its devices can train,
/// trains it under a lease it renews, and writes every epoch, checkpoint and result to the team
/// store under the claim's attempt number. A run is trained one at a time; a host asked to drain
/// finishes its run and takes no new one. Runs whose trainers stopped renewing are put back in the
/// queue by whichever trainer notices first.
/// </summary>
public sealed class TrainerHost(TeamStore store, Trainer trainer, TeamOptions options, ILogger<TrainerHost> logger, TeamSignals? signals = null)
    : BackgroundService
{
    public string Name { get; } = options.TrainerName ?? $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>The device requirements this host can meet: any run, and cuda runs where it has a GPU.</summary>
    public IReadOnlyList<string> Requirements { get; } = TorchRuntime.CudaDeviceCount > 0 ? [RunPlan.AnyDevice, "cuda"] : [RunPlan.AnyDevice];

    private string WorkFolder => options.WorkFolder ?? Path.Combine(Path.GetTempPath(), $"dashboard-trainer-{Name}");

    protected override Task ExecuteAsync(CancellationToken stopping) =>
        Task.Factory.StartNew(() => Loop(stopping), stopping, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Loop(CancellationToken stopping)
    {
        var starting = true;
        var draining = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                draining = store.Heartbeat(Name, Requirements, TorchRuntime.Version, draining ? "draining" : "idle", null, null, starting);
                if (starting)
                {
                    logger.LogInformation("Trainer {Name} registered (devices: {Devices}, libtorch {Version})", Name, string.Join(", ", Requirements), TorchRuntime.Version);
                    starting = false;
                }
                foreach (var id in store.RequeueExpired(options.MaxLosses))
                {
                    logger.LogWarning("Run {RunId}'s lease expired: queued again (or lost after {Max} losses)", id, options.MaxLosses);
                }
                if (!draining && store.Claim(Name, Requirements, options.Lease) is { } claim)
                {
                    Train(claim, stopping);
                    continue;
                }
            }
            catch (Exception e) when (TeamStore.IsFault(e))
            {
                logger.LogWarning("The team database is unavailable: {Message}", e.Message);
            }
            stopping.WaitHandle.WaitOne(options.Poll);
        }
    }

    private void Train(RunClaim claim, CancellationToken stopping)
    {
        var run = claim.Run;
        logger.LogInformation("Training run {RunId} (attempt {Attempt}, from epoch {From})", run.Id, claim.Attempt, claim.CheckpointEpochs + 1);
        store.Heartbeat(Name, Requirements, TorchRuntime.Version, "training", run.Id, null);
        signals?.RunChanged(run.Id);
        var folder = Path.Combine(WorkFolder, run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
        Directory.CreateDirectory(folder);
        using var lease = new LeaseKeeper(store, claim, options,
            progress => store.Heartbeat(Name, Requirements, TorchRuntime.Version, "training", run.Id, progress), stopping, logger);
        var writer = new ClaimWriter(store, claim, folder, lease, signals);
        try
        {
            if (claim.CheckpointEpochs > 0)
            {
                writer.Download(run.Id, folder);
            }
            string? initial = null;
            if (run.Config.StartFrom is { } from && claim.CheckpointEpochs == 0)
            {
                var start = Path.Combine(folder, "start");
                writer.Download(from, start);
                initial = Path.Combine(start, ClaimWriter.WeightsFile);
            }
            // Placement is this host's: the plan says what to train, this host which of its devices trains it.
            var result = trainer.Run(claim.Plan, TorchRuntime.ResolveDevice(claim.Plan.Config.Device), writer,
                new RunFiles(Path.Combine(folder, ClaimWriter.WeightsFile), initial, Resume: true, run.Epochs.Sum(e => e.Seconds)), lease.Token);
            writer.Upload(run.Config.Epochs);
            writer.Persist(() => store.Finish(claim, RunStatus.Completed, result.Test, null));
            logger.LogInformation("Run {RunId} completed: test accuracy {Accuracy:P2}", run.Id, result.Test.Accuracy);
        }
        // A database fault once the lease has run out (this host was frozen or cut off for longer) is the lease lost too.
        catch (Exception e) when (e is LeaseLostException || (e is OperationCanceledException && lease.Lost) || (TeamStore.IsFault(e) && !lease.WithinLease()))
        {
            logger.LogWarning("Run {RunId} attempt {Attempt}: the lease is lost, training stopped and nothing more is written ({Message})", run.Id, claim.Attempt, e.Message);
        }
        catch (OperationCanceledException) when (lease.Pruned)
        {
            End(writer, () => store.Finish(claim, RunStatus.Pruned, null, null));
        }
        catch (OperationCanceledException) when (lease.StopRequested)
        {
            End(writer, () => store.Finish(claim, RunStatus.Cancelled, null, null));
        }
        catch (OperationCanceledException)
        {
            // This host is shutting down: the run goes back to the queue and the next trainer resumes it.
            End(writer, () => store.Release(claim));
        }
        catch (RunDivergedException e)
        {
            End(writer, () => store.Finish(claim, RunStatus.Diverged, null, e.Message));
        }
        catch (Exception e) when (TeamStore.IsFault(e))
        {
            // The database went away for longer than the lease allows: the run is not at fault. It goes back
            // to the queue, or, if that cannot be written either, its lease expires and another trainer resumes it.
            logger.LogWarning("Run {RunId}: the team database is unavailable ({Message}); giving the run back", run.Id, e.Message);
            End(writer, () => store.Release(claim));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Run {RunId} failed", run.Id);
            End(writer, () => store.Finish(claim, RunStatus.Failed, null, e.Message));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private void End(ClaimWriter writer, Action finish)
    {
        try
        {
            writer.Persist(finish);
        }
        catch (Exception e) when (e is LeaseLostException || TeamStore.IsFault(e))
        {
            logger.LogWarning("Could not record the run's end: {Message}", e.Message);
        }
    }
}

/// <summary>
/// Renews a claim's lease (and the host's heartbeat) every <see cref="TeamOptions.RenewSeconds"/> on
/// its own thread. Its token is cancelled when the lease is lost, when the run should stop, when the
/// database has been unreachable for a whole lease, or when the host stops.
/// </summary>
internal sealed class LeaseKeeper : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _disposed = new();
    private readonly TimeSpan _lease;
    private long _renewedAt = Environment.TickCount64;

    public LeaseKeeper(TeamStore store, RunClaim claim, TeamOptions options, Action<BatchProgress?> heartbeat, CancellationToken stopping, ILogger logger)
    {
        _lease = options.Lease;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _thread = new Thread(() =>
        {
            while (!_disposed.Wait(options.Renew))
            {
                try
                {
                    var state = store.Renew(claim, options.Lease);
                    Interlocked.Exchange(ref _renewedAt, Environment.TickCount64);
                    heartbeat(Progress);
                    if (state != LeaseState.Held)
                    {
                        Lost = state == LeaseState.Lost;
                        StopRequested = state == LeaseState.StopRequested;
                        _cancel.Cancel();
                        return;
                    }
                }
                catch (Exception e) when (TeamStore.IsFault(e))
                {
                    logger.LogWarning("Could not renew run {RunId}'s lease: {Message}", claim.Run.Id, e.Message);
                }
                if (!WithinLease())
                {
                    Lost = true;
                    _cancel.Cancel();
                    return;
                }
            }
        }) { IsBackground = true, Name = $"lease {claim.Run.Id}" };
        _thread.Start();
    }

    public CancellationToken Token => _cancel.Token;
    public volatile bool Lost;
    public volatile bool StopRequested;

    /// <summary>Its sweep pruned the run at a rung: training stops before the next epoch.</summary>
    public volatile bool Pruned;

    public void Prune()
    {
        Pruned = true;
        _cancel.Cancel();
    }

    /// <summary>The latest batch progress, reported with the heartbeat.</summary>
    public BatchProgress? Progress { get; set; }

    /// <summary>Whether the last renewal is recent enough that the lease still holds.</summary>
    public bool WithinLease() => Environment.TickCount64 - Interlocked.Read(ref _renewedAt) < _lease.TotalMilliseconds;

    public void Dispose()
    {
        _disposed.Set();
        _thread.Join();
        _cancel.Dispose();
    }
}

/// <summary>Writes a claimed run's events and files to the team store, retrying database faults while the lease holds.</summary>
internal sealed class ClaimWriter(TeamStore store, RunClaim claim, string folder, LeaseKeeper lease, TeamSignals? signals) : ITrainingObserver
{
    public const string WeightsFile = "model.pt";

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    // Progress goes to the front-ends at most four times a second, as in the single process.
    private readonly ProgressPacer _pacer = new();

    public void OnStarted(RunStarted started) => Persist(() => store.SaveStarted(claim, started));

    public void OnStep(StepMetrics step) => _pacer.Add(step);

    /// <summary>Stores the step points so far and tells the front-ends, with the progress, about four times a second.</summary>
    public void OnBatch(BatchProgress progress)
    {
        lease.Progress = progress;
        if (_pacer.Due(progress) is not { } due)
        {
            return;
        }
        Persist(() => store.SaveSteps(claim, due), changed: false);
        signals?.StepsAdded(claim.Run.Id);
        signals?.BatchProgressed(new RunBatch(claim.Run.Id, progress));
    }

    public void OnHealth(HealthSample sample) => signals?.HealthSampled(new RunHealth(claim.Run.Id, sample));

    /// <summary>Stores the epoch; a sweep's trial is then judged at its rung (ASHA), and a pruned one stops before its next epoch.</summary>
    public void OnEpoch(EpochMetrics epoch)
    {
        Persist(() => store.SaveEpoch(claim, epoch));
        var promoted = true;
        Persist(() => promoted = store.JudgeRung(claim, epoch), changed: false);
        if (!promoted)
        {
            lease.Prune();
        }
    }

    public void OnCheckpointSaved(int epochs) => Upload(epochs);

    /// <summary>
    /// Stores the files of the run's folder (the checkpoint and what lies beside it). An epoch's kept weights never
    /// change once written, so only those of epoch <paramref name="checkpointEpochs"/> go with it; earlier ones are stored.
    /// </summary>
    public void Upload(int checkpointEpochs)
    {
        var files = Directory.GetFiles(folder).Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .Where(f => EpochWeights.EpochOf(Path.GetFileName(f)) is not { } epoch || epoch == checkpointEpochs)
            .Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList();
        Persist(() => store.SaveFiles(claim, checkpointEpochs, files));
    }

    /// <summary>Writes run <paramref name="runId"/>'s stored files into <paramref name="target"/>.</summary>
    public void Download(int runId, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var (name, content) in store.Files(runId))
        {
            File.WriteAllBytes(Path.Combine(target, Path.GetFileName(name)), content);
        }
    }

    /// <summary>
    /// Runs a store write, retrying while the database is unreachable and the lease still holds; then tells the front-ends
    /// the run changed (unless <paramref name="changed"/> is false: step points come with their own message).
    /// </summary>
    public void Persist(Action write, bool changed = true)
    {
        while (true)
        {
            try
            {
                write();
                if (changed)
                {
                    signals?.RunChanged(claim.Run.Id);
                }
                return;
            }
            catch (Exception e) when (TeamStore.IsFault(e) && lease.WithinLease())
            {
                Thread.Sleep(RetryDelay);
            }
        }
    }
}
