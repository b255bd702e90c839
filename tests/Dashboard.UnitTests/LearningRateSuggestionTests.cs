using Dashboard.Server.Training;

namespace Dashboard.UnitTests;

public class LearningRateSuggestionTests
{
    // A range test's shape: flat, a sigmoid descent centred on 1e-4, then a blow-up past 1e-1.
    private static (double[] Rates, double[] Smoothed) Curve()
    {
        var rates = Enumerable.Range(0, 100).Select(i => 1e-7 * Math.Pow(1e8, i / 99.0)).ToArray();
        var smoothed = rates.Select(r => Math.Log10(r)).Select(x => 2.3 - 2 / (1 + Math.Exp(-3 * (x + 4))) + Math.Exp(3 * (x + 1))).ToArray();
        return (rates, smoothed);
    }

    [Fact]
    public void Steepest_is_where_the_curve_falls_fastest_minimum_over_ten_a_tenth_of_its_lowest_point_and_the_valley_between()
    {
        var (rates, smoothed) = Curve();
        var (valley, steepest, minimumOverTen) = LearningRateFinder.Suggest(rates, smoothed);
        var lowest = rates[Array.IndexOf(smoothed, smoothed.Min())];

        Assert.InRange(steepest, 1e-4 / 1.3, 1e-4 * 1.3);
        Assert.Equal(lowest / 10, minimumOverTen);
        Assert.InRange(valley, 1e-6, lowest);
    }

    [Fact]
    public void A_curve_too_short_to_judge_suggests_nothing_and_the_spread_is_the_seeds_lowest_median_and_highest()
    {
        Assert.True(double.IsNaN(LearningRateFinder.Suggest([1e-3, 1e-2], [2.0, 1.0]).Valley));

        var curves = new[] { 1e-3, 4e-3, 2e-3 }.Select((v, i) => new Dashboard.Shared.Runs.LrCurve(i, [], [], [], "", v, v, v)).ToList();
        var valley = LearningRateFinder.Suggestions(curves)[0];
        Assert.Equal(("valley", (double?)2e-3, (double?)1e-3, (double?)4e-3), (valley.Name, valley.Rate, valley.Low, valley.High));
    }
}
