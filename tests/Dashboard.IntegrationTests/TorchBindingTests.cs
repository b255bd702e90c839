using Dashboard.Server.Torch;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.IntegrationTests;

public class TorchBindingTests
{
    [Fact]
    public void Runtime_reports_a_version_and_uses_every_core_by_default()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+$", TorchRuntime.Version);
        Assert.Equal(Environment.ProcessorCount, TorchRuntime.Threads);
    }

    [Fact]
    public void Auto_resolves_to_cpu_without_cuda_and_asking_for_cuda_is_a_clear_error()
    {
        if (TorchRuntime.CudaDeviceCount > 0)
        {
            Assert.Equal("cuda:0", TorchRuntime.ResolveDevice("auto"));
            return;
        }
        Assert.Equal("cpu", TorchRuntime.ResolveDevice("auto"));
        var e = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("cuda"));
        Assert.Contains("no CUDA device", e.Message);
    }

    [Fact]
    public void The_native_layer_builds_on_cuda_only_where_there_is_cuda()
    {
        LayerSpec[] layers = [LayerSpec.Flatten(), LayerSpec.Linear(4, 2)];
        if (TorchRuntime.CudaDeviceCount > 0)
        {
            using var network = Network.Create(layers, "cuda");
            Assert.Equal("cuda", network.Device);
            return;
        }
        var e = Assert.Throws<TorchException>(() => Network.Create(layers, "cuda"));
        Assert.Contains("CUDA was requested", e.Message);
    }

    [Fact]
    public void A_shape_error_inside_libtorch_surfaces_as_a_TorchException_with_libtorchs_text()
    {
        // The spec is deliberately wrong for 28x28 input; validation is bypassed to reach libtorch.
        using var network = Network.Create([LayerSpec.Flatten(), LayerSpec.Linear(100, 10)], "cpu");
        var e = Assert.Throws<TorchException>(() =>
            network.Predict(new float[784], 1, TensorShape.Image(1, 28, 28), 0.5, 0.5, 10));
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied", e.Message);
        // The process and the network survive the error.
        using var fits = Network.Create([LayerSpec.Flatten(), LayerSpec.Linear(784, 10)], "cpu");
        Assert.Equal(10, fits.Predict(new float[784], 1, TensorShape.Image(1, 28, 28), 0.5, 0.5, 10).Length);
    }

    [Fact]
    public void Invalid_layer_parameters_are_errors_not_crashes()
    {
        var e = Assert.Throws<TorchException>(() => Network.Create([new LayerSpec((LayerKind)99)], "cpu"));
        Assert.Contains("unknown layer kind 99", e.Message);
        Assert.Throws<TorchException>(() => Network.Create([], "cpu"));
    }

    [Fact]
    public void Optimizer_rejects_a_non_positive_learning_rate()
    {
        using var network = Network.Create([LayerSpec.Flatten(), LayerSpec.Linear(4, 2)], "cpu");
        var e = Assert.Throws<TorchException>(() => Optimizer.Create(network, OptimizerKind.Sgd, 0, 0, 0));
        Assert.Contains("learning rate must be positive", e.Message);
    }

    [Fact]
    public void Training_batches_from_a_start_beyond_the_index_is_an_error()
    {
        var (pixels, labels) = SyntheticData.Digits(8, seed: 3);
        using var network = Network.Create([LayerSpec.Flatten(), LayerSpec.Linear(784, 10)], "cpu");
        using var optimizer = Optimizer.Create(network, OptimizerKind.Sgd, 0.1, 0, 0);
        using var data = DeviceDataset.Create(pixels, labels, TensorShape.Image(1, 28, 28), 0.5, 0.5, "cpu");
        using var index = DeviceIndex.Create([0, 1, 2, 3], "cpu");
        var e = Assert.Throws<TorchException>(() => network.TrainBatches(optimizer, data, index, start: 4, batchSize: 2, batches: 1));
        Assert.Contains("outside the index", e.Message);
    }

    [Fact]
    public void Per_batch_learning_rates_apply_to_their_own_batch_within_one_call()
    {
        var (pixels, labels) = SyntheticData.Digits(64, seed: 6);
        LayerSpec[] layers = [LayerSpec.Flatten(), LayerSpec.Linear(784, 10)];
        var shape = TensorShape.Image(1, 28, 28);
        var input = pixels.Select(p => p / 255f).ToArray();
        using var data = DeviceDataset.Create(pixels, labels, shape, 0.5, 0.5, "cpu");
        using var index = DeviceIndex.Create([.. Enumerable.Range(0, 64).Select(i => (long)i)], "cpu");
        double[] schedule = [0.2, 0.01, 0.05, 0.001];

        float[] Trained(Action<Network, Optimizer> train)
        {
            TorchRuntime.ManualSeed(4);
            using var network = Network.Create(layers, "cpu");
            using var optimizer = Optimizer.Create(network, OptimizerKind.Sgd, 0.2, 0, 0);
            train(network, optimizer);
            return network.Predict(input, 64, shape, 0.5, 0.5, 10);
        }
        var oneCall = Trained((n, o) => n.TrainBatches(o, data, index, 0, 16, 4, schedule));
        var callPerBatch = Trained((n, o) =>
        {
            for (var b = 0; b < 4; b++)
            {
                n.TrainBatches(o, data, index, b * 16, 16, 1, schedule.AsSpan(b, 1));
            }
        });
        var optimizersRate = Trained((n, o) => n.TrainBatches(o, data, index, 0, 16, 4));

        Assert.Equal(callPerBatch, oneCall);
        Assert.NotEqual(optimizersRate, oneCall);
        Assert.Equal(optimizersRate, Trained((n, o) => n.TrainBatches(o, data, index, 0, 16, 4, [0.2, 0.2, 0.2, 0.2])));

        using var network = Network.Create(layers, "cpu");
        using var optimizer = Optimizer.Create(network, OptimizerKind.Sgd, 0.2, 0, 0);
        Assert.Contains("learning rate must be positive",
            Assert.Throws<TorchException>(() => network.TrainBatches(optimizer, data, index, 0, 16, 2, [0.1, 0])).Message);
        Assert.Throws<ArgumentException>(() => network.TrainBatches(optimizer, data, index, 0, 16, 2, [0.1]));
    }

    [Fact]
    public void Save_and_load_reproduce_the_predictions_exactly()
    {
        using var temp = new TempFolder();
        var (pixels, labels) = SyntheticData.Digits(64, seed: 4);
        LayerSpec[] layers = [LayerSpec.Conv2d(1, 4, 3, padding: 1), LayerSpec.BatchNorm2d(4), LayerSpec.ReLU(), LayerSpec.MaxPool2d(2),
            LayerSpec.Flatten(), LayerSpec.Dropout(0.5), LayerSpec.Linear(784, 10)];
        var shape = TensorShape.Image(1, 28, 28);
        var input = pixels.Select(p => p / 255f).ToArray();

        using var trained = Network.Create(layers, "cpu");
        using (var optimizer = Optimizer.Create(trained, OptimizerKind.Adam, 1e-2, 0, 0))
        using (var data = DeviceDataset.Create(pixels, labels, shape, 0.5, 0.5, "cpu"))
        using (var index = DeviceIndex.Create([.. Enumerable.Range(0, 64).Select(i => (long)i)], "cpu"))
        {
            trained.TrainBatches(optimizer, data, index, 0, 16, 4);
        }
        var before = trained.Predict(input, 64, shape, 0.5, 0.5, 10);
        trained.Save(temp.File("model.pt"));

        using var loaded = Network.Create(layers, "cpu");
        Assert.NotEqual(before, loaded.Predict(input, 64, shape, 0.5, 0.5, 10));
        loaded.Load(temp.File("model.pt"));
        Assert.Equal(before, loaded.Predict(input, 64, shape, 0.5, 0.5, 10));
    }

    [Fact]
    public void A_channels_last_network_trains_like_an_ordinary_one_and_their_checkpoints_interchange()
    {
        using var temp = new TempFolder();
        var (pixels, labels) = SyntheticData.Digits(64, seed: 5);
        LayerSpec[] layers = [LayerSpec.Conv2d(1, 4, 3, padding: 1), LayerSpec.ReLU(), LayerSpec.MaxPool2d(2),
            LayerSpec.Flatten(), LayerSpec.Linear(784, 10)];
        var shape = TensorShape.Image(1, 28, 28);
        var input = pixels.Select(p => p / 255f).ToArray();

        float[] TrainedPredictions(bool channelsLast, string path)
        {
            TorchRuntime.ManualSeed(3);
            using var network = Network.Create(layers, "cpu", channelsLast);
            using var optimizer = Optimizer.Create(network, OptimizerKind.Adam, 1e-2, 0, 0);
            using var data = DeviceDataset.Create(pixels, labels, shape, 0.5, 0.5, "cpu");
            using var index = DeviceIndex.Create([.. Enumerable.Range(0, 64).Select(i => (long)i)], "cpu");
            network.TrainBatches(optimizer, data, index, 0, 16, 4);
            network.Save(path);
            return network.Predict(input, 64, shape, 0.5, 0.5, 10);
        }
        var ordinary = TrainedPredictions(false, temp.File("nchw.pt"));
        var channelsLast = TrainedPredictions(true, temp.File("nhwc.pt"));
        // The same arithmetic in another memory order: equal up to float summation order.
        Assert.Equal(ordinary.Length, channelsLast.Length);
        Assert.All(ordinary.Zip(channelsLast), pair => Assert.Equal(pair.First, pair.Second, 1e-3f));

        using var loaded = Network.Create(layers, "cpu", channelsLast: false);
        loaded.Load(temp.File("nhwc.pt"));
        Assert.All(channelsLast.Zip(loaded.Predict(input, 64, shape, 0.5, 0.5, 10)), pair => Assert.Equal(pair.First, pair.Second, 1e-5f));
    }

    [Fact]
    public void Bf16_training_runs_the_forward_pass_in_bf16_and_keeps_fp32_weights_that_load_into_an_fp32_network()
    {
        if (!TorchRuntime.Bf16Native("cpu"))
        {
            var e = Assert.Throws<Dashboard.Server.Training.RunConfigException>(() => new Dashboard.Server.Training.Trainer(new(Path.GetTempPath()))
                .Run(new RunConfig { Precision = Precision.Bf16, Device = "cpu" }, new NoObserver()));
            Assert.Contains("bf16 needs a CPU with AVX512-BF16", e.Message);
            return;
        }
        using var temp = new TempFolder();
        var (pixels, labels) = SyntheticData.Digits(64, seed: 6);
        LayerSpec[] layers = [LayerSpec.Conv2d(1, 4, 3, padding: 1), LayerSpec.BatchNorm2d(4), LayerSpec.ReLU(), LayerSpec.MaxPool2d(2),
            LayerSpec.Flatten(), LayerSpec.Linear(784, 10)];
        var shape = TensorShape.Image(1, 28, 28);
        var input = pixels.Select(p => p / 255f).ToArray();

        (float[] Predictions, double Loss) Train(Precision precision, string path)
        {
            TorchRuntime.ManualSeed(3);
            using var network = Network.Create(layers, "cpu", precision: precision);
            using var optimizer = Optimizer.Create(network, OptimizerKind.Adam, 1e-2, 0, 0);
            using var data = DeviceDataset.Create(pixels, labels, shape, 0.5, 0.5, "cpu");
            using var index = DeviceIndex.Create([.. Enumerable.Range(0, 64).Select(i => (long)i)], "cpu");
            var stats = network.TrainBatches(optimizer, data, index, 0, 16, 4);
            network.Save(path);
            return (network.Predict(input, 64, shape, 0.5, 0.5, 10), stats.LossSum);
        }
        var fp32 = Train(Precision.Fp32, temp.File("fp32.pt"));
        var bf16 = Train(Precision.Bf16, temp.File("bf16.pt"));
        // bf16 rounds the convolution and the linear layer: close to fp32, but not the same numbers.
        Assert.NotEqual(fp32.Loss, bf16.Loss);
        Assert.Equal(fp32.Loss, bf16.Loss, fp32.Loss * 0.05);
        // The checkpoint holds fp32 weights: an fp32 network loads it and predicts exactly as the bf16 run's network did
        // (predict runs in fp32 for every precision).
        using var loaded = Network.Create(layers, "cpu");
        loaded.Load(temp.File("bf16.pt"));
        Assert.Equal(bf16.Predictions, loaded.Predict(input, 64, shape, 0.5, 0.5, 10));
    }

    [Fact]
    public void Fp16_training_needs_cuda_and_an_unknown_precision_is_an_error()
    {
        LayerSpec[] layers = [LayerSpec.Flatten(), LayerSpec.Linear(784, 10)];
        Assert.Contains("fp16 training needs a CUDA device", Assert.Throws<TorchException>(() => Network.Create(layers, "cpu", precision: Precision.Fp16)).Message);
        Assert.Contains("unknown precision 7", Assert.Throws<TorchException>(() => Network.Create(layers, "cpu", precision: (Precision)7)).Message);
    }

    [Fact]
    public void Loading_a_corrupt_checkpoint_is_an_error_with_libtorchs_message()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("broken.pt"), "not a checkpoint");
        using var network = Network.Create([LayerSpec.Flatten(), LayerSpec.Linear(784, 10)], "cpu");
        var e = Assert.Throws<TorchException>(() => network.Load(temp.File("broken.pt")));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }
}

file sealed class NoObserver : Dashboard.Server.Training.ITrainingObserver;
