using Bunit;
using Dashboard.Client.Components;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;
using MudBlazor;

namespace Dashboard.ComponentTests;

public sealed class FormComponentsTests : ComponentTestBase
{
    [Fact]
    public void Layer_editor_shows_every_layer_with_its_output_shape_and_parameters()
    {
        var preset = NetworkPresets.Find("cnn-small")!;
        var cut = Render<LayerEditor>(p => p.Add(c => c.Layers, preset.Layers).Add(c => c.Summary, NetworkShapes.Infer(preset.Layers, preset.Input, 10)));
        Assert.Equal(preset.Layers.Count, cut.FindAll("[data-testid=layer-row]").Count);
        Assert.Contains("(8x28x28)", cut.Markup);
        Assert.Equal("9,098 parameters", cut.Find("[data-testid=total-parameters]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=layer-error]"));
    }

    [Fact]
    public void Layer_editor_marks_the_layer_that_does_not_fit_and_raises_edits_removals_and_additions()
    {
        LayerSpec[] layers = [LayerSpec.Flatten(), LayerSpec.Linear(100, 10)];
        IReadOnlyList<LayerSpec>? changed = null;
        var cut = Render<LayerEditor>(p => p
            .Add(c => c.Layers, layers)
            .Add(c => c.Summary, NetworkShapes.Infer(layers, TensorShape.Image(1, 28, 28), 10))
            .Add(c => c.LayersChanged, l => changed = l));
        Assert.Contains("expects (100) but receives (784)", cut.Find("[data-testid=layer-error]").TextContent);

        cut.Find("input[aria-label='Layer 1 in']").Change("784");
        Assert.Equal(LayerSpec.Linear(784, 10), changed![1]);
        cut.FindAll("button[aria-label=Remove]")[0].Click();
        Assert.Equal([LayerSpec.Linear(100, 10)], changed);
        cut.Find("[data-testid=add-layer]").Click();
        Assert.Equal(3, changed.Count);
        Assert.Equal(LayerKind.Linear, changed[2].Kind);
    }

    [Fact]
    public void Run_form_shows_the_apis_validation_message_under_its_field_and_raises_the_edited_configuration()
    {
        Render<MudPopoverProvider>();
        var config = new RunConfig { LearningRate = -1 };
        var errors = RunValidation.Validate(config, new Dashboard.Server.Training.Datasets.DatasetCatalog("/nonexistent"));
        // Every raised configuration: MudBlazor raises a number field's change asynchronously, so one may land after a later field's.
        var raised = new List<RunConfig>();
        var cut = Render<RunForm>(p => p
            .Add(c => c.Config, config)
            .Add(c => c.ConfigChanged, c => raised.Add(c))
            .Add(c => c.Datasets, [new DatasetInfo("mnist", "MNIST", TensorShape.Image(1, 28, 28), ["0", "1"], "data/mnist", true, null)])
            .Add(c => c.Presets, NetworkPresets.All)
            .Add(c => c.Recipes, Recipes.All)
            .Add(c => c.Devices, ["auto", "cpu"])
            .Add(c => c.Errors, errors));

        var learningRate = cut.Find("[data-testid=field-learningRate]");
        Assert.Contains("must be a finite number in (0, 10], got -1.", learningRate.TextContent);
        Assert.DoesNotContain("must be", cut.Find("[data-testid=field-epochs]").TextContent);

        cut.Find("[data-testid=field-epochs] input").Change("7");
        cut.WaitForAssertion(() => Assert.Contains(raised, c => c.Epochs == 7 && c.LearningRate == -1));
        cut.Find("[data-testid=field-trainLimit] input").Change("500");
        cut.WaitForAssertion(() => Assert.Contains(raised, c => c.TrainLimit == 500));
        cut.Find("[data-testid=field-includeSamples] input").Change(true);
        cut.WaitForAssertion(() => Assert.Contains(raised, c => c.IncludeSamples));
        // Each change is raised on its own, from the configuration the form was given.
        Assert.All(raised, c => Assert.Equal(-1, c.LearningRate));
        Assert.DoesNotContain(raised, c => c.IncludeSamples && c.TrainLimit == 500);
    }

    [Fact]
    public void Value_bars_scale_to_the_largest_value_or_to_one_for_probabilities_and_highlight_one()
    {
        var counts = Render<ValueBars>(p => p.Add(c => c.Values, [5.0, 10.0]).Add(c => c.Format, v => v.ToString("N0")));
        Assert.Equal(["width: 50.0%", "width: 100.0%"], counts.FindAll(".probability-row > div > div").Select(d => d.GetAttribute("style")));
        Assert.Equal(["5", "10"], counts.FindAll(".probability-row > span:last-child").Select(s => s.TextContent));
        var probabilities = Render<ValueBars>(p => p.Add(c => c.Values, [0.25, 0.5]).Add(c => c.Probabilities, true).Add(c => c.Highlight, 1));
        Assert.Equal("width: 25.0%", probabilities.Find(".probability-row > div > div").GetAttribute("style"));
        Assert.Contains("best", probabilities.FindAll(".probability-row")[1].ClassName);
    }

    [Fact]
    public void Dataset_table_says_which_datasets_were_found()
    {
        var cut = Render<DatasetTable>(p => p.Add(c => c.Datasets,
        [
            new DatasetInfo("mnist", "MNIST", TensorShape.Image(1, 28, 28), ["0"], "data/mnist", true, null),
            new DatasetInfo("cifar10", "CIFAR-10", TensorShape.Image(3, 32, 32), ["cat"], "data/cifar", false, "not found"),
        ]));
        Assert.Contains("found", cut.FindAll("tbody tr")[0].TextContent);
        Assert.Contains("missing", cut.FindAll("tbody tr")[1].TextContent);
        Assert.Contains("(3x32x32)", cut.FindAll("tbody tr")[1].TextContent);
    }
}

public class LrFinderPanelTests : ComponentTestBase
{
    private static LrFindResult Result() => new(
        [new LrCurve(1, [1e-4, 1e-3, 1e-2], [2.3, 1.5, 3.0], [2.3, 2.0, 2.2], "the smoothed loss passed 4 times its best at 0.01", 1e-3, 5e-4, 1e-4)],
        [
            new LrSuggestion("valley", "two thirds down", 1e-3, 8e-4, 2e-3),
            new LrSuggestion("steepest", "fastest fall", 5e-4, 5e-4, 5e-4),
            new LrSuggestion("minimum / 10", "a tenth", null, null, null),
        ], 2.5);

    [Fact]
    public void Suggestions_are_listed_with_their_spread_and_use_this_rate_raises_the_rate()
    {
        double? used = null;
        var cut = Render<LrFinderPanel>(p => p.Add(c => c.Result, Result()).Add(c => c.MayControl, true).Add(c => c.Use, r => used = r));

        var rows = cut.FindAll("[data-testid=lr-suggestions] tbody tr");
        Assert.Equal(3, rows.Count);
        Assert.Contains("1.0e-03", rows[0].TextContent);
        Assert.Contains("8.0e-04 .. 2.0e-03", rows[0].TextContent);
        Assert.Contains("none", rows[2].TextContent);
        Assert.Empty(rows[2].QuerySelectorAll("button"));
        cut.Find("[data-testid=lr-use-steepest]").Click();
        Assert.Equal(5e-4, used);
        Assert.Contains("seed 1: 3 batches, the smoothed loss passed 4 times", cut.Find("[data-testid=lr-stops]").TextContent);
    }

    [Fact]
    public void While_a_sweep_runs_the_button_is_off_and_the_bar_shows_its_progress_and_a_viewer_cannot_start_one()
    {
        var found = 0;
        var cut = Render<LrFinderPanel>(p => p.Add(c => c.Running, true).Add(c => c.Progress, 0.4).Add(c => c.MayControl, true).Add(c => c.Find, () => found++));
        Assert.True(cut.Find("[data-testid=lr-find]").HasAttribute("disabled"));
        Assert.Equal("40", cut.Find("[data-testid=lr-progress]").GetAttribute("aria-valuenow"));

        cut = Render<LrFinderPanel>(p => p.Add(c => c.MayControl, false).Add(c => c.Errors, new Dictionary<string, string[]> { ["config.model"] = ["Unknown model."] }));
        Assert.True(cut.Find("[data-testid=lr-find]").HasAttribute("disabled"));
        Assert.Contains("config.model", cut.Find("[data-testid=lr-errors]").TextContent);

        cut = Render<LrFinderPanel>(p => p.Add(c => c.MayControl, true).Add(c => c.Find, () => found++));
        cut.Find("[data-testid=lr-find]").Click();
        Assert.Equal(1, found);
    }
}
