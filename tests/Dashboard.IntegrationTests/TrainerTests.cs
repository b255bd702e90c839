using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.IntegrationTests;

/// <summary>Records every event, to check what the engine reports and in which order.</summary>
internal sealed class RecordingObserver : ITrainingObserver
{
    public List<string> Events { get; } = [];
    public List<BatchProgress> Batches { get; } = [];
    public List<EpochMetrics> Epochs { get; } = [];
    public RunStarted? Started { get; private set; }
    public TestMetrics? Test { get; private set; }
    public Action<BatchProgress>? AfterBatch { get; init; }

    public void OnStarted(RunStarted started)
    {
        Started = started;
        Events.Add("started");
    }

    public void OnBatch(BatchProgress progress)
    {
        Batches.Add(progress);
        AfterBatch?.Invoke(progress);
    }

    public void OnEpoch(EpochMetrics epoch)
    {
        Epochs.Add(epoch);
        Events.Add($"epoch {epoch.Epoch}");
    }

    public void OnCompleted(TestMetrics test)
    {
        Test = test;
        Events.Add("completed");
    }
}

public sealed class TrainerTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly DatasetCatalog _catalog;

    public TrainerTests()
    {
        SyntheticData.WriteMnistLike(_temp.Path, train: 400, test: 100);
        _catalog = new DatasetCatalog(_temp.Path);
    }

    private static RunConfig Tiny(string model = "logreg", int epochs = 3) => new()
    {
        Model = model,
        Epochs = epochs,
        BatchSize = 32,
        Optimizer = OptimizerKind.Sgd,
        LearningRate = 0.05,
        Device = "cpu",
    };

    [Fact]
    public void A_custom_network_with_sigmoid_activations_trains_and_its_sigmoid_outputs_lie_between_0_and_1()
    {
        using var folder = new TempFolder();
        var layers = new[]
        {
            Dashboard.Shared.Networks.LayerSpec.Flatten(), Dashboard.Shared.Networks.LayerSpec.Linear(784, 32),
            Dashboard.Shared.Networks.LayerSpec.Sigmoid(), Dashboard.Shared.Networks.LayerSpec.Linear(32, 10),
        };
        var observer = new RecordingObserver();
        new Trainer(_catalog).Run(Tiny() with { Layers = layers, LearningRate = 0.5 }, observer, new RunFiles(folder.File("model.pt")));
        Assert.True(observer.Epochs[^1].TrainLoss < observer.Epochs[0].TrainLoss,
            $"loss went from {observer.Epochs[0].TrainLoss} to {observer.Epochs[^1].TrainLoss}");

        var (network, card) = Checkpoint.Load(folder.File("model.pt"));
        using (network)
        {
            var outputs = network.ForwardLayers(new float[784], card.Input, 0.5, 0.5, [784, 32, 32, 10]);
            Assert.All(outputs[2], v => Assert.InRange(v, 0f, 1f));
            Assert.Contains(outputs[1], v => v < 0 || v > 1);
        }
    }

    [Theory]
    [InlineData("logreg")]
    [InlineData("cnn-small")]
    [InlineData("cnn-bn")]
    public void A_tiny_training_lowers_the_loss_and_reports_every_event_in_order(string model)
    {
        var observer = new RecordingObserver();
        var result = new Trainer(_catalog).Run(Tiny(model), observer);

        Assert.Equal(["started", "epoch 1", "epoch 2", "epoch 3", "completed"], observer.Events);
        Assert.True(observer.Epochs[^1].TrainLoss < observer.Epochs[0].TrainLoss,
            $"loss went from {observer.Epochs[0].TrainLoss} to {observer.Epochs[^1].TrainLoss}");
        Assert.True(result.Test.Accuracy > 0.5, $"test accuracy {result.Test.Accuracy}");
        Assert.Equal(320, observer.Started!.TrainImages);
        Assert.Equal(80, observer.Started.ValidationImages);
        Assert.Equal(10, observer.Started.BatchesPerEpoch);
        // Progress comes after each native call (one or more batches): rising within an epoch, ending at the last batch.
        foreach (var epoch in observer.Batches.GroupBy(b => b.Epoch))
        {
            Assert.Equal(epoch.Select(b => b.Batch).Order(), epoch.Select(b => b.Batch));
            Assert.Equal(10, epoch.Last().Batch);
        }
        Assert.Equal([1, 2, 3], observer.Batches.Select(b => b.Epoch).Distinct());
        Assert.All(observer.Epochs, e => Assert.NotNull(e.ValidationAccuracy));
        Assert.Equal(100, result.Test.ConfusionMatrix.Sum(row => row.Sum()));
        Assert.Equal(result.Test.Accuracy, result.Test.PerClass.Sum(c => c.Accuracy * c.Support) / 100, 10);
    }

    [Fact]
    public void A_fixed_seed_on_cpu_reproduces_a_run_exactly()
    {
        var config = Tiny("cnn-bn", epochs: 2) with { Seed = 7 };
        var first = new Trainer(_catalog).Run(config, new RecordingObserver());
        var second = new Trainer(_catalog).Run(config, new RecordingObserver());
        var third = new Trainer(_catalog).Run(config with { Seed = 8 }, new RecordingObserver());

        Assert.Equal(first.Epochs.Select(e => e.TrainLoss), second.Epochs.Select(e => e.TrainLoss));
        Assert.Equal(first.Epochs.Select(e => e.ValidationLoss), second.Epochs.Select(e => e.ValidationLoss));
        Assert.Equal(first.Test.ConfusionMatrix, second.Test.ConfusionMatrix);
        Assert.NotEqual(first.Epochs.Select(e => e.TrainLoss), third.Epochs.Select(e => e.TrainLoss));
    }

    [Fact]
    public void A_scheduled_run_reports_the_rate_of_each_epochs_last_batch()
    {
        var config = Tiny(epochs: 2) with { Schedule = LearningRateSchedule.OneCycle };
        var result = new Trainer(_catalog).Run(config, new RecordingObserver());

        var batches = result.Started.BatchesPerEpoch;
        Assert.Equal(Schedules.At(LearningRateSchedule.OneCycle, 0.05, batches - 1, 2 * batches), result.Epochs[0].LearningRate, 12);
        // The last rate of a one-cycle run is about lr / 250,000, above libtorch's floor.
        Assert.Equal(0.05 / 250_000, result.Epochs[1].LearningRate, 12);
        Assert.True(result.Epochs[1].TrainLoss < result.Epochs[0].TrainLoss);
    }

    [Fact]
    public void Cancellation_stops_between_batches_after_the_completed_epochs_were_reported()
    {
        using var cancel = new CancellationTokenSource();
        var observer = new RecordingObserver
        {
            AfterBatch = p =>
            {
                if (p.Epoch == 2 && p.Batch >= 3)
                {
                    cancel.Cancel();
                }
            },
        };
        Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(_catalog).Run(Tiny(), observer, cancellation: cancel.Token));
        Assert.Equal(["started", "epoch 1"], observer.Events);
        // Stopped at the first call boundary after batch 3 of epoch 2, before that epoch ended.
        Assert.Equal(2, observer.Batches[^1].Epoch);
        Assert.InRange(observer.Batches[^1].Batch, 3, 9);
    }

    [Fact]
    public void Without_a_validation_split_every_image_trains_and_validation_is_absent()
    {
        var observer = new RecordingObserver();
        new Trainer(_catalog).Run(Tiny(epochs: 1) with { ValidationFraction = 0 }, observer);
        Assert.Equal(400, observer.Started!.TrainImages);
        Assert.Null(observer.Epochs[0].ValidationLoss);
    }

    [Fact]
    public void A_batch_larger_than_the_training_split_is_a_field_error()
    {
        var e = Assert.Throws<RunConfigException>(() => new Trainer(_catalog).Run(Tiny() with { BatchSize = 500 }, new RecordingObserver()));
        Assert.Contains("batchSize", e.Errors.Keys);
    }

    [Fact]
    public void The_checkpoint_reloads_and_predicts_what_the_run_reported()
    {
        var path = _temp.File("runs/model.pt");
        var result = new Trainer(_catalog).Run(Tiny("cnn-small", epochs: 2), new RecordingObserver(), new RunFiles(path));
        var (network, card) = Checkpoint.Load(path, "cpu");
        using (network)
        {
            var (_, test) = _catalog.Load("mnist");
            var probabilities = network.Predict(test.Pixels.Select(p => p / 255f).ToArray(), test.Count, test.Shape,
                card.NormalizeMean, card.NormalizeStd, 10);
            var predictions = Enumerable.Range(0, test.Count)
                .Select(i => (long)Array.IndexOf(probabilities, probabilities.Skip(i * 10).Take(10).Max(), i * 10, 10) - i * 10)
                .ToArray();
            var matrix = ClassificationReport.ConfusionMatrix(predictions, test.Labels, 10);
            Assert.Equal(result.Test.ConfusionMatrix, matrix);
            Assert.Equal("cnn-small", card.Model);
            Assert.Equal(result.Test.Accuracy, card.TestAccuracy);
        }
    }

    [Fact]
    public void Fashion_mnist_and_cifar_shaped_data_train_with_the_matching_presets()
    {
        SyntheticData.WriteMnistLike(_temp.Path, train: 200, test: 50, subfolder: "fashion-mnist", gzip: true);
        SyntheticData.WriteCifarLike(_temp.Path, perBatch: 40);
        var fashion = new Trainer(_catalog).Run(Tiny("mlp-relu", epochs: 2) with { Dataset = "fashion-mnist" }, new RecordingObserver());
        Assert.Equal("Ankle boot", fashion.Test.Classes[9]);
        var cifar = new Trainer(_catalog).Run(Tiny("lenet", epochs: 1) with { Dataset = "cifar10", BatchSize = 16 }, new RecordingObserver());
        Assert.Equal(40, cifar.Test.Images);
        Assert.Equal("truck", cifar.Test.Classes[9]);
    }

    public void Dispose() => _temp.Dispose();
}
