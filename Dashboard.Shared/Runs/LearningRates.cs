namespace Dashboard.Shared.Runs;

/// <summary>
/// A learning-rate range test (<c>POST /api/lr-find</c>, the Train page's "Find a learning rate", the <c>lr-find</c> verb):
/// a copy of <see cref="Config"/>'s freshly initialised network (or of its <c>startFrom</c> run's weights) trains
/// <see cref="Batches"/> batches with the rate growing exponentially from <see cref="Start"/> to <see cref="End"/>,
/// once per seed.
/// </summary>
public sealed record LrFindRequest
{
    public RunConfig Config { get; init; } = new();

    /// <summary>The first batch's rate (default 1e-7).</summary>
    public double Start { get; init; } = 1e-7;

    /// <summary>The last batch's rate (default 10).</summary>
    public double End { get; init; } = 10;

    /// <summary>Batches in the sweep (default 100, 10 to 1000).</summary>
    public int Batches { get; init; } = 100;

    /// <summary>How many seeds (Config.Seed, +1, ...) sweep, for the suggestions' spread (default 3, 1 to 5).</summary>
    public int Seeds { get; init; } = 3;
}

/// <summary>
/// One seed's sweep: the rate and loss of each batch, the loss smoothed (exponential average, beta 0.98, bias-corrected),
/// why it stopped, and its three suggestions (null when the curve is too short to judge).
/// </summary>
public sealed record LrCurve(int Seed, double[] Rates, double[] Losses, double[] Smoothed, string Stopped,
    double? Valley, double? Steepest, double? MinimumOverTen);

/// <summary>A suggestion over the seeds: the median rate and the lowest and highest (null when no seed gave one).</summary>
public sealed record LrSuggestion(string Name, string Meaning, double? Rate, double? Low, double? High);

public sealed record LrFindResult(IReadOnlyList<LrCurve> Curves, IReadOnlyList<LrSuggestion> Suggestions, double Seconds);

/// <summary>
/// A result, or the problems keyed by field ("config.model", "batches", ...) when the sweep could not run; Busy when
/// another sweep was running on this server (one at a time: each takes every core for seconds).
/// </summary>
public sealed record LrFindOutcome(LrFindResult? Result, IReadOnlyDictionary<string, string[]> Errors, bool Busy = false);

/// <summary>The learning-rate finder as the pages use it.</summary>
public interface ILearningRateFinder
{
    /// <summary>Runs the sweeps off the caller's thread; <paramref name="progress"/> gets the fraction done (0 to 1).</summary>
    Task<LrFindOutcome> FindAsync(LrFindRequest request, IProgress<double>? progress = null, CancellationToken cancellation = default);
}
