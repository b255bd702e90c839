namespace Dashboard.Client.Components;

/// <summary>The x axis of a step chart: batches trained, epochs (fractional), or training seconds.</summary>
public enum StepAxis
{
    Steps,
    Epochs,
    Time,
}

/// <summary>How step charts are drawn: the x axis, a log y axis, and TensorBoard's smoothing weight in [0, 1).</summary>
public sealed record StepView(StepAxis XAxis, bool LogY, double Smoothing)
{
    /// <summary>TensorBoard's default smoothing, 0.6.</summary>
    public static readonly StepView Default = new(StepAxis.Steps, false, 0.6);
}
