using System.Text.Json;
using Dashboard.Shared.Sweeps;

namespace Dashboard.Server.Sweeps;

/// <summary>A finished trial as the samplers learn from it: its parameters, its metric (null when pruned or failed) and whether it was pruned.</summary>
public sealed record Observation(IReadOnlyDictionary<string, JsonElement> Parameters, double? Value, bool Pruned);

/// <summary>Picks each trial's parameters. Trial numbers start at 1; the same sweep, number and observations give the same parameters.</summary>
public abstract class Sampler(IReadOnlyDictionary<string, ParameterSpace> space, int seed)
{
    protected IReadOnlyDictionary<string, ParameterSpace> Space { get; } = space;

    public abstract IReadOnlyDictionary<string, JsonElement> Next(int number, IReadOnlyList<Observation> done, SweepGoal goal);

    /// <summary>A trial's own random numbers: a restarted sweep draws trial N's parameters again the same way.</summary>
    protected Random RandomFor(int number) => new(HashCode.Combine(seed, number));

    protected static bool IsInteger(string key, ParameterSpace space) =>
        space.Distribution == ParameterSpace.IntUniform || SearchSpace.Fields.GetValueOrDefault(key) == FieldKind.Integer;

    /// <summary>A value drawn from the field's prior (its list, or its distribution).</summary>
    protected static JsonElement Draw(string key, ParameterSpace space, Random random)
    {
        if (space.Values is { } values)
        {
            return values[random.Next(values.Count)];
        }
        var (min, max) = (space.Min!.Value, space.Max!.Value);
        var value = space.Distribution switch
        {
            ParameterSpace.LogUniform => Math.Exp(Math.Log(min) + random.NextDouble() * (Math.Log(max) - Math.Log(min))),
            ParameterSpace.IntUniform => Math.Min(max, Math.Floor(min + random.NextDouble() * (max - min + 1))),
            _ => min + random.NextDouble() * (max - min),
        };
        return SearchSpace.Number(value, IsInteger(key, space));
    }

    public static Sampler For(SweepSpec spec) => spec.Method switch
    {
        SweepMethod.Grid => new GridSampler(spec.Space),
        SweepMethod.Tpe => new TpeSampler(spec.Space, spec.Seed),
        _ => new RandomSampler(spec.Space, spec.Seed),
    };
}

/// <summary>Each field drawn independently from its prior.</summary>
public sealed class RandomSampler(IReadOnlyDictionary<string, ParameterSpace> space, int seed) : Sampler(space, seed)
{
    public override IReadOnlyDictionary<string, JsonElement> Next(int number, IReadOnlyList<Observation> done, SweepGoal goal)
    {
        var random = RandomFor(number);
        return Space.ToDictionary(f => f.Key, f => Draw(f.Key, f.Value, random));
    }
}

/// <summary>Every combination of the fields' values (an integer range gives each integer), the first field varying slowest.</summary>
public sealed class GridSampler(IReadOnlyDictionary<string, ParameterSpace> space) : Sampler(space, 0)
{
    /// <summary>A field's grid values, or null for a continuous range (which has none).</summary>
    public static IReadOnlyList<JsonElement>? Points(ParameterSpace space) =>
        space.Values ?? (space.Distribution == ParameterSpace.IntUniform && space.Max - space.Min < 100_000
            ? [.. Enumerable.Range((int)space.Min!.Value, (int)(space.Max!.Value - space.Min.Value) + 1).Select(i => SearchSpace.Number(i, true))]
            : null);

    /// <summary>How many points the grid has (saturating at int.MaxValue).</summary>
    public static int Size(IReadOnlyDictionary<string, ParameterSpace> space) =>
        (int)Math.Min(int.MaxValue, space.Values.Aggregate(1L, (n, s) => Math.Min(n * (Points(s)?.Count ?? 0), int.MaxValue)));

    public override IReadOnlyDictionary<string, JsonElement> Next(int number, IReadOnlyList<Observation> done, SweepGoal goal)
    {
        var index = number - 1;
        var parameters = new Dictionary<string, JsonElement>();
        foreach (var (key, field) in Space.Reverse())
        {
            var points = Points(field)!;
            parameters[key] = points[index % points.Count];
            index /= points.Count;
        }
        return Space.Keys.ToDictionary(k => k, k => parameters[k]);
    }
}

/// <summary>
/// The tree-structured Parzen estimator of Bergstra, Bardenet, Bengio and Kegl (2011), per field as Optuna's default:
/// the first <see cref="StartupTrials"/> trials are random; then the finished trials are split into the best
/// <see cref="Gamma"/> (l) and the rest with the pruned ones (g), each field's density is estimated for both (Gaussians on the
/// observed values with the prior's, in log space for a log-uniform field; counts plus one for a list), and of
/// <see cref="Candidates"/> values drawn from l the one with the highest l/g is taken.
/// </summary>
public sealed class TpeSampler(IReadOnlyDictionary<string, ParameterSpace> space, int seed) : Sampler(space, seed)
{
    public const int StartupTrials = 10;
    public const double Gamma = 0.25;
    public const int Candidates = 24;

    public override IReadOnlyDictionary<string, JsonElement> Next(int number, IReadOnlyList<Observation> done, SweepGoal goal)
    {
        var random = RandomFor(number);
        var scored = done.Where(o => o.Value is not null && !o.Pruned).ToList();
        if (done.Count < StartupTrials || scored.Count == 0)
        {
            return Space.ToDictionary(f => f.Key, f => Draw(f.Key, f.Value, random));
        }
        var ranked = scored.OrderBy(o => goal == SweepGoal.Maximize ? -o.Value!.Value : o.Value!.Value).ToList();
        var goodCount = Math.Max(1, (int)Math.Ceiling(Gamma * ranked.Count));
        var good = ranked.Take(goodCount).ToList();
        var bad = ranked.Skip(goodCount).Concat(done.Where(o => o.Value is null || o.Pruned)).ToList();
        return Space.ToDictionary(f => f.Key, f => f.Value.Values is not null
            ? Categorical(f.Key, f.Value, good, bad, random)
            : Numeric(f.Key, f.Value, good, bad, random));
    }

    private static JsonElement Categorical(string key, ParameterSpace space, List<Observation> good, List<Observation> bad, Random random)
    {
        var values = space.Values!;
        double[] Weights(List<Observation> group) =>
            [.. values.Select(v => 1.0 + group.Count(o => o.Parameters.TryGetValue(key, out var p) && JsonElement.DeepEquals(p, v)))];
        var (l, g) = (Weights(good), Weights(bad));
        var best = -1;
        var bestScore = double.NegativeInfinity;
        for (var c = 0; c < Candidates; c++)
        {
            var pick = Pick(l, random);
            var score = Math.Log(l[pick] / l.Sum()) - Math.Log(g[pick] / g.Sum());
            if (score > bestScore)
            {
                (best, bestScore) = (pick, score);
            }
        }
        return values[best];
    }

    private static JsonElement Numeric(string key, ParameterSpace space, List<Observation> good, List<Observation> bad, Random random)
    {
        var log = space.Distribution == ParameterSpace.LogUniform;
        double Inner(double v) => log ? Math.Log(v) : v;
        var (low, high) = (Inner(space.Min!.Value), Inner(space.Max!.Value));
        if (space.Distribution == ParameterSpace.IntUniform)
        {
            (low, high) = (low - 0.5, high + 0.5);
        }
        double[] Observed(List<Observation> group) =>
            [.. group.Where(o => o.Parameters.ContainsKey(key)).Select(o => Inner(o.Parameters[key].GetDouble()))];
        var l = Parzen.Fit(Observed(good), low, high);
        var g = Parzen.Fit(Observed(bad), low, high);
        var best = 0.0;
        var bestScore = double.NegativeInfinity;
        for (var c = 0; c < Candidates; c++)
        {
            var x = l.Sample(random);
            var score = l.LogDensity(x) - g.LogDensity(x);
            if (score > bestScore)
            {
                (best, bestScore) = (x, score);
            }
        }
        var value = log ? Math.Exp(best) : best;
        return SearchSpace.Number(Math.Clamp(value, space.Min.Value, space.Max.Value), IsInteger(key, space));
    }

    private static int Pick(double[] weights, Random random)
    {
        var u = random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            if ((u -= weights[i]) < 0)
            {
                return i;
            }
        }
        return weights.Length - 1;
    }

    /// <summary>
    /// A one-dimensional Parzen window: a Gaussian on each observation and one for the prior (at the middle, as wide as the
    /// range), each truncated to [low, high]; bandwidths by hyperopt's rule (the larger gap to a neighbour, clipped to range/min(100, n+1)..range).
    /// </summary>
    private sealed record Parzen(double[] Mus, double[] Sigmas, double Low, double High)
    {
        public static Parzen Fit(double[] observed, double low, double high)
        {
            var range = high - low;
            var mus = observed.Append((low + high) / 2).Order().ToArray();
            var prior = Array.IndexOf(mus, (low + high) / 2);
            var minimum = range / Math.Min(100, mus.Length + 1);
            var sigmas = new double[mus.Length];
            for (var i = 0; i < mus.Length; i++)
            {
                var left = i > 0 ? mus[i] - mus[i - 1] : mus[i] - low;
                var right = i < mus.Length - 1 ? mus[i + 1] - mus[i] : high - mus[i];
                sigmas[i] = Math.Clamp(Math.Max(left, right), minimum, range);
            }
            sigmas[prior] = range;
            return new Parzen(mus, sigmas, low, high);
        }

        public double Sample(Random random)
        {
            var i = random.Next(Mus.Length);
            for (var attempt = 0; attempt < 100; attempt++)
            {
                // Box-Muller: .NET's Random has no normal draw.
                var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                var x = Mus[i] + Sigmas[i] * normal;
                if (x >= Low && x <= High)
                {
                    return x;
                }
            }
            return Math.Clamp(Mus[i], Low, High);
        }

        public double LogDensity(double x)
        {
            var sum = 0.0;
            for (var i = 0; i < Mus.Length; i++)
            {
                var z = (x - Mus[i]) / Sigmas[i];
                var mass = NormalCdf((High - Mus[i]) / Sigmas[i]) - NormalCdf((Low - Mus[i]) / Sigmas[i]);
                sum += Math.Exp(-0.5 * z * z) / (Sigmas[i] * Math.Sqrt(2 * Math.PI) * Math.Max(mass, 1e-12));
            }
            return Math.Log(sum / Mus.Length + 1e-300);
        }

        // .NET has no erf: Abramowitz and Stegun 7.1.26 (error below 1.5e-7) is plenty for a density ratio.
        private static double NormalCdf(double z)
        {
            var x = Math.Abs(z) / Math.Sqrt(2);
            var t = 1 / (1 + 0.3275911 * x);
            var erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
            return 0.5 * (1 + Math.Sign(z) * erf);
        }
    }
}
