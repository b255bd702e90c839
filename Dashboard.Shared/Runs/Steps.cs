namespace Dashboard.Shared.Runs;

/// <summary>
/// One point of a run's step curves: the batches of one native training call (one batch, or several for small
/// networks). Step: batches trained in the run up to the end of the call; Loss and Accuracy: the call's means;
/// LearningRate: its last batch's; Seconds: the run's training time so far (earlier epochs whole, this one so far).
/// </summary>
public sealed record StepMetrics(long Step, int Epoch, double Loss, double Accuracy, double LearningRate, double Seconds);

/// <summary>Step points of one run, in order, as the hub's StepsAdded sends them (about four times a second).</summary>
public sealed record RunSteps(int RunId, IReadOnlyList<StepMetrics> Steps);

/// <summary>
/// GET /api/runs/{id}/steps: the run's stored steps, downsampled to at most the points asked for (the first and the
/// last always kept); Total: how many are stored.
/// </summary>
public sealed record StepHistory(IReadOnlyList<StepMetrics> Steps, int Total);

/// <summary>Downsampling of a line for drawing.</summary>
public static class Downsampling
{
    /// <summary>
    /// Largest-Triangle-Three-Buckets (Steinarsson, 2013): at most <paramref name="points"/> of the points, chosen to
    /// keep the line's shape (the first and last always); the points themselves, never averages.
    /// </summary>
    /// <remarks>Written here: no package on NuGet that this project may use offers LTTB.</remarks>
    public static IReadOnlyList<T> Lttb<T>(IReadOnlyList<T> data, int points, Func<T, double> x, Func<T, double> y)
    {
        if (data.Count <= points)
        {
            return data;
        }
        if (points < 3)
        {
            return points switch { <= 0 => [], 1 => [data[^1]], _ => [data[0], data[^1]] };
        }
        var sampled = new List<T>(points) { data[0] };
        var bucket = (double)(data.Count - 2) / (points - 2);
        var a = 0;
        for (var i = 0; i < points - 2; i++)
        {
            // The next bucket's mean is the third corner of the triangles.
            var (nextStart, nextEnd) = ((int)((i + 1) * bucket) + 1, Math.Min((int)((i + 2) * bucket) + 1, data.Count));
            double meanX = 0, meanY = 0;
            for (var j = nextStart; j < nextEnd; j++)
            {
                meanX += x(data[j]);
                meanY += y(data[j]);
            }
            var count = Math.Max(nextEnd - nextStart, 1);
            (meanX, meanY) = (meanX / count, meanY / count);
            var (start, end) = ((int)(i * bucket) + 1, (int)((i + 1) * bucket) + 1);
            var (ax, ay) = (x(data[a]), y(data[a]));
            double largest = -1;
            var chosen = start;
            for (var j = start; j < end; j++)
            {
                var area = Math.Abs((ax - meanX) * (y(data[j]) - ay) - (ax - x(data[j])) * (meanY - ay));
                if (area > largest)
                {
                    (largest, chosen) = (area, j);
                }
            }
            sampled.Add(data[chosen]);
            a = chosen;
        }
        sampled.Add(data[^1]);
        return sampled;
    }
}
