using Dashboard.Server.Training;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Runs;

/// <summary>Structured log lines for each run's lifecycle (queued, started, every epoch, how it ended).</summary>
public sealed class RunLog(ILogger<RunLog> logger) : IRunListener
{
    public void OnQueued(RunRecord run) =>
        logger.LogInformation("Run {RunId} queued: {Dataset} {Model}, {Epochs} epochs, position {QueuePosition}",
            run.Id, run.Config.Dataset, run.Config.NetworkName, run.Config.Epochs, run.QueuePosition);

    public void OnStarted(RunRecord run) =>
        logger.LogInformation("Run {RunId} started on {Device} with {Threads} threads, {Parameters} parameters",
            run.Id, run.Started?.Device, run.Started?.Threads, run.Started?.Parameters);

    public void OnEpoch(RunRecord run, EpochMetrics epoch) =>
        logger.LogInformation("Run {RunId} epoch {Epoch}: train loss {TrainLoss:F4}, validation accuracy {ValidationAccuracy:P2}, {ImagesPerSecond:F0} images/s",
            run.Id, epoch.Epoch, epoch.TrainLoss, epoch.ValidationAccuracy, epoch.ImagesPerSecond);

    public void OnFinished(RunRecord run) =>
        logger.Log(run.Status is RunStatus.Completed or RunStatus.Cancelled ? LogLevel.Information : LogLevel.Warning,
            "Run {RunId} {Status} after {Epochs} epochs; test accuracy {TestAccuracy:P2}; {Error}",
            run.Id, run.Status, run.Epochs.Count, run.Test?.Accuracy, run.Error);
}
