using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Shared.Runs;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

public class StepChartTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // The step points a page's loss chart holds, as [step, loss] (steps.js's module is the page's own).
    private const string Held = "async () => (await import('/_content/Dashboard.Client/steps.js')).held(document.querySelector('[data-testid=loss-chart]'))";

    // Each drawn line of the loss chart (in its shadow root) by ApexCharts' series name: its SVG path.
    private const string Paths = "e => Object.fromEntries([...e.shadowRoot.querySelectorAll('.apexcharts-series[seriesName]')].map(s => [s.getAttribute('seriesName'), s.querySelector('path')?.getAttribute('d') ?? '']))";

    [Fact]
    public async Task The_loss_per_step_is_drawn_live_smoothing_redraws_it_and_a_page_opened_mid_run_ends_with_the_same_points()
    {
        // Run 1 holds the device while the page of run 2 opens; run 2 is held after epoch 3 while a second page opens.
        using var blocker = new EpochGate(1, runId: 1);
        using var middle = new EpochGate(3, runId: 2);
        await using var server = RunningServer.With(new() { ["Runs:StepPoints"] = "10" }, blocker, middle);
        using var api = server.Factory.CreateClient();
        (await api.PostAsJsonAsync("/api/runs", new { model = "logreg", epochs = 1, batchSize = 8 })).EnsureSuccessStatusCode();
        Assert.True(blocker.WaitReached(TimeSpan.FromMinutes(1)));
        // Health measured on every batch: one native call, so one step point, per batch (32 an epoch).
        var created = await api.PostAsJsonAsync("/api/runs", new { model = "logreg", epochs = 5, batchSize = 1, optimizer = "sgd", learningRate = 0.01, healthEvery = 1 });
        var run = (await created.Content.ReadFromJsonAsync<RunRecord>(Json))!;
        var early = await server.Open(browser.Browser, $"/runs/{run.Id}");
        var chart = early.GetByTestId("loss-chart");
        await Assertions.Expect(early.GetByTestId("loss-chart")).ToHaveAttributeAsync("data-following", run.Id.ToString());
        blocker.Release();
        Assert.True(middle.WaitReached(TimeSpan.FromMinutes(1)));

        var stored = (await api.GetFromJsonAsync<StepHistory>($"/api/runs/{run.Id}/steps?points=100000", Json))!;
        Assert.Equal(3 * 32, stored.Total);
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-steps", "96");
        var smoothed = await SmoothedPath(chart);
        await early.GetByTestId("smoothing").Locator("input").FillAsync("0");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-smoothing", "0");
        Assert.NotEqual(smoothed, await SmoothedPath(chart));

        // Opened at epoch 3: the history comes downsampled to Runs:StepPoints.
        var late = await server.Open(browser.Browser, $"/runs/{run.Id}");
        await Assertions.Expect(late.GetByTestId("loss-chart")).ToHaveAttributeAsync("data-steps", "10");
        middle.Release();
        foreach (var page in new[] { early, late })
        {
            await Assertions.Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
            await Assertions.Expect(page.GetByTestId("loss-chart")).ToHaveAttributeAsync("data-points", "5");
        }
        var all = (await api.GetFromJsonAsync<StepHistory>($"/api/runs/{run.Id}/steps?points=100000", Json))!.Steps;
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-steps", all.Count.ToString());
        var fromStart = Points(await early.EvaluateAsync<double[][]>(Held));
        var fromMiddle = Points(await late.EvaluateAsync<double[][]>(Held));
        // The page open from the start holds every stored point; the late one a subset, equal where both have a step,
        // with every point after its history (no gap) and the same last point.
        Assert.Equal(all.ToDictionary(s => s.Step, s => s.Loss), fromStart);
        Assert.All(fromMiddle, p => Assert.Equal(fromStart[p.Key], p.Value));
        Assert.All(all.Where(s => s.Step > 96), s => Assert.True(fromMiddle.ContainsKey(s.Step), $"step {s.Step} missing on the late page"));
        Assert.Equal(10 + all.Count - 96, fromMiddle.Count);
    }

    private static Dictionary<long, double> Points(double[][] held) => held.ToDictionary(p => (long)p[0], p => p[1]);

    private static async Task<string> SmoothedPath(ILocator chart)
    {
        var paths = await chart.EvaluateAsync<Dictionary<string, string>>(Paths);
        var smoothed = paths.Single(p => p.Key.Contains("smoothed", StringComparison.Ordinal)).Value;
        Assert.False(string.IsNullOrEmpty(smoothed), "the smoothed line is drawn");
        return smoothed;
    }
}
