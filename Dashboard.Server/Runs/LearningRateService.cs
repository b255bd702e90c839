using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Runs;

/// <summary>
/// The learning-rate finder for the pages and the API: checks the request as a run's start is checked (the same
/// plan), runs one sweep at a time on this host (in team mode a front-end, not a trainer), off the caller's thread.
/// </summary>
public sealed class LearningRateService(DatasetCatalog datasets, DatasetExplorer explorer, IRunControl runs, ILogger<LearningRateService> logger)
    : ILearningRateFinder
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public async Task<LrFindOutcome> FindAsync(LrFindRequest request, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var errors = LearningRateFinder.Problems(request);
        var (plan, problems) = RunChecks.Plan(request.Config, datasets, explorer, runs, TorchRuntime.ResolveDevice);
        foreach (var (field, messages) in problems)
        {
            errors[$"config.{field}"] = messages;
        }
        if (plan is null || errors.Count > 0)
        {
            return new LrFindOutcome(null, errors);
        }
        if (!await _one.WaitAsync(0, cancellation))
        {
            return new LrFindOutcome(null, errors, Busy: true);
        }
        try
        {
            var device = TorchRuntime.ResolveDevice(plan.Config.Device);
            var initial = plan.Config.StartFrom is { } from ? runs.CheckpointFile(from) : null;
            var result = await Task.Run(() => new LearningRateFinder(datasets).Find(plan, device, request, initial, p => progress?.Report(p), cancellation), cancellation);
            logger.LogInformation("Learning-rate sweep of {Model} on {Dataset}: valley {Valley} in {Seconds:F1} s",
                plan.Config.Model, plan.Config.Dataset, result.Suggestions[0].Rate, result.Seconds);
            return new LrFindOutcome(result, errors);
        }
        catch (Exception e) when (e is DatasetException or TorchException or IOException)
        {
            return new LrFindOutcome(null, new Dictionary<string, string[]> { ["config"] = [e.Message] });
        }
        finally
        {
            _one.Release();
        }
    }
}
