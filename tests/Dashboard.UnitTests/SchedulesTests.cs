using Dashboard.Server.Training;
using Dashboard.Shared.Runs;

namespace Dashboard.UnitTests;

public class SchedulesTests
{
    [Fact]
    public void One_cycle_warms_up_from_a_25th_to_the_peak_over_30_percent_then_anneals_to_near_zero()
    {
        const long steps = 1001;
        var rates = Enumerable.Range(0, (int)steps).Select(s => Schedules.At(LearningRateSchedule.OneCycle, 0.01, s, steps)).ToList();
        Assert.Equal(0.01 / 25, rates[0], 12);
        Assert.Equal(0.01, rates[300], 12);
        Assert.Equal(0.01 / 25 / 1e4, rates[^1], 12);
        Assert.Equal(rates[..301], rates[..301].Order());
        Assert.Equal(rates[300..], rates[300..].OrderDescending());
        Assert.Equal(0.01, rates.Max(), 12);
    }

    [Fact]
    public void Cosine_goes_from_the_rate_to_zero_and_constant_stays()
    {
        Assert.Equal(0.1, Schedules.At(LearningRateSchedule.Cosine, 0.1, 0, 11), 12);
        Assert.Equal(0.05, Schedules.At(LearningRateSchedule.Cosine, 0.1, 5, 11), 12);
        Assert.Equal(0, Schedules.At(LearningRateSchedule.Cosine, 0.1, 10, 11), 12);
        Assert.All(Enumerable.Range(0, 10), s => Assert.Equal(0.3, Schedules.At(LearningRateSchedule.Constant, 0.3, s, 10)));
    }

    [Fact]
    public void Every_recipe_is_a_valid_configuration_of_a_known_preset()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.Path, train: 20, test: 5);
        var catalog = new Dashboard.Server.Training.Datasets.DatasetCatalog(temp.Path);
        Assert.Contains("fast", Recipes.Names);
        Assert.All(Recipes.All, r => Assert.Empty(RunValidation.Validate(r.Config, catalog)));
        Assert.Equal(new RunConfig(), Recipes.Find("tutorial")!.Config);
    }
}
