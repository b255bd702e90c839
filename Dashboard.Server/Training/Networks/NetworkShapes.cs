using Dashboard.Shared.Networks;

namespace Dashboard.Server.Training.Networks;

/// <summary>
/// Checks a layer spec against an input shape without libtorch: each layer's output shape
/// and parameter count (as PyTorch counts them), or the first layer that does not fit.
/// </summary>
public static class NetworkShapes
{
    public static NetworkSummary Infer(IReadOnlyList<LayerSpec> layers, TensorShape input, int classes)
    {
        var shapes = new List<LayerShape>();
        var current = input;
        long total = 0;
        if (layers.Count == 0)
        {
            return new NetworkSummary(input, shapes, 0, "The network has no layers.", null);
        }
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var (output, parameters, error) = Apply(layer, current);
            if (error is not null)
            {
                return new NetworkSummary(input, shapes, total, $"Layer {i} {layer}: {error}", i);
            }
            shapes.Add(new LayerShape(i, layer, output!, parameters));
            total += parameters;
            current = output!;
        }
        if (current.Dims.Count != 1 || current.Dims[0] != classes)
        {
            return new NetworkSummary(input, shapes, total,
                $"Layer {layers.Count - 1} {layers[^1]}: the network ends in {current} but must end in {classes} class scores ({TensorShape.Vector(classes)}).",
                layers.Count - 1);
        }
        return new NetworkSummary(input, shapes, total, null, null);
    }

    /// <summary>What the layer makes of the input, or null when it cannot take it.</summary>
    public static TensorShape? Output(LayerSpec layer, TensorShape input) => Apply(layer, input).Output;

    private static (TensorShape? Output, long Parameters, string? Error) Apply(LayerSpec l, TensorShape x)
    {
        switch (l.Kind)
        {
            case LayerKind.Linear:
                if (l.In <= 0 || l.Out <= 0)
                    return Fail("in and out features must be positive.");
                if (x.Dims.Count != 1)
                    return Fail($"expects a flat input of {TensorShape.Vector(l.In)} but receives {x}; add a Flatten before it.");
                if (x.Dims[0] != l.In)
                    return Fail($"expects {TensorShape.Vector(l.In)} but receives {x}.");
                return (TensorShape.Vector(l.Out), (long)l.In * l.Out + l.Out, null);

            case LayerKind.Conv2d:
                if (l.In <= 0 || l.Out <= 0 || l.Kernel <= 0 || l.Stride <= 0 || l.Padding < 0)
                    return Fail("channels, kernel and stride must be positive and padding not negative.");
                if (!x.IsImage || x.Dims[0] != l.In)
                    return Fail($"expects an image with {l.In} channel(s) but receives {x}.");
                return Spatial(x, l.Out, l.Kernel, l.Stride, l.Padding, (long)l.In * l.Out * l.Kernel * l.Kernel + l.Out);

            case LayerKind.BatchNorm2d:
                if (l.In <= 0)
                    return Fail("features must be positive.");
                if (!x.IsImage || x.Dims[0] != l.In)
                    return Fail($"expects an image with {l.In} channel(s) but receives {x}.");
                return (x, 2L * l.In, null);

            case LayerKind.MaxPool2d:
            case LayerKind.AvgPool2d:
                if (l.Kernel <= 0 || l.Stride <= 0)
                    return Fail("kernel and stride must be positive.");
                if (!x.IsImage)
                    return Fail($"expects an image (C x H x W) but receives {x}.");
                return Spatial(x, x.Dims[0], l.Kernel, l.Stride, 0, 0);

            case LayerKind.GlobalAvgPool:
                if (!x.IsImage)
                    return Fail($"expects an image (C x H x W) but receives {x}.");
                return (TensorShape.Vector(x.Dims[0]), 0, null);

            case LayerKind.BatchNorm1d:
                if (l.In <= 0)
                    return Fail("features must be positive.");
                if (x.Dims.Count != 1 || x.Dims[0] != l.In)
                    return Fail($"expects {TensorShape.Vector(l.In)} but receives {x}.");
                return (x, 2L * l.In, null);

            case LayerKind.Residual:
                if (l.In <= 0 || l.Out <= 0 || l.Stride <= 0)
                    return Fail("channels and stride must be positive.");
                if (!x.IsImage || x.Dims[0] != l.In)
                    return Fail($"expects an image with {l.In} channel(s) but receives {x}.");
                // conv1 and conv2 (no bias), bn1 and bn2, and the 1x1 convolution with BatchNorm when the shape changes.
                var shortcut = l.Stride != 1 || l.In != l.Out ? (long)l.In * l.Out + 2L * l.Out : 0;
                return Spatial(x, l.Out, 3, l.Stride, 1, 9L * l.In * l.Out + 9L * l.Out * l.Out + 4L * l.Out + shortcut);

            case LayerKind.Dropout:
                if (!(l.P >= 0 && l.P < 1))
                    return Fail($"p must be in [0, 1), got {l.P}.");
                return (x, 0, null);

            case LayerKind.ReLU:
            case LayerKind.Sigmoid:
                return (x, 0, null);

            case LayerKind.LeakyReLU:
                if (!(l.P >= 0 && l.P < 1))
                    return Fail($"the negative slope must be in [0, 1), got {l.P}.");
                return (x, 0, null);

            case LayerKind.Flatten:
                return (TensorShape.Vector((int)x.Elements), 0, null);

            default:
                return Fail($"unknown layer kind {(int)l.Kind}.");
        }
    }

    private static (TensorShape?, long, string?) Spatial(TensorShape x, int channels, int kernel, int stride, int padding, long parameters)
    {
        var h = (x.Dims[1] + 2 * padding - kernel) / stride + 1;
        var w = (x.Dims[2] + 2 * padding - kernel) / stride + 1;
        if (x.Dims[1] + 2 * padding < kernel || x.Dims[2] + 2 * padding < kernel)
            return Fail($"kernel {kernel} is larger than the padded input {x}.");
        return (TensorShape.Image(channels, h, w), parameters, null);
    }

    private static (TensorShape?, long, string?) Fail(string error) => (null, 0, error);
}
