namespace Dashboard.Shared.Inference;

/// <summary>One channel of a convolutional layer's output for the current image: its H x W values, mean and maximum.</summary>
public sealed record XrayChannel(int Channel, float Mean, float Max, int Height, int Width, float[] Values);

/// <summary>
/// One layer's output for the current image. A 4-D output (Conv2d, BatchNorm2d, ReLU, MaxPool2d after them) lists its
/// most active channels first (<see cref="Channels"/>, at most the number asked for, of <see cref="ChannelCount"/>);
/// a vector output (Linear, Flatten, ReLU after them) has its <see cref="Values"/>. <see cref="Active"/> counts the units
/// above zero (for a ReLU: the units on) of <see cref="Units"/>.
/// </summary>
public sealed record XrayLayer(int Index, string Kind, string Description, int[] Shape, int Units, int Active,
    int ChannelCount, IReadOnlyList<XrayChannel> Channels, float[]? Values, bool HasFilters);

/// <summary>Every layer's output for one image, in order, with the prediction it leads to.</summary>
public sealed record Xray(int RunId, Prediction Prediction, IReadOnlyList<XrayLayer> Layers, double Milliseconds);

/// <summary>
/// A convolution channel's filter: <see cref="Weights"/> are In x K x K, one K x K kernel per input channel, with the
/// largest absolute weight for a shared colour scale.
/// </summary>
public sealed record ConvFilter(int RunId, int Layer, int Channel, int In, int Kernel, float[] Weights, float MaxAbs);

/// <summary>The attribution methods, by their names in the API.</summary>
public static class AttributionMethods
{
    public const string Gradient = "gradient", GradientTimesInput = "gradient-x-input", GradCam = "grad-cam",
        SmoothGrad = "smoothgrad", IntegratedGradients = "integrated-gradients";

    /// <summary>Cheap enough for every prediction.</summary>
    public static readonly IReadOnlyList<string> Fast = [Gradient, GradientTimesInput, GradCam];

    /// <summary>About 50 forward and backward passes in one batch each: when the pen lifts.</summary>
    public static readonly IReadOnlyList<string> Thorough = [SmoothGrad, IntegratedGradients];

    public static readonly IReadOnlyList<string> All = [.. Fast, .. Thorough];
}

/// <summary>
/// One method's attribution of <c>logit[Target] - logit[Other]</c> (or <c>logit[Target]</c>) to the input's pixels,
/// summed over colour channels: H x W values (positive: for the class, negative: against). For integrated gradients,
/// <see cref="CompletenessError"/> is |sum of attributions - (f(x) - f(black))| / |f(x) - f(black)|.
/// </summary>
public sealed record AttributionMap(string Method, int Height, int Width, float[] Values, double Objective, double AtBaseline,
    double? CompletenessError, double Milliseconds);

/// <summary>
/// Why the run's network gave an image its class (or that class rather than another). <see cref="Skipped"/> says which
/// asked-for methods do not apply to this network and why (Grad-CAM needs a convolution).
/// </summary>
public sealed record Explanation(int RunId, int Target, int? Other, IReadOnlyList<string> Classes, IReadOnlyList<AttributionMap> Maps,
    IReadOnlyList<string> Skipped);

/// <summary>The X-ray of the Draw page and the API: a run's network seen from inside, for one image.</summary>
public interface INetworkXray
{
    /// <summary>
    /// Every layer's output for <paramref name="pixels"/> (C x H x W in [0, 1]), the most active channels first; with
    /// <paramref name="epoch"/>, through the weights the run kept after that epoch (the same for the methods below).
    /// </summary>
    Xray Xray(int runId, IReadOnlyList<float> pixels, int channelsPerLayer = 16, int? epoch = null);

    /// <summary>Attributions for <paramref name="target"/> (against <paramref name="other"/>) by each of <paramref name="methods"/>.</summary>
    Explanation Explain(int runId, IReadOnlyList<float> pixels, int target, int? other, IReadOnlyList<string> methods, int? epoch = null);

    /// <summary>The filter of one output channel of a Conv2d layer.</summary>
    ConvFilter Filter(int runId, int layer, int channel);

    /// <summary>The run's first <paramref name="images"/> test images on its embedding map (made once per run and size).</summary>
    EmbeddingMap Embedding(int runId, int images = 2000);

    /// <summary>Where <paramref name="pixels"/> falls on the run's embedding map of <paramref name="images"/> test images.</summary>
    EmbeddingPosition Place(int runId, IReadOnlyList<float> pixels, int images = 2000);
}

/// <summary>A test image on the embedding map: its index in the test set, true and predicted class, and place.</summary>
public sealed record EmbeddingPoint(int Index, int Label, int Predicted, float X, float Y);

/// <summary>
/// A completed run's test images placed by the network's penultimate layer (the input of its last Linear layer, of
/// <see cref="Features"/> values), projected onto its two principal components (PCA on the server;
/// <see cref="ExplainedVariance"/> is each one's share of the variance). <see cref="Pixels"/> holds the images,
/// count x C x H x W bytes, for showing them on hover.
/// </summary>
public sealed record EmbeddingMap(int RunId, int Layer, int Features, IReadOnlyList<string> Classes, double[] ExplainedVariance,
    IReadOnlyList<EmbeddingPoint> Points, int Channels, int Height, int Width, byte[] Pixels, double Milliseconds);

/// <summary>Where an image falls on a run's embedding map.</summary>
public sealed record EmbeddingPosition(float X, float Y);
