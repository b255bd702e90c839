using System.Diagnostics;
using Dashboard.Server.Torch;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// The learning-rate range test (L. Smith, "Cyclical Learning Rates for Training Neural Networks", 2015, as fastai's
/// <c>lr_find</c>): one batch per rate, the rate growing exponentially, the loss smoothed with a bias-corrected
/// exponential average (beta 0.98), stopping when the smoothed loss passes four times its best. The sweep trains a copy
/// of the network, so the network, its BatchNorm buffers and any optimizer state are left exactly as they were.
/// </summary>
public sealed class LearningRateFinder(DatasetCatalog datasets)
{
    public const double Beta = 0.98;
    public const double StopFactor = 4;
    public const int MinBatches = 10, MaxBatches = 1000, MaxSeeds = 5;

    /// <summary>What is wrong with a request's sweep settings (not its configuration), keyed by field.</summary>
    public static Dictionary<string, string[]> Problems(LrFindRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (!double.IsFinite(request.Start) || request.Start <= 0)
        {
            errors["start"] = [$"must be a rate above 0, got {request.Start}."];
        }
        if (!double.IsFinite(request.End) || request.End <= request.Start || request.End > 1000)
        {
            errors["end"] = [$"must be above start and at most 1000, got {request.End}."];
        }
        if (request.Batches is < MinBatches or > MaxBatches)
        {
            errors["batches"] = [$"must be from {MinBatches} to {MaxBatches}, got {request.Batches}."];
        }
        if (request.Seeds is < 1 or > MaxSeeds)
        {
            errors["seeds"] = [$"must be from 1 to {MaxSeeds}, got {request.Seeds}."];
        }
        return errors;
    }

    /// <summary>
    /// Sweeps <paramref name="request"/>.Seeds freshly initialised networks of the plan (or, with
    /// <paramref name="initialWeights"/>, that checkpoint's weights), seeds Config.Seed, +1, ..., over the plan's
    /// training split. <paramref name="progress"/> gets the fraction done.
    /// </summary>
    public LrFindResult Find(RunPlan plan, string device, LrFindRequest request, string? initialWeights = null,
        Action<double>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var config = plan.Config;
        var (train, _) = datasets.Load(config.Dataset);
        train = train.Take(config.TrainLimit ?? train.Count);
        var (positions, _) = Trainer.Split(train.Count, config.ValidationFraction, new Random(config.Seed));
        using var data = DeviceDataset.Create(train.Pixels, train.Labels, train.Shape, config.NormalizeMean, config.NormalizeStd, device);
        var curves = new List<LrCurve>();
        for (var s = 0; s < request.Seeds; s++)
        {
            var seed = config.Seed + s;
            TorchRuntime.ManualSeed((ulong)seed);
            using var network = Network.Create(plan.Layers, device, config.ChannelsLast, config.Precision);
            if (initialWeights is not null)
            {
                network.Load(initialWeights);
            }
            var done = s;
            curves.Add(Sweep(network, plan, data, positions, seed, request, p => progress?.Invoke((done + p) / request.Seeds), cancellation));
        }
        return new LrFindResult(curves, Suggestions(curves), clock.Elapsed.TotalSeconds);
    }

    /// <summary>One seed's sweep, on a copy of <paramref name="network"/> with a fresh optimizer of the plan's kind.</summary>
    public static LrCurve Sweep(Network network, RunPlan plan, DeviceDataset data, long[] positions, int seed, LrFindRequest request,
        Action<double>? progress = null, CancellationToken cancellation = default)
    {
        var config = plan.Config;
        // libtorch's C++ API has no module deep copy for a Sequential of AnyModules; its own save and load make one.
        var file = Path.Combine(Path.GetTempPath(), $"lr-find-{Guid.NewGuid():N}.pt");
        try
        {
            network.Save(file);
            using var copy = Network.Create(plan.Layers, network.Device, config.ChannelsLast, config.Precision);
            copy.Load(file);
            using var optimizer = Optimizer.Create(copy, config.Optimizer, request.Start, config.Momentum, config.WeightDecay);
            var random = new Random(seed);
            var order = new List<long>();
            while (order.Count < (long)request.Batches * config.BatchSize)
            {
                var pass = (long[])positions.Clone();
                random.Shuffle(pass);
                order.AddRange(pass);
            }
            using var index = DeviceIndex.Create(order.ToArray(), network.Device);

            var (rates, losses, smoothed) = (new List<double>(), new List<double>(), new List<double>());
            var stopped = $"all {request.Batches} batches ran";
            double average = 0, best = double.PositiveInfinity;
            for (var i = 0; i < request.Batches; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                var rate = request.Start * Math.Pow(request.End / request.Start, i / (double)(request.Batches - 1));
                var stats = copy.TrainBatches(optimizer, data, index, (long)i * config.BatchSize, config.BatchSize, 1, [rate]);
                var loss = stats.LossSum / Math.Max(1, stats.Samples);
                if (stats.FirstNonFinite is not null || !double.IsFinite(loss))
                {
                    stopped = $"the loss became NaN or infinite at {rate:G3}";
                    break;
                }
                average = Beta * average + (1 - Beta) * loss;
                var smooth = average / (1 - Math.Pow(Beta, i + 1));
                rates.Add(rate);
                losses.Add(loss);
                smoothed.Add(smooth);
                progress?.Invoke((i + 1.0) / request.Batches);
                best = Math.Min(best, smooth);
                if (smooth > StopFactor * best)
                {
                    stopped = $"the smoothed loss passed {StopFactor} times its best at {rate:G3}";
                    break;
                }
            }
            var (valley, steepest, minimumOverTen) = Suggest([.. rates], [.. smoothed]);
            static double? Known(double rate) => double.IsFinite(rate) ? rate : null;
            return new LrCurve(seed, [.. rates], [.. losses], [.. smoothed], stopped, Known(valley), Known(steepest), Known(minimumOverTen));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// fastai's three suggestions from a smoothed curve: the valley (two thirds down the longest descending run of the
    /// curve, its first tenth and last five points left out), the steepest descent (against log rate), and the rate at
    /// the minimum divided by ten. NaN when the curve is too short.
    /// </summary>
    public static (double Valley, double Steepest, double MinimumOverTen) Suggest(double[] rates, double[] smoothed)
    {
        if (rates.Length < 3)
        {
            return (double.NaN, double.NaN, double.NaN);
        }
        var minimum = Array.IndexOf(smoothed, smoothed.Min());
        var steepest = 0;
        for (var i = 1; i < rates.Length - 1; i++)
        {
            if (Slope(rates, smoothed, i) < Slope(rates, smoothed, steepest))
            {
                steepest = i;
            }
        }
        var skip = rates.Length >= 20 ? rates.Length / 10 : 0;
        var take = rates.Length >= 20 ? rates.Length - skip - 5 : rates.Length;
        return (rates[skip + Valley(smoothed.AsSpan(skip, take))], rates[steepest], rates[minimum] / 10);
    }

    private static double Slope(double[] rates, double[] smoothed, int i) =>
        (smoothed[i + 1] - smoothed[i]) / (Math.Log(rates[i + 1]) - Math.Log(rates[i]));

    // fastai's valley: the longest strictly decreasing subsequence; two thirds of the way along it.
    private static int Valley(ReadOnlySpan<double> losses)
    {
        var longest = new int[losses.Length];
        Array.Fill(longest, 1);
        int start = 0, end = 0;
        for (var i = 1; i < losses.Length; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (losses[i] < losses[j] && longest[i] < longest[j] + 1)
                {
                    longest[i] = longest[j] + 1;
                }
                if (longest[end] < longest[i])
                {
                    end = i;
                    start = end - longest[end];
                }
            }
        }
        var sections = (end - start) / 3.0;
        return Math.Clamp(start + (int)sections + (int)(sections / 2), 0, losses.Length - 1);
    }

    /// <summary>Each suggestion's median over the seeds, with the lowest and highest.</summary>
    public static IReadOnlyList<LrSuggestion> Suggestions(IReadOnlyList<LrCurve> curves)
    {
        LrSuggestion Of(string name, string meaning, Func<LrCurve, double?> pick)
        {
            var values = curves.Select(pick).OfType<double>().Order().ToArray();
            return values.Length == 0
                ? new LrSuggestion(name, meaning, null, null, null)
                : new LrSuggestion(name, meaning, values[values.Length / 2], values[0], values[^1]);
        }
        return
        [
            Of("valley", "two thirds down the longest descent of the smoothed loss (fastai's default)", c => c.Valley),
            Of("steepest", "where the smoothed loss falls fastest against log rate", c => c.Steepest),
            Of("minimum / 10", "a tenth of the rate at the lowest smoothed loss", c => c.MinimumOverTen),
        ];
    }
}
