using System.Diagnostics;
using Dashboard.Server.Runs;
using Dashboard.Server.Torch;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Inference;
using Dashboard.Shared.Networks;

namespace Dashboard.Server.Inference;

/// <summary>
/// A run's network seen from inside for one image: every layer's output (the X-ray), a convolution's filters, and
/// attributions of a class score to the pixels. Uses the prediction service's loaded networks.
/// </summary>
public sealed class XrayService(PredictionService predictions, Training.Datasets.DatasetExplorer explorer) : INetworkXray
{
    public const int MaxEmbeddingImages = 10_000;
    private const int EmbeddingChunk = 100;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Run, int Images), Lazy<(EmbeddingMap Map, Projection Projection)>> _maps = new();

    public const int MaxChannelsPerLayer = 64;

    // SmoothGrad's copies and noise (in [0, 1] pixel units, 15 % of the range as in its paper) and integrated gradients' steps.
    private const int Samples = 50;
    private const double Noise = 0.15;

    private static readonly Dictionary<string, AttributionMethod> Methods = new()
    {
        [AttributionMethods.Gradient] = AttributionMethod.Gradient,
        [AttributionMethods.GradientTimesInput] = AttributionMethod.GradientTimesInput,
        [AttributionMethods.GradCam] = AttributionMethod.GradCam,
        [AttributionMethods.SmoothGrad] = AttributionMethod.SmoothGrad,
        [AttributionMethods.IntegratedGradients] = AttributionMethod.IntegratedGradients,
    };

    public Xray Xray(int runId, IReadOnlyList<float> pixels, int channelsPerLayer = 16, int? epoch = null)
    {
        if (channelsPerLayer is < 1 or > MaxChannelsPerLayer)
        {
            throw new RunRequestException($"channels: must be from 1 to {MaxChannelsPerLayer}, got {channelsPerLayer}.", notFound: false);
        }
        var clock = Stopwatch.StartNew();
        var prediction = predictions.Predict(runId, pixels, epoch); // checks the pixels against the run's input
        var layers = predictions.Use(runId, (network, card) =>
        {
            var summary = NetworkShapes.Infer(card.Layers, card.Input, card.Classes.Count);
            var outputs = network.ForwardLayers([.. pixels], card.Input, card.NormalizeMean, card.NormalizeStd, [.. summary.Layers.Select(l => l.Output.Elements)]);
            return summary.Layers.Select(l => Layer(l, outputs[l.Index], channelsPerLayer)).ToList();
        }, epoch);
        return new Xray(runId, prediction, layers, clock.Elapsed.TotalMilliseconds);
    }

    public Explanation Explain(int runId, IReadOnlyList<float> pixels, int target, int? other, IReadOnlyList<string> methods, int? epoch = null)
    {
        return predictions.Use(runId, (network, card) =>
        {
            PredictionService.CheckPixels(runId, pixels, card);
            var classes = card.Classes.Count;
            if (target < 0 || target >= classes)
            {
                throw new RunRequestException($"target: must be a class from 0 to {classes - 1}, got {target}.", notFound: false);
            }
            if (other is { } o && (o < 0 || o >= classes || o == target))
            {
                throw new RunRequestException($"other: must be another class from 0 to {classes - 1}, got {o}.", notFound: false);
            }
            if (methods.Count == 0 || methods.Any(m => !Methods.ContainsKey(m)))
            {
                throw new RunRequestException($"methods: each must be one of {string.Join(", ", AttributionMethods.All)}; got {string.Join(", ", methods)}.", notFound: false);
            }
            var convolutional = card.Layers.Any(l => l.Kind is LayerKind.Conv2d or LayerKind.Residual);
            var skipped = convolutional || !methods.Contains(AttributionMethods.GradCam)
                ? []
                : new[] { $"{AttributionMethods.GradCam}: the network has no convolution to take its map from." };
            var maps = methods.Distinct().Where(m => convolutional || m != AttributionMethods.GradCam).Select(name =>
            {
                var clock = Stopwatch.StartNew();
                var method = Methods[name];
                var a = network.Attribute([.. pixels], card.Input, card.NormalizeMean, card.NormalizeStd, target, other, method, Samples, Noise);
                var change = a.Objective - a.AtBaseline;
                double? completeness = method == AttributionMethod.IntegratedGradients && Math.Abs(change) > 1e-9
                    ? Math.Abs(a.Map.Sum() - change) / Math.Abs(change)
                    : null;
                var (c, h, w) = (card.Input.Dims[0], card.Input.Dims[1], card.Input.Dims[2]);
                // Colour channels summed: one value per pixel (Grad-CAM's map is the same in every channel).
                var perPixel = new float[h * w];
                for (var channel = 0; channel < (method == AttributionMethod.GradCam ? 1 : c); channel++)
                {
                    for (var i = 0; i < perPixel.Length; i++)
                    {
                        perPixel[i] += a.Map[channel * perPixel.Length + i];
                    }
                }
                return new AttributionMap(name, h, w, perPixel, a.Objective, a.AtBaseline, completeness, clock.Elapsed.TotalMilliseconds);
            }).ToList();
            return new Explanation(runId, target, other, card.Classes, maps, skipped);
        }, epoch);
    }

    public ConvFilter Filter(int runId, int layer, int channel) => predictions.Use(runId, (network, card) =>
    {
        if (layer < 0 || layer >= card.Layers.Count || card.Layers[layer] is not { Kind: LayerKind.Conv2d } conv)
        {
            throw new RunRequestException($"layer: {layer} is not a Conv2d layer of run {runId}.", notFound: false);
        }
        if (channel < 0 || channel >= conv.Out)
        {
            throw new RunRequestException($"channel: layer {layer} has channels 0 to {conv.Out - 1}, got {channel}.", notFound: false);
        }
        var size = conv.In * conv.Kernel * conv.Kernel;
        var weights = network.LayerWeights(layer, (long)conv.Out * size).AsSpan(channel * size, size).ToArray();
        return new ConvFilter(runId, layer, channel, conv.In, conv.Kernel, weights, weights.Max(Math.Abs));
    });

    public EmbeddingMap Embedding(int runId, int images = 2000) => Map(runId, images).Map;

    public EmbeddingPosition Place(int runId, IReadOnlyList<float> pixels, int images = 2000)
    {
        var (map, projection) = Map(runId, images);
        var features = predictions.Use(runId, (network, card) =>
        {
            PredictionService.CheckPixels(runId, pixels, card);
            return network.ForwardTo([.. pixels], 1, card.Input, card.NormalizeMean, card.NormalizeStd, map.Layer, map.Features);
        });
        var (x, y) = projection.Place(features);
        return new EmbeddingPosition(x, y);
    }

    private (EmbeddingMap Map, Projection Projection) Map(int runId, int images)
    {
        if (images is < 10 or > MaxEmbeddingImages)
        {
            throw new RunRequestException($"images: must be from 10 to {MaxEmbeddingImages}, got {images}.", notFound: false);
        }
        var lazy = _maps.GetOrAdd((runId, images), key => new Lazy<(EmbeddingMap, Projection)>(() => MakeMap(key.Run, key.Images)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _maps.TryRemove((runId, images), out _);
            throw;
        }
    }

    private (EmbeddingMap, Projection) MakeMap(int runId, int images)
    {
        var clock = Stopwatch.StartNew();
        var card = predictions.Use(runId, (_, card) => card);
        var test = explorer.Data(card.Dataset)?.Test
            ?? throw new RunRequestException($"Run {runId}'s dataset '{card.Dataset}' is not installed.", notFound: true);
        var count = Math.Min(images, test.Count);
        var last = card.Layers.ToList().FindLastIndex(l => l.Kind == LayerKind.Linear);
        if (last < 1)
        {
            throw new RunRequestException($"Run {runId}'s network has no layer before its last Linear layer to map.", notFound: false);
        }
        var features = (int)NetworkShapes.Infer(card.Layers, card.Input, card.Classes.Count).Layers[last - 1].Output.Elements;
        var (size, classes) = ((int)card.Input.Elements, card.Classes.Count);
        var pixels = test.Pixels.AsSpan(0, count * size).ToArray();
        var rows = new float[(long)count * features];
        var probabilities = new float[count * classes];
        // In chunks, so predictions on the same network (the Draw page's strokes) wait for one chunk, not for the whole map.
        for (var start = 0; start < count; start += EmbeddingChunk)
        {
            var n = Math.Min(EmbeddingChunk, count - start);
            var unit = Array.ConvertAll(pixels[(start * size)..((start + n) * size)], p => p / 255f);
            predictions.Use(runId, (network, _) =>
            {
                network.ForwardTo(unit, n, card.Input, card.NormalizeMean, card.NormalizeStd, last - 1, features).CopyTo(rows, (long)start * features);
                network.Predict(unit, n, card.Input, card.NormalizeMean, card.NormalizeStd, classes).CopyTo(probabilities, start * classes);
                return 0;
            });
        }
        var projection = Projection.Fit(rows, count, features);
        var points = Enumerable.Range(0, count).Select(i =>
        {
            var (x, y) = projection.Place(rows.AsSpan(i * features, features));
            var scores = probabilities.AsSpan(i * classes, classes).ToArray();
            return new EmbeddingPoint(i, test.Labels[i], Array.IndexOf(scores, scores.Max()), x, y);
        }).ToList();
        var dims = card.Input.Dims;
        return (new EmbeddingMap(runId, last - 1, features, card.Classes, projection.Explained, points, dims[0], dims[1], dims[2], pixels,
            clock.Elapsed.TotalMilliseconds), projection);
    }

    private static XrayLayer Layer(LayerShape shape, float[] output, int top)
    {
        var dims = shape.Output.Dims;
        var active = output.Count(v => v > 0);
        var kind = shape.Layer.Kind.ToString();
        var description = $"{kind} → {string.Join(" x ", dims)}";
        var filters = shape.Layer.Kind == LayerKind.Conv2d;
        if (dims.Count != 3)
        {
            return new XrayLayer(shape.Index, kind, description, [.. dims], output.Length, active, 0, [], output, filters);
        }
        var (count, plane) = (dims[0], dims[1] * dims[2]);
        var channels = Enumerable.Range(0, count).Select(c =>
        {
            var values = output.AsSpan(c * plane, plane).ToArray();
            return new XrayChannel(c, values.Average(), values.Max(), dims[1], dims[2], values);
        }).OrderByDescending(c => c.Mean).Take(top).ToList();
        return new XrayLayer(shape.Index, kind, description, [.. dims], output.Length, active, count, channels, null, filters);
    }
}
