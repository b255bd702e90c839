using Bunit;
using Dashboard.Client.Components;
using Dashboard.Shared.Inference;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Samples;
using MudBlazor;

namespace Dashboard.ComponentTests;

public sealed class DrawComponentsTests : ComponentTestBase
{
    private static DrawingPrediction Prediction(int best) =>
        new(new Prediction(1, "mnist", "cnn-bn", best, best.ToString(), [.. Enumerable.Range(0, 10).Select(c => c == best ? 0.91f : 0.01f)]), new float[784]);

    [Fact]
    public void Drawing_pad_raises_what_the_canvas_reports_shows_an_uploads_ink_and_closes_the_latency_measurement()
    {
        var module = JSInterop.SetupModule("./_content/Dashboard.Client/draw.js");
        module.Setup<int>("create", _ => true).SetResult(5);
        var showInk = module.SetupVoid("showInk", _ => true);
        showInk.SetVoidResult();
        var shown = module.SetupVoid("shown", _ => true);
        PadDrawing? drawing = null;
        var cut = Render<DrawingPad>(p => p.Add(c => c.DrawingChanged, d => drawing = d));

        cut.InvokeAsync(() => cut.Instance.Changed([1, 2, 3, 4], 2, 2, 9));
        Assert.Equal((2, 2, 9), (drawing!.Width, drawing.Height, drawing.Sequence));

        var ink = new byte[DrawingPad.Size * DrawingPad.Size];
        cut.Render(p => p.Add(c => c.Ink, ink).Add(c => c.Shown, 9));
        Assert.Same(ink, showInk.VerifyInvoke("showInk").Arguments[1]);
        Assert.Equal(9, shown.VerifyInvoke("shown").Arguments[1]);
    }

    [Fact]
    public void Prediction_panel_shows_the_hint_the_error_or_the_prediction_and_saves_with_the_chosen_label()
    {
        Render<MudPopoverProvider>();
        var hint = Render<PredictionPanel>(p => p.Add(c => c.Hint, "Upload a picture").Add(c => c.Shape, TensorShape.Image(3, 32, 32)));
        Assert.Equal("Upload a picture", hint.Find("[data-testid=draw-hint]").TextContent);
        Assert.Equal("What the model sees (3x32x32)", hint.Find("[data-testid=model-sees]").TextContent);
        Assert.Equal("32", hint.Find("[data-testid=preview]").GetAttribute("width"));

        var error = Render<PredictionPanel>(p => p.Add(c => c.Error, "image: the picture is blank"));
        Assert.Contains("the picture is blank", error.Find("[data-testid=draw-error]").TextContent);

        var saved = new List<int>();
        var cut = Render<PredictionPanel>(p => p
            .Add(c => c.Prediction, Prediction(7))
            .Add(c => c.Classes, [.. Enumerable.Range(0, 10).Select(c => c.ToString())])
            .Add(c => c.MayControl, true)
            .Add(c => c.SaveSample, label => saved.Add(label)));
        Assert.Equal("7", cut.Find("[data-testid=predicted]").TextContent);
        Assert.Equal(10, cut.FindAll(".probability-row").Count);
        Assert.Equal("true", cut.Find("[data-testid=preview]").GetAttribute("data-filled"));
        cut.Find("[data-testid=save-sample]").Click();
        cut.Find("[data-testid=sample-label]").Change("4");
        cut.Find("[data-testid=save-sample]").Click();
        Assert.Equal([7, 4], saved);

        var watcher = Render<PredictionPanel>(p => p.Add(c => c.Prediction, Prediction(2)).Add(c => c.Classes, ["0", "1", "2"]).Add(c => c.MayControl, false));
        Assert.True(watcher.Find("[data-testid=save-sample]").HasAttribute("disabled"));
    }

    [Fact]
    public void Samples_panel_lists_the_samples_with_their_labels_and_raises_delete()
    {
        var deleted = new List<int>();
        var cut = Render<SamplesPanel>(p => p
            .Add(c => c.Dataset, "mnist")
            .Add(c => c.Samples, [new SavedSample(4, "mnist", 3, 1, 2, 2, [0, 1, 2, 3], DateTimeOffset.UnixEpoch), new SavedSample(5, "mnist", 8, 1, 2, 2, [0, 1, 2, 3], DateTimeOffset.UnixEpoch)])
            .Add(c => c.Classes, [.. Enumerable.Range(0, 10).Select(c => c.ToString())])
            .Add(c => c.MayControl, true)
            .Add(c => c.Delete, id => deleted.Add(id)));
        Assert.Equal("2", cut.Find("[data-testid=sample-count]").TextContent);
        Assert.Equal(["3", "8"], cut.FindAll("figcaption").Select(f => f.TextContent));
        Assert.Equal("/api/samples.csv?dataset=mnist", cut.Find("[data-testid=samples-csv]").GetAttribute("href"));
        cut.FindAll("[data-testid=delete-sample]")[1].Click();
        Assert.Equal([5], deleted);
    }
}

public sealed class XrayPanelTests : ComponentTestBase
{
    private static readonly string[] Digits = [.. Enumerable.Range(0, 10).Select(c => c.ToString())];

    private static Xray Xray() => new(1, new Prediction(1, "mnist", "cnn", 7, "7", new float[10]),
    [
        new XrayLayer(0, "Conv2d", "Conv2d → 3 x 2 x 2", [3, 2, 2], 12, 5, 3,
            [new XrayChannel(2, 0.5f, 1, 2, 2, [1, 0, 0, 1]), new XrayChannel(0, 0.25f, 1, 2, 2, [1, 0, 0, 0])], null, true),
        new XrayLayer(1, "Flatten", "Flatten → 20", [20], 20, 5, 0, [], new float[20], false),
        new XrayLayer(2, "Linear", "Linear → 10", [10], 10, 4, 0, [], [.. Enumerable.Range(0, 10).Select(i => (float)i - 5)], false),
    ], 12);

    private static Explanation Explanation(int? other = null) => new(1, 7, other, Digits,
        [new AttributionMap("gradient", 2, 2, [1, -1, 0, 0], 3, 1, null, 2), new AttributionMap("integrated-gradients", 2, 2, [1, 1, 0, 0], 3, 1, 0.004, 9)], []);

    [Fact]
    public void Every_layer_shows_its_channels_cells_or_bars_and_each_attribution_with_integrated_gradients_error()
    {
        var cut = Render<XrayPanel>(p => p.Add(c => c.Xray, Xray()).Add(c => c.Explanation, Explanation()));

        Assert.Equal(["Conv2d", "Flatten", "Linear"], cut.FindAll("[data-testid=xray-layer]").Select(l => l.GetAttribute("data-kind")));
        Assert.Equal(["ch 2", "ch 0"], cut.FindAll("[data-testid=xray-channels-0] figcaption").Select(f => f.TextContent));
        Assert.Contains("the 2 most active of 3 channels", cut.Markup);
        Assert.Equal("20 units", cut.Find("[data-testid=xray-units-1] figcaption").TextContent);
        Assert.Equal(10, cut.FindAll("[data-testid=xray-values-2] .probability-row").Count);
        Assert.Equal(["gradient", "integrated-gradients (0.40 % off)"], cut.FindAll("[data-testid=attributions] figcaption").Select(f => f.TextContent));
        Assert.Contains("raise the score of 7,", cut.Markup);
    }

    [Fact]
    public void A_conv_channels_filter_button_raises_its_layer_and_channel_and_the_filter_shows_one_kernel_per_input()
    {
        (int Layer, int Channel)? asked = null;
        var cut = Render<XrayPanel>(p => p.Add(c => c.Xray, Xray()).Add(c => c.FilterRequested, w => asked = w));
        Assert.Equal(2, cut.FindAll("[data-testid=filter-button]").Count);
        cut.FindAll("[data-testid=filter-button]")[1].Click();
        Assert.Equal((0, 0), asked);

        cut.Render(p => p.Add(c => c.Filter, new ConvFilter(1, 0, 0, 2, 3, [.. Enumerable.Range(0, 18).Select(i => i - 9f)], 9)));
        Assert.Equal(["in 0", "in 1"], cut.FindAll("[data-testid=filter-kernels] figcaption").Select(f => f.TextContent));
    }

    [Fact]
    public void Why_a_rather_than_b_says_so()
    {
        var cut = Render<XrayPanel>(p => p.Add(c => c.Explanation, Explanation(other: 1)));
        Assert.Contains("raise the score of 7 rather than 1,", cut.Markup);
    }
}

public sealed class XrayPanelPickerTests : ComponentTestBase
{
    [Fact]
    public void The_class_pickers_raise_the_class_to_explain_and_the_one_against_it_or_none()
    {
        int? target = null;
        int? other = -1;
        var explanation = new Explanation(1, 7, null, [.. Enumerable.Range(0, 10).Select(c => c.ToString())], [], []);
        var cut = Render<XrayPanel>(p => p.Add(c => c.Explanation, explanation)
            .Add(c => c.TargetChanged, t => target = t).Add(c => c.OtherChanged, o => other = o));
        cut.Find("[data-testid=explain-target]").Change("4");
        Assert.Equal(4, target);
        cut.Find("[data-testid=explain-other]").Change("2");
        Assert.Equal(2, other);
        cut.Find("[data-testid=explain-other]").Change("");
        Assert.Null(other);
    }
}
