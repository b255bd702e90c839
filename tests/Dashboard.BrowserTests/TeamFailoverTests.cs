using System.Net.Http.Json;
using Dashboard.Shared.Runs;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Dashboard.BrowserTests;

/// <summary>
/// Team mode behind scripts/balancer.sh (HAProxy): two web front-end processes, a trainer process, the team's
/// PostgreSQL. A page watching a run survives `kill -9` of the front-end it was on.
/// </summary>
public sealed class TeamFailoverTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_page_whose_front_end_is_killed_reloads_from_the_other_one_with_the_runs_history_and_controls_it_live()
    {
        using var postgres = new PostgresFixture();
        using var folder = new TempFolder();
        SyntheticData.WriteMnistLike(folder.Path, train: 2000, test: 100);
        var database = postgres.NewDatabase();
        var ports = new[] { PostgresFixture.FreePort(), PostgresFixture.FreePort() };
        var frontEnds = ports.Select(port => new ServerProcess($"web-{port}", ["--urls", $"http://127.0.0.1:{port}"], new()
        {
            ["Team__Role"] = "web",
            // The balancer (scripts/balancer.sh) names each client; this browser on loopback is local, as behind scripts/team.sh.
            ["Security__Proxies"] = "127.0.0.1",
            ["Team__Postgres"] = database,
            ["Data__Folder"] = folder.Path,
            ["Runs__Folder"] = Path.Combine(folder.Path, $"web-{port}"),
        })).ToList();
        using var trainer = new ServerProcess("trainer", ["trainer"], new()
        {
            ["Team__Postgres"] = database,
            ["Team__TrainerName"] = "t1",
            ["Data__Folder"] = folder.Path,
        });
        var balancerFolder = Path.Combine(folder.Path, "balancer");
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            foreach (var port in ports)
            {
                await Until(async () => (await Answer(http, $"http://127.0.0.1:{port}/healthz")) == 200, $"front-end {port} to be healthy", frontEnds, trainer);
            }
            var balancer = postgres.Run("balancer.sh", ["start", balancerFolder, PostgresFixture.FreePort().ToString(), .. ports.Select(p => p.ToString())]).Trim();

            // Long enough that it is still training when the test stops it from the surviving front-end.
            var created = await http.PostAsJsonAsync($"{balancer}/api/runs",
                new RunConfig { Model = "cnn-small", Epochs = 200, BatchSize = 32, TestLimit = 50, Device = "cpu" });
            var run = (await created.Content.ReadFromJsonAsync<RunRecord>(new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)))!;

            var context = await browser.Browser.NewContextAsync();
            var page = await context.NewPageAsync();
            var loads = 0;
            page.Load += (_, _) => Interlocked.Increment(ref loads);
            await page.GotoAsync($"{balancer}/runs/{run.Id}");
            await Assertions.Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Running");
            await Assertions.Expect(page.GetByTestId("epoch-table").Locator("tbody tr")).Not.ToHaveCountAsync(0, new() { Timeout = 120_000 });

            var first = await FrontEnd(context);
            var killed = frontEnds.Single(f => f.Name == first);
            killed.Kill();
            var sinceKill = System.Diagnostics.Stopwatch.StartNew();
            output.WriteLine($"killed {first} with the page on epoch rows {await page.GetByTestId("epoch-table").Locator("tbody tr").CountAsync()}");

            // Blazor's reconnect reaches the other front-end, which has no such circuit: the page reloads there.
            await Until(async () => Volatile.Read(ref loads) >= 2 && await FrontEnd(context) != first, "the page to reload from the other front-end", frontEnds, trainer);
            await Assertions.Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Running");
            output.WriteLine($"kill -9 to the page showing the run again from {await FrontEnd(context)}: {sinceKill.Elapsed.TotalSeconds:F1} s");
            var shown = await page.GetByTestId("epoch-table").Locator("tbody tr").CountAsync();
            Assert.True(shown >= 1, "the reloaded page shows the run's stored epochs");
            // Live: the next epoch arrives on the new front-end's page, and Stop works from it.
            await Assertions.Expect(page.GetByTestId("epoch-table").Locator("tbody tr")).Not.ToHaveCountAsync(shown, new() { Timeout = 60_000 });
            await page.GetByTestId("stop").ClickAsync();
            await Assertions.Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Cancelled", new() { Timeout = 60_000 });
            output.WriteLine($"now on {await FrontEnd(context)}; {Volatile.Read(ref loads)} page loads");
            await context.CloseAsync();
        }
        finally
        {
            postgres.Run("balancer.sh", "stop", balancerFolder);
            foreach (var f in frontEnds)
            {
                f.Dispose();
            }
        }
    }

    private static async Task<string?> FrontEnd(IBrowserContext context) =>
        (await context.CookiesAsync()).FirstOrDefault(c => c.Name == "DASHBOARD_FRONTEND")?.Value;

    private static async Task<int> Answer(HttpClient http, string url)
    {
        try
        {
            return (int)(await http.GetAsync(url)).StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    // A bound on waiting for a state, with the processes' output when it is not reached; not a timing claim.
    private static async Task Until(Func<Task<bool>> condition, string what, List<ServerProcess> frontEnds, ServerProcess trainer)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"Waited 2 minutes for {what}. The processes said:\n" +
                    string.Join("\n", frontEnds.Append(trainer).Select(p => $"--- {p.Name}:\n{p.Output[^Math.Min(p.Output.Length, 3000)..]}")));
            }
            await Task.Delay(200);
        }
    }
}
