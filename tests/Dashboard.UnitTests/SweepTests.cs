using System.Text.Json;
using Dashboard.Client.Components;
using Dashboard.Server.Sweeps;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Sweeps;

namespace Dashboard.UnitTests;

/// <summary>The sweep's parts that need no training: samplers, ASHA's rule, the checks, the search space and the analysis.</summary>
public sealed class SweepTests
{
    private static JsonElement J(object value) => JsonSerializer.SerializeToElement(value);

    private static ParameterSpace Values(params object[] values) => new() { Values = [.. values.Select(J)] };

    private static ParameterSpace Range(string distribution, double min, double max) => new() { Distribution = distribution, Min = min, Max = max };

    private static IReadOnlyList<LayerSpec> Preset(string model, string dataset) => NetworkPresets.Find(model)!.Layers;

    private static IReadOnlyDictionary<string, string[]> Valid(RunConfig config) =>
        config.BatchSize < 1 ? new Dictionary<string, string[]> { ["batchSize"] = ["must be at least 1."] } : new Dictionary<string, string[]>();

    [Fact]
    public void A_grid_gives_every_combination_once_the_first_field_varying_slowest()
    {
        var space = new Dictionary<string, ParameterSpace> { ["learningRate"] = Values(0.1, 0.01), ["batchSize"] = Values(32, 64, 128) };
        var sampler = new GridSampler(space);
        var points = Enumerable.Range(1, 6).Select(n => sampler.Next(n, [], SweepGoal.Maximize))
            .Select(p => (p["learningRate"].GetDouble(), p["batchSize"].GetInt32())).ToList();
        Assert.Equal([(0.1, 32), (0.1, 64), (0.1, 128), (0.01, 32), (0.01, 64), (0.01, 128)], points);
        Assert.Equal(6, GridSampler.Size(space));
        Assert.Equal(9, GridSampler.Size(new Dictionary<string, ParameterSpace> { ["epochs"] = Range(ParameterSpace.IntUniform, 2, 4), ["seed"] = Values(1, 2, 3) }));
    }

    [Fact]
    public void Random_draws_stay_in_their_ranges_are_whole_for_integers_and_repeat_for_the_same_trial()
    {
        var space = new Dictionary<string, ParameterSpace>
        {
            ["learningRate"] = Range(ParameterSpace.LogUniform, 1e-4, 1e-1), ["epochs"] = Range(ParameterSpace.IntUniform, 2, 5),
            ["momentum"] = Range(ParameterSpace.Uniform, 0.8, 0.99), ["optimizer"] = Values("sgd", "adam"),
        };
        var sampler = new RandomSampler(space, seed: 7);
        var draws = Enumerable.Range(1, 400).Select(n => sampler.Next(n, [], SweepGoal.Maximize)).ToList();
        var rates = draws.Select(d => d["learningRate"].GetDouble()).ToList();
        Assert.All(rates, r => Assert.InRange(r, 1e-4, 1e-1));
        // Log-uniform: about a third of the draws in each decade.
        Assert.InRange(rates.Count(r => r < 1e-3), 100, 170);
        Assert.InRange(rates.Count(r => r > 1e-2), 100, 170);
        Assert.Equal([2, 3, 4, 5], draws.Select(d => d["epochs"].GetInt32()).Distinct().Order());
        Assert.All(draws, d => Assert.InRange(d["momentum"].GetDouble(), 0.8, 0.99));
        Assert.Equal(["adam", "sgd"], draws.Select(d => d["optimizer"].GetString()).Distinct().Order());
        Assert.Equal(JsonSerializer.Serialize(draws[4]), JsonSerializer.Serialize(new RandomSampler(space, 7).Next(5, [], SweepGoal.Maximize)));
        Assert.NotEqual(JsonSerializer.Serialize(draws[4]), JsonSerializer.Serialize(new RandomSampler(space, 8).Next(5, [], SweepGoal.Maximize)));
    }

    // A metric that peaks at a learning rate of 1e-2 and with adam: TPE should propose near the peak once it has seen trials.
    private static double Objective(IReadOnlyDictionary<string, JsonElement> p) =>
        1 - Math.Pow(Math.Log10(p["learningRate"].GetDouble()) + 2, 2) / 9 - (p["optimizer"].GetString() == "adam" ? 0 : 0.3);

    private static List<Observation> Sweep(Sampler sampler, int trials)
    {
        var done = new List<Observation>();
        for (var n = 1; n <= trials; n++)
        {
            var parameters = sampler.Next(n, done, SweepGoal.Maximize);
            done.Add(new Observation(parameters, Objective(parameters), Pruned: false));
        }
        return done;
    }

    [Fact]
    public void Tpe_proposes_near_the_best_trials_once_it_has_seen_enough_of_them()
    {
        var space = new Dictionary<string, ParameterSpace> { ["learningRate"] = Range(ParameterSpace.LogUniform, 1e-5, 1), ["optimizer"] = Values("sgd", "adam") };
        double Distance(List<Observation> trials) =>
            trials.Skip(20).Select(o => Math.Abs(Math.Log10(o.Parameters["learningRate"].GetDouble()) + 2)).Order().ElementAt(10);
        var (tpe, random) = (new List<double>(), new List<double>());
        var (tpeAdam, randomAdam) = (0, 0);
        for (var seed = 1; seed <= 5; seed++)
        {
            var a = Sweep(new TpeSampler(space, seed), 40);
            var b = Sweep(new RandomSampler(space, seed), 40);
            tpe.Add(Distance(a));
            random.Add(Distance(b));
            tpeAdam += a.Skip(20).Count(o => o.Parameters["optimizer"].GetString() == "adam");
            randomAdam += b.Skip(20).Count(o => o.Parameters["optimizer"].GetString() == "adam");
        }
        // The first ten are random for both; of trials 21-40, TPE's are closer to the peak (median distance in decades) and mostly adam.
        Assert.True(tpe.Average() < random.Average() / 2, $"TPE {tpe.Average():F2} vs random {random.Average():F2} decades from the peak");
        Assert.True(tpeAdam > randomAdam, $"TPE chose adam {tpeAdam} times of 100, random {randomAdam}");
        Assert.Equal(JsonSerializer.Serialize(Sweep(new TpeSampler(space, 3), 15)[^1]), JsonSerializer.Serialize(Sweep(new TpeSampler(space, 3), 15)[^1]));
    }

    [Fact]
    public void Asha_keeps_the_best_third_at_a_rung_and_only_a_new_best_while_few_have_reached_it()
    {
        var accuracy = new SweepMetric();
        Assert.True(Asha.Promote(0.5, [], 3, accuracy));                  // the first to reach a rung goes on
        Assert.False(Asha.Promote(0.5, [0.6], 3, accuracy));              // two reached it: only a new best goes on
        Assert.True(Asha.Promote(0.7, [0.6], 3, accuracy));
        Assert.False(Asha.Promote(0.85, [0.9, 0.8], 3, accuracy));        // three: the best one
        Assert.True(Asha.Promote(0.85, [0.9, 0.8, 0.7, 0.6, 0.5], 3, accuracy)); // six: the best two
        Assert.False(Asha.Promote(0.8, [0.9, 0.85, 0.7, 0.6, 0.5], 3, accuracy));
        var loss = new SweepMetric { Name = SweepMetric.ValidationLoss, Goal = SweepGoal.Minimize };
        Assert.True(Asha.Promote(0.1, [0.3, 0.2], 3, loss));
        Assert.False(Asha.Promote(0.25, [0.3, 0.2], 3, loss));
        Assert.Equal([1, 3], new EarlyStopping { Eta = 3, MinEpochs = 1 }.Rungs(6));
        Assert.Equal([1, 3, 9], new EarlyStopping { Eta = 3, MinEpochs = 1 }.Rungs(10));
        Assert.Equal([2, 4], new EarlyStopping { Eta = 2, MinEpochs = 2 }.Rungs(8));
        Assert.Empty(new EarlyStopping { Eta = 3, MinEpochs = 1 }.Rungs(1));
    }

    private static SweepSpec Spec(Dictionary<string, ParameterSpace> space, SweepMethod method = SweepMethod.Random, int? trials = 5, RunConfig? baseConfig = null) =>
        new() { Base = baseConfig ?? new RunConfig { Model = "cnn-bn", Epochs = 6 }, Method = method, Trials = trials, Space = space };

    [Fact]
    public void A_sweep_that_cannot_run_is_refused_field_by_field_before_any_trial()
    {
        var (_, errors) = SweepChecks.Plan(Spec(new()
        {
            ["learningRate"] = Range(ParameterSpace.LogUniform, 0, 0.1),
            ["colour"] = Values("red"),
            ["batchSize"] = Values(0, 64),
            ["optimizer"] = Range(ParameterSpace.Uniform, 0, 1),
            ["epochs"] = Values(2.5),
        }, trials: null, baseConfig: new RunConfig { ValidationFraction = 0, BatchSize = 0 }) with
        { Parallel = 0, EarlyStopping = new EarlyStopping { Eta = 1, MinEpochs = 10 } }, Valid, Preset);
        Assert.Contains("min above 0", errors["space.learningRate"][0]);
        Assert.Contains("cannot be swept", errors["space.colour"][0]);
        Assert.Contains("0: batchSize must be at least 1.", errors["space.batchSize"][0]);
        Assert.Contains("give them as values", errors["space.optimizer"][0]);
        Assert.Contains("is not an integer", errors["space.epochs"][0]);
        Assert.Contains("must be above 0", errors["base.validationFraction"][0]);
        Assert.Equal(["must be at least 1."], errors["base.batchSize"]);
        Assert.Contains("must be 1 to", errors["parallel"][0]);
        Assert.Contains("must be 1 to", errors["trials"][0]);
        Assert.Contains("must be 2 to 10", errors["earlyStopping.eta"][0]);
        Assert.Contains("below the trials' epochs", errors["earlyStopping.minEpochs"][0]);

        var (_, grid) = SweepChecks.Plan(Spec(new() { ["learningRate"] = Range(ParameterSpace.Uniform, 0.01, 0.1) }, SweepMethod.Grid, trials: null), Valid, Preset);
        Assert.Contains("a grid needs a list of values", grid["space.learningRate"][0]);
        var (_, dropout) = SweepChecks.Plan(Spec(new() { ["dropout"] = Range(ParameterSpace.Uniform, 0.1, 0.5) }, baseConfig: new RunConfig { Model = "logreg" }), Valid, Preset);
        Assert.Contains("has no Dropout layer", dropout["space.dropout"][0]);
    }

    [Fact]
    public void A_valid_sweep_is_planned_with_its_budget()
    {
        var (random, errors) = SweepChecks.Plan(Spec(new() { ["learningRate"] = Range(ParameterSpace.LogUniform, 1e-4, 1e-1), ["dropout"] = Values(0.1, 0.5) }, trials: 27)
            with { EarlyStopping = new EarlyStopping() }, Valid, Preset);
        Assert.Empty(errors);
        Assert.Equal(27, random!.Budget);
        var (grid, _) = SweepChecks.Plan(Spec(new() { ["batchSize"] = Values(32, 64), ["epochs"] = Range(ParameterSpace.IntUniform, 1, 3) }, SweepMethod.Grid, trials: null), Valid, Preset);
        Assert.Equal(6, grid!.Budget);
        var (capped, _) = SweepChecks.Plan(Spec(new() { ["batchSize"] = Values(32, 64) }, SweepMethod.Grid, trials: 1), Valid, Preset);
        Assert.Equal(1, capped!.Budget);
    }

    [Fact]
    public void Parameters_are_written_into_the_base_configuration_as_the_api_reads_them()
    {
        var config = SearchSpace.Apply(new RunConfig { Model = "cnn-bn", Epochs = 6 }, new Dictionary<string, JsonElement>
        {
            ["learningRate"] = J(0.02), ["optimizer"] = J("sgd"), ["schedule"] = J("onecycle"), ["augmentation.rotation"] = J(10.0),
            ["augmentation.flip"] = J(true), ["dropout"] = J(0.25), ["batchSize"] = J(128),
        }, Preset);
        Assert.Equal((0.02, OptimizerKind.Sgd, LearningRateSchedule.OneCycle, 10.0, true, 128, 6),
            (config.LearningRate, config.Optimizer, config.Schedule, config.Augmentation.Rotation, config.Augmentation.Flip, config.BatchSize, config.Epochs));
        Assert.Equal([0.25], config.Layers!.Where(l => l.Kind == LayerKind.Dropout).Select(l => l.P));
        Assert.Equal(NetworkPresets.Find("cnn-bn")!.Layers.Count, config.Layers!.Count);
    }

    private static SweepRecord Record(params (double Rate, string Optimizer, double? Metric, RunStatus Status)[] trials) => new()
    {
        Id = 1,
        Spec = Spec(new() { ["learningRate"] = Range(ParameterSpace.LogUniform, 1e-4, 1), ["optimizer"] = Values("sgd", "adam") }),
        Trials = [.. trials.Select((t, i) => new SweepTrial
        {
            Number = i + 1, RunId = i + 1, Status = t.Status, Metric = t.Metric,
            Parameters = new Dictionary<string, JsonElement> { ["learningRate"] = J(t.Rate), ["optimizer"] = J(t.Optimizer) },
        })],
    };

    [Fact]
    public void Importance_ranks_the_parameter_that_orders_the_metric_first()
    {
        var sweep = Record((1e-4, "sgd", 0.5, RunStatus.Completed), (1e-3, "adam", 0.6, RunStatus.Completed), (1e-2, "sgd", 0.7, RunStatus.Completed),
            (1e-1, "adam", 0.9, RunStatus.Completed), (0.5, "sgd", 0.95, RunStatus.Completed), (0.9, "sgd", null, RunStatus.Running));
        var importance = SweepAnalysis.Importance(sweep);
        Assert.Equal("learningRate", importance[0].Name);
        Assert.Equal(1.0, importance[0].Value!.Value, 9);
        Assert.Equal(5, importance[0].Trials);
        Assert.Equal(SweepAnalysis.CorrelationRatio, importance[1].Measure);
        Assert.InRange(importance[1].Value!.Value, 0, 0.99);
        Assert.Null(SweepAnalysis.Importance(Record((1e-3, "sgd", 0.5, RunStatus.Completed)))[0].Value);
        Assert.Equal([1.5, 1.5, 3], SweepAnalysis.Ranks([2.0, 2.0, 5.0]));
        var axes = SweepAnalysis.Axes(sweep.Spec);
        Assert.Equal(("log", "category"), (axes[0].Type, axes[1].Type));
        Assert.Equal(1, SweepAnalysis.ChartValue(axes[1], sweep.Trials[1])); // adam is the second of [sgd, adam]
    }

    [Theory]
    [InlineData("1e-4..1e-1 log", "log-uniform", 1e-4, 0.1)]
    [InlineData("0.8..0.99", "uniform", 0.8, 0.99)]
    [InlineData(" 2 .. 8 int", "int-uniform", 2, 8)]
    public void The_sweep_form_reads_a_range(string text, string distribution, double min, double max)
    {
        var (space, problem) = SweepFieldText.Parse(text);
        Assert.Null(problem);
        Assert.Equal((distribution, min, max), (space!.Distribution, space.Min!.Value, space.Max!.Value));
    }

    [Fact]
    public void The_sweep_form_reads_values_as_numbers_flags_or_names_and_names_what_it_cannot_read()
    {
        var (space, _) = SweepFieldText.Parse("64, 128.5, true, adam");
        Assert.Equal([JsonValueKind.Number, JsonValueKind.Number, JsonValueKind.True, JsonValueKind.String], space!.Values!.Select(v => v.ValueKind));
        Assert.NotNull(SweepFieldText.Parse(" ").Problem);
        Assert.NotNull(SweepFieldText.Parse(",").Problem);
    }
}
