namespace Dashboard.Client.Components;

/// <summary>One point of a line: x is the epoch (or the step).</summary>
public sealed record LinePoint(double X, double Y);

/// <summary>A line of a chart and its points; Smooth: drawn with the chart's smoothing.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<LinePoint>? Points = null, bool Smooth = false);

/// <summary>
/// What a <see cref="LineChart"/> draws. Percent shows fractions as percentages; Smoothing: TensorBoard's weight for the
/// lines marked Smooth (0 draws them raw).
/// </summary>
public sealed record EpochChartOptions(string Title, string YTitle, IReadOnlyList<LineSeries> Series, bool Percent = false, string XTitle = "epoch", double Smoothing = 0);
