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
    [Fact]
    public async Task Scripts_run_sh_prints_its_url_and_serves_the_dashboard_on_mnist_there()
    {
        using var runs = new TempFolder();
        var url = $"http://127.0.0.1:{PostgresFixture.FreePort()}";
        using var script = ScriptProcess.Project("run.sh", new() { ["DASHBOARD_URL"] = url, ["Data__Folder"] = MnistFolder.Path, ["Runs__Folder"] = runs.Path });
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        HttpResponseMessage? home = null;
        while (home is null && !script.Process.HasExited && clock.Elapsed < ScriptProcess.Deadline)
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
        if (script.Process.HasExited)
        {
            script.Process.WaitForExit(); // drains the output read so far
        }
        Assert.True(home is not null, $"no answer at {url} (exited: {script.Process.HasExited}):\n{script.Log}");
        Assert.Contains($"Dashboard: {url}", script.Lines);
        Assert.Equal(HttpStatusCode.OK, home!.StatusCode);
        Assert.Contains("Training dashboard", await home.Content.ReadAsStringAsync());

        using var datasets = JsonDocument.Parse(await http.GetStringAsync("/api/datasets"));
        var mnist = datasets.RootElement.EnumerateArray().Single(d => d.GetProperty("name").GetString() == "mnist");
        Assert.True(mnist.GetProperty("available").GetBoolean(), mnist.ToString());
    }
}
