using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Torch;

/// <summary>
/// Sums over the batches of one <see cref="Network.TrainBatches"/> call; FirstNonFinite is the first
/// batch (0-based, within the call) whose loss was NaN or infinite.
/// </summary>
public readonly record struct BatchStats(double LossSum, long Correct, long Samples, int? FirstNonFinite);

/// <summary>
/// One layer measured at a training step (dt_train_health); NaN where a value does not apply to the layer. The
/// histograms are of its weight tensor and that tensor's gradient, when asked for and the layer has one.
/// </summary>
public sealed record LayerSample(long Parameters, double WeightNorm, double GradientNorm, double UpdateNorm, double ActivationMean,
    double ActivationStd, double DeadFraction, double RunningMean, double RunningVariance, Histogram? Weights, Histogram? Gradients);

/// <summary>A measured training step: its loss sum (one batch) and every layer's sample.</summary>
public sealed record MeasuredBatch(BatchStats Stats, IReadOnlyList<LayerSample> Layers);

/// <summary>What an evaluation pass returns: summed loss, argmax per sample, optional softmax rows.</summary>
public sealed record Evaluation(double LossSum, long[] Predictions, float[]? Probabilities);

/// <summary>How an attribution explains a class score (the values of the native enum).</summary>
public enum AttributionMethod
{
    Gradient = 0,
    GradientTimesInput = 1,
    SmoothGrad = 2,
    IntegratedGradients = 3,
    GradCam = 4,
}

/// <summary>An attribution map (C x H x W) with the objective it explains at the image and at the black baseline.</summary>
public sealed record Attribution(float[] Map, double Objective, double AtBaseline);

/// <summary>A sequential network built from a layer spec, living on one device.</summary>
public sealed class Network : IDisposable
{
    private readonly NetHandle _handle;

    private Network(NetHandle handle, string device)
    {
        _handle = handle;
        Device = device;
    }

    /// <summary>The resolved device, e.g. cpu or cuda:0.</summary>
    public string Device { get; }

    public long ParameterCount => NativeMethods.NetParameterCount(_handle);

    internal NetHandle Handle => _handle;

    /// <summary>Builds the layers as PyTorch's nn.Sequential would (same parameter names and order);
    /// <paramref name="channelsLast"/> keeps convolution weights and inputs NHWC in memory;
    /// <paramref name="precision"/> is training's forward pass (the weights stay fp32).</summary>
    public static Network Create(IReadOnlyList<LayerSpec> layers, string device, bool channelsLast = false, Precision precision = Precision.Fp32)
    {
        TorchRuntime.EnsureInitialised();
        var native = layers.Select(l => new NativeMethods.Layer
        {
            Kind = (int)l.Kind,
            InFeatures = l.In,
            OutFeatures = l.Out,
            Kernel = l.Kernel,
            Stride = l.Stride,
            Padding = l.Padding,
            P = l.P,
        }).ToArray();
        var handle = TorchException.Check(NativeMethods.NetCreate(native, native.Length, device, channelsLast ? 1 : 0, (int)precision));
        return new Network(handle, device);
    }

    /// <summary>Writes the parameters and buffers with torch::save (readable by torch.jit.load).</summary>
    public void Save(string path) => TorchException.Check(NativeMethods.NetSave(_handle, path));

    /// <summary>Reads parameters and buffers saved by <see cref="Save"/> into this network.</summary>
    public void Load(string path) => TorchException.Check(NativeMethods.NetLoad(_handle, path));

    /// <summary>
    /// Trains up to <paramref name="batches"/> batches from index positions starting at <paramref name="start"/>.
    /// <paramref name="learningRates"/>: one rate per batch (a schedule), or empty to keep the optimizer's rate.
    /// </summary>
    public unsafe BatchStats TrainBatches(Optimizer optimizer, DeviceDataset data, DeviceIndex index, long start, int batchSize, int batches,
        ReadOnlySpan<double> learningRates = default)
    {
        if (!learningRates.IsEmpty && learningRates.Length < batches)
        {
            throw new ArgumentException($"{batches} batches need {batches} learning rates, got {learningRates.Length}.", nameof(learningRates));
        }
        fixed (double* rates = learningRates)
        {
            TorchException.Check(NativeMethods.TrainBatches(_handle, optimizer.Handle, data.Handle, index.Handle,
                start, batchSize, batches, rates, out var loss, out var correct, out var samples, out var bad));
            return new BatchStats(loss, correct, samples, bad >= 0 ? bad : null);
        }
    }

    /// <summary>
    /// Trains the one batch at index position <paramref name="start"/> (at <paramref name="learningRate"/>, or the
    /// optimizer's rate when 0) and measures each of the network's <paramref name="layers"/> layers on the way.
    /// <paramref name="resetFired"/> starts counting ReLU units that fired afresh; <paramref name="bins"/> &gt; 0 adds
    /// weight and gradient histograms.
    /// </summary>
    public unsafe MeasuredBatch TrainMeasured(Optimizer optimizer, DeviceDataset data, DeviceIndex index, long start, int batchSize,
        double learningRate, int layers, bool resetFired, int bins)
    {
        const int values = 9; // DT_H_VALUES
        var measured = new double[layers * values];
        var histograms = new float[bins > 0 ? layers * 2 * (bins + 2) : 1];
        fixed (double* v = measured)
        fixed (float* h = histograms)
        {
            var count = NativeMethods.TrainHealth(_handle, optimizer.Handle, data.Handle, index.Handle, start, batchSize, learningRate,
                resetFired ? 1 : 0, bins, v, h, layers, out var loss, out var correct, out var samples);
            TorchException.Check(Math.Min(count, 0));
            if (count != layers)
            {
                throw new TorchException($"the network has {count} layers, not the expected {layers}");
            }
            var stats = new BatchStats(loss * samples, correct, samples, double.IsFinite(loss) ? null : 0);
            return new MeasuredBatch(stats, [.. Enumerable.Range(0, layers).Select(i =>
            {
                var m = measured.AsSpan(i * values, values);
                Histogram? Read(int which)
                {
                    if (bins == 0)
                    {
                        return null;
                    }
                    var at = (i * 2 + which) * (bins + 2);
                    return float.IsNaN(histograms[at]) ? null
                        : new Histogram(histograms[at], histograms[at + 1], [.. histograms.AsSpan(at + 2, bins).ToArray().Select(c => (long)c)]);
                }
                return new LayerSample((long)m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], Read(0), Read(1));
            })]);
        }
    }

    /// <summary>Evaluates every sample of <paramref name="index"/> without autograd.</summary>
    public unsafe Evaluation Evaluate(DeviceDataset data, DeviceIndex index, int batchSize, int classes, bool withProbabilities)
    {
        var predictions = new long[index.Count];
        var probabilities = withProbabilities ? new float[index.Count * classes] : null;
        double loss;
        fixed (long* p = predictions)
        fixed (float* q = probabilities)
        {
            TorchException.Check(NativeMethods.Evaluate(_handle, data.Handle, index.Handle, batchSize,
                out loss, p, q, classes));
        }
        return new Evaluation(loss, predictions, probabilities);
    }

    /// <summary>
    /// Class probabilities for <paramref name="count"/> images given as floats in [0,1]
    /// (count*C*H*W values), normalised with the training mean and std.
    /// </summary>
    public unsafe float[] Predict(ReadOnlySpan<float> pixels, int count, TensorShape shape, double mean, double std, int classes)
    {
        CheckImages(pixels, count, shape);
        var probabilities = new float[count * classes];
        fixed (float* p = pixels)
        fixed (float* q = probabilities)
        {
            TorchException.Check(NativeMethods.Predict(_handle, p, count, shape.Dims[0], shape.Dims[1], shape.Dims[2],
                mean, std, q, classes));
        }
        return probabilities;
    }

    /// <summary>
    /// Every layer's output for one image (values in [0, 1], normalised here), each flattened C x H x W;
    /// <paramref name="sizes"/> are the layers' output element counts (from the shape inference).
    /// </summary>
    public unsafe float[][] ForwardLayers(ReadOnlySpan<float> pixels, TensorShape shape, double mean, double std, IReadOnlyList<long> sizes)
    {
        CheckImages(pixels, 1, shape);
        var outputs = new float[sizes.Sum()];
        var written = new long[sizes.Count];
        fixed (float* p = pixels)
        fixed (float* o = outputs)
        fixed (long* w = written)
        {
            var layers = NativeMethods.ForwardLayers(_handle, p, shape.Dims[0], shape.Dims[1], shape.Dims[2], mean, std, o, outputs.Length, w, sizes.Count);
            TorchException.Check(Math.Min(layers, 0));
            if (layers != sizes.Count || !written.SequenceEqual(sizes))
            {
                throw new TorchException($"the network's layer outputs ({string.Join(", ", written)}) are not the expected ({string.Join(", ", sizes)})");
            }
        }
        var result = new float[sizes.Count][];
        long offset = 0;
        for (var i = 0; i < sizes.Count; i++)
        {
            result[i] = outputs.AsSpan((int)offset, (int)sizes[i]).ToArray();
            offset += sizes[i];
        }
        return result;
    }

    /// <summary>Layers 0..<paramref name="last"/> for <paramref name="count"/> images: each image's output, <paramref name="features"/> values.</summary>
    public unsafe float[] ForwardTo(ReadOnlySpan<float> pixels, int count, TensorShape shape, double mean, double std, int last, int features)
    {
        CheckImages(pixels, count, shape);
        var output = new float[(long)count * features];
        fixed (float* p = pixels)
        fixed (float* o = output)
        {
            var written = NativeMethods.ForwardTo(_handle, p, count, shape.Dims[0], shape.Dims[1], shape.Dims[2], mean, std, last, o, output.Length);
            TorchException.Check(written < 0 ? -1 : 0);
            if (written != features)
            {
                throw new TorchException($"layer {last} gives {written} values per image, not {features}");
            }
        }
        return output;
    }

    /// <summary>A layer's weights (Linear out x in, Conv2d out x in x k x k); empty for a layer without weights.</summary>
    public unsafe float[] LayerWeights(int layer, long count)
    {
        var weights = new float[count];
        fixed (float* w = weights)
        {
            var written = NativeMethods.LayerWeights(_handle, layer, w, count);
            TorchException.Check(written < 0 ? -1 : 0);
            return written == count ? weights : weights[..(int)written];
        }
    }

    /// <summary>
    /// Attributes <c>logit[target] - logit[other]</c> (or <c>logit[target]</c> when <paramref name="other"/> is null) to the
    /// pixels of one image; <paramref name="samples"/> and <paramref name="noise"/> are SmoothGrad's copies and noise, or
    /// integrated gradients' steps.
    /// </summary>
    public unsafe Attribution Attribute(ReadOnlySpan<float> pixels, TensorShape shape, double mean, double std, int target, int? other,
        AttributionMethod method, int samples = 50, double noise = 0.15, ulong seed = 1)
    {
        CheckImages(pixels, 1, shape);
        var map = new float[shape.Elements];
        fixed (float* p = pixels)
        fixed (float* m = map)
        {
            TorchException.Check(NativeMethods.Attribute(_handle, p, shape.Dims[0], shape.Dims[1], shape.Dims[2], mean, std, target, other ?? -1,
                (int)method, samples, noise, seed, m, out var objective, out var atBaseline));
            return new Attribution(map, objective, atBaseline);
        }
    }

    private static void CheckImages(ReadOnlySpan<float> pixels, int count, TensorShape shape)
    {
        if (!shape.IsImage || pixels.Length != count * shape.Elements)
        {
            throw new ArgumentException($"Expected {count} images of {shape} ({count * shape.Elements} values), got {pixels.Length} values.");
        }
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>A dataset's images and labels held as tensors on a device, normalised once at upload.</summary>
public sealed class DeviceDataset : IDisposable
{
    private DeviceDataset(DataHandle handle, int count)
    {
        Handle = handle;
        Count = count;
    }

    public int Count { get; }

    internal DataHandle Handle { get; }

    public static unsafe DeviceDataset Create(ReadOnlySpan<byte> pixels, ReadOnlySpan<byte> labels, TensorShape shape,
        double mean, double std, string device)
    {
        TorchRuntime.EnsureInitialised();
        var count = labels.Length;
        if (!shape.IsImage || pixels.Length != count * shape.Elements)
        {
            throw new ArgumentException($"{pixels.Length} pixel bytes do not hold {count} images of {shape}.");
        }
        fixed (byte* p = pixels)
        fixed (byte* l = labels)
        {
            var handle = TorchException.Check(NativeMethods.DataCreate(p, l, count, shape.Dims[0], shape.Dims[1], shape.Dims[2],
                mean, std, device));
            return new DeviceDataset(handle, count);
        }
    }

    /// <summary>
    /// Sets how training steps vary this set's batches (null and no smoothing: not at all) and seeds the variation:
    /// the same seed gives the same batches on any device.
    /// </summary>
    public unsafe void Augment(Augmentation? augmentation, double labelSmoothing, ulong seed)
    {
        if ((augmentation is null || augmentation.IsNone) && labelSmoothing == 0)
        {
            TorchException.Check(NativeMethods.DataAugment(Handle, null, seed));
            return;
        }
        var a = augmentation ?? new Augmentation();
        var native = new NativeMethods.Augment
        {
            CropPadding = a.CropPadding, Flip = a.Flip ? 1 : 0, Rotation = a.Rotation, Scale = a.Scale, Erasing = a.Erasing, LabelSmoothing = labelSmoothing,
        };
        TorchException.Check(NativeMethods.DataAugment(Handle, &native, seed));
    }

    /// <summary>The images at the index's positions as a training step would see them, values in [0, 1] (n x C x H x W).</summary>
    public unsafe float[] Augmented(DeviceIndex index, int count, TensorShape shape)
    {
        var values = new float[count * shape.Elements];
        fixed (float* v = values)
        {
            TorchException.Check(NativeMethods.DataAugmented(Handle, index.Handle, v, values.Length));
        }
        return values;
    }

    public void Dispose() => Handle.Dispose();
}

/// <summary>An order of dataset positions on a device: an epoch's shuffle or a split.</summary>
public sealed class DeviceIndex : IDisposable
{
    private DeviceIndex(IndexHandle handle, int count)
    {
        Handle = handle;
        Count = count;
    }

    public int Count { get; }

    internal IndexHandle Handle { get; }

    public static unsafe DeviceIndex Create(ReadOnlySpan<long> positions, string device)
    {
        TorchRuntime.EnsureInitialised();
        fixed (long* p = positions)
        {
            return new DeviceIndex(TorchException.Check(NativeMethods.IndexCreate(p, positions.Length, device)), positions.Length);
        }
    }

    public void Dispose() => Handle.Dispose();
}

/// <summary>SGD (with momentum) or Adam over a network's parameters.</summary>
public sealed class Optimizer : IDisposable
{
    private Optimizer(OptimizerHandle handle) => Handle = handle;

    internal OptimizerHandle Handle { get; }

    public static Optimizer Create(Network network, OptimizerKind kind, double learningRate, double momentum, double weightDecay) =>
        new(TorchException.Check(NativeMethods.OptimCreate(network.Handle, (int)kind, learningRate,
            kind == OptimizerKind.Sgd ? momentum : 0, weightDecay)));

    /// <summary>Writes the optimizer's state (moments, momentum buffers) for a later resume.</summary>
    public void Save(string path) => TorchException.Check(NativeMethods.OptimSave(Handle, path));

    public void Load(string path) => TorchException.Check(NativeMethods.OptimLoad(Handle, path));

    public void Dispose() => Handle.Dispose();
}
