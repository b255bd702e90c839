namespace Dashboard.Client.Components;

/// <summary>One point of a line: x is the epoch.</summary>
public sealed record LinePoint(double X, double Y);

/// <summary>
/// A line of a chart. Metric names the EpochMetrics field (camelCase, e.g. validationLoss)
/// that a live chart appends per epoch; Points are the data of a static chart.
/// </summary>
public sealed record LineSeries(string Name, string? Metric = null, IReadOnlyList<LinePoint>? Points = null);

/// <summary>What a <see cref="LineChart"/> draws. Percent shows fractions as percentages.</summary>
public sealed record EpochChartOptions(string Title, string YTitle, IReadOnlyList<LineSeries> Series, bool Percent = false);
