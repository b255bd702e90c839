using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Networks;

namespace Dashboard.UnitTests;

public class TestPredictionsTests
{
    [Fact]
    public void Saved_predictions_read_back_identically()
    {
        using var temp = new TempFolder();
        var path = temp.File("p.bin");
        var saved = new TestPredictions([2, 0], [0.1f, 0.2f, 0.7f, 0.5f, 0.25f, 0.25f], 3);
        saved.Save(path);
        var loaded = TestPredictions.Load(path);
        Assert.Equal(saved.Predicted, loaded.Predicted);
        Assert.Equal(saved.Probabilities, loaded.Probabilities);
        Assert.Equal(3, loaded.Classes);
        Assert.Equal([0.5f, 0.25f, 0.25f], loaded.ProbabilitiesOf(1).ToArray());
    }

    [Fact]
    public void A_truncated_file_is_reported_not_misread()
    {
        using var temp = new TempFolder();
        var path = temp.File("p.bin");
        new TestPredictions([1], [0.5f, 0.5f], 2).Save(path);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^2]);
        var e = Assert.Throws<InvalidDataException>(() => TestPredictions.Load(path));
        Assert.Contains("does not match", e.Message);
    }

    [Fact]
    public void Image_sets_concatenate_only_with_the_same_shape_and_shapes_compare_by_dimensions()
    {
        var a = new ImageSet(TensorShape.Image(1, 2, 2), [1, 2, 3, 4], [0]);
        var b = new ImageSet(TensorShape.Image(1, 2, 2), [5, 6, 7, 8], [1]);
        var both = a.Concat(b);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], both.Pixels);
        Assert.Equal([0, 1], both.Labels);
        Assert.Equal(TensorShape.Image(3, 32, 32), TensorShape.Image(3, 32, 32));
        Assert.NotEqual(TensorShape.Image(1, 28, 28), TensorShape.Image(1, 28, 27));
        Assert.Throws<ArgumentException>(() => a.Concat(new ImageSet(TensorShape.Image(1, 1, 4), [1, 2, 3, 4], [0])));
    }

    [Fact]
    public void The_explorer_reports_the_same_split_the_trainer_makes()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.Path, train: 100, test: 10);
        var explorer = new DatasetExplorer(new DatasetCatalog(temp.Path));
        var config = new Dashboard.Shared.Runs.RunConfig { ValidationFraction = 0.3, Seed = 4, TrainLimit = 50 };
        var split = explorer.Split(config)!;
        var (train, validation) = Trainer.Split(50, 0.3, new Random(4));
        var labels = SyntheticData.Digits(100, seed: 1).Labels;
        Assert.Equal((35, 15, 10), (split.Train, split.Validation, split.Test));
        Assert.Equal(Enumerable.Range(0, 10).Select(c => validation.Count(p => labels[p] == c)), split.ValidationPerClass);
        Assert.Equal(Enumerable.Range(0, 10).Select(c => train.Count(p => labels[p] == c)), split.TrainPerClass);
        Assert.Null(explorer.Split(config with { Dataset = "cifar10" }));
    }
}
