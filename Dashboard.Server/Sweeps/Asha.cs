using Dashboard.Shared.Sweeps;

namespace Dashboard.Server.Sweeps;

/// <summary>
/// Asynchronous successive halving's stopping rule (Li et al., 2020, as Optuna's and Ray Tune's pruners apply it): a trial that
/// reaches a rung goes on only if its metric is among the best 1/eta of every trial that reached that rung so far, itself
/// included; while fewer than eta have, only a new best goes on.
/// </summary>
public static class Asha
{
    public static bool Promote(double value, IReadOnlyCollection<double> others, int eta, SweepMetric metric)
    {
        var keep = Math.Max(1, (others.Count + 1) / eta);
        return others.Count(o => metric.Better(o, value)) < keep;
    }
}
