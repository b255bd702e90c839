using System.Net;
using System.Net.Http.Json;
using Dashboard.Server.Apis;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.IntegrationTests;

public class InspectApiTests : ApiTestBase
{
    public InspectApiTests() : base(train: 200, test: 40) { }

    protected InspectApiTests(Dictionary<string, string> settings) : base(train: 200, test: 40, settings) { }

    private async Task<RunRecord> TrainedRun(object? config = null)
    {
        var response = await Client.PostAsJsonAsync("/api/runs", config ?? RunsApiTests.Tiny(epochs: 1, model: "cnn-small"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json);
        return await Factory.WaitFinished(created!.Id);
    }

    [Fact]
    public async Task Every_confusion_cell_lists_exactly_its_test_images_with_their_probabilities()
    {
        var run = await TrainedRun();
        var confusion = await Client.GetFromJsonAsync<ConfusionResponse>($"/api/runs/{run.Id}/confusion", RunsApiTests.Json);
        Assert.Equal(run.Test!.ConfusionMatrix, confusion!.Matrix);
        Assert.Equal(run.Test.Accuracy, confusion.Accuracy);
        var (_, test) = new DatasetCatalog(Data.Path).Load("mnist");
        var seen = new HashSet<int>();
        for (var t = 0; t < 10; t++)
        {
            for (var p = 0; p < 10; p++)
            {
                var cell = await Client.GetFromJsonAsync<CellExamples>($"/api/runs/{run.Id}/confusion/{t}/{p}?limit=200", RunsApiTests.Json);
                Assert.Equal(confusion.Matrix[t][p], cell!.Count);
                Assert.Equal(cell.Count, cell.Examples.Count);
                Assert.All(cell.Examples, e =>
                {
                    Assert.Equal(t, e.Label);
                    Assert.Equal(p, e.Predicted);
                    Assert.Equal(test.Labels[e.Index], e.Label);
                    Assert.Equal(test.Pixels[(e.Index * 784)..((e.Index + 1) * 784)], e.Pixels);
                    Assert.Equal(e.Probabilities.Max(), e.Probabilities[p]);
                    Assert.Equal(1.0, e.Probabilities.Sum(), 3);
                    Assert.True(seen.Add(e.Index), $"image {e.Index} is in two cells");
                });
                Assert.Equal(cell.Examples.Select(e => e.Confidence).OrderByDescending(c => c), cell.Examples.Select(e => e.Confidence));
            }
        }
        Assert.Equal(test.Count, seen.Count);
    }

    [Fact]
    public async Task Confident_mistakes_are_wrong_answers_surest_first()
    {
        var run = await TrainedRun();
        var mistakes = await Client.GetFromJsonAsync<List<TestExample>>($"/api/runs/{run.Id}/mistakes?limit=200", RunsApiTests.Json);
        var wrong = run.Test!.Images - run.Test.ConfusionMatrix.Select((row, t) => row[t]).Sum();
        Assert.Equal(wrong, mistakes!.Count);
        Assert.All(mistakes, m => Assert.NotEqual(m.Label, m.Predicted));
        Assert.Equal(mistakes.Select(m => m.Confidence).OrderByDescending(c => c), mistakes.Select(m => m.Confidence));
        var top = await Client.GetFromJsonAsync<List<TestExample>>($"/api/runs/{run.Id}/mistakes?limit=3", RunsApiTests.Json);
        Assert.Equal(mistakes.Take(3).Select(m => m.Index), top!.Select(m => m.Index));
    }

    [Fact]
    public async Task The_split_of_a_run_counts_its_training_validation_and_test_images_per_class()
    {
        var run = await TrainedRun(new
        {
            model = "logreg", epochs = 1, batchSize = 20, optimizer = "sgd", learningRate = 0.05, device = "cpu",
            validationFraction = 0.25, trainLimit = 120, testLimit = 20,
        });
        var split = await Client.GetFromJsonAsync<DatasetSplit>($"/api/runs/{run.Id}/split", RunsApiTests.Json);
        Assert.Equal((90, 30, 20), (split!.Train, split.Validation, split.Test));
        Assert.Equal(run.Started!.TrainImages, split.Train);
        Assert.Equal(run.Started.ValidationImages, split.Validation);
        Assert.Equal(90, split.TrainPerClass.Sum());
        Assert.Equal(30, split.ValidationPerClass.Sum());
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(12, split.TrainPerClass[c] + split.ValidationPerClass[c]));
    }

    [Fact]
    public async Task Unknown_runs_and_classes_and_untested_runs_get_clear_errors()
    {
        var run = await TrainedRun();
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/runs/999/confusion")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/runs/999/confusion/0/0")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/runs/999/mistakes")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/runs/999/split")).StatusCode);
        var badClass = await Client.GetAsync($"/api/runs/{run.Id}/confusion/0/10");
        Assert.Equal(HttpStatusCode.BadRequest, badClass.StatusCode);
        Assert.Contains("0 to 9", await badClass.Content.ReadAsStringAsync());

        File.Delete(Path.Combine(Runs.Path, run.Id.ToString(), "test-predictions.bin"));
        var missing = await Client.GetAsync($"/api/runs/{run.Id}/mistakes");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no per-image test results", await missing.Content.ReadAsStringAsync());
    }
}

/// <summary>The same tests on a team front-end: runs and their files in PostgreSQL, trained by a trainer process.</summary>
public sealed class InspectApiOnPostgresTests(PostgresFixture postgres) : InspectApiTests(ApiTestBase.TeamSettings(postgres)), IClassFixture<PostgresFixture>
{
}
