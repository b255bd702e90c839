namespace Dashboard.Client.Components;

/// <summary>One point of a line: x is the epoch.</summary>
public sealed record LinePoint(double X, double Y);

/// <summary>
/// A line of a chart and its points.
/// </summary>
public sealed record LineSeries(string Name, IReadOnlyList<LinePoint>? Points = null);

/// <summary>What a <see cref="LineChart"/> draws. Percent shows fractions as percentages.</summary>
public sealed record EpochChartOptions(string Title, string YTitle, IReadOnlyList<LineSeries> Series, bool Percent = false);
