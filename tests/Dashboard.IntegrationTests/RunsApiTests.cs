using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.IntegrationTests;

public class RunsApiTests : ApiTestBase
{
    public RunsApiTests() : base(train: 200, test: 50) { }

    protected RunsApiTests(Dictionary<string, string> settings) : base(train: 200, test: 50, settings) { }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal static object Tiny(int epochs = 2, string model = "logreg") =>
        new { model, epochs, batchSize = 20, optimizer = "sgd", learningRate = 0.05, device = "cpu" };

    private Task<RunRecord> Create(object config) => Create(Client, config);

    internal static async Task<RunRecord> Create(HttpClient client, object config)
    {
        var response = await client.PostAsJsonAsync("/api/runs", config);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RunRecord>(Json))!;
    }

    [Fact]
    public async Task Datasets_and_presets_are_listed()
    {
        var datasets = await Client.GetFromJsonAsync<List<DatasetInfo>>("/api/datasets", Json);
        Assert.Contains(datasets!, d => d.Name == "mnist" && d.Available);
        Assert.Contains(datasets!, d => d.Name == "cifar10" && !d.Available);
        var presets = await Client.GetFromJsonAsync<List<NetworkPreset>>("/api/presets", Json);
        Assert.Equal(["logreg", "mlp", "mlp-relu", "cnn", "cnn-small", "cnn-bn", "cnn-fast", "lenet", "resnet8", "resnet20", "resnet-small"], presets!.Select(p => p.Name));
    }

    [Fact]
    public async Task A_run_is_created_trains_and_is_listed_with_its_metrics_and_checkpoint()
    {
        var created = await Create(Tiny(epochs: 3));
        Assert.Equal(RunStatus.Queued, created.Status);

        var finished = await Factory.WaitFinished(created.Id);
        Assert.Equal(RunStatus.Completed, finished.Status);

        var run = await Client.GetFromJsonAsync<RunRecord>($"/api/runs/{created.Id}", Json);
        Assert.Equal([1, 2, 3], run!.Epochs.Select(e => e.Epoch));
        Assert.Equal("cpu", run.Started!.Device);
        Assert.Equal(50, run.Test!.Images);
        Assert.True(run.HasCheckpoint);
        var list = await Client.GetFromJsonAsync<List<RunRecord>>("/api/runs", Json);
        Assert.Contains(list!, r => r.Id == created.Id && r.Status == RunStatus.Completed);

        // The run's network as PyTorch code (its own test runs it in PyTorch: PyTorchInteropTests).
        var code = await Client.GetAsync($"/api/runs/{created.Id}/model.py");
        Assert.Equal("text/x-python", code.Content.Headers.ContentType?.MediaType);
        var source = await code.Content.ReadAsStringAsync();
        Assert.Contains("nn.Flatten(),\n            nn.Linear(784, 10),", source);
        Assert.Contains("MEAN = (0.5,)", source);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/runs/999/model.py")).StatusCode);

        var checkpoint = await Client.GetAsync($"/api/runs/{created.Id}/checkpoint");
        Assert.Equal(HttpStatusCode.OK, checkpoint.StatusCode);
        Assert.True((await checkpoint.Content.ReadAsByteArrayAsync()).Length > 1000);
    }

    [Theory]
    [InlineData("""{"model":"resnet"}""", "model")]
    [InlineData("""{"learningRate":0}""", "learningRate")]
    [InlineData("""{"batchSize":0}""", "batchSize")]
    [InlineData("""{"epochs":100000}""", "epochs")]
    [InlineData("""{"dataset":"cifar10","model":"lenet"}""", "dataset")]
    [InlineData("""{"precision":"fp16","device":"cpu"}""", "precision")]
    [InlineData("""{"layers":[{"kind":"Flatten"},{"kind":"Linear","in":100,"out":10}]}""", "layers")]
    public async Task Bad_input_gets_400_with_a_problem_naming_the_field(string body, string field)
    {
        var response = await Client.PostAsync("/api/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out var messages), problem.RootElement.ToString());
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
    }

    [Fact]
    public async Task Malformed_json_gets_400_not_500()
    {
        var response = await Client.PostAsync("/api/runs", new StringContent("{\"epochs\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_runs_are_404_with_a_problem_body()
    {
        foreach (var response in new[]
                 {
                     await Client.GetAsync("/api/runs/999"),
                     await Client.PostAsync("/api/runs/999/stop", null),
                     await Client.GetAsync("/api/runs/999/checkpoint"),
                 })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("999", await response.Content.ReadAsStringAsync());
        }
    }

}

/// <summary>The same tests on a team front-end: runs in PostgreSQL, trained by a trainer process.</summary>
public sealed class RunsApiOnPostgresTests(PostgresFixture postgres) : RunsApiTests(ApiTestBase.TeamSettings(postgres)), IClassFixture<PostgresFixture>
{
}

/// <summary>
/// The single process's own run handling: a run held mid-epoch in this process (stop, delete refused), its
/// runs folder, and a restart that finds a run interrupted. The team's equivalents are in TeamTests.
/// </summary>
public sealed class RunsApiSingleProcessTests() : ApiTestBase(train: 200, test: 50)
{
    private static readonly JsonSerializerOptions Json = RunsApiTests.Json;

    private static object Tiny(int epochs = 2) => RunsApiTests.Tiny(epochs);

    private Task<RunRecord> Create(object config) => RunsApiTests.Create(Client, config);

    [Fact]
    public async Task A_cuda_device_this_host_lacks_gets_400_naming_the_device()
    {
        // A team front-end queues such a run for a trainer with CUDA instead (TeamQueueTests).
        var response = await Client.PostAsync("/api/runs", new StringContent("""{"device":"cuda:7"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("cuda:7", problem.RootElement.GetProperty("errors").GetProperty("device")[0].GetString());
    }

    [Fact]
    public async Task A_queued_run_can_be_removed_and_a_running_one_stopped_keeping_its_epochs()
    {
        using var gate = new EpochGate(1);
        await using var factory = new DashboardFactory(Data.Path, Runs.Path, gate);
        var client = factory.CreateClient();
        var running = await (await client.PostAsJsonAsync("/api/runs", Tiny(epochs: 5))).Content.ReadFromJsonAsync<RunRecord>(Json);
        var queued = await (await client.PostAsJsonAsync("/api/runs", Tiny())).Content.ReadFromJsonAsync<RunRecord>(Json);
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, factory.Services.GetRequiredService<Dashboard.Server.Runs.RunService>().Get(queued!.Id)!.QueuePosition);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/runs/{queued.Id}/stop", null)).StatusCode);
        Assert.Equal(RunStatus.Cancelled, (await factory.WaitFinished(queued.Id)).Status);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/runs/{running!.Id}/stop", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/runs/{running.Id}/stop", null)).StatusCode);
        gate.Release();
        var stopped = await factory.WaitFinished(running.Id);
        Assert.Equal(RunStatus.Cancelled, stopped.Status);
        Assert.Equal([1], stopped.Epochs.Select(e => e.Epoch));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/runs/{running.Id}/stop", null)).StatusCode);
    }

    [Fact]
    public async Task Deleting_a_run_removes_it_and_its_checkpoint_and_an_active_run_cannot_be_deleted()
    {
        var run = await Create(Tiny());
        await Factory.WaitFinished(run.Id);
        var folder = Path.Combine(Runs.Path, run.Id.ToString());
        Assert.True(Directory.Exists(folder));

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/runs/{run.Id}")).StatusCode);
        Assert.False(Directory.Exists(folder));
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/runs/{run.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync($"/api/runs/{run.Id}")).StatusCode);

        using var gate = new EpochGate(1);
        await using var factory = new DashboardFactory(Data.Path, Runs.Path, gate);
        var client = factory.CreateClient();
        var active = await (await client.PostAsJsonAsync("/api/runs", Tiny())).Content.ReadFromJsonAsync<RunRecord>(Json);
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync($"/api/runs/{active!.Id}")).StatusCode);
        gate.Release();
        await factory.WaitFinished(active.Id);
    }

    [Fact]
    public async Task Runs_survive_a_restart_and_a_run_that_was_training_comes_back_interrupted_with_its_epochs()
    {
        var completed = await Create(Tiny(epochs: 2));
        await Factory.WaitFinished(completed.Id);

        int interruptedId;
        using (var gate = new EpochGate(2))
        {
            await using var first = new DashboardFactory(Data.Path, Runs.Path, gate);
            var client = first.CreateClient();
            interruptedId = (await (await client.PostAsJsonAsync("/api/runs", Tiny(epochs: 5))).Content.ReadFromJsonAsync<RunRecord>(Json))!.Id;
            Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));
            // Shut the host down while the run is held mid-training; let it go once shutdown has begun.
            first.Services.GetRequiredService<Dashboard.Server.Training.RunQueue>().ShuttingDown.Register(gate.Release);
            await first.DisposeAsync();
        }

        await using var restarted = new DashboardFactory(Data.Path, Runs.Path);
        var after = restarted.CreateClient();
        var interrupted = await after.GetFromJsonAsync<RunRecord>($"/api/runs/{interruptedId}", Json);
        Assert.Equal(RunStatus.Interrupted, interrupted!.Status);
        Assert.Equal([1, 2], interrupted.Epochs.Select(e => e.Epoch));
        var kept = await after.GetFromJsonAsync<RunRecord>($"/api/runs/{completed.Id}", Json);
        Assert.Equal(RunStatus.Completed, kept!.Status);
        Assert.Equal(2, kept.Epochs.Count);
        Assert.NotNull(kept.Test);
    }
}
