using System.Globalization;
using Dashboard.Shared.Runs;

namespace Dashboard.Client.Components;

/// <summary>A health metric of a layer, as a heatmap shows it.</summary>
/// <param name="Log">Bands spaced by orders of magnitude (norms, variances) rather than evenly.</param>
/// <param name="Bands">Fixed bands (the update ratio's 1e-3 rule, dead units' half), or null for bands over the data.</param>
public sealed record HealthMetric(string Key, string Title, Func<LayerHealth, double?> Value, bool Log, IReadOnlyList<HealthBand>? Bands = null);

/// <summary>Values in [From, To) take Color; Name is the legend's label.</summary>
public sealed record HealthBand(double From, double To, string Color, string Name);

/// <summary>One column of the heatmaps: an epoch (Live when it is the running epoch so far).</summary>
public sealed record HealthColumn(int Epoch, bool Live, EpochHealth Health)
{
    public string Label => Live ? $"{Epoch} (live)" : Epoch.ToString(CultureInfo.InvariantCulture);
}

/// <summary>How the heatmaps' rows are ordered: as in the network, or the layers with the most parameters first.</summary>
public enum HealthOrder
{
    Layers,
    Size,
}

/// <summary>Turns a run's per-epoch layer health into ApexCharts heatmaps (a layer per row, an epoch per column) and histogram charts.</summary>
public static class HealthCharts
{
    private static readonly string[] Shades = ["#e3f2fd", "#90caf9", "#42a5f5", "#1e88e5", "#0d47a1"];

    public static readonly IReadOnlyList<HealthMetric> Metrics =
    [
        new("gradientNorm", "Gradient norm", h => h.GradientNorm, Log: true),
        new("weightNorm", "Weight norm", h => h.WeightNorm, Log: true),
        new("updateRatio", "Update / weight ratio", h => h.UpdateRatio, Log: true,
        [
            new(0, 1e-4, "#7e57c2", "under 1e-4 (too slow)"),
            new(1e-4, 1e-3, "#a5d6a7", "1e-4 to 1e-3"),
            new(1e-3, 1e-2 + 1e-12, "#2e7d32", "1e-3 to 1e-2"),
            new(1e-2 + 1e-12, double.MaxValue, "#e53935", "over 1e-2 (too fast)"),
        ]),
        new("activationMean", "Activation mean", h => h.ActivationMean, Log: false),
        new("activationStd", "Activation std", h => h.ActivationStd, Log: true),
        new("deadFraction", "Dead ReLU units", h => h.DeadFraction, Log: false,
        [
            new(0, 0.1, "#2e7d32", "under 10%"),
            new(0.1, 0.5 + 1e-12, "#fbc02d", "10% to 50%"),
            new(0.5 + 1e-12, 2, "#e53935", "over half"),
        ]),
        new("runningMean", "BatchNorm running mean", h => h.RunningMean, Log: false),
        new("runningVariance", "BatchNorm running variance", h => h.RunningVariance, Log: true),
    ];

    /// <summary>The epochs that measured health, oldest first, then the live epoch when it is newer than all of them.</summary>
    public static IReadOnlyList<HealthColumn> Columns(IReadOnlyList<EpochMetrics> epochs, HealthSample? live)
    {
        var columns = epochs.Where(e => e.Health is { Layers.Count: > 0 }).Select(e => new HealthColumn(e.Epoch, false, e.Health!)).ToList();
        if (live is { Health.Layers.Count: > 0 } && (epochs.Count == 0 || live.Epoch > epochs[^1].Epoch))
        {
            columns.Add(new HealthColumn(live.Epoch, true, live.Health));
        }
        return columns;
    }

    /// <summary>Every alert of the epochs and of the live epoch, newest first.</summary>
    public static IReadOnlyList<HealthAlert> Alerts(IReadOnlyList<EpochMetrics> epochs, HealthSample? live) =>
        [.. epochs.SelectMany(e => e.Health?.Alerts ?? [])
            .Concat(live is not null && (epochs.Count == 0 || live.Epoch > epochs[^1].Epoch) ? live.Health.Alerts : [])
            .Reverse()];

    /// <summary>The layers with a value for <paramref name="metric"/> in any column, in <paramref name="order"/>.</summary>
    public static IReadOnlyList<LayerHealth> Rows(HealthMetric metric, IReadOnlyList<HealthColumn> columns, HealthOrder order)
    {
        if (columns.Count == 0)
        {
            return [];
        }
        var layers = columns[^1].Health.Layers.Where(l => columns.Any(c => c.Health.Layers.Count > l.Layer && metric.Value(c.Health.Layers[l.Layer]) is not null));
        return [.. order == HealthOrder.Size ? layers.OrderByDescending(l => l.Parameters).ThenBy(l => l.Layer) : layers];
    }

    /// <summary>The bands a metric's cells are coloured by: its own, or five over the data's range.</summary>
    public static IReadOnlyList<HealthBand> Bands(HealthMetric metric, IEnumerable<double> values)
    {
        if (metric.Bands is { } fixedBands)
        {
            return fixedBands;
        }
        var data = values.Where(v => double.IsFinite(v) && (!metric.Log || v > 0)).ToList();
        if (data.Count == 0)
        {
            return [];
        }
        var (low, high) = metric.Log ? (Math.Log10(data.Min()), Math.Log10(data.Max())) : (data.Min(), data.Max());
        if (high - low < 1e-9)
        {
            high = low + 1;
        }
        var step = (high - low) / Shades.Length;
        double At(int i) => i == 0 ? double.MinValue / 2 : i == Shades.Length ? double.MaxValue / 2 : metric.Log ? Math.Pow(10, low + i * step) : low + i * step;
        return [.. Enumerable.Range(0, Shades.Length).Select(i => new HealthBand(At(i), At(i + 1), Shades[i],
            i == 0 ? $"under {Format(At(1))}" : i == Shades.Length - 1 ? $"over {Format(At(i))}" : $"{Format(At(i))} to {Format(At(i + 1))}"))];
    }

    /// <summary>ApexCharts options for one metric's heatmap: rows as <see cref="Rows"/> (ApexCharts draws the first series at the bottom).</summary>
    public static object Heatmap(HealthMetric metric, IReadOnlyList<HealthColumn> columns, HealthOrder order)
    {
        var rows = Rows(metric, columns, order);
        var bands = Bands(metric, columns.SelectMany(c => c.Health.Layers.Select(l => metric.Value(l) ?? double.NaN)));
        return new
        {
            // The title, the epoch axis and the legend take about 150 px; each row 22.
            chart = new { type = "heatmap", height = 150 + rows.Count * 22 },
            title = new { text = metric.Title, style = new { fontSize = "13px" } },
            dataLabels = new { enabled = false },
            legend = new { show = true, position = "bottom" },
            plotOptions = new
            {
                heatmap = new
                {
                    enableShades = false,
                    colorScale = new { ranges = bands.Select(b => new { from = b.From, to = b.To, color = b.Color, name = b.Name }) },
                },
            },
            series = rows.Reverse().Select(l => new
            {
                name = $"{l.Layer} {l.Kind}" + (l.Parameters > 0 ? $" ({l.Parameters:N0})" : ""),
                data = columns.Select(c => new
                {
                    x = c.Label,
                    y = c.Health.Layers.Count > l.Layer && metric.Value(c.Health.Layers[l.Layer]) is { } v ? Significant(v) : (double?)null,
                }),
            }),
            xaxis = new { title = new { text = "epoch" } },
        };
    }

    /// <summary>ApexCharts options for histograms drawn over each other, each as the fraction of its values per bin.</summary>
    public static object Histograms(string title, IEnumerable<(string Name, Histogram Histogram)> histograms) => new
    {
        chart = new { type = "line", height = 240 },
        title = new { text = title, style = new { fontSize = "13px" } },
        stroke = new { width = 2, curve = "stepline" },
        markers = new { size = 0 },
        legend = new { show = true, position = "bottom" },
        series = histograms.Select(h => new
        {
            name = h.Name,
            data = h.Histogram.Counts.Select((count, i) => new
            {
                x = Significant(h.Histogram.Min + (i + 0.5) * (h.Histogram.Max - h.Histogram.Min) / h.Histogram.Counts.Count),
                y = Math.Round((double)count / Math.Max(1, h.Histogram.Counts.Sum()), 4),
            }),
        }),
        xaxis = new { type = "numeric", title = new { text = "value" }, decimalsInFloat = 4 },
        yaxis = new { title = new { text = "fraction" }, decimalsInFloat = 3 },
    };

    public static string Format(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    private static double Significant(double value) => double.Parse(value.ToString("G4", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
