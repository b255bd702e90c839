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

    private sealed class NoInspector : Dashboard.Shared.Runs.IRunInspector
    {
        public Dashboard.Shared.Runs.CellExamples Cell(int runId, int trueClass, int predicted, int limit) => throw new InvalidOperationException("not in this test");

        public IReadOnlyList<Dashboard.Shared.Runs.TestExample> ConfidentMistakes(int runId, int limit) => throw new InvalidOperationException("not in this test");
    }

    private static async Task<string> Render<T>(Dictionary<string, object?> parameters) where T : IComponent
    {
        var services = new ServiceCollection().AddSingleton<IJSRuntime, NoJs>()
            .AddSingleton<Dashboard.Shared.Runs.IRunInspector, NoInspector>().BuildServiceProvider();
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
        var html = await Render<ConfusionMatrix>(new() { [nameof(ConfusionMatrix.RunId)] = 1, [nameof(ConfusionMatrix.Test)] = test });
        Assert.Contains("data-testid=\"confusion-matrix\"", html);
        Assert.Contains("data-testid=\"normalise\"", html);
        Assert.Contains("row-normalised", html);
    }

    [Fact]
    public async Task Example_gallery_labels_each_image_with_true_and_predicted_class_and_its_top_probabilities()
    {
        var examples = new[]
        {
            new Dashboard.Shared.Runs.TestExample(7, 1, 0, [0.7f, 0.2f, 0.1f], 1, 2, 2, [0, 255, 0, 255]),
            new Dashboard.Shared.Runs.TestExample(9, 2, 1, [0.1f, 0.6f, 0.3f], 1, 2, 2, [255, 0, 255, 0]),
        };
        var html = System.Net.WebUtility.HtmlDecode(await Render<ExampleGallery>(new()
        {
            [nameof(ExampleGallery.Examples)] = examples,
            [nameof(ExampleGallery.Classes)] = new[] { "zero", "one", "two" },
        }));
        Assert.Equal(2, Count(html, "data-testid=\"grid-image\""));
        Assert.Contains("true one → zero", html);
        Assert.Contains("true two → one", html);
        Assert.Contains("test image #9", html);
        Assert.Contains("zero 70", html);
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;
}
