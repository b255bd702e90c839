using System.Text.Json.Serialization;

namespace Dashboard.Shared.Networks;

/// <summary>The layer kinds a network spec may use. The numbers are part of the native ABI.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LayerKind>))]
public enum LayerKind
{
    Linear = 1,
    Conv2d = 2,
    BatchNorm2d = 3,
    ReLU = 4,
    MaxPool2d = 5,
    Dropout = 6,
    Flatten = 7,
    Sigmoid = 8,
    AvgPool2d = 9,
    GlobalAvgPool = 10,
    LeakyReLU = 11,
    BatchNorm1d = 12,
    Residual = 13,
}

/// <summary>
/// One layer of a sequential network, as PyTorch's nn.Sequential would hold it.
/// Which fields matter depends on <see cref="Kind"/>:
/// Linear(In, Out); Conv2d(In, Out, Kernel, Stride, Padding); BatchNorm2d(In); BatchNorm1d(In);
/// MaxPool2d(Kernel, Stride); AvgPool2d(Kernel, Stride); Dropout(P); LeakyReLU(P, the negative slope);
/// Residual(In, Out, Stride): torchvision's BasicBlock (two 3x3 convolutions with BatchNorm, the input added back,
/// through a 1x1 convolution with BatchNorm when the shape changes, ReLU after the sum); GlobalAvgPool: each
/// channel's mean, (C, H, W) to (C); ReLU, Sigmoid and Flatten take none.
/// </summary>
public sealed record LayerSpec(
    LayerKind Kind,
    int In = 0,
    int Out = 0,
    int Kernel = 0,
    int Stride = 1,
    int Padding = 0,
    double P = 0)
{
    public static LayerSpec Linear(int inFeatures, int outFeatures) => new(LayerKind.Linear, inFeatures, outFeatures);
    public static LayerSpec Conv2d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0) =>
        new(LayerKind.Conv2d, inChannels, outChannels, kernel, stride, padding);
    public static LayerSpec BatchNorm2d(int features) => new(LayerKind.BatchNorm2d, features);
    public static LayerSpec ReLU() => new(LayerKind.ReLU);
    public static LayerSpec MaxPool2d(int kernel, int? stride = null) => new(LayerKind.MaxPool2d, Kernel: kernel, Stride: stride ?? kernel);
    public static LayerSpec Dropout(double p) => new(LayerKind.Dropout, P: p);
    public static LayerSpec Flatten() => new(LayerKind.Flatten);

    public static LayerSpec Sigmoid() => new(LayerKind.Sigmoid);
    public static LayerSpec AvgPool2d(int kernel, int? stride = null) => new(LayerKind.AvgPool2d, Kernel: kernel, Stride: stride ?? kernel);
    public static LayerSpec GlobalAvgPool() => new(LayerKind.GlobalAvgPool);
    public static LayerSpec LeakyReLU(double negativeSlope = 0.01) => new(LayerKind.LeakyReLU, P: negativeSlope);
    public static LayerSpec BatchNorm1d(int features) => new(LayerKind.BatchNorm1d, features);
    public static LayerSpec Residual(int inChannels, int outChannels, int stride = 1) => new(LayerKind.Residual, inChannels, outChannels, Stride: stride);

    /// <summary>The PyTorch spelling, e.g. <c>Conv2d(1, 32, kernel_size=3, padding=1)</c>.</summary>
    public override string ToString() => Kind switch
    {
        LayerKind.Linear => $"Linear({In}, {Out})",
        LayerKind.Conv2d => $"Conv2d({In}, {Out}, kernel_size={Kernel}, stride={Stride}, padding={Padding})",
        LayerKind.BatchNorm2d => $"BatchNorm2d({In})",
        LayerKind.MaxPool2d => $"MaxPool2d(kernel_size={Kernel}, stride={Stride})",
        LayerKind.Dropout => $"Dropout(p={P})",
        LayerKind.AvgPool2d => $"AvgPool2d(kernel_size={Kernel}, stride={Stride})",
        LayerKind.LeakyReLU => $"LeakyReLU(negative_slope={P})",
        LayerKind.BatchNorm1d => $"BatchNorm1d({In})",
        LayerKind.Residual => $"BasicBlock({In}, {Out}, stride={Stride})",
        _ => $"{Kind}()",
    };
}

/// <summary>A tensor shape without the batch dimension: (C, H, W) for images, (N) after Flatten.</summary>
public sealed record TensorShape(IReadOnlyList<int> Dims)
{
    public static TensorShape Image(int channels, int height, int width) => new([channels, height, width]);
    public static TensorShape Vector(int length) => new([length]);

    public bool IsImage => Dims.Count == 3;
    public long Elements => Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>The dimensions alone, e.g. 1x28x28.</summary>
    public string Size => string.Join("x", Dims);

    public override string ToString() => "(" + Size + ")";

    // Records compare lists by reference; shapes are equal when their dimensions are.
    public bool Equals(TensorShape? other) => other is not null && Dims.SequenceEqual(other.Dims);

    public override int GetHashCode() => Dims.Aggregate(17, (h, d) => h * 31 + d);
}

/// <summary>What one layer turns its input into, and how many parameters it holds.</summary>
public sealed record LayerShape(int Index, LayerSpec Layer, TensorShape Output, long Parameters);

/// <summary>A network spec checked against an input shape: per-layer shapes, or the first error.</summary>
public sealed record NetworkSummary(
    TensorShape Input,
    IReadOnlyList<LayerShape> Layers,
    long Parameters,
    string? Error,
    int? ErrorLayer)
{
    public bool IsValid => Error is null;
}

/// <summary>A named network from the PyTorch tutorials, with the input it was designed for.</summary>
public sealed record NetworkPreset(string Name, string Description, TensorShape Input, IReadOnlyList<LayerSpec> Layers);
