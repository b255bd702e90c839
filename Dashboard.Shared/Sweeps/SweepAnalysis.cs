using System.Text.Json;
using Dashboard.Shared.Runs;

namespace Dashboard.Shared.Sweeps;

/// <summary>A parameter's axis on the sweep's charts: value, log (a log-uniform field) or category (a list of names or flags).</summary>
public sealed record SweepAxis(string Name, string Type, IReadOnlyList<string>? Categories);

/// <summary>
/// How strongly a parameter goes with the metric over the finished trials: Spearman's rank correlation for a number
/// (signed: positive when higher values gave a higher metric), the correlation ratio of the metric's ranks for names (0 to 1).
/// </summary>
public sealed record ParameterImportance(string Name, double? Value, string Measure, int Trials);

/// <summary>What the sweep page draws and ranks, computed from a sweep's record.</summary>
public static class SweepAnalysis
{
    public const string Spearman = "Spearman rank correlation";
    public const string CorrelationRatio = "correlation ratio (ranks)";

    /// <summary>An axis per field: a list of values is a category axis (numbers in order), a range a value axis (log for log-uniform).</summary>
    public static IReadOnlyList<SweepAxis> Axes(SweepSpec spec) =>
        [.. spec.Space.Select(f => f.Value.Values is { } values
            ? new SweepAxis(f.Key, "category", [.. (values.All(v => v.ValueKind == JsonValueKind.Number) ? values.OrderBy(v => v.GetDouble()) : values.AsEnumerable()).Select(Text).Distinct()])
            : new SweepAxis(f.Key, f.Value.Distribution == ParameterSpace.LogUniform ? "log" : "value", null))];

    /// <summary>A parameter's value as a number for its rank (a listed number is itself; a name has none).</summary>
    private static double Number(SweepAxis axis, SweepTrial trial) =>
        trial.Parameters.TryGetValue(axis.Name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.NaN;

    private static bool Named(SweepAxis axis) => axis.Categories is { } categories && categories.Any(c => !double.TryParse(c, System.Globalization.CultureInfo.InvariantCulture, out _));

    /// <summary>A parameter's value as an axis takes it: a number, or the text of a name or flag.</summary>
    public static object? AxisValue(SweepAxis axis, SweepTrial trial) =>
        trial.Parameters.TryGetValue(axis.Name, out var value)
            ? axis.Type == "category" ? Text(value) : value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null
            : null;

    /// <summary>A parameter's value as a chart takes it: a number, or a name's index among its axis's categories (a chart would read "128" as a number).</summary>
    public static double? ChartValue(SweepAxis axis, SweepTrial trial) => AxisValue(axis, trial) switch
    {
        double number => number,
        string text when axis.Categories is { } categories => categories.ToList().IndexOf(text) is >= 0 and var index ? index : null,
        _ => null,
    };

    /// <summary>A trial's parameters on one line: "learningRate 0.001, optimizer sgd".</summary>
    public static string Describe(IReadOnlyDictionary<string, JsonElement> parameters) =>
        string.Join(", ", parameters.Select(p => $"{p.Key} {Text(p.Value)}"));

    public static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    /// <summary>The trials the importance is measured on: the completed ones (all that have a metric while fewer than three have completed).</summary>
    public static IReadOnlyList<SweepTrial> Finished(SweepRecord sweep)
    {
        var completed = sweep.Trials.Where(t => t.Status == RunStatus.Completed && t.Metric is not null).ToList();
        return completed.Count >= 3 ? completed : [.. sweep.Trials.Where(t => !t.Status.IsActive() && t.Metric is not null)];
    }

    public static IReadOnlyList<ParameterImportance> Importance(SweepRecord sweep)
    {
        var trials = Finished(sweep);
        var metricRanks = Ranks([.. trials.Select(t => t.Metric!.Value)]);
        return [.. Axes(sweep.Spec).Select(axis =>
        {
            if (trials.Count < 3)
            {
                return new ParameterImportance(axis.Name, null, Named(axis) ? CorrelationRatio : Spearman, trials.Count);
            }
            return Named(axis)
                ? new ParameterImportance(axis.Name, Ratio([.. trials.Select(t => AxisValue(axis, t)?.ToString() ?? "")], metricRanks), CorrelationRatio, trials.Count)
                : new ParameterImportance(axis.Name, Pearson(Ranks([.. trials.Select(t => Number(axis, t))]), metricRanks), Spearman, trials.Count);
        }).OrderByDescending(i => Math.Abs(i.Value ?? -1))];
    }

    /// <summary>Average ranks (ties share their mean rank), as Spearman's coefficient takes them.</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = (start + end) / 2.0 + 1;
            }
            start = end + 1;
        }
        return ranks;
    }

    private static double? Pearson(double[] x, double[] y)
    {
        var (mx, my) = (x.Average(), y.Average());
        var (sxy, sxx, syy) = (0.0, 0.0, 0.0);
        for (var i = 0; i < x.Length; i++)
        {
            (sxy, sxx, syy) = (sxy + (x[i] - mx) * (y[i] - my), sxx + (x[i] - mx) * (x[i] - mx), syy + (y[i] - my) * (y[i] - my));
        }
        return sxx == 0 || syy == 0 ? null : sxy / Math.Sqrt(sxx * syy);
    }

    private static double? Ratio(List<string> groups, double[] y)
    {
        var mean = y.Average();
        var total = y.Sum(v => (v - mean) * (v - mean));
        var between = groups.Select((g, i) => (g, v: y[i])).GroupBy(p => p.g).Sum(g => g.Count() * Math.Pow(g.Average(p => p.v) - mean, 2));
        return total == 0 ? null : Math.Sqrt(between / total);
    }
}
