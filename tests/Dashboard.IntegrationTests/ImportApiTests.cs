using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Cli;
using Dashboard.Server.Imports;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Inference;
using Dashboard.Shared.Runs;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dashboard.IntegrationTests;

/// <summary>/api/datasets and /api/runs/{id}/classify with pictures made here: import, follow, train, classify.</summary>
public sealed class ImportApiTests(ITestOutputHelper output) : ApiTestBase(train: 100, test: 10)
{
    public static MultipartFormDataContent Archive(string path, string name = "pictures.zip", params (string Field, string Value)[] fields)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(path)), "archive", name } };
        foreach (var (field, value) in fields)
        {
            form.Add(new StringContent(value), field);
        }
        return form;
    }

    private async Task<DatasetImport> Import(string zip, string name, params (string Field, string Value)[] fields)
    {
        var response = await Client.PostAsync("/api/datasets", Archive(zip, "shapes.zip", [("name", name), .. fields]));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        Assert.Equal($"/api/datasets/{name}", response.Headers.Location!.OriginalString);
        return await Factory.WaitImported(name);
    }

    [Fact]
    public async Task A_zip_imports_through_the_api_trains_and_new_pictures_get_one_answer_as_json_as_csv_and_one_by_one()
    {
        var zip = Data.File("shapes.zip");
        SyntheticPictures.WriteZip(zip, perClass: 30, seed: 1, minSide: 24, maxSide: 64);
        var import = await Import(zip, "shapes", ("width", "24"), ("channels", "3"));
        Assert.Equal(ImportStatus.Ready, import.Status);
        Assert.Equal(300, import.Done);
        var got = await Client.GetFromJsonAsync<DatasetImport>("/api/datasets/shapes", RunsApiTests.Json);
        Assert.Equal(ImportStatus.Ready, got!.Status);
        Assert.Equal(new PictureFormat(24, 24, 3, PictureResize.Squash, false, PictureBackground.White), got.Format);
        Assert.Equal(Enumerable.Repeat(24, 10), got.Report!.TrainPerClass);
        Assert.Equal(Enumerable.Repeat(6, 10), got.Report.TestPerClass);
        var listed = (await Client.GetFromJsonAsync<List<DatasetInfo>>("/api/datasets", RunsApiTests.Json))!.Single(d => d.Name == "shapes");
        Assert.True(listed.Imported);
        Assert.Equal("3x24x24", listed.Shape.Size);

        var created = await Client.PostAsJsonAsync("/api/runs", new { dataset = "shapes", model = "cnn-small", epochs = 2, batchSize = 16, device = "cpu" });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var run = await Factory.WaitFinished((await created.Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!.Id);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(60, run.Test!.Images);

        var fresh = Data.File("fresh.zip");
        SyntheticPictures.WriteZip(fresh, perClass: 3, seed: 2, minSide: 24, maxSide: 64);
        var json = await Client.PostAsync($"/api/runs/{run.Id}/classify", Archive(fresh));
        var text = await json.Content.ReadAsStringAsync();
        Assert.True(json.StatusCode == HttpStatusCode.OK, text);
        var result = JsonSerializer.Deserialize<ClassifyResult>(text, RunsApiTests.Json)!;
        Assert.Equal(30, result.Results.Count);
        Assert.All(result.Results, r => Assert.Null(r.Error));
        Assert.All(result.Results, r => Assert.Equal(1.0, r.Probabilities!.Sum(), 3));
        Assert.Contains("\"results\":[{\"file\":", text);

        var csvRequest = new HttpRequestMessage(HttpMethod.Post, $"/api/runs/{run.Id}/classify") { Content = Archive(fresh) };
        csvRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var csv = (await (await Client.SendAsync(csvRequest)).Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("file,class,label,error,p_circle", csv[0]);
        Assert.Equal(result.Results.Select(r => $"{r.File},{r.Class},{r.Label}"), csv.Skip(1).Select(l => string.Join(',', l.Split(',').Take(3))));

        // The same pictures one by one in image fields, with the picture the network saw.
        var singles = new MultipartFormDataContent();
        foreach (var (name, bytes) in SyntheticPictures.Pictures(3, seed: 2, minSide: 24, maxSide: 64))
        {
            singles.Add(new ByteArrayContent(bytes), "image", name.Replace('/', '-'));
        }
        var one = (await (await Client.PostAsync($"/api/runs/{run.Id}/classify?thumbnails=true", singles)).Content.ReadFromJsonAsync<ClassifyResult>(RunsApiTests.Json))!;
        Assert.Equal(result.Results.Select(r => (r.Class, r.Probabilities![r.Class!.Value])), one.Results.Select(r => (r.Class, r.Probabilities![r.Class!.Value])));
        Assert.All(one.Results, r => Assert.NotNull(r.InputPng));
        Assert.Equal(result.Results.Select(r => r.File.Replace('/', '-')), one.Results.Select(r => r.File));
        // The confusion matrix's cells show each test picture with the file it came from.
        var diagonal = (await Client.GetFromJsonAsync<CellExamples>($"/api/runs/{run.Id}/confusion/0/0?limit=5", RunsApiTests.Json))!;
        Assert.NotEmpty(diagonal.Examples);
        Assert.All(diagonal.Examples, e => Assert.Matches(@"^circle/\d{4}\.\w+$", e.File));
        output.WriteLine($"test accuracy {run.Test.Accuracy:P1}; classified {result.Results.Count(r => r.File.StartsWith(r.Label + "/", StringComparison.Ordinal))} of 30 new pictures right");
    }

    [Fact]
    public async Task Import_progress_can_be_cancelled_and_a_cancelled_import_leaves_no_dataset()
    {
        var zip = Data.File("shapes.zip");
        SyntheticPictures.WriteZip(zip, perClass: 20, seed: 1);
        var imports = Factory.Services.GetRequiredService<DatasetImports>();
        using var reached = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // Holds the import's thread at its first progress report until the test has asked to cancel it.
        void Hold(DatasetImport import)
        {
            if (import.Status == ImportStatus.Importing && import.Done > 0 && !reached.IsSet)
            {
                reached.Set();
                release.Wait(TimeSpan.FromMinutes(1));
            }
        }
        imports.Changed += Hold;
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsync("/api/datasets", Archive(zip, "shapes.zip", ("name", "held"), ("width", "16"), ("channels", "3")))).StatusCode);
            Assert.True(reached.Wait(TimeSpan.FromMinutes(1)));
            var during = await Client.GetFromJsonAsync<DatasetImport>("/api/datasets/held", RunsApiTests.Json);
            Assert.Equal(ImportStatus.Importing, during!.Status);
            Assert.Equal(200, during.Total);
            Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsync("/api/datasets/held/cancel", null)).StatusCode);
            release.Set();
            var ended = await Factory.WaitImported("held");
            Assert.Equal(ImportStatus.Cancelled, ended.Status);
        }
        finally
        {
            imports.Changed -= Hold;
            release.Set();
        }
        Assert.False(Directory.Exists(Path.Combine(Data.Path, "imported", "held")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(Data.Path, "imported"), ".partial-held*"));
        Assert.DoesNotContain((await Client.GetFromJsonAsync<List<DatasetInfo>>("/api/datasets", RunsApiTests.Json))!, d => d.Name == "held");
        // The name is free again.
        Assert.Equal(ImportStatus.Ready, (await Import(zip, "held", ("width", "16"), ("channels", "3"))).Status);
    }

    [Fact]
    public async Task Names_are_checked_a_dataset_in_use_cannot_be_deleted_and_a_renamed_one_trains_under_its_new_name()
    {
        var zip = Data.File("shapes.zip");
        SyntheticPictures.WriteZip(zip, perClass: 8, seed: 1);
        foreach (var (name, status) in new[] { ("mnist", HttpStatusCode.BadRequest), ("MNIST", HttpStatusCode.BadRequest), ("bad name", HttpStatusCode.BadRequest),
            ("../x", HttpStatusCode.BadRequest), ("", HttpStatusCode.BadRequest), (new string('a', 65), HttpStatusCode.BadRequest) })
        {
            var refused = await Client.PostAsync("/api/datasets", Archive(zip, "shapes.zip", ("name", name)));
            Assert.True(refused.StatusCode == status, $"{name}: {refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");
            Assert.Contains("\"name\"", await refused.Content.ReadAsStringAsync());
        }
        Assert.Equal(ImportStatus.Ready, (await Import(zip, "first", ("width", "16"))).Status);
        var twice = await Client.PostAsync("/api/datasets", Archive(zip, "shapes.zip", ("name", "FIRST")));
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        foreach (var (field, value) in new[] { ("width", "2"), ("width", "x"), ("channels", "2"), ("resize", "stretch"), ("testFraction", "1"), ("invert", "maybe") })
        {
            var bad = await Client.PostAsync("/api/datasets", Archive(zip, "shapes.zip", ("name", "other"), (field, value)));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains($"\"{field}\"", await bad.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsJsonAsync("/api/datasets/first/rename", new { name = "second" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/datasets/first")).StatusCode);

        // A server whose runs are held after epoch 1: the dataset is in use until the run ends.
        using var gate = new EpochGate(1);
        using var runs = new TempFolder();
        await using var held = new DashboardFactory(Data.Path, runs.Path, gate);
        var client = held.CreateClient();
        var run = await client.PostAsJsonAsync("/api/runs", new { dataset = "second", model = "logreg", epochs = 2, batchSize = 8, device = "cpu" });
        Assert.Equal(HttpStatusCode.Created, run.StatusCode);
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));
        var inUse = await client.DeleteAsync("/api/datasets/second");
        Assert.Equal(HttpStatusCode.Conflict, inUse.StatusCode);
        Assert.Contains("used by run(s) #1", await inUse.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync("/api/datasets/second/rename", new { name = "third" })).StatusCode);
        gate.Release();
        Assert.Equal(RunStatus.Completed, (await held.WaitFinished((await run.Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!.Id)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/datasets/second")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync("/api/datasets/second")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync("/api/datasets/mnist")).StatusCode);
    }

    [Fact]
    public async Task An_upload_is_surveyed_first_and_imported_later_by_its_id_with_the_options_chosen()
    {
        var zip = Data.File("shapes.zip");
        SyntheticPictures.WriteZip(zip, perClass: 6, seed: 3, minSide: 40, maxSide: 48);
        var response = await Client.PostAsync("/api/datasets/uploads", Archive(zip, "my shapes.zip"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var upload = (await response.Content.ReadFromJsonAsync<ImportUpload>(RunsApiTests.Json))!;
        Assert.Equal(60, upload.Survey.Pictures);
        Assert.Equal(10, upload.Survey.Classes.Count);
        Assert.True(upload.Survey.Colour);
        Assert.InRange(upload.Survey.MedianWidth, 40, 48);
        Assert.Equal(upload.Survey.MedianWidth, upload.Survey.Proposed.Width);
        Assert.Equal("my-shapes", upload.Survey.Proposed.Name);

        var start = await Client.PostAsJsonAsync("/api/datasets", new { upload = upload.Upload, name = "chosen", width = 20, height = 12, channels = 1, resize = "pad", invert = true });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var ready = await Factory.WaitImported("chosen");
        Assert.Equal(new PictureFormat(20, 12, 1, PictureResize.Pad, true, PictureBackground.White), ready.Format);
        // The upload went with the import.
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.PostAsJsonAsync("/api/datasets", new { upload = upload.Upload, name = "again" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.PostAsJsonAsync("/api/datasets", new { name = "neither" })).StatusCode);
    }

    [Fact]
    public async Task An_imported_set_has_the_learning_rate_finder_the_xray_the_attributions_and_for_a_grey_one_the_drawing_pad()
    {
        var zip = Data.File("shapes.zip");
        SyntheticPictures.WriteZip(zip, perClass: 16, seed: 4, minSide: 20, maxSide: 32);
        Assert.Equal(ImportStatus.Ready, (await Import(zip, "grey", ("width", "20"), ("channels", "1"), ("invert", "true"))).Status);
        var config = new RunConfig { Dataset = "grey", Model = "cnn-small", Epochs = 1, BatchSize = 16, Device = "cpu" };

        var found = await Client.PostAsJsonAsync("/api/lr-find", new LrFindRequest { Config = config, Batches = 20, Seeds = 1 });
        Assert.True(found.StatusCode == HttpStatusCode.OK, await found.Content.ReadAsStringAsync());
        Assert.Equal(20, (await found.Content.ReadFromJsonAsync<LrFindResult>(RunsApiTests.Json))!.Curves[0].Rates.Length);

        var run = await Factory.WaitFinished((await RunsApiTests.Create(Client, config)).Id);
        Assert.Equal(RunStatus.Completed, run.Status);
        var pixels = new float[20 * 20];
        for (var y = 4; y < 16; y++)
        {
            pixels[y * 20 + 10] = 1;
        }
        var xray = await Client.PostAsJsonAsync($"/api/runs/{run.Id}/xray", new { pixels, channels = 4 });
        Assert.True(xray.StatusCode == HttpStatusCode.OK, await xray.Content.ReadAsStringAsync());
        Assert.Equal(run.Config.Layers?.Count ?? 8, (await xray.Content.ReadFromJsonAsync<Xray>(RunsApiTests.Json))!.Layers.Count);
        var explained = await Client.PostAsJsonAsync($"/api/runs/{run.Id}/explain", new { pixels, target = 1, methods = new[] { "gradient", "grad-cam" } });
        Assert.True(explained.StatusCode == HttpStatusCode.OK, await explained.Content.ReadAsStringAsync());
        Assert.All((await explained.Content.ReadFromJsonAsync<Explanation>(RunsApiTests.Json))!.Maps, m => Assert.Equal((20, 20), (m.Height, m.Width)));

        // The pad (ink bright on dark) becomes a picture of this grey set: dark on white, then its format (inverted back).
        var classifier = Factory.Services.GetRequiredService<IDigitClassifier>();
        var pad = new byte[280 * 280];
        for (var y = 40; y < 240; y++)
        {
            for (var x = 112; x < 168; x++)
            {
                pad[y * 280 + x] = 255;
            }
        }
        var drawn = classifier.ClassifyDrawing(run.Id, pad, 280, 280)!;
        Assert.Equal(400, drawn.Input.Count);
        Assert.True(drawn.Input[10 * 20 + 10] > 0.9 && drawn.Input[0] < 0.1, "the stroke is bright and the paper dark, as the inverted set's pictures are");
        Assert.Null(classifier.ClassifyDrawing(run.Id, new byte[280 * 280], 280, 280));
    }
}
