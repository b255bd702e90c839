using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Cli;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Dashboard.IntegrationTests;

/// <summary>The hub through npm's @microsoft/signalr run by Node: the client any teammate's script would use.</summary>
public sealed class SignalRTests : IDisposable
{
    private static readonly string ClientModules = Path.GetFullPath(Path.Combine(
        AppContext.BaseDirectory, "..", "..", "..", "..", "..", "Dashboard.Client", "node_modules"));

    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Node", "follow-run.js");

    private readonly TempFolder _data = new();
    private readonly TempFolder _runs = new();

    private sealed class Follower : IDisposable
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _followed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Follower(string baseUrl, int runId)
        {
            _process = Process.Start(new ProcessStartInfo("node", [Script, baseUrl, runId.ToString(), ClientModules])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }
                using var line = JsonDocument.Parse(e.Data);
                Messages.Add((line.RootElement.GetProperty("type").GetString()!, line.RootElement.GetProperty("data").Clone()));
                if (Messages[^1].Type == "Followed")
                {
                    _followed.TrySetResult();
                }
            };
            _process.BeginOutputReadLine();
        }

        public List<(string Type, JsonElement Data)> Messages { get; } = [];

        public Task Followed => _followed.Task.WaitAsync(TimeSpan.FromMinutes(1));

        public async Task<string> Finished()
        {
            var error = _process.StandardError.ReadToEndAsync();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(_process.ExitCode == 0, await error);
            return await error;
        }

        /// <summary>The per-epoch series as this client saw it: history first, then live epochs.</summary>
        public List<EpochMetrics> Series()
        {
            var series = new List<EpochMetrics>();
            foreach (var (type, data) in Messages)
            {
                if (type == "RunHistory")
                {
                    series.AddRange(data.GetProperty("epochs").Deserialize<List<EpochMetrics>>(RunsApiTests.Json)!);
                }
                else if (type == "EpochCompleted")
                {
                    series.Add(data.GetProperty("metrics").Deserialize<EpochMetrics>(RunsApiTests.Json)!);
                }
            }
            return series;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
            _process.Dispose();
        }
    }

    public SignalRTests() => SyntheticData.WriteMnistLike(_data.Path, train: 200, test: 20);

    [Fact]
    public async Task Node_clients_that_follow_from_the_start_and_after_epoch_2_get_the_same_full_series()
    {
        using var gate = new EpochGate(2);
        await using var factory = new DashboardFactory(_data.Path, _runs.Path, gate);
        factory.UseKestrel(0);
        factory.StartServer();
        var baseUrl = factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        var client = factory.CreateClient();

        var run = (await (await client.PostAsJsonAsync("/api/runs", RunsApiTests.Tiny(epochs: 5))).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!;
        using var early = new Follower(baseUrl, run.Id);
        await early.Followed;
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));

        using var late = new Follower(baseUrl, run.Id);
        await late.Followed;
        // The .NET client, as the follow verb uses it, joins at the same moment as the late Node client.
        var followOutput = new WatchedWriter();
        var followError = new StringWriter();
        var follow = Task.Run(() => FollowCommand.Run(["--server", baseUrl, "--run", run.Id.ToString()], followOutput, followError));
        await followOutput.Seen("epoch 2/5:");
        gate.Release();
        await early.Finished();
        await late.Finished();
        Assert.True(await follow.WaitAsync(TimeSpan.FromMinutes(2)) == 0, followError.ToString());

        var final = await factory.WaitFinished(run.Id);
        Assert.Equal(RunStatus.Completed, final.Status);
        Assert.Equal([1, 2, 3, 4, 5], final.Epochs.Select(e => e.Epoch));
        Assert.Equal(final.Epochs, early.Series());
        Assert.Equal(final.Epochs, late.Series());
        // Each live epoch's last HealthSampled message held the health stored with it (the late client saw epochs 3-5 live).
        var sampled = late.Messages.Where(m => m.Type == "HealthSampled").Select(m => m.Data.Deserialize<RunHealth>(RunsApiTests.Json)!).ToList();
        Assert.All(sampled, h => Assert.Equal(run.Id, h.RunId));
        Assert.All(final.Epochs.Skip(2), e => Assert.Equal(e.Health, sampled.Last(h => h.Sample.Epoch == e.Epoch).Sample.Health));
        var expected = new StringWriter();
        var console = new ConsoleProgress(expected, 5, interactive: false);
        final.Epochs.ToList().ForEach(console.OnEpoch);
        Assert.Equal(EpochLines(expected.ToString()), EpochLines(followOutput.ToString()));
        Assert.Contains($"run #{run.Id} completed", followOutput.ToString());

        // The late client joined while training was held after epoch 2: epochs 3-5 reached it live.
        var live = late.Messages.Where(m => m.Type == "EpochCompleted").Select(m => m.Data.GetProperty("metrics").GetProperty("epoch").GetInt32());
        Assert.Equal([3, 4, 5], live.TakeLast(3));
        Assert.Equal("RunCompleted", late.Messages[^1].Type);
        Assert.Equal(20, late.Messages[^1].Data.GetProperty("test").GetProperty("images").GetInt32());
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Node_and_the_follow_verb_follow_a_run_at_the_name_they_were_given(string name)
    {
        using var gate = new EpochGate(1);
        await using var factory = new DashboardFactory(_data.Path, _runs.Path, gate);
        factory.UseKestrel(0);
        factory.StartServer();
        // The Host these clients send is the name typed; the server's host filtering must know it.
        var baseUrl = $"http://{name}:{factory.ClientOptions.BaseAddress.Port}";
        var run = (await (await factory.CreateClient().PostAsJsonAsync("/api/runs", RunsApiTests.Tiny(epochs: 2))).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!;
        using var node = new Follower(baseUrl, run.Id);
        await node.Followed;
        var followOutput = new WatchedWriter();
        var followError = new StringWriter();
        var follow = Task.Run(() => FollowCommand.Run(["--server", baseUrl, "--run", run.Id.ToString()], followOutput, followError));
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));
        await followOutput.Seen("epoch 1/2:");
        gate.Release();
        await node.Finished();
        Assert.True(await follow.WaitAsync(TimeSpan.FromMinutes(2)) == 0, followError.ToString());
        var final = await factory.WaitFinished(run.Id);
        Assert.Equal(final.Epochs, node.Series());
        Assert.Contains($"run #{run.Id} completed", followOutput.ToString());
    }

    private static string[] EpochLines(string text) =>
        [.. text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^epoch \d+/\d+: "))];

    /// <summary>Output that another thread writes lines to, and that says when a line with some text has come.</summary>
    private sealed class WatchedWriter : StringWriter
    {
        private readonly Lock _lock = new();
        private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];

        public override void WriteLine(string? value)
        {
            lock (_lock)
            {
                base.WriteLine(value);
                _waits.Where(w => value?.Contains(w.Text) == true).ToList().ForEach(w => w.Seen.TrySetResult());
            }
        }

        public Task Seen(string text)
        {
            lock (_lock)
            {
                var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (base.ToString().Contains(text))
                {
                    seen.SetResult();
                }
                _waits.Add((text, seen));
                return seen.Task.WaitAsync(TimeSpan.FromMinutes(1));
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return base.ToString();
            }
        }
    }

    [Fact]
    public async Task A_follower_gets_the_health_alerts_of_a_run_whose_rate_is_too_high_each_as_its_own_message()
    {
        using var data = new TempFolder();
        SyntheticData.WriteMnistLike(data.Path, train: 640, test: 20);
        using var gate = new EpochGate(1);
        await using var factory = new DashboardFactory(data.Path, _runs.Path, gate);
        factory.UseKestrel(0);
        factory.StartServer();
        // Measured on every batch, SGD at 0.5 makes this network's gradients explode in epoch 1 and its loss diverge in epoch 2.
        var run = await RunsApiTests.Create(factory.CreateClient(),
            new { model = "mlp", optimizer = "sgd", learningRate = 0.5, batchSize = 32, epochs = 3, validationFraction = 0, healthEvery = 1, device = "cpu" });
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));
        using var follower = new Follower(factory.ClientOptions.BaseAddress.ToString().TrimEnd('/'), run.Id);
        await follower.Followed;
        gate.Release();
        await follower.Finished();

        var alerts = follower.Messages.Where(m => m.Type == "HealthAlert").Select(m => m.Data.Deserialize<RunAlert>(RunsApiTests.Json)!).ToList();
        Assert.All(alerts, a => Assert.Equal((run.Id, 2), (a.RunId, a.Alert.Epoch)));
        Assert.Equal([HealthAlertKind.ExplodingGradient, HealthAlertKind.NonFiniteLoss], alerts.Select(a => a.Alert.Kind));
        var sampled = follower.Messages.Where(m => m.Type == "HealthSampled").Select(m => m.Data.Deserialize<RunHealth>(RunsApiTests.Json)!).ToList();
        Assert.Equal(alerts.Select(a => a.Alert), sampled.SelectMany(h => h.Sample.NewAlerts));
        Assert.Equal("RunFailed", follower.Messages[^1].Type);
        var failed = follower.Messages[^1].Data.Deserialize<RunRecord>(RunsApiTests.Json)!;
        Assert.Equal(RunStatus.Diverged, failed.Status);
        Assert.Contains("Exploding gradient", failed.Error);
        // Epoch 1's health (with its own exploding alert) is stored with it.
        Assert.Contains(failed.Epochs[0].Health!.Alerts, a => a.Kind == HealthAlertKind.ExplodingGradient);
    }

    [Fact]
    public async Task A_late_follower_gets_every_step_once_from_the_api_then_the_hub_and_the_steps_add_up_to_each_epoch()
    {
        using var data = new TempFolder();
        SyntheticData.WriteMnistLike(data.Path, train: 640, test: 20);
        using var gate = new EpochGate(1);
        await using var factory = new DashboardFactory(data.Path, _runs.Path, gate);
        factory.UseKestrel(0);
        factory.StartServer();
        var client = factory.CreateClient();
        // 576 training images in 18 batches of 32 an epoch.
        var run = await RunsApiTests.Create(client,
            new { model = "mlp", optimizer = "sgd", learningRate = 0.05, batchSize = 32, epochs = 3, validationFraction = 0.1, device = "cpu" });
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));
        using var follower = new Follower(factory.ClientOptions.BaseAddress.ToString().TrimEnd('/'), run.Id);
        await follower.Followed;
        var history = (await client.GetFromJsonAsync<StepHistory>($"/api/runs/{run.Id}/steps", RunsApiTests.Json))!;
        gate.Release();
        await follower.Finished();

        var stored = (await client.GetFromJsonAsync<StepHistory>($"/api/runs/{run.Id}/steps", RunsApiTests.Json))!;
        var steps = stored.Steps;
        Assert.Equal(steps.Count, stored.Total);
        Assert.Equal(3 * 18, steps[^1].Step);
        Assert.True(steps.Zip(steps.Skip(1)).All(p => p.Second.Step > p.First.Step && p.Second.Seconds >= p.First.Seconds), "steps and seconds increase");
        Assert.Equal(18, history.Steps[^1].Step);
        // What the follower had: the history, then the live points; together, every stored step once.
        var live = follower.Messages.Where(m => m.Type == "StepsAdded").SelectMany(m => m.Data.Deserialize<RunSteps>(RunsApiTests.Json)!.Steps).ToList();
        Assert.Equal(steps, history.Steps.Concat(live).DistinctBy(s => s.Step).OrderBy(s => s.Step));

        var finished = (await client.GetFromJsonAsync<RunRecord>($"/api/runs/{run.Id}", RunsApiTests.Json))!;
        foreach (var epoch in finished.Epochs)
        {
            // Full batches: an epoch's training loss is its calls' losses weighted by their batches.
            var calls = steps.Where(s => s.Epoch == epoch.Epoch).ToList();
            Assert.Equal(epoch.Epoch * 18, calls[^1].Step);
            var batches = calls.Select((s, i) => s.Step - (i == 0 ? (epoch.Epoch - 1) * 18 : calls[i - 1].Step)).ToList();
            Assert.Equal(epoch.TrainLoss, calls.Zip(batches).Sum(c => c.First.Loss * c.Second) / 18, 1e-9);
            Assert.Equal(epoch.TrainAccuracy, calls.Zip(batches).Sum(c => c.First.Accuracy * c.Second) / 18, 1e-9);
        }

        var few = (await client.GetFromJsonAsync<StepHistory>($"/api/runs/{run.Id}/steps?points=5", RunsApiTests.Json))!;
        Assert.Equal(5, few.Steps.Count);
        Assert.Equal((steps[0], steps[^1]), (few.Steps[0], few.Steps[^1]));
        Assert.All(few.Steps, s => Assert.Contains(s, steps));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await client.GetAsync($"/api/runs/{run.Id}/steps?points=1")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/api/runs/999/steps")).StatusCode);
    }

    [Fact]
    public async Task Following_an_unknown_run_answers_false_and_sends_nothing()
    {
        await using var factory = new DashboardFactory(_data.Path, _runs.Path);
        factory.UseKestrel(0);
        factory.StartServer();
        using var follower = new Follower(factory.ClientOptions.BaseAddress.ToString().TrimEnd('/'), 999);
        await follower.Finished();
        var (type, data) = Assert.Single(follower.Messages);
        Assert.Equal("Followed", type);
        Assert.False(data.GetBoolean());
    }

    [Fact]
    public async Task Hub_calls_with_wrong_types_unknown_ids_or_unknown_methods_are_refused_and_the_connection_lives_on()
    {
        await using var factory = new DashboardFactory(_data.Path, _runs.Path);
        factory.UseKestrel(0);
        factory.StartServer();
        using var node = Process.Start(new ProcessStartInfo("node",
            [Path.Combine(AppContext.BaseDirectory, "Node", "hub-bad-input.js"), factory.ClientOptions.BaseAddress.ToString().TrimEnd('/'), ClientModules])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(node.ExitCode == 0, await node.StandardError.ReadToEndAsync());
        using var report = JsonDocument.Parse(output);
        Assert.True(report.RootElement.GetProperty("alive").GetBoolean());
        var results = report.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(10, results.Count);
        // Ids that cannot be a run answer false; malformed calls are refused; none takes the connection down.
        Assert.All(results.Where(r => r.TryGetProperty("answered", out var a) && a.ValueKind is JsonValueKind.True), r => Assert.Fail(r.ToString()));
        Assert.Contains(results, r => r.TryGetProperty("refused", out _) && r.GetProperty("method").GetString() == "NoSuchMethod");
        Assert.Contains(results, r => r.TryGetProperty("refused", out _) && r.GetProperty("args")[0].ValueKind == JsonValueKind.String);
    }

    public void Dispose()
    {
        _data.Dispose();
        _runs.Dispose();
    }
}
