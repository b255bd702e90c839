using System.Net;
using System.Net.Http.Json;
using Dashboard.Server.Cli;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Inference;
using Dashboard.Shared.Runs;
using Xunit.Abstractions;

namespace Dashboard.IntegrationTests;

/// <summary>Team mode: an imported dataset lives in the team's PostgreSQL; every host keeps its own copy by hash.</summary>
public sealed class TeamDatasetTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_dataset_imported_through_front_end_A_trains_on_a_trainer_host_and_its_run_classifies_pictures_on_front_end_B()
    {
        var database = postgres.NewDatabase();
        using var dataA = new TempFolder();
        using var dataB = new TempFolder();
        using var dataTrainer = new TempFolder();
        using var runsA = new TempFolder();
        using var runsB = new TempFolder();
        Dictionary<string, string> Web() => new() { ["Team:Role"] = "web", ["Team:Postgres"] = database, ["Team:WatchSeconds"] = "0.2" };
        await using var a = new DashboardFactory(dataA.Path, runsA.Path) { Settings = Web() };
        await using var b = new DashboardFactory(dataB.Path, runsB.Path) { Settings = Web() };
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();
        var zip = dataA.File("shapes.zip");
        SyntheticPictures.WriteZip(zip, perClass: 20, seed: 1, minSide: 24, maxSide: 48);

        var started = await clientA.PostAsync("/api/datasets", ImportApiTests.Archive(zip, "shapes.zip", ("name", "shapes"), ("width", "24"), ("channels", "3")));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var import = await a.WaitImported("shapes");
        Assert.True(import.Status == ImportStatus.Ready, import.Error);
        // Front-end B lists it from the team's database without a copy of its own yet.
        var listed = (await clientB.GetFromJsonAsync<List<DatasetInfo>>("/api/datasets", RunsApiTests.Json))!.Single(d => d.Name == "shapes");
        Assert.Equal("3x24x24", listed.Shape.Size);
        Assert.False(Directory.Exists(Path.Combine(dataB.Path, "imported", "shapes")));
        var twice = await clientB.PostAsync("/api/datasets", ImportApiTests.Archive(zip, "shapes.zip", ("name", "Shapes")));
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);

        using var trainer = ServerProcess.Trainer(database, "t1", dataTrainer.Path);
        var run = await RunsApiTests.Create(clientB, new { dataset = "shapes", model = "cnn-small", epochs = 2, batchSize = 16, device = "cpu" });
        var done = await a.WaitFinished(run.Id);
        Assert.True(done.Status == RunStatus.Completed, $"{done.Status}: {done.Error}\n{trainer.Output}");
        Assert.Equal(40, done.Test!.Images);
        var hash = new DatasetCatalog(dataA.Path).Imported.Find("shapes")!.Hash;
        Assert.Equal(hash, new DatasetCatalog(dataTrainer.Path).Imported.Find("shapes")!.Hash);

        var fresh = dataB.File("fresh.zip");
        SyntheticPictures.WriteZip(fresh, perClass: 2, seed: 9, minSide: 24, maxSide: 48);
        var classified = await clientB.PostAsync($"/api/runs/{run.Id}/classify", ImportApiTests.Archive(fresh));
        Assert.True(classified.StatusCode == HttpStatusCode.OK, await classified.Content.ReadAsStringAsync());
        var onB = (await classified.Content.ReadFromJsonAsync<ClassifyResult>(RunsApiTests.Json))!;
        var onA = (await (await clientA.PostAsync($"/api/runs/{run.Id}/classify", ImportApiTests.Archive(fresh))).Content.ReadFromJsonAsync<ClassifyResult>(RunsApiTests.Json))!;
        Assert.Equal(20, onB.Results.Count);
        Assert.Equal(onA.Results.Select(r => (r.File, r.Class)), onB.Results.Select(r => (r.File, r.Class)));
        // Looking inside the run's test results on B fetches its copy of the dataset.
        var mistakes = await clientB.GetAsync($"/api/runs/{run.Id}/mistakes?limit=5");
        Assert.Equal(HttpStatusCode.OK, mistakes.StatusCode);
        Assert.Equal(hash, new DatasetCatalog(dataB.Path).Imported.Find("shapes")!.Hash);

        // Renamed on B, deleted on A: the team's database is the truth for every host.
        Assert.Equal(HttpStatusCode.OK, (await clientB.PostAsJsonAsync("/api/datasets/shapes/rename", new { name = "forms" })).StatusCode);
        Assert.Contains((await clientA.GetFromJsonAsync<List<DatasetInfo>>("/api/datasets", RunsApiTests.Json))!, d => d.Name == "forms");
        Assert.Equal(HttpStatusCode.NoContent, (await clientA.DeleteAsync("/api/datasets/forms")).StatusCode);
        Assert.DoesNotContain((await clientB.GetFromJsonAsync<List<DatasetInfo>>("/api/datasets", RunsApiTests.Json))!, d => d.Name is "forms" or "shapes");
        output.WriteLine($"trained {done.Test.Accuracy:P1} on the trainer; B classified {onB.Results.Count} pictures the same as A");
    }
}
