using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.IntegrationTests;

public class PredictApiTests : ApiTestBase
{
    public PredictApiTests() : base(train: 200, test: 40) { }

    protected PredictApiTests(Dictionary<string, string> settings) : base(train: 200, test: 40, settings) { }

    private async Task<RunRecord> TrainedRun()
    {
        var created = await (await Client.PostAsJsonAsync("/api/runs", RunsApiTests.Tiny(epochs: 2, model: "cnn-small"))).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json);
        return await Factory.WaitFinished(created!.Id);
    }

    private Task<HttpResponseMessage> Predict(int run, object body) => Client.PostAsJsonAsync($"/api/runs/{run}/predict", body);

    [Fact]
    public async Task Every_test_image_through_the_api_gives_the_runs_confusion_matrix()
    {
        var run = await TrainedRun();
        var (_, test) = new DatasetCatalog(Data.Path).Load("mnist");
        var predicted = new long[test.Count];
        for (var i = 0; i < test.Count; i++)
        {
            var pixels = test.Pixels.AsSpan(i * 784, 784).ToArray().Select(p => p / 255f);
            var response = await Predict(run.Id, new { pixels });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            predicted[i] = body.RootElement.GetProperty("class").GetInt32();
            Assert.Equal(predicted[i].ToString(), body.RootElement.GetProperty("label").GetString());
            Assert.Equal(1.0, body.RootElement.GetProperty("probabilities").EnumerateArray().Sum(p => p.GetDouble()), 3);
        }
        Assert.Equal(run.Test!.ConfusionMatrix, Dashboard.Server.Training.ClassificationReport.ConfusionMatrix(predicted, test.Labels, 10));
    }

    [Theory]
    [InlineData(783, 0.5f, "expected 784 values")]
    [InlineData(784, 1.5f, "must be a number in [0, 1]")]
    [InlineData(784, -0.1f, "must be a number in [0, 1]")]
    public async Task Wrong_length_or_out_of_range_pixels_get_400_saying_why(int count, float value, string message)
    {
        var run = await TrainedRun();
        var response = await Predict(run.Id, new { pixels = Enumerable.Repeat(value, count) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Non_numbers_missing_pixels_and_oversized_bodies_are_refused_without_a_500()
    {
        var run = await TrainedRun();
        var nan = await Client.PostAsync($"/api/runs/{run.Id}/predict", new StringContent("{\"pixels\":[NaN]}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, nan.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Predict(run.Id, new { })).StatusCode);
        var huge = await Predict(run.Id, new { pixels = Enumerable.Repeat(0.5f, 100_000) });
        Assert.True(huge.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, huge.StatusCode.ToString());
    }

    [Fact]
    public async Task Unknown_runs_are_404()
    {
        var response = await Predict(999, new { pixels = new float[784] });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("999", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>The same tests on a team front-end: runs and their files in PostgreSQL, trained by a trainer process.</summary>
public sealed class PredictApiOnPostgresTests(PostgresFixture postgres) : PredictApiTests(ApiTestBase.TeamSettings(postgres)), IClassFixture<PostgresFixture>
{
}
