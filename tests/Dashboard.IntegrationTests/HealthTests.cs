using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.IntegrationTests;

/// <summary>Records the health samples and epochs a run reports.</summary>
internal sealed class HealthObserver : ITrainingObserver
{
    public List<HealthSample> Samples { get; } = [];
    public List<EpochMetrics> Epochs { get; } = [];

    public void OnHealth(HealthSample sample) => Samples.Add(sample);

    public void OnEpoch(EpochMetrics epoch) => Epochs.Add(epoch);

    public List<HealthAlert> Alerts => [.. Samples.SelectMany(s => s.NewAlerts)];
}

/// <summary>Training health measured by the engine (RunConfig.HealthEvery) and the alerts it raises, on generated digits.</summary>
public sealed class HealthTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = Write(new TempFolder());

    private static TempFolder Write(TempFolder folder)
    {
        SyntheticData.WriteMnistLike(folder.Path, train: 640, test: 100);
        return folder;
    }

    private DatasetCatalog Catalog => new(_temp.Path);

    private static RunConfig Tiny => new()
    {
        Model = "mlp", Optimizer = OptimizerKind.Sgd, LearningRate = 0.05, Epochs = 2, BatchSize = 32, ValidationFraction = 0,
        Device = "cpu", HealthEvery = 1,
    };

    private void Print(HealthObserver observer)
    {
        foreach (var alert in observer.Alerts)
        {
            output.WriteLine($"{alert.Kind} at {alert.Epoch}/{alert.Batch}: {alert.Message}");
        }
    }

    [Fact]
    public void A_network_of_ten_sigmoid_layers_raises_the_vanishing_gradient_alert_at_its_first_layer()
    {
        List<LayerSpec> layers = [LayerSpec.Flatten(), LayerSpec.Linear(784, 32), LayerSpec.Sigmoid()];
        for (var i = 1; i < 10; i++)
        {
            layers.AddRange([LayerSpec.Linear(32, 32), LayerSpec.Sigmoid()]);
        }
        layers.Add(LayerSpec.Linear(32, 10));
        var observer = new HealthObserver();

        new Trainer(Catalog).Run(Tiny with { Layers = layers }, observer);

        Print(observer);
        var vanishing = observer.Alerts.Where(a => a.Kind == HealthAlertKind.VanishingGradient).ToList();
        Assert.Equal([1, 2], vanishing.Select(a => a.Epoch)); // once an epoch
        Assert.All(vanishing, a => Assert.Equal(1, a.Layer));
        Assert.All(vanishing, a => Assert.InRange(a.Value!.Value, 0, HealthMonitor.VanishingRatio));
        Assert.DoesNotContain(observer.Alerts, a => a.Kind == HealthAlertKind.ExplodingGradient);
        // The epoch's stored health carries its alert.
        Assert.All(observer.Epochs, e => Assert.Contains(e.Health!.Alerts, a => a.Kind == HealthAlertKind.VanishingGradient));
    }

    [Fact]
    public void A_too_high_learning_rate_raises_the_exploding_gradient_alert_before_the_loss_diverges()
    {
        var observer = new HealthObserver();

        var error = Assert.Throws<RunDivergedException>(() => new Trainer(Catalog).Run(Tiny with { LearningRate = 1.0 }, observer));

        Print(observer);
        var exploding = Assert.Single(observer.Alerts, a => a.Kind == HealthAlertKind.ExplodingGradient && a.Epoch == 1);
        Assert.True(exploding.Value > HealthMonitor.ExplodingFactor, $"{exploding.Value}");
        var diverged = Assert.Single(observer.Alerts, a => a.Kind == HealthAlertKind.NonFiniteLoss);
        Assert.True(exploding.Batch < diverged.Batch, $"exploding at {exploding.Batch}, diverged at {diverged.Batch}");
        // The diverged epoch's health is never stored (it never ends): the run's error keeps its warnings.
        Assert.Contains($"Batch {exploding.Batch}: {exploding.Message}", error.Message);
    }

    [Fact]
    public void At_the_default_sampling_a_run_that_blows_up_in_its_first_epoch_is_warned_before_it_diverges()
    {
        // 80 batches an epoch, measured at 50 and 80 and, as warm-ups in the first epoch, at 1, 2, 4, 8, 16 and 32.
        var config = Tiny with { LearningRate = 0.15, BatchSize = 8, HealthEvery = new RunConfig().HealthEvery };
        var observer = new HealthObserver();

        Assert.Throws<RunDivergedException>(() => new Trainer(Catalog).Run(config, observer));

        Print(observer);
        var exploding = Assert.Single(observer.Alerts, a => a.Kind == HealthAlertKind.ExplodingGradient);
        var diverged = Assert.Single(observer.Alerts, a => a.Kind == HealthAlertKind.NonFiniteLoss);
        Assert.True((exploding.Epoch, exploding.Batch).CompareTo((diverged.Epoch, diverged.Batch)) < 0,
            $"exploding at {exploding.Epoch}/{exploding.Batch}, diverged at {diverged.Epoch}/{diverged.Batch}");
        // Only measurements that raised an alert reach the observer from the warm-ups.
        Assert.All(observer.Samples.Where(s => s.Batch is < 50), s => Assert.NotEmpty(s.NewAlerts));
    }

    [Fact]
    public void A_relu_layer_killed_by_a_far_too_high_rate_raises_the_dead_units_alert()
    {
        var observer = new HealthObserver();

        new Trainer(Catalog).Run(Tiny with { Model = "mlp-relu", Optimizer = OptimizerKind.Adam, LearningRate = 0.5 }, observer);

        Print(observer);
        var dead = observer.Alerts.Where(a => a.Kind == HealthAlertKind.DeadUnits).ToList();
        Assert.NotEmpty(dead);
        Assert.All(dead, a => Assert.Equal(2, a.Layer)); // mlp-relu's ReLU
        Assert.All(dead, a => Assert.True(a.Value > HealthMonitor.DeadFraction, $"{a.Value}"));
    }

    [Fact]
    public void The_same_network_at_a_learning_rate_whose_updates_are_about_1e_3_of_the_weights_raises_no_alert()
    {
        var observer = new HealthObserver();

        new Trainer(Catalog).Run(Tiny with { LearningRate = 0.001 }, observer);

        Print(observer);
        Assert.Empty(observer.Alerts);
        Assert.Equal(40, observer.Samples.Count); // every batch of two epochs of 20
    }

    [Fact]
    public void Measuring_leaves_training_bit_identical_and_each_epoch_holds_its_layers_health()
    {
        var config = Tiny with { Model = "cnn-bn", Optimizer = OptimizerKind.Adam, LearningRate = 1e-3, HealthEvery = 3 };
        var measured = new HealthObserver();
        var plain = new HealthObserver();

        var withHealth = new Trainer(Catalog).Run(config, measured);
        var without = new Trainer(Catalog).Run(config with { HealthEvery = 0 }, plain);

        Assert.Equal(without.Epochs.Select(e => (e.TrainLoss, e.TrainAccuracy)), withHealth.Epochs.Select(e => (e.TrainLoss, e.TrainAccuracy)));
        Assert.Equal(without.Predictions.Predicted, withHealth.Predictions.Predicted);
        Assert.Empty(plain.Samples);
        Assert.All(without.Epochs, e => Assert.Null(e.Health));

        // 20 batches an epoch: batches 3, 6, ..., 18 and the last.
        Assert.Equal([3, 6, 9, 12, 15, 18, 20], measured.Samples.Where(s => s.Epoch == 1).Select(s => s.Batch));
        var layers = NetworkPresetsLayers("cnn-bn");
        foreach (var epoch in withHealth.Epochs)
        {
            var health = epoch.Health!;
            Assert.Equal(7, health.Samples);
            Assert.Equal(layers.Count, health.Layers.Count);
            Assert.Equal(measured.Samples.Last(s => s.Epoch == epoch.Epoch).Health, health);
            foreach (var layer in health.Layers)
            {
                var kind = layers[layer.Layer].Kind;
                Assert.Equal(kind, layer.Kind);
                var weighted = kind is LayerKind.Linear or LayerKind.Conv2d or LayerKind.BatchNorm2d;
                Assert.Equal(weighted, layer.Parameters > 0);
                Assert.Equal(weighted, layer.GradientNorm is > 0);
                Assert.Equal(weighted, layer.UpdateRatio is > 0 and < 1);
                Assert.Equal(weighted, layer.Weights is { Counts.Count: Trainer.HistogramBins });
                Assert.Equal(weighted, layer.Gradients is not null);
                Assert.Equal(kind == LayerKind.ReLU, layer.DeadFraction is >= 0 and <= 1);
                Assert.Equal(kind == LayerKind.BatchNorm2d, layer.RunningVariance is > 0);
                Assert.NotNull(layer.ActivationStd);
                if (layer.Weights is { } weights)
                {
                    Assert.Equal(kind == LayerKind.BatchNorm2d ? layers[layer.Layer].In : Weights(layers[layer.Layer]), weights.Counts.Sum());
                    Assert.True(weights.Min < weights.Max);
                }
            }
        }
    }

    private static IReadOnlyList<LayerSpec> NetworkPresetsLayers(string name) => Dashboard.Server.Training.Networks.NetworkPresets.Find(name)!.Layers;

    private static long Weights(LayerSpec layer) => layer.Kind == LayerKind.Linear ? (long)layer.In * layer.Out : (long)layer.In * layer.Out * layer.Kernel * layer.Kernel;

    public void Dispose() => _temp.Dispose();
}

/// <summary>
/// On the real MNIST that scripts/setup.sh installs: runs a person would call healthy raise no alert (the corpus's MNIST
/// part in small, bench/alert-corpus.sh has the whole).
/// </summary>
public sealed class HealthOnMnistTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private void Healthy(RunConfig config, int measuredEpochs)
    {
        var observer = new HealthObserver();

        new Trainer(new DatasetCatalog(MnistFolder.Path)).Run(config with { TrainLimit = 12000, TestLimit = 1000, Device = "cpu" }, observer);

        foreach (var epoch in observer.Epochs)
        {
            output.WriteLine(Dashboard.Server.Cli.ConsoleProgress.HealthLine(epoch.Health!));
        }
        Assert.Empty(observer.Alerts);
        Assert.Equal(measuredEpochs, observer.Epochs.Count(e => e.Health is { Samples: > 0 }));
    }

    [Fact]
    public void Cnn_bn_with_adam_at_the_finders_valley_raises_no_alert() =>
        Healthy(new RunConfig { Model = "cnn-bn", LearningRate = 4.3e-4, Epochs = 2 }, 2);

    [Fact]
    public void The_tutorials_default_run_raises_no_alert_though_half_its_hidden_relus_never_fire() =>
        Healthy(new RunConfig { Epochs = 2 }, 2);

    [Fact]
    public void The_fast_recipe_raises_no_alert_at_its_one_cycle_peak() =>
        Healthy(Recipes.Find("fast")!.Config, 1);
}
