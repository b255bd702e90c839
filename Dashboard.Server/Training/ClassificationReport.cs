using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>The one place that turns predictions and labels into a confusion matrix and per-class scores.</summary>
public static class ClassificationReport
{
    /// <summary>ConfusionMatrix[true][predicted] counts.</summary>
    public static int[][] ConfusionMatrix(ReadOnlySpan<long> predictions, ReadOnlySpan<byte> labels, int classes)
    {
        if (predictions.Length != labels.Length)
        {
            throw new ArgumentException($"{predictions.Length} predictions for {labels.Length} labels.");
        }
        var matrix = new int[classes][];
        for (var c = 0; c < classes; c++)
        {
            matrix[c] = new int[classes];
        }
        for (var i = 0; i < labels.Length; i++)
        {
            matrix[labels[i]][predictions[i]]++;
        }
        return matrix;
    }

    /// <summary>
    /// Per-class scores. Accuracy is the PyTorch tutorial's per-class accuracy (the share of
    /// that class's images classified correctly), which equals recall.
    /// </summary>
    public static IReadOnlyList<ClassMetrics> PerClass(int[][] matrix, IReadOnlyList<string> names)
    {
        var classes = matrix.Length;
        var result = new List<ClassMetrics>(classes);
        for (var c = 0; c < classes; c++)
        {
            var truePositive = matrix[c][c];
            var support = matrix[c].Sum();
            var predicted = Enumerable.Range(0, classes).Sum(r => matrix[r][c]);
            var recall = Ratio(truePositive, support);
            var precision = Ratio(truePositive, predicted);
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            result.Add(new ClassMetrics(c, names[c], support, recall, precision, recall, f1));
        }
        return result;
    }

    /// <summary>Correct predictions over all samples, from the matrix's diagonal.</summary>
    public static double Accuracy(int[][] matrix)
    {
        long correct = 0, total = 0;
        for (var r = 0; r < matrix.Length; r++)
        {
            correct += matrix[r][r];
            total += matrix[r].Sum();
        }
        return Ratio(correct, total);
    }

    private static double Ratio(long part, long whole) => whole == 0 ? 0 : (double)part / whole;
}
