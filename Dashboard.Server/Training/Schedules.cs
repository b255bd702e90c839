using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>The learning rate at each batch of a run, for <see cref="LearningRateSchedule"/>.</summary>
public static class Schedules
{
    // PyTorch OneCycleLR defaults: pct_start 0.3, div_factor 25, final_div_factor 1e4, cosine annealing.
    private const double WarmUpShare = 0.3;
    private const double StartDivisor = 25;
    private const double FinalDivisor = 1e4;

    /// <summary>The rate for batch <paramref name="step"/> (0-based) of <paramref name="steps"/> in the whole run.</summary>
    public static double At(LearningRateSchedule schedule, double peak, long step, long steps)
    {
        var progress = steps <= 1 ? 1 : Math.Clamp((double)step / (steps - 1), 0, 1);
        switch (schedule)
        {
            case LearningRateSchedule.OneCycle:
                var start = peak / StartDivisor;
                var end = start / FinalDivisor;
                return progress < WarmUpShare
                    ? Cosine(start, peak, progress / WarmUpShare)
                    : Cosine(peak, end, (progress - WarmUpShare) / (1 - WarmUpShare));
            case LearningRateSchedule.Cosine:
                return Cosine(peak, 0, progress);
            default:
                return peak;
        }
    }

    /// <summary>From <paramref name="from"/> to <paramref name="to"/> along half a cosine as <paramref name="t"/> goes 0 to 1.</summary>
    private static double Cosine(double from, double to, double t) => to + (from - to) * (1 + Math.Cos(Math.PI * t)) / 2;
}
