using Dashboard.Server.Training;

namespace Dashboard.UnitTests;

/// <summary>Which batches of an epoch have their layer health measured (Trainer.NextMeasured).</summary>
public class HealthScheduleTests
{
    private static List<(int Batch, bool WarmUp)> Measured(int batches, int every, bool warmsUp)
    {
        var measured = new List<(int, bool)>();
        for (var batch = 0; batch < batches;)
        {
            var (next, warmUp) = Trainer.NextMeasured(batch, batches, every, warmsUp);
            measured.Add((next + 1, warmUp)); // 1-based, as the alerts name batches
            batch = next + 1;
        }
        return measured;
    }

    [Fact]
    public void Every_nth_batch_and_the_epochs_last_are_measured()
    {
        Assert.Equal([(50, false), (100, false), (150, false), (160, false)], Measured(160, 50, warmsUp: false));
        Assert.Equal([(30, false)], Measured(30, 50, warmsUp: false));
    }

    [Fact]
    public void A_runs_first_epoch_also_measures_batches_1_2_4_8_and_so_on_below_n_as_warm_ups()
    {
        Assert.Equal([(1, true), (2, true), (4, true), (8, true), (16, true), (32, true), (50, false), (100, false), (120, false)],
            Measured(120, 50, warmsUp: true));
        // A warm-up never takes a regular measurement's place: the epoch's last batch stays regular.
        Assert.Equal([(1, true), (2, true), (4, true), (8, true), (16, false)], Measured(16, 50, warmsUp: true));
        Assert.Equal([(1, true), (2, true), (4, true), (5, false), (10, false)], Measured(10, 5, warmsUp: true));
        Assert.Equal([(1, false), (2, false), (3, false)], Measured(3, 1, warmsUp: true));
    }
}
