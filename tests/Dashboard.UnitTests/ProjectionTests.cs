using Dashboard.Server.Inference;

namespace Dashboard.UnitTests;

public class ProjectionTests
{
    private static double Components(Projection p) => p.Components[0].Zip(p.Components[1]).Sum(x => x.First * x.Second);

    [Fact]
    public void The_first_component_follows_the_datas_long_axis_and_the_second_its_short_one()
    {
        // 200 points spread 10 along (1, 1, 0), 1 along (1, -1, 0), nothing along z, around (5, 5, 5).
        var random = new Random(4);
        var rows = new List<float>();
        for (var i = 0; i < 200; i++)
        {
            var (a, b) = (10 * (random.NextDouble() - 0.5), random.NextDouble() - 0.5);
            rows.AddRange([(float)(5 + a + b), (float)(5 + a - b), 5f]);
        }
        var projection = Projection.Fit([.. rows], 200, 3);

        // A sample's axes are the population's up to sampling error (a few hundredths with 200 points).
        var s = Math.Sqrt(0.5);
        Assert.Equal(s, projection.Components[0][0], 0.02);
        Assert.Equal(s, projection.Components[0][1], 0.02);
        Assert.Equal(s, Math.Abs(projection.Components[1][0]), 0.02);
        Assert.Equal(0, Components(projection), 6);
        Assert.Equal(0, projection.Components[1][2], 6);
        Assert.True(projection.Explained[0] > 0.95 && projection.Explained[1] > 0.005, string.Join(", ", projection.Explained));
        Assert.Equal(1, projection.Explained.Sum(), 6);
        // The two components are orthonormal.
        Assert.Equal(1, projection.Components[1].Sum(x => x * x), 6);
        Assert.Equal((0f, 0f), projection.Place(projection.Mean));
        // The same data gives the same map (signs fixed by the largest entry).
        Assert.Equal(projection.Components, Projection.Fit([.. rows], 200, 3).Components);
    }
}
