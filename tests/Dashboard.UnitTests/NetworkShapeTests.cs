using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Networks;

namespace Dashboard.UnitTests;

public class NetworkShapeTests
{
    // Parameter counts as PyTorch reports them: sum(p.numel() for p in model.parameters()).
    [Theory]
    [InlineData("logreg", 7_850)]
    [InlineData("mlp", 79_510)]
    [InlineData("mlp-relu", 25_450)]
    [InlineData("cnn", 225_034)]
    [InlineData("cnn-small", 9_098)]
    [InlineData("cnn-bn", 421_834)]
    [InlineData("lenet", 62_006)]
    public void Every_preset_fits_its_input_and_counts_parameters_like_pytorch(string name, long parameters)
    {
        var preset = NetworkPresets.Find(name)!;
        var summary = NetworkShapes.Infer(preset.Layers, preset.Input, classes: 10);
        Assert.True(summary.IsValid, summary.Error);
        Assert.Equal(parameters, summary.Parameters);
        Assert.Equal("(10)", summary.Layers[^1].Output.ToString());
    }

    [Fact]
    public void Cnn_bn_reports_each_layers_output_shape()
    {
        var preset = NetworkPresets.Find("cnn-bn")!;
        var shapes = NetworkShapes.Infer(preset.Layers, preset.Input, 10).Layers.Select(l => l.Output.ToString());
        Assert.Equal(
            ["(32x28x28)", "(32x28x28)", "(32x28x28)", "(32x14x14)", "(64x14x14)", "(64x14x14)", "(64x14x14)", "(64x7x7)",
             "(3136)", "(128)", "(128)", "(128)", "(10)"],
            shapes);
    }

    [Fact]
    public void A_linear_layer_that_does_not_fit_names_the_layer_and_both_shapes()
    {
        LayerSpec[] layers = [LayerSpec.Conv2d(1, 32, 3), LayerSpec.ReLU(), LayerSpec.Flatten(), LayerSpec.Linear(1600, 10)];
        var summary = NetworkShapes.Infer(layers, TensorShape.Image(1, 28, 28), 10);
        Assert.False(summary.IsValid);
        Assert.Equal(3, summary.ErrorLayer);
        Assert.Contains("Layer 3 Linear(1600, 10)", summary.Error);
        Assert.Contains("(1600)", summary.Error);
        Assert.Contains("(21632)", summary.Error);
    }

    [Fact]
    public void A_linear_layer_on_an_image_asks_for_a_flatten()
    {
        var summary = NetworkShapes.Infer([LayerSpec.Linear(784, 10)], TensorShape.Image(1, 28, 28), 10);
        Assert.Contains("add a Flatten", summary.Error);
        Assert.Equal(0, summary.ErrorLayer);
    }

    [Fact]
    public void A_mnist_network_on_cifar_input_fails_at_the_first_conv_with_channel_counts()
    {
        var preset = NetworkPresets.Find("cnn")!;
        var summary = NetworkShapes.Infer(preset.Layers, TensorShape.Image(3, 32, 32), 10);
        Assert.Equal(0, summary.ErrorLayer);
        Assert.Contains("1 channel(s) but receives (3x32x32)", summary.Error);
    }

    [Fact]
    public void A_kernel_larger_than_the_input_is_an_error()
    {
        LayerSpec[] layers = [LayerSpec.MaxPool2d(2), LayerSpec.MaxPool2d(2), LayerSpec.MaxPool2d(2), LayerSpec.Conv2d(1, 4, 5)];
        var summary = NetworkShapes.Infer(layers, TensorShape.Image(1, 28, 28), 10);
        Assert.Equal(3, summary.ErrorLayer);
        Assert.Contains("larger than the padded input (1x3x3)", summary.Error);
    }

    [Fact]
    public void A_network_that_does_not_end_in_the_class_count_is_an_error()
    {
        var summary = NetworkShapes.Infer([LayerSpec.Flatten(), LayerSpec.Linear(784, 5)], TensorShape.Image(1, 28, 28), 10);
        Assert.Contains("must end in 10 class scores", summary.Error);
        Assert.Equal(1, summary.ErrorLayer);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Dropout_probability_outside_zero_to_one_is_an_error(double p)
    {
        var summary = NetworkShapes.Infer([LayerSpec.Dropout(p), LayerSpec.Flatten(), LayerSpec.Linear(784, 10)], TensorShape.Image(1, 28, 28), 10);
        Assert.Equal(0, summary.ErrorLayer);
    }

    [Fact]
    public void An_empty_network_is_an_error()
    {
        Assert.False(NetworkShapes.Infer([], TensorShape.Image(1, 28, 28), 10).IsValid);
    }

    [Fact]
    public void Every_preset_fitted_to_its_own_input_is_the_preset_as_designed()
    {
        foreach (var preset in NetworkPresets.All)
        {
            Assert.Equal(preset.Layers, NetworkPresets.Fit(preset.Name, preset.Input, 10));
        }
    }

    [Theory]
    [InlineData(3, 32, 32, 10)]
    [InlineData(1, 28, 28, 3)]
    [InlineData(3, 64, 48, 5)]
    [InlineData(1, 40, 40, 256)]
    public void Every_preset_fits_other_pictures_taking_their_channels_and_ending_in_their_classes(int channels, int height, int width, int classes)
    {
        var input = TensorShape.Image(channels, height, width);
        foreach (var preset in NetworkPresets.All)
        {
            var fitted = NetworkPresets.Fit(preset.Name, input, classes)!;
            var summary = NetworkShapes.Infer(fitted, input, classes);
            Assert.True(summary.IsValid, $"{preset.Name} on {input}: {summary.Error}");
            Assert.Equal(preset.Layers.Select(l => l.Kind), fitted.Select(l => l.Kind));
            // Hidden sizes stay as designed: only the inputs and the class scores change.
            Assert.Equal(preset.Layers.Where(l => l.Kind == LayerKind.Conv2d).Select(l => l.Out), fitted.Where(l => l.Kind == LayerKind.Conv2d).Select(l => l.Out));
        }
    }

    [Fact]
    public void A_preset_that_cannot_fit_a_small_picture_says_which_layer_and_why()
    {
        var input = TensorShape.Image(1, 8, 8);
        var summary = NetworkShapes.Infer(NetworkPresets.Fit("cnn", input, 10)!, input, 10);
        Assert.False(summary.IsValid);
        Assert.Equal(5, summary.ErrorLayer);
        Assert.Contains("larger than the padded input", summary.Error);
    }
}
