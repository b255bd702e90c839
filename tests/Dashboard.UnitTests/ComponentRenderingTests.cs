using Dashboard.Client.Components;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Networks;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.JSInterop;

namespace Dashboard.UnitTests;

/// <summary>Components rendered to HTML with Blazor's own HtmlRenderer (no browser, no JS).</summary>
public class ComponentRenderingTests
{
    private sealed class NoJs : IJSRuntime
    {
        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) => throw new InvalidOperationException("no JS in static rendering");

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args) =>
            throw new InvalidOperationException("no JS in static rendering");
    }

    private static async Task<string> Render<T>(Dictionary<string, object?> parameters) where T : IComponent
    {
        var services = new ServiceCollection().AddSingleton<IJSRuntime, NoJs>().BuildServiceProvider();
        await using var renderer = new HtmlRenderer(services, NullLoggerFactory.Instance);
        return await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<T>(ParameterView.FromDictionary(parameters))).ToHtmlString());
    }

    [Fact]
    public async Task Layer_editor_shows_every_layer_with_its_output_shape_and_parameters()
    {
        var preset = NetworkPresets.Find("cnn-small")!;
        var html = await Render<LayerEditor>(new()
        {
            [nameof(LayerEditor.Layers)] = preset.Layers,
            [nameof(LayerEditor.Summary)] = NetworkShapes.Infer(preset.Layers, preset.Input, 10),
        });
        Assert.Equal(preset.Layers.Count, Count(html, "data-testid=\"layer-row\""));
        Assert.Contains("(8x28x28)", html);
        Assert.Contains("(784)", html);
        Assert.Contains("9,098 parameters", html);
        Assert.DoesNotContain("layer-error", html);
    }

    [Fact]
    public async Task Layer_editor_marks_the_layer_that_does_not_fit_with_the_message()
    {
        LayerSpec[] layers = [LayerSpec.Flatten(), LayerSpec.Linear(100, 10)];
        var summary = NetworkShapes.Infer(layers, TensorShape.Image(1, 28, 28), 10);
        var html = await Render<LayerEditor>(new()
        {
            [nameof(LayerEditor.Layers)] = layers,
            [nameof(LayerEditor.Summary)] = summary,
        });
        Assert.Contains("class=\"layer-error\"", html);
        Assert.Contains("data-testid=\"layer-error\"", html);
        Assert.Contains("expects (100) but receives (784)", html);
    }

    [Fact]
    public async Task Line_chart_renders_its_container_for_the_js_module()
    {
        var html = await Render<LineChart>(new()
        {
            [nameof(LineChart.Options)] = new ChartOptions("Loss", "cross-entropy", [new ChartSeries("train", "trainLoss")]),
            [nameof(LineChart.TestId)] = "loss-chart",
        });
        Assert.Contains("class=\"line-chart\"", html);
        Assert.Contains("data-testid=\"loss-chart\"", html);
    }

    [Fact]
    public async Task Confusion_matrix_renders_its_heatmap_container_and_the_normalise_toggle()
    {
        var test = new Dashboard.Shared.Runs.TestMetrics(0.1, 0.5, 4, ["a", "b"], [[1, 1], [1, 1]], [], 100);
        var html = await Render<ConfusionMatrix>(new() { [nameof(ConfusionMatrix.Test)] = test });
        Assert.Contains("data-testid=\"confusion-matrix\"", html);
        Assert.Contains("data-testid=\"normalise\"", html);
        Assert.Contains("row-normalised", html);
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;
}
