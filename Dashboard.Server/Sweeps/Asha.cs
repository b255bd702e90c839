using Dashboard.Shared.Runs;
using Dashboard.Shared.Sweeps;

namespace Dashboard.Server.Sweeps;

/// <summary>
/// Asynchronous successive halving's stopping rule (Li et al., 2020, as Optuna's and Ray Tune's pruners apply it): a trial that
/// reaches a rung goes on only if its metric is among the best 1/eta of every trial that reached that rung so far, itself
/// included; while fewer than eta have, only a new best goes on.
/// </summary>
public static class Asha
{
    /// <summary>
    /// The decision for trial <paramref name="number"/> of a sweep (its trials as stored, with their rungs) now that its run,
    /// configured by <paramref name="config"/>, has finished <paramref name="epoch"/>: the rung result to record, or null when
    /// that epoch is no rung of the trial, the sweep stops none early, the epoch has no metric, or it was judged there already.
    /// </summary>
    public static RungResult? Judge(SweepSpec spec, IReadOnlyList<StoredTrial> trials, int number, RunConfig config, EpochMetrics epoch)
    {
        if (spec.EarlyStopping is not { } stopping || !stopping.Rungs(config.Epochs).Contains(epoch.Epoch) || spec.Metric.Of(epoch) is not { } value
            || trials.FirstOrDefault(t => t.Number == number) is not { } trial || trial.Rungs.Any(r => r.Epoch == epoch.Epoch))
        {
            return null;
        }
        var others = trials.Where(t => t.Number != number).SelectMany(t => t.Rungs.Where(r => r.Epoch == epoch.Epoch)).Select(r => r.Value).ToList();
        return new RungResult(epoch.Epoch, value, Promote(value, others, stopping.Eta, spec.Metric));
    }

    public static bool Promote(double value, IReadOnlyCollection<double> others, int eta, SweepMetric metric)
    {
        var keep = Math.Max(1, (others.Count + 1) / eta);
        return others.Count(o => metric.Better(o, value)) < keep;
    }
}
