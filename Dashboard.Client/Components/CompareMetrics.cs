using Dashboard.Shared.Runs;

namespace Dashboard.Client.Components;

/// <summary>What the Runs page's compare chart can overlay: per step, per epoch, or a layer's health per epoch.</summary>
public enum CompareMetric
{
    StepLoss,
    StepAccuracy,
    TrainLoss,
    TrainAccuracy,
    ValidationLoss,
    ValidationAccuracy,
    LearningRate,
    ImagesPerSecond,
    GradientNorm,
    UpdateRatio,
    WeightNorm,
    ActivationMean,
    ActivationStd,
    DeadFraction,
}

/// <summary>Builds the compare chart's lines: one per run, named with its final and best value.</summary>
public static class CompareMetrics
{
    public static string Title(CompareMetric metric) => metric switch
    {
        CompareMetric.StepLoss => "Training loss per step",
        CompareMetric.StepAccuracy => "Training accuracy per step",
        CompareMetric.TrainLoss => "Training loss per epoch",
        CompareMetric.TrainAccuracy => "Training accuracy per epoch",
        CompareMetric.ValidationLoss => "Validation loss",
        CompareMetric.ValidationAccuracy => "Validation accuracy",
        CompareMetric.LearningRate => "Learning rate",
        CompareMetric.ImagesPerSecond => "Training images/s",
        CompareMetric.GradientNorm => "Gradient norm of a layer",
        CompareMetric.UpdateRatio => "Update / weight ratio of a layer",
        CompareMetric.WeightNorm => "Weight norm of a layer",
        CompareMetric.ActivationMean => "Activation mean of a layer",
        CompareMetric.ActivationStd => "Activation standard deviation of a layer",
        _ => "Dead units of a ReLU layer",
    };

    public static bool PerStep(CompareMetric metric) => metric is CompareMetric.StepLoss or CompareMetric.StepAccuracy;

    public static bool PerLayer(CompareMetric metric) => metric is CompareMetric.GradientNorm or CompareMetric.UpdateRatio or CompareMetric.WeightNorm
        or CompareMetric.ActivationMean or CompareMetric.ActivationStd or CompareMetric.DeadFraction;

    /// <summary>A layer's value of a per-layer metric at one measurement; null where the layer has none (a ReLU has no weights).</summary>
    public static double? Of(LayerHealth layer, CompareMetric metric) => metric switch
    {
        CompareMetric.GradientNorm => layer.GradientNorm,
        CompareMetric.UpdateRatio => layer.UpdateRatio,
        CompareMetric.WeightNorm => layer.WeightNorm,
        CompareMetric.ActivationMean => layer.ActivationMean,
        CompareMetric.ActivationStd => layer.ActivationStd,
        CompareMetric.DeadFraction => layer.DeadFraction,
        _ => null,
    };

    public static bool IsPercent(CompareMetric metric) =>
        metric is CompareMetric.StepAccuracy or CompareMetric.TrainAccuracy or CompareMetric.ValidationAccuracy or CompareMetric.DeadFraction;

    // Lower is better for losses and dead units; for the rest the largest value is the one named "best".
    private static bool LowerIsBetter(CompareMetric metric) =>
        metric is CompareMetric.StepLoss or CompareMetric.TrainLoss or CompareMetric.ValidationLoss or CompareMetric.DeadFraction;

    /// <summary>
    /// The chart's options: a line per run (x: step, or epoch) named "#ID final F, best B". <paramref name="steps"/> gives a
    /// run's step points; <paramref name="layer"/> the layer of the health metrics.
    /// </summary>
    public static EpochChartOptions Chart(IEnumerable<RunRecord> runs, CompareMetric metric, Func<int, IReadOnlyList<StepMetrics>> steps, int layer, double smoothing)
    {
        var percent = IsPercent(metric);
        var series = runs.Select(r =>
        {
            IReadOnlyList<LinePoint> points = PerStep(metric)
                ? [.. steps(r.Id).Select(s => new LinePoint(s.Step, metric == CompareMetric.StepLoss ? s.Loss : s.Accuracy))]
                : [.. r.Epochs.Select(e => (e.Epoch, Value: Value(e, metric, layer))).Where(p => p.Value is { } v && double.IsFinite(v)).Select(p => new LinePoint(p.Epoch, p.Value!.Value))];
            var name = points.Count == 0 ? $"#{r.Id}"
                : $"#{r.Id} final {Format(points[^1].Y, percent)}, best {Format(LowerIsBetter(metric) ? points.Min(p => p.Y) : points.Max(p => p.Y), percent)}";
            return new LineSeries(name, points, Smooth: PerStep(metric));
        }).ToList();
        return new EpochChartOptions(Title(metric), percent ? "%" : "", series, percent, PerStep(metric) ? "step" : "epoch", smoothing);
    }

    private static double? Value(EpochMetrics e, CompareMetric metric, int layer) => metric switch
    {
        CompareMetric.TrainLoss => e.TrainLoss,
        CompareMetric.TrainAccuracy => e.TrainAccuracy,
        CompareMetric.ValidationLoss => e.ValidationLoss,
        CompareMetric.ValidationAccuracy => e.ValidationAccuracy,
        CompareMetric.LearningRate => e.LearningRate,
        CompareMetric.ImagesPerSecond => e.ImagesPerSecond,
        _ => e.Health?.Layers.FirstOrDefault(l => l.Layer == layer) is { } health ? Of(health, metric) : null,
    };

    private static string Format(double value, bool percent) => percent ? $"{100 * value:F2} %" : value.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
}
