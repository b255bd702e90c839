using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Training;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Sweeps;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.IntegrationTests;

/// <summary>Sweeps through the API on tiny data: trials are runs, ASHA prunes, a grid trains each point once, and a sweep survives a restart.</summary>
public sealed class SweepsApiTests() : ApiTestBase(train: 200, test: 50)
{
    private static readonly JsonSerializerOptions Json = RunsApiTests.Json;

    private static object Base(int epochs) =>
        new { model = "logreg", epochs, batchSize = 20, optimizer = "sgd", learningRate = 0.05, device = "cpu", healthEvery = 0 };

    private static async Task<SweepRecord> Create(HttpClient client, object sweep)
    {
        var response = await client.PostAsJsonAsync("/api/sweeps", sweep);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var record = JsonSerializer.Deserialize<SweepRecord>(body, Json)!;
        Assert.Equal($"/api/sweeps/{record.Id}", response.Headers.Location!.ToString());
        return record;
    }

    /// <summary>The most runs queued or training at once, as the run service has them whenever one is queued.</summary>
    private sealed class ActiveRuns : IRunListener
    {
        public Func<int>? Count { get; set; }
        public int Most;

        public void OnQueued(RunRecord run)
        {
            lock (this)
            {
                Most = Math.Max(Most, Count!());
            }
        }
    }

    [Fact]
    public async Task A_random_sweep_with_asha_runs_its_trials_as_runs_two_at_a_time_and_prunes_the_ones_behind()
    {
        var counter = new ActiveRuns();
        await using var factory = new Dashboard.Tests.Support.DashboardFactory(Data.Path, Runs.Path, counter);
        var client = factory.CreateClient();
        counter.Count = () => factory.Services.GetRequiredService<Dashboard.Server.Runs.IRunControl>().Active().Count;
        var created = await Create(client, new
        {
            @base = Base(epochs: 4), method = "random", trials = 8, parallel = 2, seed = 3,
            space = new { learningRate = new { distribution = "log-uniform", min = 1e-4, max = 1.0 }, batchSize = new { values = new[] { 10, 20, 40 } } },
            metric = new { name = "validationAccuracy", goal = "maximize" },
            earlyStopping = new { type = "asha", eta = 2, minEpochs = 1 },
        });
        Assert.Equal(8, created.Budget);
        var sweep = await factory.WaitSweep(created.Id);

        Assert.Equal(SweepStatus.Completed, sweep.Status);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], sweep.Trials.Select(t => t.Number));
        Assert.Equal(2, counter.Most);
        Assert.Contains(sweep.Trials, t => t.Status == RunStatus.Pruned);
        Assert.Contains(sweep.Trials, t => t.Status == RunStatus.Completed);
        foreach (var trial in sweep.Trials)
        {
            var run = (await client.GetFromJsonAsync<RunRecord>($"/api/runs/{trial.RunId}", Json))!;
            // Each trial is an ordinary run of the base with its parameters.
            Assert.Equal(trial.Parameters["learningRate"].GetDouble(), run.Config.LearningRate);
            Assert.Equal(trial.Parameters["batchSize"].GetInt32(), run.Config.BatchSize);
            Assert.Equal(("logreg", 4), (run.Config.Model, run.Config.Epochs));
            Assert.Equal(trial.Status, run.Status);
            if (trial.Status == RunStatus.Pruned)
            {
                // Stopped at the rung it fell behind at, before training another epoch, keeping its checkpoint.
                Assert.False(trial.Rungs[^1].Promoted);
                Assert.Equal(trial.Rungs[^1].Epoch, run.Epochs.Count);
                Assert.True(run.HasCheckpoint);
                Assert.All(trial.Rungs.SkipLast(1), r => Assert.True(r.Promoted));
            }
            else
            {
                Assert.Equal(4, run.Epochs.Count);
                Assert.All(trial.Rungs, r => Assert.True(r.Promoted));
                Assert.Equal([1, 2], trial.Rungs.Select(r => r.Epoch));
            }
            Assert.Equal(run.Epochs.Select(e => e.ValidationAccuracy), trial.Curve);
        }
        var best = sweep.Trials.Where(t => t.Status == RunStatus.Completed).MaxBy(t => t.Metric)!;
        Assert.Equal(best.Number, sweep.Best!.Number);
        Assert.True(sweep.Trials.Sum(t => t.EpochsTrained) < 8 * 4);
        // The first trial to reach a rung always goes on.
        Assert.True(sweep.Trials[0].Rungs[0].Promoted);
    }

    [Fact]
    public async Task A_grid_sweep_trains_each_grid_point_once()
    {
        var created = await Create(Client, new
        {
            @base = Base(epochs: 1), method = "grid", parallel = 3,
            space = new { learningRate = new { values = new[] { 0.01, 0.1 } }, optimizer = new { values = new[] { "sgd", "adam" } }, epochs = new { distribution = "int-uniform", min = 1, max = 2 } },
        });
        Assert.Equal(8, created.Budget);
        var sweep = await Factory.WaitSweep(created.Id);
        Assert.Equal(SweepStatus.Completed, sweep.Status);
        var points = sweep.Trials.Select(t => (t.Parameters["learningRate"].GetDouble(), t.Parameters["optimizer"].GetString(), t.Parameters["epochs"].GetInt32())).ToList();
        Assert.Equal(8, points.Distinct().Count());
        Assert.Equal(from lr in new[] { 0.01, 0.1 } from o in new[] { "sgd", "adam" } from e in new[] { 1, 2 } select (lr, o, e), points);
        Assert.All(sweep.Trials, t => Assert.Equal((RunStatus.Completed, t.Parameters["epochs"].GetInt32()), (t.Status, t.EpochsTrained)));
        var list = await Client.GetFromJsonAsync<List<SweepRecord>>("/api/sweeps", Json);
        Assert.Equal(created.Id, Assert.Single(list!).Id);
    }

    [Fact]
    public async Task A_sweep_that_cannot_run_is_refused_with_its_problems_by_field_and_unknown_sweeps_are_404()
    {
        var response = await Client.PostAsJsonAsync("/api/sweeps", new
        {
            @base = new { model = "nope" }, method = "random",
            space = new { learningRate = new { distribution = "log-uniform", min = 0, max = 1 }, wings = new { values = new[] { 2 } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("errors");
        Assert.Equal(["base.model", "space.learningRate", "space.wings", "trials"], errors.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.PostAsync("/api/sweeps", new StringContent("{ \"method\": \"sideways\" }", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/sweeps/99")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.PostAsync("/api/sweeps/99/stop", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync("/api/sweeps/99")).StatusCode);
        Assert.Empty((await Client.GetFromJsonAsync<List<RunRecord>>("/api/runs", Json))!);
    }

    [Fact]
    public async Task A_stopped_sweep_keeps_its_trials_resumes_to_its_budget_and_is_deleted_with_its_runs()
    {
        using var gate = new Dashboard.Tests.Support.EpochGate(1);
        await using var factory = new Dashboard.Tests.Support.DashboardFactory(Data.Path, Runs.Path, gate);
        var client = factory.CreateClient();
        var created = await Create(client, new
        {
            @base = Base(epochs: 2), method = "tpe", trials = 3, parallel = 1,
            space = new { learningRate = new { distribution = "log-uniform", min = 1e-3, max = 0.5 } },
        });
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(2)));
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync($"/api/sweeps/{created.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/sweeps/{created.Id}/stop", null)).StatusCode);
        gate.Release();
        var stopped = await factory.WaitSweep(created.Id, s => s.Trials.All(t => !t.Status.IsActive()));
        Assert.Equal(SweepStatus.Stopped, stopped.Status);
        Assert.Equal(RunStatus.Cancelled, Assert.Single(stopped.Trials).Status);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/sweeps/{created.Id}/resume", null)).StatusCode);
        var done = await factory.WaitSweep(created.Id);
        Assert.Equal(SweepStatus.Completed, done.Status);
        Assert.Equal(3, done.Trials.Count);
        Assert.All(done.Trials, t => Assert.Equal((RunStatus.Completed, 2), (t.Status, t.EpochsTrained)));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/sweeps/{created.Id}/resume", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/sweeps/{created.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/sweeps/{created.Id}")).StatusCode);
        Assert.All(done.Trials, t => Assert.False(Directory.Exists(Path.Combine(Runs.Path, t.RunId.ToString()))));
        Assert.Empty((await client.GetFromJsonAsync<List<RunRecord>>("/api/runs", Json))!);
    }

    [Fact]
    public async Task A_sweep_goes_on_after_the_server_restarts_resuming_the_trial_it_interrupted()
    {
        int sweepId, interrupted;
        using (var gate = new Dashboard.Tests.Support.EpochGate(1))
        {
            await using var first = new Dashboard.Tests.Support.DashboardFactory(Data.Path, Runs.Path, gate);
            var created = await Create(first.CreateClient(), new
            {
                @base = Base(epochs: 3), method = "random", trials = 3, parallel = 1,
                space = new { learningRate = new { distribution = "log-uniform", min = 1e-2, max = 0.2 } },
            });
            (sweepId, interrupted) = (created.Id, created.Trials[0].RunId);
            Assert.True(gate.WaitReached(TimeSpan.FromMinutes(2)));
            first.Services.GetRequiredService<RunQueue>().ShuttingDown.Register(gate.Release);
            await first.DisposeAsync();
        }

        await using var restarted = new Dashboard.Tests.Support.DashboardFactory(Data.Path, Runs.Path);
        var sweep = await restarted.WaitSweep(sweepId);
        Assert.Equal(SweepStatus.Completed, sweep.Status);
        Assert.Equal(3, sweep.Trials.Count);
        Assert.Equal(interrupted, sweep.Trials[0].RunId);
        Assert.All(sweep.Trials, t => Assert.Equal((RunStatus.Completed, 3), (t.Status, t.EpochsTrained)));
        Assert.Equal(3, (await restarted.CreateClient().GetFromJsonAsync<List<RunRecord>>("/api/runs", Json))!.Count);
    }
}
