using Dashboard.Shared.Runs;

namespace Dashboard.UnitTests;

public sealed class DownsamplingTests
{
    private static IReadOnlyList<(double X, double Y)> Lttb(IReadOnlyList<(double X, double Y)> points, int count) =>
        Downsampling.Lttb(points, count, p => p.X, p => p.Y);

    [Fact]
    public void A_line_of_fewer_points_than_asked_is_given_whole()
    {
        var line = Enumerable.Range(0, 10).Select(i => ((double)i, (double)i * i)).ToList();
        Assert.Same(line, Lttb(line, 10));
        Assert.Equal([line[0], line[^1]], Lttb(line, 2));
    }

    [Fact]
    public void The_first_and_last_points_and_every_spike_are_kept_and_only_points_of_the_line_are_given()
    {
        // A flat, slightly noisy line of 10,000 points with three spikes, cut to 100 points.
        var random = new Random(3);
        var line = Enumerable.Range(0, 10_000).Select(i => ((double)i, 1 + random.NextDouble() * 0.01)).ToList();
        foreach (var spike in new[] { 1234, 5000, 8765 })
        {
            line[spike] = (spike, spike == 5000 ? -3.0 : 5.0);
        }
        var kept = Lttb(line, 100);
        Assert.Equal(100, kept.Count);
        Assert.Equal((line[0], line[^1]), (kept[0], kept[^1]));
        Assert.Contains(line[1234], kept);
        Assert.Contains(line[5000], kept);
        Assert.Contains(line[8765], kept);
        Assert.True(kept.Zip(kept.Skip(1)).All(p => p.Second.X > p.First.X), "in order, no point twice");
        Assert.All(kept, p => Assert.Equal(line[(int)p.X], p));
    }
}
