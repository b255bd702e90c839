using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Cli;
using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.IntegrationTests;

public sealed class LearningRateFinderTests() : ApiTestBase(train: 400, test: 50)
{
    private static readonly RunConfig CnnBn = new() { Model = "cnn-bn", BatchSize = 32, Optimizer = OptimizerKind.Adam, Device = "cpu" };

    [Fact]
    public void A_sweep_trains_a_copy_and_leaves_the_network_its_batchnorm_buffers_and_predictions_bit_identical()
    {
        var catalog = new DatasetCatalog(Data.Path);
        var plan = RunPlan.Make(CnnBn, catalog);
        var (train, _) = catalog.Load("mnist");
        using var data = DeviceDataset.Create(train.Pixels, train.Labels, train.Shape, CnnBn.NormalizeMean, CnnBn.NormalizeStd, "cpu");
        TorchRuntime.ManualSeed(3);
        using var network = Network.Create(plan.Layers, "cpu");
        var pixels = train.Pixels.Take(784 * 8).Select(p => p / 255f).ToArray();
        // The same file name in two folders: torch::save names its zip archive's records after the file.
        string before = Path.Combine(Directory.CreateDirectory(Data.File("before")).FullName, "net.pt"),
            after = Path.Combine(Directory.CreateDirectory(Data.File("after")).FullName, "net.pt");
        network.Save(before);
        var predicted = network.Predict(pixels, 8, train.Shape, CnnBn.NormalizeMean, CnnBn.NormalizeStd, 10);

        var curve = LearningRateFinder.Sweep(network, plan, data, [.. Enumerable.Range(0, train.Count).Select(i => (long)i)], seed: 1,
            new LrFindRequest { Config = CnnBn, Batches = 30 });

        network.Save(after);
        // The saved file holds every parameter and buffer (BatchNorm's running mean, variance and batch count).
        Assert.Equal(File.ReadAllBytes(before), File.ReadAllBytes(after));
        Assert.Equal(predicted, network.Predict(pixels, 8, train.Shape, CnnBn.NormalizeMean, CnnBn.NormalizeStd, 10));
        // The copy did train: from 1e-7, the rate growing by (10 / 1e-7)^(1/29) a batch, the loss moving, until a stop rule.
        Assert.InRange(curve.Rates.Length, 10, 30);
        Assert.Equal(1e-7, curve.Rates[0], 12);
        Assert.All(curve.Rates.Skip(1).Zip(curve.Rates), p => Assert.Equal(Math.Pow(1e8, 1 / 29.0), p.First / p.Second, 9));
        Assert.True(curve.Losses.Distinct().Count() > curve.Losses.Length / 2, string.Join(", ", curve.Losses));
        Assert.True(curve.Rates.Length == 30 || curve.Stopped.Contains("4 times"), curve.Stopped);
        Assert.All(curve.Smoothed, s => Assert.True(double.IsFinite(s)));
    }

    [Fact]
    public async Task The_api_sweeps_each_seed_and_suggests_three_rates_and_refuses_bad_requests_naming_the_field()
    {
        var response = await Client.PostAsJsonAsync("/api/lr-find", new LrFindRequest
        {
            Config = new RunConfig { Model = "logreg", BatchSize = 16, Device = "cpu" }, Batches = 40, Seeds = 2,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<LrFindResult>(RunsApiTests.Json))!;
        Assert.Equal([1, 2], result.Curves.Select(c => c.Seed));
        Assert.Equal(["valley", "steepest", "minimum / 10"], result.Suggestions.Select(s => s.Name));
        foreach (var s in result.Suggestions)
        {
            Assert.NotNull(s.Rate);
            Assert.InRange(s.Rate.Value, s.Low!.Value, s.High!.Value);
            Assert.InRange(s.Rate.Value, 1e-7, 10);
        }
        // Too high a rate ends a sweep early: either the smoothed loss passed four times its best or the loss overflowed.
        Assert.All(result.Curves, c => Assert.True(c.Rates.Length == 40 || c.Stopped.Contains("4 times") || c.Stopped.Contains("NaN"), c.Stopped));

        var bad = await Client.PostAsJsonAsync("/api/lr-find", new LrFindRequest
        {
            Config = new RunConfig { Model = "resnet", Device = "cpu" }, Start = -1, Batches = 5, Seeds = 9,
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        var fields = problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToList();
        Assert.Equal(["batches", "config.model", "seeds", "start"], fields);
    }

    [Fact]
    public void The_lr_find_verb_prints_each_seed_and_the_suggestions_and_writes_the_curve()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = LrFindCommand.Run(["--data", Data.Path, "--model", "logreg", "--batch-size", "16", "--device", "cpu", "--batches", "30",
            "--seeds", "2", "--curve", Data.File("curve.csv")], output, error);
        Assert.True(exit == 0, error.ToString());
        Assert.Contains("seed 1: ", output.ToString());
        Assert.Contains("seed 2: ", output.ToString());
        Assert.Contains("valley", output.ToString());
        var lines = File.ReadAllLines(Data.File("curve.csv"));
        Assert.Equal("seed,rate,loss,smoothed", lines[0]);
        Assert.True(lines.Length > 20);

        Assert.Equal(2, LrFindCommand.Run(["--data", Data.Path, "--batches", "3"], new StringWriter(), error));
        Assert.Contains("batches: must be from 10 to 1000, got 3.", error.ToString());
    }
}

/// <summary>On the real MNIST that scripts/setup.sh installs: the finder's valley is a rate that trains cnn-bn well.</summary>
public sealed class LearningRateFinderOnMnistTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void For_cnn_bn_with_adam_the_valley_lies_between_3e_4_and_3e_2_and_one_epoch_at_it_reaches_98_percent()
    {
        var catalog = new DatasetCatalog(MnistFolder.Path);
        var config = new RunConfig { Model = "cnn-bn", Optimizer = OptimizerKind.Adam, Epochs = 1, Device = "cpu" };

        var found = new LearningRateFinder(catalog).Find(RunPlan.Make(config, catalog), "cpu", new LrFindRequest { Config = config });
        var valley = found.Suggestions.Single(s => s.Name == "valley");
        output.WriteLine($"valley {valley.Rate:G3} ({valley.Low:G3} .. {valley.High:G3}) in {found.Seconds:F1} s; " +
            string.Join("; ", found.Curves.Select(c => $"seed {c.Seed}: {c.Rates.Length} batches, {c.Stopped}")));
        Assert.InRange(valley.Rate!.Value, 3e-4, 3e-2);

        var trained = new Trainer(catalog).Run(config with { LearningRate = valley.Rate.Value }, new RecordingObserver());
        output.WriteLine($"one epoch at {valley.Rate:G3}: test accuracy {trained.Test.Accuracy:P2}");
        Assert.True(trained.Test.Accuracy >= 0.98, $"test accuracy {trained.Test.Accuracy:P2}");
    }
}
