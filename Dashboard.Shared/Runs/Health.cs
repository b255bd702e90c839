using System.Text.Json.Serialization;
using Dashboard.Shared.Networks;

namespace Dashboard.Shared.Runs;

/// <summary>
/// One layer's training health over the sampled batches of an epoch (<see cref="RunConfig.HealthEvery"/>). Norms are
/// L2 over all of the layer's parameters; UpdateRatio is a step's change of them over their norm (the 1e-3 rule of
/// thumb). A value that does not apply to the layer, or was not finite, is null.
/// </summary>
/// <param name="Layer">The layer's position in the network, from 0.</param>
/// <param name="Parameters">The layer's parameter count (0 for ReLU, pooling, ...).</param>
/// <param name="GradientNorm">The mean over the epoch's samples.</param>
/// <param name="WeightNorm">The mean over the epoch's samples.</param>
/// <param name="UpdateRatio">The mean over the epoch's samples.</param>
/// <param name="ActivationMean">The mean of the layer's output over a sampled batch, averaged over the samples.</param>
/// <param name="ActivationStd">The standard deviation of the layer's output over a sampled batch, averaged over the samples.</param>
/// <param name="DeadFraction">ReLU layers: the fraction of units (channels of a convolution's output) that fired in none of the epoch's sampled batches.</param>
/// <param name="RunningMean">BatchNorm layers: the mean of the layer's running mean, at the epoch's last sample.</param>
/// <param name="RunningVariance">BatchNorm layers: the mean of the layer's running variance, at the epoch's last sample.</param>
/// <param name="Weights">The histogram of the layer's weight tensor at the epoch's last batch; null for layers without one.</param>
/// <param name="Gradients">The histogram of that tensor's gradient at the epoch's last batch.</param>
public sealed record LayerHealth(
    int Layer,
    LayerKind Kind,
    long Parameters,
    double? GradientNorm,
    double? WeightNorm,
    double? UpdateRatio,
    double? ActivationMean,
    double? ActivationStd,
    double? DeadFraction,
    double? RunningMean,
    double? RunningVariance,
    Histogram? Weights = null,
    Histogram? Gradients = null);

/// <summary>Counts of values in equal bins from Min to Max.</summary>
public sealed record Histogram(double Min, double Max, IReadOnlyList<long> Counts)
{
    // By value, as records are, also for the counts (a stored epoch equals the one sent live).
    public bool Equals(Histogram? other) => other is not null && Min.Equals(other.Min) && Max.Equals(other.Max) && Counts.SequenceEqual(other.Counts);

    public override int GetHashCode() => HashCode.Combine(Min, Max, Counts.Count);
}

/// <summary>What a health alert is about.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HealthAlertKind>))]
public enum HealthAlertKind
{
    /// <summary>The loss became NaN or infinite (the run stops).</summary>
    [JsonStringEnumMemberName("non-finite-loss")]
    NonFiniteLoss,

    /// <summary>The network's gradient norm rose over ten times its running median.</summary>
    [JsonStringEnumMemberName("exploding-gradient")]
    ExplodingGradient,

    /// <summary>The first layer's gradient norm fell under 1e-3 of the last layer's.</summary>
    [JsonStringEnumMemberName("vanishing-gradient")]
    VanishingGradient,

    /// <summary>Over half of a ReLU layer's units never fired in an epoch.</summary>
    [JsonStringEnumMemberName("dead-units")]
    DeadUnits,

    /// <summary>A Linear or Conv2d layer's update-to-weight ratio over an epoch lay outside 1e-4..1e-2.</summary>
    [JsonStringEnumMemberName("update-ratio")]
    UpdateRatio,
}

/// <summary>
/// A health alert raised at a batch (1-based) of an epoch. Layer is null when it is about the whole network; Value is what
/// crossed the threshold (the ratio, fraction or factor the message names), null for a loss that was not a number.
/// </summary>
public sealed record HealthAlert(HealthAlertKind Kind, int Epoch, int Batch, int? Layer, double? Value, string Message);

/// <summary>An epoch's health: per layer, summarised over its Samples sampled batches, and the alerts it raised.</summary>
public sealed record EpochHealth(int Samples, IReadOnlyList<LayerHealth> Layers, IReadOnlyList<HealthAlert> Alerts)
{
    // By value, as records are, also for the lists (a stored epoch equals the one sent live).
    public bool Equals(EpochHealth? other) =>
        other is not null && Samples == other.Samples && Layers.SequenceEqual(other.Layers) && Alerts.SequenceEqual(other.Alerts);

    public override int GetHashCode() => HashCode.Combine(Samples, Layers.Count, Alerts.Count);
}

/// <summary>
/// A run's current epoch's health so far, after its sampled batch Batch (1-based) of Batches. NewAlerts are the alerts
/// this sample raised.
/// </summary>
public sealed record HealthSample(int Epoch, int Batch, int Batches, EpochHealth Health, IReadOnlyList<HealthAlert> NewAlerts);

/// <summary>Hub message HealthSampled: a health sample of one run.</summary>
public sealed record RunHealth(int RunId, HealthSample Sample);

/// <summary>Hub message HealthAlert: one alert of a run (also in its HealthSampled message).</summary>
public sealed record RunAlert(int RunId, HealthAlert Alert);
