using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Runs;
using Xunit.Abstractions;

namespace Dashboard.IntegrationTests;

/// <summary>The shim's X-ray and attributions on a cnn-bn trained briefly on generated digits.</summary>
public sealed class AttributionTests : IClassFixture<AttributionTests.TrainedCnn>
{
    private readonly TrainedCnn _cnn;
    private readonly ITestOutputHelper _output;

    public AttributionTests(TrainedCnn cnn, ITestOutputHelper output) => (_cnn, _output) = (cnn, output);

    public sealed class TrainedCnn : IDisposable
    {
        private readonly TempFolder _folder = new();

        public TrainedCnn()
        {
            SyntheticData.WriteMnistLike(_folder.Path, train: 600, test: 50);
            var catalog = new DatasetCatalog(_folder.Path);
            Config = new RunConfig { Model = "cnn-bn", Epochs = 2, BatchSize = 32, Device = "cpu" };
            new Trainer(catalog).Run(Config, new RecordingObserver(), new RunFiles(_folder.File("model.pt")));
            Layers = NetworkPresets.Find("cnn-bn")!.Layers;
            Shape = catalog.Find("mnist")!.Shape;
            Network = Network.Create(Layers, "cpu");
            Network.Load(_folder.File("model.pt"));
            var (_, test) = catalog.Load("mnist");
            Image = [.. test.Pixels.Take(784).Select(p => p / 255f)];
        }

        public RunConfig Config { get; }
        public IReadOnlyList<Dashboard.Shared.Networks.LayerSpec> Layers { get; }
        public Dashboard.Shared.Networks.TensorShape Shape { get; }
        public Network Network { get; }
        public float[] Image { get; }

        public void Dispose()
        {
            Network.Dispose();
            _folder.Dispose();
        }
    }

    private Attribution Attribute(int target, int? other, AttributionMethod method, float[]? image = null, int samples = 50) =>
        _cnn.Network.Attribute(image ?? _cnn.Image, _cnn.Shape, _cnn.Config.NormalizeMean, _cnn.Config.NormalizeStd, target, other, method, samples);

    [Fact]
    public void Every_layers_output_is_returned_in_order_and_the_last_is_the_logits_predict_turns_into_probabilities()
    {
        var summary = NetworkShapes.Infer(_cnn.Layers, _cnn.Shape, 10);
        var outputs = _cnn.Network.ForwardLayers(_cnn.Image, _cnn.Shape, 0.5, 0.5, [.. summary.Layers.Select(l => l.Output.Elements)]);
        Assert.Equal(summary.Layers.Select(l => (int)l.Output.Elements), outputs.Select(o => o.Length));
        var logits = outputs[^1];
        var softmax = logits.Select(l => Math.Exp(l - logits.Max())).ToArray();
        var probabilities = _cnn.Network.Predict(_cnn.Image, 1, _cnn.Shape, 0.5, 0.5, 10);
        for (var c = 0; c < 10; c++)
        {
            Assert.Equal(softmax[c] / softmax.Sum(), probabilities[c], 4);
        }
        // A ReLU's output is never negative.
        var relu = summary.Layers.First(l => l.Layer.Kind == Dashboard.Shared.Networks.LayerKind.ReLU).Index;
        Assert.All(outputs[relu], v => Assert.True(v >= 0));
        // Conv2d weights, out x in x k x k; none for a ReLU.
        var conv = summary.Layers.First(l => l.Layer.Kind == Dashboard.Shared.Networks.LayerKind.Conv2d);
        Assert.Equal(conv.Layer.Out * conv.Layer.In * conv.Layer.Kernel * conv.Layer.Kernel, _cnn.Network.LayerWeights(conv.Index, 100_000).Length);
        Assert.Empty(_cnn.Network.LayerWeights(relu, 100_000));
    }

    [Fact]
    public void The_gradient_matches_finite_differences_and_why_a_not_b_is_the_difference_of_the_two()
    {
        var gradient = Attribute(3, null, AttributionMethod.Gradient);
        // The three pixels with the largest gradient, nudged both ways.
        foreach (var pixel in gradient.Map.Select((g, i) => (g, i)).OrderByDescending(p => Math.Abs(p.g)).Take(3).Select(p => p.i))
        {
            const float h = 1e-2f;
            var up = (float[])_cnn.Image.Clone();
            var down = (float[])_cnn.Image.Clone();
            up[pixel] += h;
            down[pixel] -= h;
            var numeric = (Attribute(3, null, AttributionMethod.Gradient, up).Objective - Attribute(3, null, AttributionMethod.Gradient, down).Objective) / (2 * h);
            Assert.Equal(gradient.Map[pixel], numeric, Math.Abs(numeric) * 0.05 + 1e-3);
        }
        var versus = Attribute(3, 5, AttributionMethod.Gradient);
        var five = Attribute(5, null, AttributionMethod.Gradient);
        for (var i = 0; i < versus.Map.Length; i++)
        {
            Assert.Equal(gradient.Map[i] - five.Map[i], versus.Map[i], 1e-4);
        }
        Assert.Equal(gradient.Objective - five.Objective, versus.Objective, 1e-4);
    }

    [Fact]
    public void Integrated_gradients_add_up_to_the_objectives_change_from_black_within_one_percent()
    {
        foreach (var target in new[] { 0, 3, 7 })
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var ig = Attribute(target, null, AttributionMethod.IntegratedGradients, samples: 50);
            var change = ig.Objective - ig.AtBaseline;
            var error = Math.Abs(ig.Map.Sum() - change) / Math.Abs(change);
            _output.WriteLine($"class {target}: sum {ig.Map.Sum():F4}, f(x) - f(black) {change:F4}, completeness error {error:P3}, {clock.Elapsed.TotalMilliseconds:F0} ms");
            Assert.True(error < 0.01, $"completeness error {error:P3} for class {target}");
        }
    }

    [Fact]
    public void Smoothgrad_is_reproducible_per_seed_and_grad_cam_is_a_non_negative_map_over_the_input()
    {
        var first = Attribute(3, null, AttributionMethod.SmoothGrad);
        Assert.Equal(first.Map, Attribute(3, null, AttributionMethod.SmoothGrad).Map);
        Assert.NotEqual(first.Map, Attribute(3, null, AttributionMethod.Gradient).Map);
        // For the predicted class some region speaks for it (for a class the network rules out, the ReLU may leave nothing).
        var probabilities = _cnn.Network.Predict(_cnn.Image, 1, _cnn.Shape, 0.5, 0.5, 10);
        var cam = Attribute(Array.IndexOf(probabilities, probabilities.Max()), null, AttributionMethod.GradCam);
        Assert.Equal(784, cam.Map.Length);
        Assert.All(cam.Map, v => Assert.True(v >= 0));
        Assert.Contains(cam.Map, v => v > 0);
    }
}
