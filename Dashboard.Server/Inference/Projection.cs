namespace Dashboard.Server.Inference;

/// <summary>
/// The two leading principal components of a set of feature vectors, found by power iteration with deflation on the
/// centred data (never forming the d x d covariance). Each component's sign is fixed so that its largest entry is
/// positive, so the same data always gives the same map.
/// </summary>
// No PCA in the named libraries; two components of a few thousand rows take a few milliseconds by hand.
public sealed class Projection
{
    private const int Iterations = 200;

    private Projection(float[] mean, double[][] components, double[] explained) => (Mean, Components, Explained) = (mean, components, explained);

    public float[] Mean { get; }
    public double[][] Components { get; }

    /// <summary>Each component's share of the total variance.</summary>
    public double[] Explained { get; }

    /// <param name="rows">count x features values, row by row.</param>
    public static Projection Fit(float[] rows, int count, int features)
    {
        var mean = new float[features];
        for (var r = 0; r < count; r++)
        {
            for (var f = 0; f < features; f++)
            {
                mean[f] += rows[r * features + f] / count;
            }
        }
        var centred = new double[rows.Length];
        double total = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            centred[i] = rows[i] - mean[i % features];
            total += centred[i] * centred[i];
        }
        var components = new double[2][];
        var explained = new double[2];
        var random = new Random(1);
        for (var k = 0; k < 2; k++)
        {
            var v = Enumerable.Range(0, features).Select(_ => random.NextDouble() - 0.5).ToArray();
            double variance = 0;
            for (var iteration = 0; iteration < Iterations; iteration++)
            {
                var scores = Scores(centred, count, features, v);
                var next = new double[features];
                for (var r = 0; r < count; r++)
                {
                    for (var f = 0; f < features; f++)
                    {
                        next[f] += centred[r * features + f] * scores[r];
                    }
                }
                for (var j = 0; j < k; j++)
                {
                    var overlap = Dot(next, components[j]);
                    for (var f = 0; f < features; f++)
                    {
                        next[f] -= overlap * components[j][f];
                    }
                }
                var norm = Math.Sqrt(Dot(next, next));
                if (norm == 0)
                {
                    break;
                }
                v = [.. next.Select(x => x / norm)];
                variance = norm;
            }
            var largest = v.MaxBy(Math.Abs);
            components[k] = largest < 0 ? [.. v.Select(x => -x)] : v;
            explained[k] = total > 0 ? Dot(Scores(centred, count, features, components[k]), Scores(centred, count, features, components[k])) / total : 0;
        }
        return new Projection(mean, components, explained);
    }

    /// <summary>A feature vector's coordinates on the two components.</summary>
    public (float X, float Y) Place(ReadOnlySpan<float> features)
    {
        double x = 0, y = 0;
        for (var f = 0; f < features.Length; f++)
        {
            var centred = features[f] - Mean[f];
            x += centred * Components[0][f];
            y += centred * Components[1][f];
        }
        return ((float)x, (float)y);
    }

    private static double[] Scores(double[] centred, int count, int features, double[] v)
    {
        var scores = new double[count];
        for (var r = 0; r < count; r++)
        {
            double s = 0;
            for (var f = 0; f < features; f++)
            {
                s += centred[r * features + f] * v[f];
            }
            scores[r] = s;
        }
        return scores;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }
        return s;
    }
}
