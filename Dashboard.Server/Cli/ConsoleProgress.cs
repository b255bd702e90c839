using System.Diagnostics;
using System.Globalization;
using Dashboard.Server.Training;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Cli;

/// <summary>
/// Prints a run for a terminal: a redrawn progress bar per epoch when interactive, plain
/// lines at every tenth of an epoch otherwise; a summary line per epoch; the test table.
/// </summary>
public sealed class ConsoleProgress(TextWriter output, int epochs, bool interactive) : ITrainingObserver
{
    private const int BarWidth = 30;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private int _lastTenth;

    public int CompletedEpochs { get; private set; }

    public void OnStarted(RunStarted s) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"libtorch {s.TorchVersion} on {s.Device} ({s.Threads} threads), {s.Parameters:N0} parameters; {s.TrainImages} train / {s.ValidationImages} validation / {s.TestImages} test images, {s.BatchesPerEpoch} batches per epoch"));

    public void OnBatch(BatchProgress p)
    {
        if (p.Batch == 1)
        {
            _lastTenth = 0;
        }
        var line = string.Create(CultureInfo.InvariantCulture,
            $"epoch {p.Epoch}/{epochs} {p.Batch}/{p.Batches} loss {p.Loss:F4} acc {p.Accuracy:P2} {p.ImagesPerSecond:F0} img/s ETA {Eta(p)}");
        if (interactive)
        {
            if (_sinceDraw.Elapsed < RedrawInterval && p.Batch != p.Batches)
            {
                return;
            }
            _sinceDraw.Restart();
            var filled = p.Batch * BarWidth / p.Batches;
            output.Write($"\r[{new string('#', filled)}{new string('.', BarWidth - filled)}] {line}   ");
            return;
        }
        var tenth = p.Batch * 10 / p.Batches;
        if (tenth > _lastTenth && p.Batch != p.Batches)
        {
            _lastTenth = tenth;
            output.WriteLine(line);
        }
    }

    public void OnHealth(HealthSample sample)
    {
        foreach (var alert in sample.NewAlerts)
        {
            if (interactive)
            {
                output.WriteLine();
            }
            output.WriteLine($"alert at epoch {alert.Epoch}, batch {alert.Batch}: {alert.Message}");
        }
    }

    public void OnEpoch(EpochMetrics e)
    {
        CompletedEpochs = e.Epoch;
        if (interactive)
        {
            output.WriteLine();
        }
        var validation = e.ValidationLoss is { } loss
            ? string.Create(CultureInfo.InvariantCulture, $"val loss {loss:F4} acc {e.ValidationAccuracy:P2}")
            : "no validation split";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {e.Epoch}/{epochs}: train loss {e.TrainLoss:F4} acc {e.TrainAccuracy:P2}, {validation}, {e.Seconds:F1} s, {e.ImagesPerSecond:F0} img/s"));
        if (e.Health is { } health)
        {
            output.WriteLine(HealthLine(health));
        }
    }

    /// <summary>An epoch's health in one line: each layer with parameters as gradient norm / update ratio, each ReLU's dead units.</summary>
    public static string HealthLine(EpochHealth health)
    {
        var layers = string.Join(", ", health.Layers.Where(l => l.Parameters > 0)
            .Select(l => FormattableString.Invariant($"{l.Layer} {l.Kind} {l.GradientNorm:G2}/{l.UpdateRatio:G2}")));
        var dead = string.Join(", ", health.Layers.Where(l => l.DeadFraction is not null).Select(l => FormattableString.Invariant($"{l.Layer} {l.DeadFraction:P0}")));
        return $"  health ({health.Samples} batches measured): gradient norm / update ratio {layers}" + (dead.Length > 0 ? $"; dead ReLU units {dead}" : "");
    }

    public void OnCompleted(TestMetrics t)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test: loss {t.Loss:F4} accuracy {t.Accuracy:P2} on {t.Images} images ({t.ImagesPerSecond:F0} img/s)"));
        output.WriteLine($"{"class",-14} {"support",8} {"accuracy",9} {"precision",9} {"recall",9} {"F1",9}");
        foreach (var c in t.PerClass)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Label,-14} {c.Support,8} {c.Accuracy,9:P2} {c.Precision,9:P2} {c.Recall,9:P2} {c.F1,9:F4}"));
        }
    }

    private static string Eta(BatchProgress p) =>
        TimeSpan.FromSeconds(Math.Round(p.EtaSeconds)).ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
