using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.UnitTests;

public class HealthMonitorTests
{
    // Conv2d, BatchNorm2d, ReLU, Flatten, Linear: the kinds the rules treat differently.
    private static readonly LayerSpec[] Layers =
        [LayerSpec.Conv2d(1, 4, 3), LayerSpec.BatchNorm2d(4), LayerSpec.ReLU(), LayerSpec.Flatten(), LayerSpec.Linear(16, 10)];

    /// <summary>A measured batch: gradient norms of the conv, BatchNorm and linear layers, every update 1e-3 of its weights unless given.</summary>
    private static LayerSample[] Sample(double conv = 1, double norm = 1, double linear = 1, double dead = 0, double convUpdate = 1e-3, double normUpdate = 1e-3) =>
    [
        Weighted(36, conv, convUpdate),
        Weighted(8, norm, normUpdate) with { RunningMean = 0.1, RunningVariance = 2 },
        new LayerSample(0, double.NaN, double.NaN, double.NaN, 0.4, 0.6, dead, double.NaN, double.NaN, null, null),
        new LayerSample(0, double.NaN, double.NaN, double.NaN, 0.4, 0.6, double.NaN, double.NaN, double.NaN, null, null),
        Weighted(170, linear, 1e-3),
    ];

    private static LayerSample Weighted(long parameters, double gradient, double update) =>
        new(parameters, 2, gradient, 2 * update, 0.1, 1, double.NaN, double.NaN, double.NaN, null, null);

    [Fact]
    public void A_gradient_norm_over_ten_times_its_running_median_raises_one_exploding_alert_an_epoch()
    {
        var monitor = new HealthMonitor(Layers);
        for (var b = 1; b <= 5; b++)
        {
            Assert.Empty(monitor.Add(1, b, 100, 0.5, Sample(), last: false).NewAlerts);
        }
        Assert.Empty(monitor.Add(1, 6, 100, 0.5, Sample(conv: 9, linear: 9), last: false).NewAlerts); // 12.8 against a median of 1.73: 7.4 times

        var spike = Assert.Single(monitor.Add(1, 7, 100, 0.5, Sample(conv: 30, linear: 30), last: false).NewAlerts);
        Assert.Equal((HealthAlertKind.ExplodingGradient, 1, 7, (int?)null), (spike.Kind, spike.Epoch, spike.Batch, spike.Layer));
        Assert.True(spike.Value > 10, $"{spike.Value}");
        Assert.Empty(monitor.Add(1, 8, 100, 0.5, Sample(conv: 300, linear: 300), last: false).NewAlerts);
        Assert.Single(monitor.Add(2, 1, 100, 0.5, Sample(conv: 3000, linear: 3000), last: false).NewAlerts, a => a.Kind == HealthAlertKind.ExplodingGradient);
    }

    [Fact]
    public void A_gradient_spike_while_the_loss_falls_is_a_network_leaving_its_plateau_not_an_explosion()
    {
        var monitor = new HealthMonitor(Layers);
        for (var b = 1; b <= 5; b++)
        {
            monitor.Add(1, b, 100, 2.3, Sample(conv: 0.1, norm: 0.1, linear: 0.1), last: false);
        }
        Assert.Empty(monitor.Add(1, 6, 100, 1.2, Sample(conv: 3, norm: 0.1, linear: 3), last: false).NewAlerts); // 24 times the median

        var spike = Assert.Single(monitor.Add(1, 7, 100, 1.5, Sample(conv: 3, norm: 0.1, linear: 3), last: false).NewAlerts);
        Assert.Equal(HealthAlertKind.ExplodingGradient, spike.Kind); // the same norm with the loss rising
    }

    [Fact]
    public void Warm_up_measurements_feed_the_exploding_rules_median_and_nothing_else()
    {
        var monitor = new HealthMonitor(Layers);
        for (var b = 1; b <= 16; b *= 2)
        {
            // A first layer at 1e-4 of the last would be vanishing in a regular measurement.
            Assert.Empty(monitor.WarmUp(1, b, 100, 0.5, Sample(conv: 1e-4, linear: 1)).NewAlerts);
        }
        Assert.Null(monitor.Epoch);

        var spike = Assert.Single(monitor.WarmUp(1, 32, 100, 0.5, Sample(conv: 30, linear: 30)).NewAlerts);
        Assert.Equal((HealthAlertKind.ExplodingGradient, 32), (spike.Kind, spike.Batch));
        var nan = Assert.Single(monitor.WarmUp(1, 33, 100, double.NaN, Sample()).NewAlerts);
        Assert.Equal(HealthAlertKind.NonFiniteLoss, nan.Kind);

        var regular = monitor.Add(1, 50, 100, 0.5, Sample(), last: false);
        Assert.Equal(1, regular.Health.Samples); // the warm-ups are not in the epoch's means
        Assert.Equal([HealthAlertKind.ExplodingGradient, HealthAlertKind.NonFiniteLoss], regular.Health.Alerts.Select(a => a.Kind));
    }

    [Fact]
    public void No_spike_is_judged_before_five_measured_batches()
    {
        var monitor = new HealthMonitor(Layers);
        monitor.Add(1, 1, 100, 0.5, Sample(), last: false);
        Assert.Empty(monitor.Add(1, 2, 100, 0.5, Sample(conv: 1000, linear: 1000), last: false).NewAlerts);
    }

    [Fact]
    public void A_first_layer_gradient_under_1e_3_of_the_last_layers_raises_the_vanishing_alert_at_the_first_layer()
    {
        var monitor = new HealthMonitor(Layers);
        Assert.Empty(monitor.Add(1, 1, 100, 0.5, Sample(conv: 2e-3, linear: 1), last: false).NewAlerts);

        var alert = Assert.Single(monitor.Add(1, 2, 100, 0.5, Sample(conv: 5e-4, linear: 1), last: false).NewAlerts);
        Assert.Equal((HealthAlertKind.VanishingGradient, (int?)0, 5e-4), (alert.Kind, alert.Layer, alert.Value));
        Assert.Contains("layer 0 (Conv2d)", alert.Message);
        Assert.Contains("layer 4 (Linear)", alert.Message);
    }

    [Fact]
    public void Nearly_all_dead_units_and_update_ratios_out_of_band_two_epochs_running_are_judged_at_the_epochs_last_batch()
    {
        var monitor = new HealthMonitor(Layers);
        Assert.Empty(monitor.Add(1, 50, 100, 0.5, Sample(dead: 0.99, convUpdate: 0.05, normUpdate: 0.05), last: false).NewAlerts);

        // The conv layer's mean update ratio over the epoch's two batches is 0.03: out of band once is not yet an alert.
        var first = monitor.Add(1, 100, 100, 0.5, Sample(dead: 0.95, convUpdate: 0.01, normUpdate: 0.05), last: true).NewAlerts;
        Assert.Equal([(HealthAlertKind.DeadUnits, (int?)2)], first.Select(a => (a.Kind, a.Layer)));
        Assert.Equal(0.95, first[0].Value);

        // Epoch 2 over the band too: the alert; BatchNorm's scales and shifts are not judged.
        var second = monitor.Add(2, 100, 100, 0.5, Sample(dead: 0.6, convUpdate: 0.02, normUpdate: 0.05), last: true).NewAlerts;
        var update = Assert.Single(second);
        Assert.Equal((HealthAlertKind.UpdateRatio, (int?)0, 0.02), (update.Kind, update.Layer, update.Value));
        Assert.Contains("too high", update.Message);

        // Half dead is not "nearly all"; one low epoch, then one high, is no alert; nor are two low ones under a schedule.
        Assert.Empty(new HealthMonitor(Layers).Add(1, 100, 100, 0.5, Sample(dead: 0.6), last: true).NewAlerts);
        var flipping = new HealthMonitor(Layers);
        flipping.Add(1, 100, 100, 0.5, Sample(convUpdate: 0.9e-4), last: true);
        Assert.Empty(flipping.Add(2, 100, 100, 0.5, Sample(convUpdate: 0.05), last: true).NewAlerts);
        var scheduled = new HealthMonitor(Layers, constantRate: false);
        scheduled.Add(1, 100, 100, 0.5, Sample(convUpdate: 0.9e-4), last: true);
        Assert.Empty(scheduled.Add(2, 100, 100, 0.5, Sample(convUpdate: 0.9e-4), last: true).NewAlerts);
        var low = new HealthMonitor(Layers);
        low.Add(1, 100, 100, 0.5, Sample(convUpdate: 0.9e-4), last: true);
        Assert.Contains("too low", Assert.Single(low.Add(2, 100, 100, 0.5, Sample(convUpdate: 0.9e-4), last: true).NewAlerts).Message);
    }

    [Fact]
    public void A_loss_that_is_not_a_number_raises_the_non_finite_alert_with_no_value()
    {
        var monitor = new HealthMonitor(Layers);
        var measured = Assert.Single(monitor.Add(1, 3, 100, double.NaN, Sample(), last: false).NewAlerts);
        Assert.Equal((HealthAlertKind.NonFiniteLoss, (double?)null), (measured.Kind, measured.Value));

        var unmeasured = monitor.Diverged(2, 7, 100, double.PositiveInfinity);
        Assert.Equal((HealthAlertKind.NonFiniteLoss, 2, 7), (unmeasured.NewAlerts[0].Kind, unmeasured.NewAlerts[0].Epoch, unmeasured.NewAlerts[0].Batch));
        Assert.Equal(unmeasured.NewAlerts, unmeasured.Health.Alerts);
    }

    [Fact]
    public void An_epochs_summary_averages_its_batches_keeps_the_latest_counts_and_starts_afresh_each_epoch()
    {
        var monitor = new HealthMonitor(Layers);
        monitor.Add(1, 50, 100, 0.5, Sample(conv: 1, dead: 0.2), last: false);
        var health = monitor.Add(1, 100, 100, 0.5, Sample(conv: 3, dead: 0.3), last: true).Health;

        Assert.Equal(2, health.Samples);
        Assert.Equal(2, health.Layers[0].GradientNorm);
        Assert.Equal(1e-3, health.Layers[0].UpdateRatio!.Value, 12);
        Assert.Equal(0.3, health.Layers[2].DeadFraction);
        Assert.Equal((0.1, 2.0), (health.Layers[1].RunningMean!.Value, health.Layers[1].RunningVariance!.Value));
        Assert.Null(health.Layers[2].GradientNorm);
        Assert.Null(health.Layers[0].DeadFraction);
        Assert.Equal([LayerKind.Conv2d, LayerKind.BatchNorm2d, LayerKind.ReLU, LayerKind.Flatten, LayerKind.Linear], health.Layers.Select(l => l.Kind));
        Assert.Equal(health, monitor.Epoch);

        Assert.Equal(1, monitor.Add(2, 50, 100, 0.5, Sample(), last: false).Health.Samples);
    }
}
