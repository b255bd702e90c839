using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Dashboard.Server.Team;
using Dashboard.Server.Training;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Dashboard.IntegrationTests;

/// <summary>A configuration's plan, as a front-end makes it when a run is created.</summary>
internal static class Plans
{
    public static RunPlan Of(RunConfig config) => new(config, RunValidation.ResolveLayers(config)!);
}

public sealed class TeamStoreTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly RunConfig Cpu = new() { Model = "logreg", Device = "cpu" };

    [Fact]
    public void Twenty_queued_runs_claimed_by_four_concurrent_trainers_are_each_taken_exactly_once_in_arrival_order_per_trainer()
    {
        using var store = new TeamStore(postgres.NewDatabase());
        var ids = Enumerable.Range(0, 20).Select(_ => store.Enqueue(Plans.Of(Cpu)).Id).ToList();
        // Each trainer's claims in the order it made them.
        var taken = new List<int>[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            taken[t] = [];
            while (store.Claim($"trainer-{t}", [RunPlan.AnyDevice], Lease) is { } claim)
            {
                taken[t].Add(claim.Run.Id);
            }
        });

        Assert.Equal(ids, taken.SelectMany(t => t).Order());
        // The queue hands out the oldest run first: each trainer's runs come in increasing order.
        Assert.All(taken, mine => Assert.Equal(mine.Order(), mine));
        Assert.All(ids, id => Assert.Equal(RunStatus.Running, store.Get(id)!.Status));
    }

    [Fact]
    public void A_cuda_run_is_taken_only_by_a_trainer_with_cuda()
    {
        using var store = new TeamStore(postgres.NewDatabase());
        var gpu = store.Enqueue(Plans.Of(Cpu with { Device = "cuda" }));
        var cpu = store.Enqueue(Plans.Of(Cpu));

        Assert.Equal(cpu.Id, store.Claim("cpu-host", [RunPlan.AnyDevice], Lease)!.Run.Id);
        Assert.Null(store.Claim("cpu-host", [RunPlan.AnyDevice], Lease));
        Assert.Equal(gpu.Id, store.Claim("gpu-host", [RunPlan.AnyDevice, "cuda"], Lease)!.Run.Id);
    }

    [Fact]
    public void After_a_lease_expires_and_another_trainer_takes_the_run_every_write_of_the_first_is_refused()
    {
        using var store = new TeamStore(postgres.NewDatabase());
        var run = store.Enqueue(Plans.Of(Cpu with { Epochs = 3 }));
        var first = store.Claim("a", [RunPlan.AnyDevice], TimeSpan.FromMilliseconds(300))!;
        store.SaveEpoch(first, Epoch(1));
        store.SaveFiles(first, 1, [("model.pt", [1, 2, 3])]);
        store.SaveEpoch(first, Epoch(2)); // after the checkpoint: the next holder redoes it

        // The lease runs out (nobody renews it); the first trainer to look puts the run back in the queue.
        var requeued = Eventually(() => store.RequeueExpired(maxLosses: 3));
        Assert.Equal([run.Id], requeued);
        var second = store.Claim("b", [RunPlan.AnyDevice], Lease)!;
        Assert.Equal((run.Id, 2, 1), (second.Run.Id, second.Attempt, second.CheckpointEpochs));
        Assert.Equal([1], second.Run.Epochs.Select(e => e.Epoch)); // epoch 2 had no checkpoint: dropped

        Assert.Equal(LeaseState.Lost, store.Renew(first, Lease));
        Assert.Throws<LeaseLostException>(() => store.SaveEpoch(first, Epoch(2)));
        Assert.Throws<LeaseLostException>(() => store.SaveFiles(first, 2, [("model.pt", [9])]));
        Assert.Throws<LeaseLostException>(() => store.Finish(first, RunStatus.Completed, null, null));
        Assert.Throws<LeaseLostException>(() => store.Release(first));

        store.SaveEpoch(second, Epoch(2));
        store.SaveEpoch(second, Epoch(3));
        store.Finish(second, RunStatus.Completed, null, null);
        Assert.Equal([(1, 1), (2, 2), (3, 2)], store.EpochWriters(run.Id));
        Assert.Equal([1, 2, 3], store.Files(run.Id).Single().Content);
        Assert.Equal(RunStatus.Completed, store.Get(run.Id)!.Status);
    }

    [Fact]
    public void A_trainer_frozen_inside_a_write_holds_its_run_no_longer_than_its_lease_and_its_write_is_rolled_back()
    {
        var database = postgres.NewDatabase();
        using var store = new TeamStore(database);
        var run = store.Enqueue(Plans.Of(Cpu));
        var lease = TimeSpan.FromSeconds(1);
        var frozen = store.Claim("frozen", [RunPlan.AnyDevice], lease)!;
        // What a trainer's fenced write holds when its process is stopped between locking the run's row and committing.
        using var connection = new NpgsqlConnection(TeamStore.ForTrainer(database, lease));
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using (var write = new NpgsqlCommand("UPDATE runs SET error = 'written by the frozen trainer' WHERE id = $1", connection, transaction))
        {
            write.Parameters.AddWithValue(run.Id);
            Assert.Equal(1, write.ExecuteNonQuery());
        }

        // The other trainers' loop is not stalled by the lock, and the run goes back to the queue once the database has
        // ended the frozen session.
        Assert.Equal([run.Id], Eventually(() => store.RequeueExpired(maxLosses: 3)));
        Assert.Contains("stopped renewing its lease", store.Get(run.Id)!.Error);
        Assert.Equal((run.Id, 2), store.Claim("other", [RunPlan.AnyDevice], Lease) is { } taken ? (taken.Run.Id, taken.Attempt) : default);

        // The frozen trainer wakes: its transaction is gone and what it wrote with it; its next writes are refused.
        var woken = Assert.ThrowsAny<NpgsqlException>(() => transaction.Commit());
        Assert.True(TeamStore.IsFault(woken), woken.ToString());
        Assert.Throws<LeaseLostException>(() => store.SaveEpoch(frozen, Epoch(1)));
    }

    [Fact]
    public void A_run_whose_trainers_keep_dying_becomes_lost_after_the_limit()
    {
        using var store = new TeamStore(postgres.NewDatabase());
        var run = store.Enqueue(Plans.Of(Cpu));
        for (var loss = 1; loss <= 2; loss++)
        {
            store.Claim($"host-{loss}", [RunPlan.AnyDevice], TimeSpan.FromMilliseconds(200));
            Assert.Equal([run.Id], Eventually(() => store.RequeueExpired(maxLosses: 2)));
        }
        var lost = store.Get(run.Id)!;
        Assert.Equal(RunStatus.Lost, lost.Status);
        Assert.Contains("stopped renewing its lease (attempt 2)", lost.Error);
        Assert.Null(store.Claim("host-3", [RunPlan.AnyDevice], Lease));
    }

    [Fact]
    public void Stop_cancels_a_queued_run_at_once_and_reaches_a_running_one_through_its_next_renewal()
    {
        using var store = new TeamStore(postgres.NewDatabase());
        var running = store.Enqueue(Plans.Of(Cpu));
        var queued = store.Enqueue(Plans.Of(Cpu));
        var claim = store.Claim("a", [RunPlan.AnyDevice], Lease)!;

        Assert.True(store.RequestStop(queued.Id));
        Assert.Equal(RunStatus.Cancelled, store.Get(queued.Id)!.Status);
        Assert.True(store.RequestStop(running.Id));
        Assert.Equal(LeaseState.StopRequested, store.Renew(claim, Lease));
        Assert.False(store.RequestStop(queued.Id)); // no longer active
        Assert.False(store.RequestStop(999));
    }

    [Fact]
    public void A_trainer_registers_reports_its_run_and_is_asked_to_drain_until_it_starts_again()
    {
        using var store = new TeamStore(postgres.NewDatabase());
        Assert.False(store.Heartbeat("gpu-1", [RunPlan.AnyDevice, "cuda"], "2.11.0", "idle", null, null, starting: true));
        Assert.True(store.RequestDrain("gpu-1"));
        Assert.False(store.RequestDrain("nobody"));
        var progress = new BatchProgress(1, 5, 10, 0.5, 0.8, 1000, 2);
        Assert.True(store.Heartbeat("gpu-1", [RunPlan.AnyDevice, "cuda"], "2.11.0", "training", 7, progress));

        var trainer = Assert.Single(store.Trainers());
        Assert.Equal(("gpu-1", "training", 7, 5), (trainer.Name, trainer.State, trainer.RunId, trainer.Progress!.Batch));
        Assert.Equal(["any", "cuda"], trainer.Devices);
        Assert.False(store.Heartbeat("gpu-1", [RunPlan.AnyDevice], "2.11.0", "idle", null, null, starting: true));
    }

    private static EpochMetrics Epoch(int epoch) => new(epoch, 1.0 / epoch, 0.5, null, null, 1, 100, 0.001, DateTimeOffset.UtcNow);

    /// <summary>Polls until <paramref name="read"/> gives a non-empty list (a lease is a span of the database's time).</summary>
    private static IReadOnlyList<int> Eventually(Func<IReadOnlyList<int>> read)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (read() is { Count: > 0 } found)
            {
                return found;
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException("Nothing turned up within 30 s.");
    }
}

/// <summary>Real trainer processes (<c>dotnet Dashboard.Server.dll trainer</c>) sharing one PostgreSQL queue, killed and paused.</summary>
public sealed class TrainerProcessTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TempFolder _data = new();
    private readonly List<ServerProcess> _trainers = [];

    // Epochs of a second or so on two cores, so a trainer can be stopped in the middle of a run.
    private static readonly RunConfig Config = new() { Model = "cnn-bn", Epochs = 6, BatchSize = 32, TestLimit = 100, Device = "cpu", ValidationFraction = 0.1 };

    [Fact]
    public void A_run_whose_trainer_is_killed_mid_epoch_is_resumed_by_another_from_its_last_checkpoint_with_each_epoch_stored_once()
    {
        var database = postgres.NewDatabase();
        using var store = new TeamStore(database);
        var first = Start(database, "first");
        var run = store.Enqueue(Plans.Of(Config));
        WaitFor(() => store.Get(run.Id)!.Epochs.Count >= 2, "the first trainer to store two epochs");
        var second = Start(database, "second");
        WaitFor(() => store.Trainers().Any(t => t.Name == "second" && t.State == "idle"), "the second trainer to register");

        first.Kill();
        var killed = Stopwatch.StartNew();
        WaitFor(() => store.Holder(run.Id) == (2, "second"), "the second trainer to take the run over");
        output.WriteLine($"kill -9 to training again on the other trainer: {killed.Elapsed.TotalSeconds:F1} s (lease 2 s, renewed every 0.4 s)");
        WaitFor(() => store.Get(run.Id)!.Status is not (RunStatus.Running or RunStatus.Queued), "the run to end");

        var done = store.Get(run.Id)!;
        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Equal(Enumerable.Range(1, Config.Epochs), done.Epochs.Select(e => e.Epoch));
        var writers = store.EpochWriters(run.Id);
        output.WriteLine($"epochs by attempt: {string.Join(", ", writers.Select(w => $"{w.Epoch}:{w.Attempt}"))}");
        Assert.Equal([1, 2], writers.Select(w => w.Attempt).Distinct().Order());
        Assert.True(done.HasCheckpoint);
        Assert.Contains(store.Files(run.Id), f => f.Name == "model.pt");
        Assert.Contains("queued again", second.Output + first.Output);
    }

    [Fact]
    public void A_trainer_paused_past_its_lease_has_every_write_refused_once_resumed_and_the_run_is_the_new_trainers()
    {
        var database = postgres.NewDatabase();
        using var store = new TeamStore(database);
        var paused = Start(database, "paused");
        var run = store.Enqueue(Plans.Of(Config with { Epochs = 8 }));
        WaitFor(() => store.Get(run.Id)!.Epochs.Count >= 1, "the first trainer to store an epoch");
        var other = Start(database, "other");
        WaitFor(() => store.Trainers().Any(t => t.Name == "other" && t.State == "idle"), "the second trainer to register");

        paused.Signal("STOP");
        WaitFor(() => store.Holder(run.Id) == (2, "other"), "the other trainer to take the run over");
        paused.Signal("CONT");
        WaitFor(() => paused.Output.Contains("the lease is lost"), "the paused trainer to notice");
        WaitFor(() => store.Get(run.Id)!.Status is not (RunStatus.Running or RunStatus.Queued), "the run to end");

        var writers = store.EpochWriters(run.Id);
        output.WriteLine($"epochs by attempt: {string.Join(", ", writers.Select(w => $"{w.Epoch}:{w.Attempt}"))}; the paused trainer said: {paused.Output.Split('\n').FirstOrDefault(l => l.Contains("lease is lost"))}");
        Assert.Equal(RunStatus.Completed, store.Get(run.Id)!.Status);
        Assert.Equal(Enumerable.Range(1, 8), writers.Select(w => w.Epoch));
        // Epochs 1..k are the first attempt's (up to its last checkpoint), k+1..8 the new one's: the resumed trainer added nothing.
        var k = writers.Count(w => w.Attempt == 1);
        Assert.InRange(k, 1, 7);
        Assert.Equal(Enumerable.Repeat(1, k).Concat(Enumerable.Repeat(2, 8 - k)), writers.Select(w => w.Attempt));
        Assert.DoesNotContain("Run " + run.Id + " completed", paused.Output);
        Assert.False(paused.HasExited);
    }

    private ServerProcess Start(string database, string name)
    {
        if (!Directory.Exists(Path.Combine(_data.Path, "mnist")))
        {
            SyntheticData.WriteMnistLike(_data.Path, train: 2500, test: 100);
        }
        var trainer = ServerProcess.Trainer(database, name, _data.Path);
        _trainers.Add(trainer);
        return trainer;
    }

    private void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience)
            {
                throw new TimeoutException($"Waited {Patience.TotalMinutes} minutes for {what}. The trainers said:\n" +
                    string.Join("\n", _trainers.Select(t => $"--- {t.Name}:\n{t.Output}")));
            }
            Thread.Sleep(100);
        }
    }

    public void Dispose()
    {
        foreach (var trainer in _trainers)
        {
            trainer.Dispose();
        }
        _data.Dispose();
    }
}

/// <summary>Two web front-ends (role web) and a trainer process over one PostgreSQL: a run started on one is trained by the trainer and seen on the other.</summary>
public sealed class TeamFrontEndTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_run_started_on_front_end_a_is_trained_by_a_trainer_host_and_followed_predicted_and_downloaded_on_front_end_b()
    {
        await using var team = new FrontEnds(postgres, trainImages: 400, kestrelB: true);
        var (database, data, a, b, clientA, clientB) = (team.Database, team.Data, team.A, team.B, team.ClientA, team.ClientB);

        // A follower on B, connected before the run exists.
        var epochs = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var completed = new TaskCompletionSource<RunRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(b.ClientOptions.BaseAddress, "/hubs/training")).Build();
        hub.On<RunEpoch>("EpochCompleted", e => epochs.Enqueue(e.Metrics.Epoch));
        hub.On<RunRecord>("RunCompleted", r => completed.TrySetResult(r));
        var steps = new System.Collections.Concurrent.ConcurrentQueue<RunSteps>();
        hub.On<RunSteps>("StepsAdded", steps.Enqueue);
        await hub.StartAsync();
        await hub.InvokeAsync("FollowAll");

        var response = await clientA.PostAsJsonAsync("/api/runs", new RunConfig { Model = "logreg", Epochs = 4, BatchSize = 16, Device = "cpu" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var run = (await response.Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!;
        Assert.Equal((RunStatus.Queued, 1), (run.Status, run.QueuePosition));
        Assert.Equal("waiting for a trainer host (none is running)", run.Waiting);

        using var trainer = ServerProcess.Trainer(database, "t1", data.Path);
        var done = await completed.Task.WaitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine($"epochs seen on B: {string.Join(", ", epochs)}");
        Assert.Equal(run.Id, done.Id);
        Assert.Equal([1, 2, 3, 4], epochs);
        Assert.Equal(RunStatus.Completed, (await clientB.GetFromJsonAsync<RunRecord>($"/api/runs/{run.Id}", RunsApiTests.Json))!.Status);
        // No Redis here: B's looks told its followers every stored step point, once and in order, before the run's end.
        using (var store = new TeamStore(database))
        {
            Assert.NotEmpty(store.Steps(run.Id));
            Assert.Equal(store.Steps(run.Id), steps.Where(s => s.RunId == run.Id).SelectMany(s => s.Steps));
            // What a front-end starting mid-run takes as already told.
            Assert.Equal((store.Steps(run.Id)[^1].Step, 0L), (store.LastStep(run.Id), store.LastStep(run.Id + 1)));
        }

        // B has never trained anything: predict and the checkpoint come from the database.
        var predict = await clientB.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { pixels = new double[784] });
        Assert.Equal(HttpStatusCode.OK, predict.StatusCode);
        var checkpoint = await clientB.GetAsync($"/api/runs/{run.Id}/checkpoint");
        Assert.Equal(HttpStatusCode.OK, checkpoint.StatusCode);
        Assert.True((await checkpoint.Content.ReadAsByteArrayAsync()).Length > 1000);
        Assert.Equal(HttpStatusCode.OK, (await clientB.GetAsync($"/api/runs/{run.Id}/confusion/0/0")).StatusCode);
        // Deleting on A removes it for B too.
        Assert.Equal(HttpStatusCode.NoContent, (await clientA.DeleteAsync($"/api/runs/{run.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync($"/api/runs/{run.Id}")).StatusCode);
    }
}

/// <summary>Redis between hosts: hints make a front-end show a run at once; without Redis the next look catches up.</summary>
public sealed class TeamRedisTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task With_redis_a_follower_on_another_front_end_gets_a_run_at_once_and_after_a_redis_restart_the_next_look_catches_up()
    {
        using var redisFolder = new TempFolder();
        var port = PostgresFixture.FreePort();
        var redis = postgres.Run("redis.sh", "start", redisFolder.Path, port.ToString()).Trim();
        try
        {
            // Front-ends look at the store only every 30 s: anything sooner came through Redis.
            await using var team = new FrontEnds(postgres, trainImages: 200, kestrelB: true,
                settings: new() { ["Team:Redis"] = redis, ["Team:WatchSeconds"] = "30" });
            var completed = new System.Collections.Concurrent.ConcurrentQueue<RunRecord>();
            var epochs = new System.Collections.Concurrent.ConcurrentQueue<(int Run, int Epoch)>();
            await using var hub = new HubConnectionBuilder().WithUrl(new Uri(team.B.ClientOptions.BaseAddress, "/hubs/training")).Build();
            hub.On<RunEpoch>("EpochCompleted", e => epochs.Enqueue((e.RunId, e.Metrics.Epoch)));
            hub.On<RunRecord>("RunCompleted", completed.Enqueue);
            var health = new System.Collections.Concurrent.ConcurrentQueue<RunHealth>();
            hub.On<RunHealth>("HealthSampled", health.Enqueue);
            var steps = new System.Collections.Concurrent.ConcurrentQueue<RunSteps>();
            hub.On<RunSteps>("StepsAdded", steps.Enqueue);
            await hub.StartAsync();
            await hub.InvokeAsync("FollowAll");
            using var trainer = new ServerProcess("t", ["trainer"], new()
            {
                ["Team__Postgres"] = team.Database, ["Team__Redis"] = redis, ["Team__TrainerName"] = "t", ["Team__PollSeconds"] = "0.2",
                ["Data__Folder"] = team.Data.Path,
            });
            var config = new RunConfig { Model = "logreg", Epochs = 3, BatchSize = 20, Device = "cpu" };

            var first = (await (await team.ClientA.PostAsJsonAsync("/api/runs", config)).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!;
            var clock = Stopwatch.StartNew();
            await TeamQueueTests.Until(() => completed.Any(r => r.Id == first.Id), "run 1 to complete on front-end B", TimeSpan.FromSeconds(20), trainer);
            output.WriteLine($"run 1 created on A to RunCompleted on B: {clock.Elapsed.TotalSeconds:F1} s (a trainer process starting included)");
            Assert.Equal([1, 2, 3], epochs.Where(e => e.Run == first.Id).Select(e => e.Epoch));
            // The trainer's health samples reached B through Redis; each epoch's last is the health stored with it in PostgreSQL.
            var stored = completed.Single(r => r.Id == first.Id).Epochs;
            Assert.All(stored, e => Assert.Equal(e.Health, health.Last(h => h.RunId == first.Id && h.Sample.Epoch == e.Epoch).Sample.Health));
            using var store = new TeamStore(team.Database);
            // B told its followers every stored step point once, in order (Redis said there were new ones; B read them).
            Assert.Equal(store.Steps(first.Id), steps.Where(s => s.RunId == first.Id).SelectMany(s => s.Steps));

            // Redis goes away: pages keep working, and B's next look catches up on what it missed.
            postgres.Run("redis.sh", "stop", redisFolder.Path);
            Assert.Equal(HttpStatusCode.OK, (await team.ClientB.GetAsync("/runs")).StatusCode);
            var second = (await (await team.ClientA.PostAsJsonAsync("/api/runs", config)).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!;
            await TeamQueueTests.Until(() => store.Get(second.Id)!.Status == RunStatus.Completed, "run 2 to be trained", TimeSpan.FromMinutes(1), trainer);
            postgres.Run("redis.sh", "start", redisFolder.Path, port.ToString());
            await TeamQueueTests.Until(() => completed.Any(r => r.Id == second.Id), "B to catch up on run 2", TimeSpan.FromSeconds(45), trainer);
            Assert.Equal([1, 2, 3], epochs.Where(e => e.Run == second.Id).Select(e => e.Epoch));
            // Every step point trained while Redis was away reached B's followers too, before the run's end: no gap.
            Assert.NotEmpty(store.Steps(second.Id));
            Assert.Equal(store.Steps(second.Id), steps.Where(s => s.RunId == second.Id).SelectMany(s => s.Steps));
        }
        finally
        {
            postgres.Run("redis.sh", "stop", redisFolder.Path);
        }
    }
}

/// <summary>The operator's login on a shared team server, across front-ends.</summary>
public sealed partial class TeamLoginTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_login_form_from_front_end_a_posted_to_b_gives_a_cookie_that_front_end_a_accepts()
    {
        const string token = "team-operator-token";
        await using var team = new FrontEnds(postgres, trainImages: 100,
            settings: new() { ["Security:RequireOperator"] = "true", ["Security:OperatorToken"] = token });
        using var a = team.Bare(team.A);
        using var b = team.Bare(team.B);

        var form = await a.GetAsync("/login");
        var antiforgeryCookie = Cookie(form);
        var field = AntiforgeryField().Match(await form.Content.ReadAsStringAsync());
        Assert.True(field.Success, "the login form carries an antiforgery token");
        using var login = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = field.Groups[1].Value, ["token"] = token, ["returnUrl"] = "/train",
            }),
        };
        login.Headers.Add("Cookie", antiforgeryCookie);
        var loggedIn = await b.SendAsync(login);
        Assert.Equal(HttpStatusCode.Redirect, loggedIn.StatusCode);
        Assert.Equal("/train", loggedIn.Headers.Location!.OriginalString);

        using var start = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = JsonContent.Create(new RunConfig { Model = "logreg", Epochs = 1, Device = "cpu" }) };
        start.Headers.Add("Cookie", Cookie(loggedIn));
        Assert.Equal(HttpStatusCode.Created, (await a.SendAsync(start)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await a.PostAsJsonAsync("/api/runs", new RunConfig { Model = "logreg", Device = "cpu" })).StatusCode);

        // In one test process both front-ends would also share the user's key folder; on separate hosts only the
        // database is shared, so the key ring both use must be the one stored there.
        using var store = new TeamStore(team.Database);
        var stored = store.DataProtectionKeys().Select(x => System.Xml.Linq.XElement.Parse(x).Attribute("id")!.Value).ToList();
        Assert.NotEmpty(stored);
        foreach (var frontEnd in new[] { team.A, team.B })
        {
            var keys = frontEnd.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>().GetAllKeys();
            Assert.Equal(stored.Order(), keys.Select(k => k.KeyId.ToString()).Order());
        }
    }

    private static string Cookie(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));

    [System.Text.RegularExpressions.GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex AntiforgeryField();
}

/// <summary>Many starts over two front-ends, two trainer processes, and draining one.</summary>
public sealed class TeamQueueTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Twenty_simultaneous_starts_over_two_front_ends_are_each_queued_and_trained_once_by_two_trainers_and_a_drained_one_takes_no_more()
    {
        await using var team = new FrontEnds(postgres, trainImages: 300);
        var (database, data, clientA, clientB) = (team.Database, team.Data, team.ClientA, team.ClientB);
        Assert.Empty((await clientA.GetFromJsonAsync<List<Dashboard.Shared.Platform.TrainerView>>("/api/trainers", RunsApiTests.Json))!);

        var config = new RunConfig { Model = "logreg", Epochs = 2, BatchSize = 30, Device = "cpu" };
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? clientA : clientB).PostAsJsonAsync("/api/runs", config)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var ids = (await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json)))).Select(r => r!.Id).ToList();
        Assert.Equal(20, ids.Distinct().Count());
        var queued = (await clientB.GetFromJsonAsync<List<RunRecord>>("/api/runs", RunsApiTests.Json))!;
        Assert.Equal(Enumerable.Range(1, 20), queued.Select(r => r.QueuePosition!.Value).Order());

        using var t1 = ServerProcess.Trainer(database, "t1", data.Path);
        using var t2 = ServerProcess.Trainer(database, "t2", data.Path);
        using var store = new TeamStore(database);
        await Until(() => store.Trainers().Count == 2, "both trainers to register", t1, t2);
        // Neither trainer has a GPU: a cuda run says so, and Stop removes it from the queue.
        var gpu = (await (await clientA.PostAsJsonAsync("/api/runs", config with { Device = "cuda" })).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!;
        Assert.Equal("waiting for a trainer with cuda", (await clientB.GetFromJsonAsync<RunRecord>($"/api/runs/{gpu.Id}", RunsApiTests.Json))!.Waiting);
        Assert.Equal(HttpStatusCode.Accepted, (await clientB.PostAsync($"/api/runs/{gpu.Id}/stop", null)).StatusCode);
        Assert.Equal(RunStatus.Cancelled, store.Get(gpu.Id)!.Status);
        Assert.Equal(HttpStatusCode.Accepted, (await clientB.PostAsync("/api/trainers/t2/drain", null)).StatusCode);
        var t2BeforeDrain = ids.Count(id => store.Holder(id).Trainer == "t2");
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.PostAsync("/api/trainers/nobody/drain", null)).StatusCode);
        await Until(() => ids.All(id => store.Get(id)!.Status == RunStatus.Completed), "all 20 runs to complete", t1, t2);

        // Each run claimed once (attempt 1), each epoch stored once.
        Assert.All(ids, id => Assert.Equal(1, store.Holder(id).Attempt));
        Assert.All(ids, id => Assert.Equal([1, 2], store.EpochWriters(id).Select(w => w.Epoch)));
        var trainers = (await clientA.GetFromJsonAsync<List<Dashboard.Shared.Platform.TrainerView>>("/api/trainers", RunsApiTests.Json))!;
        Assert.Equal([("t1", "idle"), ("t2", "draining")], trainers.Select(t => (t.Name, t.State)));
        var byT2 = ids.Count(id => store.Holder(id).Trainer == "t2");
        output.WriteLine($"runs trained by t2: {t2BeforeDrain} taken before it was drained, {byT2} in all; by t1: {ids.Count(id => store.Holder(id).Trainer == "t1")}");
        // A drained trainer finishes the run it holds and takes no new one (one claim may be under way as the drain arrives).
        Assert.InRange(byT2, t2BeforeDrain, t2BeforeDrain + 1);
        Assert.Equal(20, ids.Count(id => store.Holder(id).Trainer is "t1" or "t2"));
    }

    internal static Task Until(Func<bool> condition, string what, params ServerProcess[] trainers) =>
        Until(condition, what, TimeSpan.FromMinutes(3), trainers);

    internal static async Task Until(Func<bool> condition, string what, TimeSpan patience, params ServerProcess[] trainers)
    {
        // A read through a connection the database dropped (it restarted) fails once; the next one reconnects.
        bool Holds()
        {
            try
            {
                return condition();
            }
            catch (Exception e) when (TeamStore.IsFault(e))
            {
                return false;
            }
        }
        var clock = Stopwatch.StartNew();
        while (!Holds())
        {
            if (clock.Elapsed > patience)
            {
                throw new TimeoutException($"Waited {patience.TotalSeconds} s for {what}. The trainers said:\n" + string.Join("\n", trainers.Select(t => $"--- {t.Name}:\n{t.Output}")));
            }
            await Task.Delay(100);
        }
    }
}

/// <summary>The team database restarting under a run: front-ends answer 503 meanwhile, the trainer keeps its run, nothing is lost.</summary>
public sealed class TeamOutageTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_postgresql_restart_mid_run_gets_503_from_the_front_end_meanwhile_and_the_trainer_keeps_its_run_with_every_epoch()
    {
        var database = postgres.NewDatabase();
        using var data = new TempFolder();
        SyntheticData.WriteMnistLike(data.Path, train: 2500, test: 50);
        using var runs = new TempFolder();
        await using var web = new DashboardFactory(data.Path, runs.Path) { Settings = new() { ["Team:Role"] = "web", ["Team:Postgres"] = database } };
        using var client = web.CreateClient();
        var created = await client.PostAsJsonAsync("/api/runs", new RunConfig { Model = "cnn-bn", Epochs = 6, BatchSize = 32, TestLimit = 50, Device = "cpu" });
        var run = (await created.Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!;
        // A lease long enough to outlive the restart.
        using var trainer = new ServerProcess("t", ["trainer"], new()
        {
            ["Team__Postgres"] = database, ["Team__TrainerName"] = "t", ["Team__LeaseSeconds"] = "20", ["Team__RenewSeconds"] = "0.5",
            ["Team__PollSeconds"] = "0.2", ["Data__Folder"] = data.Path,
        });
        using var store = new TeamStore(database);
        await TeamQueueTests.Until(() => store.Get(run.Id)!.Epochs.Count >= 2, "two epochs", trainer);

        postgres.Script("crash", postgres.DataFolder);
        var down = await client.GetAsync($"/api/runs/{run.Id}");
        var message = await down.Content.ReadAsStringAsync();
        output.WriteLine($"while the database is down: {(int)down.StatusCode} {message}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("Storage is unavailable", message);
        postgres.Script("start", postgres.DataFolder, postgres.Port.ToString());

        await TeamQueueTests.Until(() => store.Get(run.Id)!.Status == RunStatus.Completed, "the run to complete", trainer);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/runs/{run.Id}")).StatusCode);
        Assert.Equal(Enumerable.Range(1, 6).Select(e => (e, 1)), store.EpochWriters(run.Id));
    }
}

/// <summary>Trainers log in as a role of their own that may do a trainer's work and no more; no credential is ever shown or logged.</summary>
public sealed class TeamSecurityTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_trainer_with_its_own_role_trains_a_run_but_may_not_read_the_key_ring_or_queue_or_delete_and_no_password_is_shown_or_logged()
    {
        var secret = "pw-" + Guid.NewGuid().ToString("N");
        var database = postgres.NewDatabase();
        using (var admin = new NpgsqlConnection(postgres.Server))
        {
            admin.Open();
            using var role = new NpgsqlCommand("DO $$ BEGIN CREATE ROLE dashboard_trainer LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$", admin);
            role.ExecuteNonQuery();
        }
        // Trust authentication ignores these passwords; they stand for real ones that must never be shown.
        var web = new NpgsqlConnectionStringBuilder(database) { Password = secret }.ConnectionString;
        var trainerLogin = new NpgsqlConnectionStringBuilder(database) { Username = "dashboard_trainer", Password = secret }.ConnectionString;
        using var data = new TempFolder();
        using var runs = new TempFolder();
        SyntheticData.WriteMnistLike(data.Path, train: 200, test: 50);
        await using var frontEnd = new DashboardFactory(data.Path, runs.Path)
        {
            Settings = new() { ["Team:Role"] = "web", ["Team:Postgres"] = web, ["Team:WatchSeconds"] = "0.2" },
        };
        var client = frontEnd.CreateClient();
        using var trainer = new ServerProcess("t", ["trainer"], new()
        {
            ["Team__Postgres"] = trainerLogin, ["Team__TrainerName"] = "t", ["Data__Folder"] = data.Path,
        });

        var run = await RunsApiTests.Create(client, RunsApiTests.Tiny(epochs: 2));
        // The front-end tells its listeners the run's end with every epoch (it told an ended run with none before the epochs).
        var done = await frontEnd.WaitFinished(run.Id);
        Assert.True(done.Status == RunStatus.Completed, $"{done.Status}: {done.Error}\n{trainer.Output}");
        Assert.Equal([1, 2], done.Epochs.Select(e => e.Epoch));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { pixels = new double[784] })).StatusCode);

        using var asTrainer = new NpgsqlConnection(trainerLogin);
        asTrainer.Open();
        foreach (var sql in new[]
                 {
                     "SELECT count(*) FROM data_protection_keys",
                     "INSERT INTO runs (config, device, status) VALUES ('{}', 'any', 'Queued')",
                     "DELETE FROM runs",
                     "DELETE FROM samples",
                     "DROP TABLE epochs",
                 })
        {
            using var command = new NpgsqlCommand(sql, asTrainer);
            var refused = Assert.Throws<PostgresException>(() => command.ExecuteNonQuery());
            Assert.True(refused.SqlState is PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {refused.MessageText}");
        }

        var shown = new List<string>();
        foreach (var path in new[] { "/", $"/runs/{run.Id}", "/api/trainers", "/healthz", $"/api/runs/{run.Id}", "/api/devices", "/api/runs" })
        {
            var response = await client.GetAsync(path);
            shown.Add($"{path} {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        var said = string.Join("\n", shown.Concat(frontEnd.Logs).Append(trainer.Output));
        output.WriteLine($"{shown.Count} answers, {frontEnd.Logs.Count} log lines and {trainer.Output.Length} characters of trainer output checked");
        Assert.DoesNotContain(secret, said);
        Assert.DoesNotContain("Password=", said, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Two web front-ends (A and B) over a new database of the team's PostgreSQL, with tiny MNIST-shaped data; B optionally on a real port (for SignalR clients).</summary>
internal sealed class FrontEnds : IAsyncDisposable
{
    private readonly TempFolder _data = new();
    private readonly TempFolder _runsA = new();
    private readonly TempFolder _runsB = new();

    public FrontEnds(PostgresFixture postgres, int trainImages, bool kestrelB = false, Dictionary<string, string>? settings = null)
    {
        Database = postgres.NewDatabase();
        SyntheticData.WriteMnistLike(_data.Path, train: trainImages, test: 50);
        var defaults = new Dictionary<string, string>
        {
            ["Team:Role"] = "web", ["Team:Postgres"] = Database, ["Team:WatchSeconds"] = "0.2", ["Team:LeaseSeconds"] = "2",
        };
        foreach (var (key, value) in settings ?? [])
        {
            defaults[key] = value;
        }
        settings = defaults;
        A = new DashboardFactory(_data.Path, _runsA.Path) { Settings = settings };
        B = new DashboardFactory(_data.Path, _runsB.Path) { Settings = settings };
        if (kestrelB)
        {
            B.UseKestrel(0);
            B.StartServer();
        }
        ClientA = A.CreateClient();
        ClientB = B.CreateClient();
    }

    /// <summary>A client of A or B that neither follows redirects nor keeps cookies (the test carries them).</summary>
    public HttpClient Bare(DashboardFactory frontEnd) =>
        frontEnd.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    public string Database { get; }
    public TempFolder Data => _data;
    public DashboardFactory A { get; }
    public DashboardFactory B { get; }
    public HttpClient ClientA { get; }
    public HttpClient ClientB { get; }

    public async ValueTask DisposeAsync()
    {
        ClientA.Dispose();
        ClientB.Dispose();
        await A.DisposeAsync();
        await B.DisposeAsync();
        _data.Dispose();
        _runsA.Dispose();
        _runsB.Dispose();
    }
}
