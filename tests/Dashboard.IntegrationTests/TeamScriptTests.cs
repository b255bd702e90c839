using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;

namespace Dashboard.IntegrationTests;

/// <summary>
/// docs/team.md's <c>scripts/team.sh</c> as typed, with its documented knobs moving its folder and ports (TEAM_FOLDER,
/// PG_PORT, REDIS_PORT, WEB_PORTS, BALANCER_PORT): it prints the load balancer's URL, the team behind it (two front-ends,
/// two trainers, its own PostgreSQL and Redis) serves MNIST and lists both trainers, and SIGTERM (as Ctrl+C) stops every
/// server it started, PostgreSQL included.
/// </summary>
public sealed class TeamScriptTests
{
    [Fact]
    public async Task Scripts_team_sh_serves_a_team_behind_its_printed_url_and_stops_it_all_on_sigterm()
    {
        using var folder = new TempFolder();
        int[] ports = [PostgresFixture.FreePort(), PostgresFixture.FreePort(), PostgresFixture.FreePort(), PostgresFixture.FreePort(), PostgresFixture.FreePort()];
        using var script = ScriptProcess.Project("team.sh", new()
        {
            ["TEAM_FOLDER"] = folder.Path, ["PG_PORT"] = $"{ports[0]}", ["REDIS_PORT"] = $"{ports[1]}",
            ["WEB_PORTS"] = $"{ports[2]} {ports[3]}", ["BALANCER_PORT"] = $"{ports[4]}", ["Data__Folder"] = MnistFolder.Path,
        });
        try
        {
            var printed = await script.Line(l => l.StartsWith("Dashboard: ", StringComparison.Ordinal), ScriptProcess.Deadline);
            Assert.True(printed is not null, $"no Dashboard: line (exited: {script.Process.HasExited}):\n{script.Log}");
            var balancer = printed.Split(' ')[1];
            Assert.Equal($"http://127.0.0.1:{ports[4]}", balancer);

            using var http = new HttpClient { BaseAddress = new Uri(balancer), Timeout = TimeSpan.FromSeconds(10) };
            using var datasets = JsonDocument.Parse(await http.GetStringAsync("/api/datasets"));
            Assert.True(datasets.RootElement.EnumerateArray().Single(d => d.GetProperty("name").GetString() == "mnist").GetProperty("available").GetBoolean());
            var trainers = await Until(async () =>
            {
                using var list = JsonDocument.Parse(await http.GetStringAsync("/api/trainers"));
                var names = list.RootElement.EnumerateArray().Where(t => t.GetProperty("state").GetString() != "gone").Select(t => t.GetProperty("name").GetString()).Order().ToList();
                return names.Count == 2 ? names : null;
            });
            Assert.Equal(["trainer-1", "trainer-2"], trainers);

            Terminate(script.Process);
            Assert.True(script.Process.WaitForExit(TimeSpan.FromMinutes(1)), $"still running a minute after SIGTERM:\n{script.Log}");
            script.Process.WaitForExit(); // drains the output
            Assert.Contains("team: stopped", script.Lines);
            foreach (var port in ports)
            {
                Assert.False(Listening(port), $"something still listens on {port} after the team stopped:\n{script.Log}");
            }
        }
        finally
        {
            if (!script.Process.HasExited)
            {
                Terminate(script.Process);
                script.Process.WaitForExit(TimeSpan.FromMinutes(1));
            }
            // The servers run as daemons outside the script's process tree: stopped here too, should the script have failed to.
            foreach (var (server, data) in new[] { ("balancer.sh", "balancer"), ("postgres.sh", "pg"), ("redis.sh", "redis") })
            {
                try
                {
                    ProjectScripts.Run(server, ["stop", folder.File(data)]);
                }
                catch (InvalidOperationException)
                {
                    // already stopped: nothing to stop
                }
            }
        }
    }

    /// <summary>SIGTERM, as Ctrl+C would: the script's trap stops what it started.</summary>
    private static void Terminate(Process script) => Process.Start("kill", ["-TERM", $"{script.Id}"])!.WaitForExit();

    /// <summary>Polls <paramref name="read"/> until it gives a value (the trainers register within seconds), for at most a minute.</summary>
    private static async Task<T> Until<T>(Func<Task<T?>> read) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await read() is { } value)
            {
                return value;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "the trainers did not register within a minute");
            await Task.Delay(250); // polling, not a timing assertion
        }
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
