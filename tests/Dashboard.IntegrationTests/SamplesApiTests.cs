using System.Net;
using System.Net.Http.Json;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Samples;

namespace Dashboard.IntegrationTests;

public class SamplesApiTests : ApiTestBase
{
    public SamplesApiTests() : base(train: 100, test: 20) { }

    protected SamplesApiTests(Dictionary<string, string> settings) : base(train: 100, test: 20, settings) { }

    private static float[] Image(float value) => Enumerable.Repeat(value, 784).ToArray();

    private async Task<SavedSample> Save(int label, float value)
    {
        var response = await Client.PostAsJsonAsync("/api/samples", new { dataset = "mnist", label, pixels = Image(value) });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SavedSample>(RunsApiTests.Json))!;
    }

    [Fact]
    public async Task Saved_samples_are_listed_newest_first_exported_as_csv_and_deleted()
    {
        var seven = await Save(7, 1f);
        var three = await Save(3, 0.5f);
        var list = (await Client.GetFromJsonAsync<List<SavedSample>>("/api/samples?dataset=mnist", RunsApiTests.Json))!;
        Assert.Equal([three.Id, seven.Id], list.Select(s => s.Id));
        Assert.Equal(Enumerable.Repeat((byte)128, 784), list[0].Pixels);

        var csv = (await Client.GetStringAsync("/api/samples.csv?dataset=mnist")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, csv.Length);
        Assert.Equal(785, csv[0].Split(',').Length);
        Assert.StartsWith("label,pixel0,pixel1,", csv[0]);
        Assert.Equal(["7", .. Enumerable.Repeat("255", 784)], csv[1].TrimEnd('\r').Split(','));
        Assert.Equal(["3", .. Enumerable.Repeat("128", 784)], csv[2].TrimEnd('\r').Split(','));

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/samples/{seven.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync($"/api/samples/{seven.Id}")).StatusCode);
        Assert.Equal([three.Id], (await Client.GetFromJsonAsync<List<SavedSample>>("/api/samples", RunsApiTests.Json))!.Select(s => s.Id));
    }

    [Theory]
    [InlineData("mnist", 10, 784, 0.5f, "label")]
    [InlineData("mnist", -1, 784, 0.5f, "label")]
    [InlineData("mnist", 1, 783, 0.5f, "expected 784 values")]
    [InlineData("mnist", 1, 784, 2f, "must be a number in [0, 1]")]
    [InlineData("imagenet", 1, 784, 0.5f, "must be one of")]
    public async Task Bad_samples_get_400_saying_which_field_and_why(string dataset, int label, int count, float value, string message)
    {
        var response = await Client.PostAsJsonAsync("/api/samples", new { dataset, label, pixels = Enumerable.Repeat(value, count) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
        Assert.Empty((await Client.GetFromJsonAsync<List<SavedSample>>("/api/samples", RunsApiTests.Json))!);
    }

    [Fact]
    public async Task A_run_that_includes_samples_trains_on_them_and_a_fine_tuning_run_starts_from_a_checkpoint()
    {
        await Save(1, 1f);
        await Save(2, 0f);
        var config = new { model = "cnn-small", epochs = 1, batchSize = 20, device = "cpu", validationFraction = 0.2, includeSamples = true };
        var first = await Factory.WaitFinished((await Create(config)).Id);
        Assert.Equal(RunStatus.Completed, first.Status);
        Assert.Equal(80 + 2, first.Started!.TrainImages);
        Assert.Equal(20, first.Started.ValidationImages);

        var tuned = await Factory.WaitFinished((await Create(new { model = "cnn-small", epochs = 1, batchSize = 20, device = "cpu", startFrom = first.Id })).Id);
        Assert.Equal(RunStatus.Completed, tuned.Status);
        Assert.Equal(80, tuned.Started!.TrainImages);

        var otherNetwork = await Client.PostAsJsonAsync("/api/runs", new { model = "logreg", epochs = 1, device = "cpu", startFrom = first.Id });
        Assert.Equal(HttpStatusCode.BadRequest, otherNetwork.StatusCode);
        Assert.Contains("different network", await otherNetwork.Content.ReadAsStringAsync());
        // A checkpoint saved when the preset had other layers (its card keeps them) does not fit the preset now.
        var card = Path.Combine(Runs.Path, first.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "model.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(card))!;
        json["layers"]!.AsArray().RemoveAt(1);
        File.WriteAllText(card, json.ToJsonString());
        var changedPreset = await Client.PostAsJsonAsync("/api/runs", new { model = "cnn-small", epochs = 1, device = "cpu", startFrom = first.Id });
        Assert.Equal(HttpStatusCode.BadRequest, changedPreset.StatusCode);
        Assert.Contains("different network", await changedPreset.Content.ReadAsStringAsync());
        var missing = await Client.PostAsJsonAsync("/api/runs", new { model = "cnn-small", epochs = 1, device = "cpu", startFrom = 999 });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("startFrom", await missing.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Predict_takes_bytes_as_well_as_values_and_both_give_the_same_answer()
    {
        var run = await Factory.WaitFinished((await Create(new { model = "logreg", epochs = 1, batchSize = 20, device = "cpu" })).Id);
        var bytes = Enumerable.Range(0, 784).Select(i => (byte)(i % 256)).ToArray();
        var fromBytes = await (await Client.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { bytes })).Content.ReadFromJsonAsync<Dashboard.Shared.Inference.Prediction>(RunsApiTests.Json);
        var fromValues = await (await Client.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { pixels = bytes.Select(b => b / 255f) })).Content.ReadFromJsonAsync<Dashboard.Shared.Inference.Prediction>(RunsApiTests.Json);
        Assert.Equal(fromValues!.Probabilities, fromBytes!.Probabilities);
        var both = await Client.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { bytes, pixels = new float[784] });
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        var shortBytes = await Client.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { bytes = new byte[100] });
        Assert.Equal(HttpStatusCode.BadRequest, shortBytes.StatusCode);
    }

    private async Task<RunRecord> Create(object config)
    {
        var response = await Client.PostAsJsonAsync("/api/runs", config);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!;
    }
}

/// <summary>The same tests on a team front-end: samples and runs in PostgreSQL, trained by a trainer process.</summary>
public sealed class SamplesApiOnPostgresTests(PostgresFixture postgres) : SamplesApiTests(ApiTestBase.TeamSettings(postgres)), IClassFixture<PostgresFixture>
{
}
