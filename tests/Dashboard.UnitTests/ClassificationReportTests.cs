using Dashboard.Server.Training;

namespace Dashboard.UnitTests;

public class ClassificationReportTests
{
    [Fact]
    public void Confusion_matrix_and_per_class_scores_match_a_hand_computed_example()
    {
        long[] predicted = [0, 0, 1, 1, 1, 2, 0];
        byte[] actual = [0, 0, 0, 1, 1, 2, 2];
        var matrix = ClassificationReport.ConfusionMatrix(predicted, actual, 3);
        Assert.Equal([2, 1, 0], matrix[0]);
        Assert.Equal([0, 2, 0], matrix[1]);
        Assert.Equal([1, 0, 1], matrix[2]);
        Assert.Equal(5.0 / 7, ClassificationReport.Accuracy(matrix), 10);

        var perClass = ClassificationReport.PerClass(matrix, ["a", "b", "c"]);
        Assert.Equal(2.0 / 3, perClass[0].Recall, 10);
        Assert.Equal(2.0 / 3, perClass[0].Precision, 10);
        Assert.Equal(1.0, perClass[1].Recall, 10);
        Assert.Equal(2.0 / 3, perClass[1].Precision, 10);
        Assert.Equal(0.8, perClass[1].F1, 10);
        Assert.Equal(0.5, perClass[2].Accuracy, 10);
        Assert.Equal(2, perClass[2].Support);
    }

    [Fact]
    public void A_class_never_predicted_has_zero_precision_not_nan()
    {
        var matrix = ClassificationReport.ConfusionMatrix([0, 0], [0, 1], 2);
        var perClass = ClassificationReport.PerClass(matrix, ["a", "b"]);
        Assert.Equal(0, perClass[1].Precision);
        Assert.Equal(0, perClass[1].F1);
    }
}
