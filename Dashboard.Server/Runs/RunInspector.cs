using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Runs;

/// <summary>
/// Joins a run's saved test predictions (<see cref="TestPredictions"/>) with the test images
/// they were made on, for the confusion-matrix drill-down and the mistakes gallery.
/// </summary>
public sealed class RunInspector(IRunControl runs, RunsOptions options, DatasetExplorer explorer) : IRunInspector
{
    /// <summary>The most examples one request returns.</summary>
    public const int MaxExamples = 200;

    public CellExamples Cell(int runId, int trueClass, int predicted, int limit)
    {
        var (predictions, test, files) = Load(runId);
        if (trueClass < 0 || trueClass >= predictions.Classes || predicted < 0 || predicted >= predictions.Classes)
        {
            throw new RunRequestException($"Classes are numbered 0 to {predictions.Classes - 1}; got true {trueClass}, predicted {predicted}.", notFound: false);
        }
        var members = Enumerable.Range(0, test.Count)
            .Where(i => test.Labels[i] == trueClass && predictions.Predicted[i] == predicted)
            .ToList();
        return new CellExamples(runId, trueClass, predicted, members.Count, Examples(members, predictions, test, files, limit));
    }

    public IReadOnlyList<TestExample> ConfidentMistakes(int runId, int limit)
    {
        var (predictions, test, files) = Load(runId);
        return Examples(Enumerable.Range(0, test.Count).Where(i => test.Labels[i] != predictions.Predicted[i]), predictions, test, files, limit);
    }

    private static List<TestExample> Examples(IEnumerable<int> indices, TestPredictions predictions, ImageSet test, IReadOnlyList<string> files, int limit)
    {
        var size = (int)test.Shape.Elements;
        var dims = test.Shape.Dims;
        return [.. indices
            .OrderByDescending(i => predictions.ProbabilitiesOf(i)[predictions.Predicted[i]])
            .Take(Math.Clamp(limit, 0, MaxExamples))
            .Select(i => new TestExample(i, test.Labels[i], predictions.Predicted[i], predictions.ProbabilitiesOf(i).ToArray(),
                dims[0], dims[1], dims[2], test.Pixels[(i * size)..((i + 1) * size)], i < files.Count ? files[i] : null))];
    }

    /// <summary>The run's test predictions, its test images and, for an imported dataset, each one's original path.</summary>
    private (TestPredictions Predictions, ImageSet Test, IReadOnlyList<string> Files) Load(int runId)
    {
        var run = runs.Get(runId) ?? throw new RunRequestException($"Run {runId} does not exist.", notFound: true);
        // The test predictions lie beside the checkpoint, which a team front-end fetches on first use.
        var path = runs.CheckpointFile(runId) is { } checkpoint
            ? Path.Combine(Path.GetDirectoryName(checkpoint)!, TestPredictions.FileName)
            : Path.Combine(options.RunFolder(runId), TestPredictions.FileName);
        if (run.Test is null || !File.Exists(path))
        {
            throw new RunRequestException($"Run {runId} has no per-image test results (a run saves them when it completes).", notFound: true);
        }
        TestPredictions predictions;
        try
        {
            predictions = TestPredictions.Load(path);
        }
        catch (InvalidDataException e)
        {
            throw new RunRequestException($"Run {runId}'s test results cannot be read: {e.Message}", notFound: false);
        }
        // A renamed imported dataset is found by its content, which the run's model card names.
        var dataset = explorer.Data(run.Config.Dataset) is not null ? run.Config.Dataset
            : runs.CheckpointFile(runId) is { } card && Checkpoint.ReadCard(card)?.DatasetHash is { } hash ? explorer.NameOf(hash) ?? run.Config.Dataset
            : run.Config.Dataset;
        var data = explorer.Data(dataset)
            ?? throw new RunRequestException($"Run {runId}'s dataset '{run.Config.Dataset}' is not installed.", notFound: true);
        var test = data.Test.Take(run.Config.TestLimit ?? data.Test.Count);
        if (test.Count != predictions.Count)
        {
            throw new RunRequestException(
                $"Run {runId} was tested on {predictions.Count} images but the installed test set has {test.Count}: the dataset has changed.", notFound: false);
        }
        return (predictions, test, explorer.TestFiles(dataset));
    }
}
