using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Inference;
using Dashboard.Shared.Runs;

namespace Dashboard.IntegrationTests;

public sealed class XrayApiTests() : ApiTestBase(train: 200, test: 20)
{
    private async Task<RunRecord> TrainedRun(string model)
    {
        var created = await RunsApiTests.Create(Client, RunsApiTests.Tiny(epochs: 1, model: model));
        return await Factory.WaitFinished(created.Id);
    }

    private float[] TestImage() => [.. new DatasetCatalog(Data.Path).Load("mnist").Test.Pixels.Take(784).Select(p => p / 255f)];

    [Fact]
    public async Task The_xray_lists_every_layer_with_the_most_active_channels_first_and_its_prediction_is_predicts()
    {
        var run = await TrainedRun("cnn-small");
        var pixels = TestImage();
        var response = await Client.PostAsJsonAsync($"/api/runs/{run.Id}/xray", new { pixels, channels = 4 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var xray = (await response.Content.ReadFromJsonAsync<Xray>(RunsApiTests.Json))!;
        var predicted = (await (await Client.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { pixels })).Content.ReadFromJsonAsync<Prediction>(RunsApiTests.Json))!;
        Assert.Equal(predicted.Probabilities, xray.Prediction.Probabilities);
        Assert.Equal(Enumerable.Range(0, run.Config.Layers?.Count ?? xray.Layers.Count), xray.Layers.Select(l => l.Index));
        var conv = xray.Layers.First(l => l.Kind == "Conv2d");
        Assert.True(conv.HasFilters);
        Assert.Equal(4, conv.Channels.Count);
        Assert.True(conv.ChannelCount > 4);
        Assert.Equal(conv.Channels.OrderByDescending(c => c.Mean).Select(c => c.Channel), conv.Channels.Select(c => c.Channel));
        Assert.All(conv.Channels, c => Assert.Equal(c.Height * c.Width, c.Values.Length));
        var last = xray.Layers[^1];
        Assert.Equal(10, last.Values!.Length);
        Assert.Equal(Array.IndexOf(last.Values, last.Values.Max()), predicted.Class);

        var filter = await Client.GetFromJsonAsync<ConvFilter>($"/api/runs/{run.Id}/layers/{conv.Index}/filters/{conv.Channels[0].Channel}", RunsApiTests.Json);
        Assert.Equal(filter!.In * filter.Kernel * filter.Kernel, filter.Weights.Length);
        Assert.Equal(filter.Weights.Max(Math.Abs), filter.MaxAbs);
    }

    [Fact]
    public async Task Explain_gives_each_method_a_map_over_the_pixels_and_integrated_gradients_its_completeness_error()
    {
        var run = await TrainedRun("cnn-small");
        var response = await Client.PostAsJsonAsync($"/api/runs/{run.Id}/explain", new { pixels = TestImage(), target = 1, other = 7 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var explanation = (await response.Content.ReadFromJsonAsync<Explanation>(RunsApiTests.Json))!;
        Assert.Equal((1, (int?)7), (explanation.Target, explanation.Other));
        Assert.Equal(AttributionMethods.All, explanation.Maps.Select(m => m.Method));
        Assert.All(explanation.Maps, m => Assert.Equal(784, m.Values.Length));
        var ig = explanation.Maps.Single(m => m.Method == AttributionMethods.IntegratedGradients);
        Assert.NotNull(ig.CompletenessError);
        Assert.True(ig.CompletenessError < 0.05, $"{ig.CompletenessError:P2}");
        Assert.All(explanation.Maps.Where(m => m.Method != AttributionMethods.IntegratedGradients), m => Assert.Null(m.CompletenessError));
        Assert.Empty(explanation.Skipped);
    }

    [Fact]
    public async Task A_network_without_convolutions_skips_grad_cam_saying_why_and_bad_requests_name_their_field()
    {
        var run = await TrainedRun("logreg");
        var explanation = await (await Client.PostAsJsonAsync($"/api/runs/{run.Id}/explain", new { pixels = TestImage(), target = 3 }))
            .Content.ReadFromJsonAsync<Explanation>(RunsApiTests.Json);
        Assert.DoesNotContain(explanation!.Maps, m => m.Method == AttributionMethods.GradCam);
        Assert.Contains("no convolution", Assert.Single(explanation.Skipped));

        foreach (var (path, body, field) in new (string, object, string)[]
                 {
                     ("explain", new { pixels = TestImage(), target = 10 }, "target"),
                     ("explain", new { pixels = TestImage(), target = 3, other = 3 }, "other"),
                     ("explain", new { pixels = TestImage(), target = 3, methods = new[] { "lime" } }, "methods"),
                     ("explain", new { target = 3 }, "pixels"),
                     ("xray", new { pixels = new float[10] }, "pixels"),
                     ("xray", new { pixels = TestImage(), channels = 0 }, "channels"),
                 })
        {
            var refused = await Client.PostAsJsonAsync($"/api/runs/{run.Id}/{path}", body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"{path} {field}: {problem.RootElement}");
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync($"/api/runs/{run.Id}/layers/0/filters/0")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.PostAsJsonAsync("/api/runs/999/xray", new { pixels = TestImage() })).StatusCode);
    }
}

public sealed class EmbeddingApiTests() : ApiTestBase(train: 200, test: 30)
{
    [Fact]
    public async Task The_map_places_each_test_image_by_the_penultimate_layer_and_a_test_image_placed_again_lands_on_its_point()
    {
        var created = await RunsApiTests.Create(Client, RunsApiTests.Tiny(epochs: 1, model: "cnn-small"));
        var run = await Factory.WaitFinished(created.Id);
        var map = (await Client.GetFromJsonAsync<EmbeddingMap>($"/api/runs/{run.Id}/embedding", RunsApiTests.Json))!;
        var (_, test) = new DatasetCatalog(Data.Path).Load("mnist");

        Assert.Equal(30, map.Points.Count);
        Assert.Equal(test.Labels.Take(30).Select(l => (int)l), map.Points.Select(p => p.Label));
        var layers = Dashboard.Server.Training.Networks.NetworkPresets.Find("cnn-small")!.Layers;
        Assert.Equal(layers.ToList().FindLastIndex(l => l.Kind == Dashboard.Shared.Networks.LayerKind.Linear) - 1, map.Layer);
        Assert.True(map.ExplainedVariance[0] >= map.ExplainedVariance[1] && map.ExplainedVariance.Sum() <= 1.000001, string.Join(", ", map.ExplainedVariance));
        Assert.Equal(30 * 784, map.Pixels.Length);

        var pixels = test.Pixels.Take(784).Select(p => p / 255f).ToArray();
        var placed = (await (await Client.PostAsJsonAsync($"/api/runs/{run.Id}/embedding/place", new { pixels })).Content
            .ReadFromJsonAsync<EmbeddingPosition>(RunsApiTests.Json))!;
        Assert.Equal(map.Points[0].X, placed.X, 3);
        Assert.Equal(map.Points[0].Y, placed.Y, 3);

        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync($"/api/runs/{run.Id}/embedding?images=5")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/runs/999/embedding")).StatusCode);
    }
}

public sealed class EpochWeightsTests() : ApiTestBase(train: 200, test: 20)
{
    [Fact]
    public async Task A_small_network_keeps_each_epochs_weights_and_predict_xray_and_explain_replay_an_image_through_any_of_them()
    {
        var created = await RunsApiTests.Create(Client, RunsApiTests.Tiny(epochs: 3, model: "cnn-small"));
        var run = await Factory.WaitFinished(created.Id);
        var kept = (await Client.GetFromJsonAsync<int[]>($"/api/runs/{run.Id}/epochs"))!;
        Assert.Equal([1, 2, 3], kept);
        var pixels = new DatasetCatalog(Data.Path).Load("mnist").Test.Pixels.Take(784).Select(p => p / 255f).ToArray();

        async Task<Prediction> Predict(int? epoch) =>
            (await (await Client.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { pixels, epoch })).Content.ReadFromJsonAsync<Prediction>(RunsApiTests.Json))!;
        var final = await Predict(null);
        // The last epoch's weights are the final ones; the first epoch's are not.
        Assert.Equal(final.Probabilities, (await Predict(3)).Probabilities);
        Assert.NotEqual(final.Probabilities, (await Predict(1)).Probabilities);
        var xray = (await (await Client.PostAsJsonAsync($"/api/runs/{run.Id}/xray", new { pixels, epoch = 1 })).Content.ReadFromJsonAsync<Xray>(RunsApiTests.Json))!;
        Assert.Equal((await Predict(1)).Probabilities, xray.Prediction.Probabilities);
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsJsonAsync($"/api/runs/{run.Id}/explain", new { pixels, target = 2, epoch = 2, methods = new[] { "gradient" } })).StatusCode);

        var refused = await Client.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { pixels, epoch = 9 });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("kept epochs 1 to 3", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_run_told_not_to_keeps_only_its_final_weights()
    {
        var config = new { model = "cnn-small", epochs = 2, batchSize = 20, optimizer = "sgd", learningRate = 0.05, device = "cpu", keepEpochWeights = false };
        var run = await Factory.WaitFinished((await RunsApiTests.Create(Client, config)).Id);
        Assert.Empty((await Client.GetFromJsonAsync<int[]>($"/api/runs/{run.Id}/epochs"))!);
        Assert.Empty(Directory.GetFiles(Path.Combine(Runs.Path, run.Id.ToString()), "epoch-*.pt"));
        Assert.True(File.Exists(Path.Combine(Runs.Path, run.Id.ToString(), "model.pt")));
    }
}
