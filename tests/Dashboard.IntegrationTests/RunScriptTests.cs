using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Dashboard.IntegrationTests;

/// <summary>
/// The README's first command, `scripts/run.sh`, as typed (with DASHBOARD_URL on a free port, as the README says to move
/// it): it installs what is missing, builds, prints the dashboard's URL and serves the dashboard on MNIST there.
/// </summary>
public sealed class RunScriptTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5); // a Release build of a fresh clone on two cores

    [Fact]
    public async Task Scripts_run_sh_prints_its_url_and_serves_the_dashboard_on_mnist_there()
    {
        using var runs = new TempFolder();
        var url = $"http://127.0.0.1:{PostgresFixture.FreePort()}";
        var start = new ProcessStartInfo("bash", [Repository.Path("scripts", "run.sh")])
        {
            WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true,
            Environment = { ["DASHBOARD_URL"] = url, ["Data__Folder"] = MnistFolder.Path, ["Runs__Folder"] = runs.Path },
        };
        using var script = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        script.OutputDataReceived += (_, e) => { if (e.Data is { } line) output.Enqueue(line); };
        script.ErrorDataReceived += (_, e) => { if (e.Data is { } line) output.Enqueue(line); };
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
            var clock = Stopwatch.StartNew();
            HttpResponseMessage? home = null;
            while (home is null && !script.HasExited && clock.Elapsed < Deadline)
            {
                try
                {
                    home = await http.GetAsync("/");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) // not listening yet, or a slow first render
                {
                    await Task.Delay(500); // polling until the server listens, not a timing assertion
                }
            }
            if (script.HasExited)
            {
                script.WaitForExit(); // drains the output read so far
            }
            var log = string.Join('\n', output);
            Assert.True(home is not null, $"no answer at {url} (exited: {script.HasExited}):\n{log}");
            Assert.Contains($"Dashboard: {url}", output);
            Assert.Equal(HttpStatusCode.OK, home!.StatusCode);
            Assert.Contains("Training dashboard", await home.Content.ReadAsStringAsync());

            using var datasets = JsonDocument.Parse(await http.GetStringAsync("/api/datasets"));
            var mnist = datasets.RootElement.EnumerateArray().Single(d => d.GetProperty("name").GetString() == "mnist");
            Assert.True(mnist.GetProperty("available").GetBoolean(), mnist.ToString());
        }
        finally
        {
            script.Kill(entireProcessTree: true);
            await script.WaitForExitAsync();
        }
    }
}
