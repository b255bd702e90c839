using System.Text.Json;
using Bunit;
using Dashboard.Client.Components;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.ComponentTests;

public sealed class HealthComponentsTests : ComponentTestBase
{
    private static readonly Histogram Bins = new(-1, 1, [1, 2, 3]);

    // A conv layer of 36 parameters, a BatchNorm of 8, a ReLU and a Linear of 1,000: sorted by size the Linear comes first.
    private static EpochHealth Health(double gradient, params HealthAlert[] alerts) => new(3,
    [
        new LayerHealth(0, LayerKind.Conv2d, 36, gradient, 2, 1e-3, 0.1, 1, null, null, null, Bins, Bins),
        new LayerHealth(1, LayerKind.BatchNorm2d, 8, gradient, 3, 2e-4, 0, 1, null, 0.1, 1.5, Bins, Bins),
        new LayerHealth(2, LayerKind.ReLU, 0, null, null, null, 0.4, 0.7, 0.25, null, null),
        new LayerHealth(3, LayerKind.Linear, 1000, gradient, 5, 0.03, 0.2, 2, null, null, null, Bins, Bins),
    ], alerts);

    private static EpochMetrics Epoch(int epoch, EpochHealth? health) => new(epoch, 0.5, 0.8, null, null, 1, 100, 1e-3, DateTimeOffset.UnixEpoch, health);

    private static readonly HealthAlert Fast = new(HealthAlertKind.UpdateRatio, 2, 20, 3, 0.03, "layer 3 updates too fast");
    private static readonly HealthAlert Dead = new(HealthAlertKind.DeadUnits, 3, 10, 2, 0.6, "layer 2 is mostly dead");

    private static List<string> SeriesNames(object options) =>
        [.. JsonSerializer.SerializeToElement(options, new JsonSerializerOptions(JsonSerializerDefaults.Web)).GetProperty("series").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];

    [Fact]
    public void A_run_page_hands_on_the_first_live_sample_of_an_epoch_any_with_an_alert_and_else_one_every_interval()
    {
        var pace = new LiveHealthPace(TimeSpan.FromSeconds(10));
        HealthSample Sample(int epoch, int batch, params HealthAlert[] alerts) => new(epoch, batch, 100, Health(batch), alerts);
        var seconds = new (HealthSample Sample, double At)[]
        {
            (Sample(1, 10), 0), (Sample(1, 20), 1), (Sample(1, 30, Dead), 2), (Sample(1, 40), 3), (Sample(1, 50), 11.9),
            (Sample(1, 60), 12.1), (Sample(2, 10), 13), (Sample(2, 20), 14), (Sample(2, 30), 23.5),
        };

        var passed = seconds.Where(s => pace.Pass(s.Sample, TimeSpan.FromSeconds(s.At))).Select(s => (s.Sample.Epoch, s.Sample.Batch));

        // An alert passes at once and starts the interval again (2 s, then 12.1 s); a new epoch at once (13 s, then 23.5 s).
        Assert.Equal([(1, 10), (1, 30), (1, 60), (2, 10), (2, 30)], passed);
    }

    [Fact]
    public void A_warm_up_alert_with_no_layers_measured_does_not_hold_back_the_epochs_first_measured_sample()
    {
        var pace = new LiveHealthPace(TimeSpan.FromSeconds(10));
        var warmUp = new HealthSample(1, 32, 100, new EpochHealth(0, [], [Dead]), [Dead]);

        Assert.True(pace.Pass(warmUp, TimeSpan.FromSeconds(1)));
        Assert.True(pace.Pass(new HealthSample(1, 50, 100, Health(1, Dead), []), TimeSpan.FromSeconds(2)));
        Assert.False(pace.Pass(new HealthSample(1, 100, 100, Health(1, Dead), []), TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public void Health_panel_shows_alerts_newest_first_a_heatmap_per_metric_and_the_chosen_layers_histograms()
    {
        var module = JSInterop.SetupModule("./_content/Dashboard.Client/apex.js");
        module.Setup<int>("create", _ => true).SetResult(1);
        var live = new HealthSample(3, 10, 20, Health(4, Dead), [Dead]);

        var cut = Render<HealthPanel>(p => p.Add(c => c.Epochs, [Epoch(1, Health(1)), Epoch(2, Health(2, Fast))]).Add(c => c.Live, live).Add(c => c.HealthEvery, 50));

        Assert.Equal(["Epoch 3, batch 10: layer 2 is mostly dead", "Epoch 2, batch 20: layer 3 updates too fast"],
            cut.FindAll("[data-testid=health-alert]").Select(a => a.TextContent.Trim()));
        Assert.Equal(["DeadUnits", "UpdateRatio"], cut.FindAll("[data-testid=health-alert]").Select(a => a.GetAttribute("data-kind")));
        var maps = cut.FindAll("[data-testid^=health-map-]").Select(m => m.GetAttribute("data-testid")).ToList();
        Assert.Equal(HealthCharts.Metrics.Select(m => $"health-map-{m.Key}"), maps);
        var creates = module.Invocations.Where(i => i.Identifier == "create").ToList();
        Assert.Equal(maps.Count + 2, creates.Count); // and the weights' and gradients' histograms
        // The gradient map: the weighted layers (ApexCharts draws the first series at the bottom), epochs 1, 2 and the live 3.
        Assert.Equal(["3 Linear (1,000)", "1 BatchNorm2d (8)", "0 Conv2d (36)"], SeriesNames(creates[0].Arguments[1]!));
        var columns = JsonSerializer.SerializeToElement(creates[0].Arguments[1]).GetProperty("series")[0].GetProperty("data").EnumerateArray()
            .Select(d => d.GetProperty("x").GetString()).ToList();
        Assert.Equal(["1", "2", "3 (live)"], columns);
        Assert.Equal(["epoch 1", "epoch 2"], SeriesNames(creates[^2].Arguments[1]!));

        cut.Find("[data-testid=health-order]").Change("Size");
        var update = module.Invocations.First(i => i.Identifier == "update");
        Assert.Equal(["1 BatchNorm2d (8)", "0 Conv2d (36)", "3 Linear (1,000)"], SeriesNames(update.Arguments[2]!)); // the largest on top
    }

    [Fact]
    public void Compare_overlays_a_relu_layers_dead_units_per_epoch_named_with_the_final_and_the_lowest_value()
    {
        // Layer 2 (the ReLU) with the given dead fractions, one per epoch.
        static RunRecord Run(int id, params double[] dead) => new()
        {
            Id = id,
            Config = new RunConfig(),
            Epochs = [.. dead.Select((d, i) => Epoch(i + 1, Health(1) with { Layers = [.. Health(1).Layers.Select(l => l.Layer == 2 ? l with { DeadFraction = d } : l)] }))],
        };
        RunRecord[] runs = [Run(1, 0.5, 0.3, 0.4), Run(2, 0.1, 0.2)];

        var chart = CompareMetrics.Chart(runs, CompareMetric.DeadFraction, _ => [], layer: 2, smoothing: 0);

        Assert.True(chart.Percent);
        Assert.Equal(["#1 final 40.00 %, best 30.00 %", "#2 final 20.00 %, best 10.00 %"], chart.Series.Select(s => s.Name));
        Assert.Equal([(1.0, 0.5), (2.0, 0.3), (3.0, 0.4)], chart.Series[0].Points!.Select(p => (p.X, p.Y)));
        // A conv layer has no dead units to show, a ReLU no gradient norm.
        Assert.All(CompareMetrics.Chart(runs, CompareMetric.DeadFraction, _ => [], layer: 0, smoothing: 0).Series, s => Assert.Empty(s.Points!));
        Assert.Null(CompareMetrics.Of(Health(1).Layers[2], CompareMetric.GradientNorm));
        Assert.Equal(0.7, CompareMetrics.Of(Health(1).Layers[2], CompareMetric.ActivationStd));
    }

    [Fact]
    public void A_chart_given_new_data_while_it_is_still_being_created_draws_that_data_once_created()
    {
        var module = JSInterop.SetupModule("./_content/Dashboard.Client/apex.js");
        var created = module.Setup<int>("create", _ => true); // answered below, after the data changed
        object Options(string name) => new { series = new[] { new { name } } };

        var cut = Render<ApexChart>(p => p.Add(c => c.Options, Options("first")).Add(c => c.Version, 1));
        cut.Render(p => p.Add(c => c.Options, Options("second")).Add(c => c.Version, 2));
        Assert.DoesNotContain(module.Invocations, i => i.Identifier == "update");
        created.SetResult(7);

        cut.WaitForAssertion(() => Assert.Equal(["second"], SeriesNames(Assert.Single(module.Invocations, i => i.Identifier == "update").Arguments[2]!)));
        Assert.Equal(["first"], SeriesNames(Assert.Single(module.Invocations, i => i.Identifier == "create").Arguments[1]!));
    }

    [Fact]
    public void Health_panel_lets_a_live_sample_wait_redraws_a_new_epoch_at_once_and_leaves_the_histograms_to_measured_epochs()
    {
        var module = JSInterop.SetupModule("./_content/Dashboard.Client/apex.js");
        module.Setup<int>("create", _ => true).SetResult(1);
        IReadOnlyList<EpochMetrics> one = [Epoch(1, Health(1))];
        var cut = Render<HealthPanel>(p => p.Add(c => c.Epochs, one).Add(c => c.Live, new HealthSample(2, 10, 20, Health(2), [])));
        var maps = cut.FindAll("[data-testid^=health-map-]").Count;
        List<bool> Updates() => [.. module.Invocations.Where(i => i.Identifier == "update").Select(i => (bool)i.Arguments[3]!)];

        // A later sample of the running epoch: every heatmap told, each deferred; the histograms (epoch 1 only) untouched.
        cut.Render(p => p.Add(c => c.Epochs, one).Add(c => c.Live, new HealthSample(2, 20, 40, Health(3), [])));
        Assert.Equal(Enumerable.Repeat(true, maps), Updates());

        // Epoch 2 ends: the heatmaps at once, and the histograms gain it.
        cut.Render(p => p.Add(c => c.Epochs, [.. one, Epoch(2, Health(3))]).Add(c => c.Live, null));
        Assert.Equal(Enumerable.Repeat(true, maps).Concat(Enumerable.Repeat(false, maps + 2)), Updates());
    }

    [Fact]
    public void Health_panel_says_what_to_expect_before_anything_is_measured()
    {
        var measuring = Render<HealthPanel>(p => p.Add(c => c.Epochs, [Epoch(1, null)]).Add(c => c.HealthEvery, 50));
        Assert.Contains("every 50 batches", measuring.Find("[data-testid=health-none]").TextContent);
        Assert.Empty(measuring.FindAll("[data-testid^=health-map-]"));

        var off = Render<HealthPanel>(p => p.Add(c => c.Epochs, []).Add(c => c.HealthEvery, 0));
        Assert.Contains("healthEvery 0", off.Find("[data-testid=health-none]").TextContent);
    }

    [Fact]
    public void A_live_sample_of_an_epoch_already_stored_adds_no_column_and_no_alerts()
    {
        var epochs = new[] { Epoch(1, Health(1)), Epoch(2, Health(2, Fast)) };
        var stale = new HealthSample(2, 20, 20, Health(2, Fast, Dead), [Dead]);

        Assert.Equal(["1", "2"], HealthCharts.Columns(epochs, stale).Select(c => c.Label));
        Assert.Equal([Fast], HealthCharts.Alerts(epochs, stale));
    }

    [Fact]
    public void Update_ratios_and_dead_units_are_coloured_by_their_rules_and_norms_by_orders_of_magnitude()
    {
        var ratio = HealthCharts.Metrics.Single(m => m.Key == "updateRatio");
        Assert.Equal(["#7e57c2", "#a5d6a7", "#2e7d32", "#e53935"], HealthCharts.Bands(ratio, [1]).Select(b => b.Color));
        Assert.Equal("#e53935", HealthCharts.Bands(ratio, []).Single(b => b.From <= 0.03 && 0.03 < b.To).Color);
        Assert.Equal("#2e7d32", HealthCharts.Bands(ratio, []).Single(b => b.From <= 1e-2 && 1e-2 < b.To).Color);

        var norm = HealthCharts.Metrics.Single(m => m.Key == "gradientNorm");
        var bands = HealthCharts.Bands(norm, [1e-6, 1e-3, 1]);
        Assert.Equal(5, bands.Count);
        Assert.Equal(1e-6 * Math.Pow(10, 6 / 5.0), bands[1].From, 12); // five equal steps of log10 from 1e-6 to 1
        Assert.Empty(HealthCharts.Bands(norm, [double.NaN]));
    }

    [Fact]
    public void Histogram_overlay_draws_each_compared_runs_last_measured_epoch_for_the_chosen_layer()
    {
        var module = JSInterop.SetupModule("./_content/Dashboard.Client/apex.js");
        module.Setup<int>("create", _ => true).SetResult(1);
        RunRecord Run(int id, params EpochMetrics[] epochs) => new() { Id = id, Config = new RunConfig(), Epochs = epochs };
        var runs = new[] { Run(1, Epoch(1, Health(1)), Epoch(2, null)), Run(2, Epoch(1, Health(2))), Run(3, Epoch(1, null)) };

        var cut = Render<HistogramOverlay>(p => p.Add(c => c.Runs, runs));

        Assert.Equal(["0", "1", "3"], cut.FindAll("[data-testid=overlay-layer] option").Select(o => o.GetAttribute("value")));
        var creates = module.Invocations.Where(i => i.Identifier == "create").ToList();
        Assert.Equal(["#1 Conv2d", "#2 Conv2d"], SeriesNames(creates[0].Arguments[1]!));
        cut.Find("[data-testid=overlay-layer]").Change("3");
        Assert.Equal(["#1 Linear", "#2 Linear"], SeriesNames(module.Invocations.First(i => i.Identifier == "update").Arguments[2]!));
        Assert.Empty(Render<HistogramOverlay>(p => p.Add(c => c.Runs, [runs[2]])).Markup.Trim());
    }
}
