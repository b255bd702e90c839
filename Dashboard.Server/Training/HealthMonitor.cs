using Dashboard.Server.Torch;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// A run's training health: summarises each epoch's measured batches per layer and raises the alerts. Fed on the
/// training thread, one measured batch at a time. <paramref name="constantRate"/>: the run's learning rate is constant
/// (the update-ratio rule is only applied then: a schedule changes the step size on purpose, a one-cycle peak is meant
/// to be high and a cosine or one-cycle tail low).
/// </summary>
public sealed class HealthMonitor(IReadOnlyList<LayerSpec> layers, bool constantRate = true)
{
    public const double ExplodingFactor = 10;
    public const double VanishingRatio = 1e-3;

    // Healthy networks leave many ReLUs unfired: the tutorial's cnn-bn at Adam 1e-3 leaves 50-60 % of its hidden layer's
    // units so (PyTorch too) and reaches 99 %. The alert is for a layer that is nearly all dead.
    public const double DeadFraction = 0.9;
    public const double UpdateRatioLow = 1e-4;
    public const double UpdateRatioHigh = 1e-2;

    // The running median needs a few samples before a spike means anything; it looks at the latest ones.
    private const int MedianAfter = 5;
    private const int MedianWindow = 200;

    private readonly List<double> _gradientNorms = [];
    private double _previousLoss = double.NaN;
    private readonly List<IReadOnlyList<LayerSample>> _samples = [];
    private readonly List<HealthAlert> _alerts = [];

    // Per layer: the side of the update-ratio band the previous epoch's mean was on (-1 under, +1 over); the alert
    // needs two epochs in a row on the same side.
    private readonly Dictionary<int, int> _outOfBand = [];
    private int _epoch;

    /// <summary>The epoch's health so far; null before its first measured batch.</summary>
    public EpochHealth? Epoch => _samples.Count == 0 && _alerts.Count == 0 ? null : Summary();

    /// <summary>
    /// Adds the measured batch <paramref name="batch"/> (1-based) of <paramref name="epoch"/>; <paramref name="last"/> when it
    /// is the epoch's last batch, where the epoch's dead units and update ratios are judged.
    /// </summary>
    public HealthSample Add(int epoch, int batch, int batches, double loss, IReadOnlyList<LayerSample> sample, bool last) =>
        Measure(epoch, batch, batches, loss, sample, last, warmUp: false);

    /// <summary>
    /// A warm-up measurement early in a run (Trainer.NextMeasured): it checks the loss and feeds the exploding rule's running
    /// median, and nothing else (the epoch's summary and the other rules are calibrated on the regular measurements).
    /// </summary>
    public HealthSample WarmUp(int epoch, int batch, int batches, double loss, IReadOnlyList<LayerSample> sample) =>
        Measure(epoch, batch, batches, loss, sample, last: false, warmUp: true);

    private HealthSample Measure(int epoch, int batch, int batches, double loss, IReadOnlyList<LayerSample> sample, bool last, bool warmUp)
    {
        StartEpoch(epoch);
        if (!warmUp)
        {
            _samples.Add(sample);
        }
        var raised = new List<HealthAlert>();
        void Raise(HealthAlertKind kind, int? layer, double? value, string message)
        {
            if (!_alerts.Any(a => a.Kind == kind && a.Layer == layer))
            {
                raised.Add(new HealthAlert(kind, epoch, batch, layer, value, message));
            }
        }

        if (!double.IsFinite(loss))
        {
            Raise(HealthAlertKind.NonFiniteLoss, null, null, $"The loss is {loss}: training diverged. Try a smaller learning rate.");
        }
        var withGradients = Enumerable.Range(0, sample.Count).Where(i => sample[i].Parameters > 0 && double.IsFinite(sample[i].GradientNorm)).ToList();
        if (withGradients.Count > 0)
        {
            var norm = Math.Sqrt(withGradients.Sum(i => sample[i].GradientNorm * sample[i].GradientNorm));
            // A spike while the loss falls is a network leaving its first plateau (LeNet's norm grows 11-fold in its first
            // 50 batches as its loss drops); a step too large makes the loss rise with it.
            if (_gradientNorms.Count >= MedianAfter && Median(_gradientNorms.TakeLast(MedianWindow)) is var median && norm > ExplodingFactor * median
                && !(loss < _previousLoss))
            {
                Raise(HealthAlertKind.ExplodingGradient, null, norm / median,
                    $"Exploding gradient: the network's gradient norm {norm:G3} is {norm / median:G3} times its running median {median:G3} (over {ExplodingFactor}). Try a smaller learning rate or gradient clipping.");
            }
            _gradientNorms.Add(norm);
        }
        _previousLoss = loss;
        if (!warmUp && withGradients.Count >= 2 && sample[withGradients[^1]].GradientNorm > 0)
        {
            var (first, lastLayer) = (withGradients[0], withGradients[^1]);
            var ratio = sample[first].GradientNorm / sample[lastLayer].GradientNorm;
            if (ratio < VanishingRatio)
            {
                Raise(HealthAlertKind.VanishingGradient, first, ratio,
                    $"Vanishing gradient: {Name(first)}'s gradient norm is {ratio:G2} of {Name(lastLayer)}'s (under {VanishingRatio:G}). Try ReLU instead of saturating activations, BatchNorm, or a better initialisation.");
            }
        }
        var health = Summary();
        if (last)
        {
            foreach (var layer in health.Layers)
            {
                if (layer.DeadFraction is > DeadFraction and var dead)
                {
                    Raise(HealthAlertKind.DeadUnits, layer.Layer, dead,
                        $"Dead units: {dead:P0} of {Name(layer.Layer)}'s units fired on none of this epoch's measured batches (over {DeadFraction:P0}): the layer passes almost nothing on. Try a smaller learning rate, LeakyReLU or BatchNorm before it.");
                }
                // The rule of thumb is about weight matrices and kernels: BatchNorm's scales and shifts sit near 1 and 0.
                if (constantRate && layer.Kind is LayerKind.Linear or LayerKind.Conv2d or LayerKind.Residual && layer.UpdateRatio is { } update)
                {
                    var side = update < UpdateRatioLow ? -1 : update > UpdateRatioHigh ? 1 : 0;
                    if (side != 0 && _outOfBand.GetValueOrDefault(layer.Layer) == side)
                    {
                        Raise(HealthAlertKind.UpdateRatio, layer.Layer, update,
                            $"Update ratio: {Name(layer.Layer)}'s steps change its weights by {update:G2} of their norm, outside {UpdateRatioLow:G}..{UpdateRatioHigh:G} for two epochs in a row (about 1e-3 is healthy). " +
                            (side > 0 ? "The learning rate may be too high." : "The learning rate may be too low."));
                    }
                    _outOfBand[layer.Layer] = side;
                }
            }
        }
        _alerts.AddRange(raised);
        return new HealthSample(epoch, batch, batches, raised.Count == 0 ? health : health with { Alerts = [.. _alerts] }, raised);
    }

    /// <summary>The loss of batch <paramref name="batch"/> of <paramref name="epoch"/> was not finite (a batch that was not measured).</summary>
    public HealthSample Diverged(int epoch, int batch, int batches, double loss)
    {
        StartEpoch(epoch);
        var alert = new HealthAlert(HealthAlertKind.NonFiniteLoss, epoch, batch, null, null, $"The loss is {loss}: training diverged. Try a smaller learning rate.");
        _alerts.Add(alert);
        return new HealthSample(epoch, batch, batches, Summary(), [alert]);
    }

    private void StartEpoch(int epoch)
    {
        if (epoch != _epoch)
        {
            _epoch = epoch;
            _samples.Clear();
            _alerts.Clear();
        }
    }

    private string Name(int layer) => $"layer {layer} ({layers[layer].Kind})";

    private EpochHealth Summary() => new(_samples.Count, [.. Enumerable.Range(0, _samples.Count == 0 ? 0 : _samples[0].Count).Select(i =>
    {
        var of = _samples.Select(s => s[i]).ToList();
        var latest = of[^1];
        return new LayerHealth(i, layers[i].Kind, latest.Parameters,
            Mean(of.Select(s => s.GradientNorm)), Mean(of.Select(s => s.WeightNorm)),
            Mean(of.Select(s => s.WeightNorm > 0 ? s.UpdateNorm / s.WeightNorm : double.NaN)),
            Mean(of.Select(s => s.ActivationMean)), Mean(of.Select(s => s.ActivationStd)),
            Finite(latest.DeadFraction), Finite(latest.RunningMean), Finite(latest.RunningVariance),
            of.LastOrDefault(s => s.Weights is not null)?.Weights, of.LastOrDefault(s => s.Gradients is not null)?.Gradients);
    })], [.. _alerts]);

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static double? Mean(IEnumerable<double> values) =>
        values.Where(double.IsFinite).ToList() is { Count: > 0 } finite ? finite.Average() : null;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
