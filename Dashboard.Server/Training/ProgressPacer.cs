using System.Diagnostics;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// Paces what a run tells its watchers, for the single process's queue and a team's trainer alike: the batch progress
/// about four times a second (and each epoch's last batch), with the step points gathered since the last time.
/// </summary>
public sealed class ProgressPacer
{
    // Four a second keeps a progress bar smooth; each one goes to every follower (100 followers: 400 sends a second).
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Stopwatch _since = Stopwatch.StartNew();
    private readonly List<StepMetrics> _steps = [];

    public void Add(StepMetrics step) => _steps.Add(step);

    /// <summary>The step points since the last time, when <paramref name="progress"/> is to be told; null when it is not yet.</summary>
    public IReadOnlyList<StepMetrics>? Due(BatchProgress progress)
    {
        if (_since.Elapsed < Interval && progress.Batch != progress.Batches)
        {
            return null;
        }
        _since.Restart();
        IReadOnlyList<StepMetrics> steps = [.. _steps];
        _steps.Clear();
        return steps;
    }
}
