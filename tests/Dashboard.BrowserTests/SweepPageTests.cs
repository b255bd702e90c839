using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

public class SweepPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Brushing_an_axis_of_the_parallel_coordinates_keeps_only_the_trials_in_its_range_in_the_table()
    {
        await using var server = new RunningServer();
        using var client = server.Factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/sweeps", new
        {
            @base = new { model = "logreg", epochs = 1, batchSize = 10, device = "cpu", healthEvery = 0 },
            method = "grid",
            space = new { learningRate = new { values = new[] { 0.001, 0.1 } }, batchSize = new { values = new[] { 10, 20 } } },
        });
        var created = (await response.Content.ReadFromJsonAsync<SweepRecord>(new JsonSerializerOptions(JsonSerializerDefaults.Web)))!;
        var sweep = await server.Factory.WaitSweep(created.Id);
        Assert.Equal(SweepStatus.Completed, sweep.Status);

        var page = await server.Open(browser.Browser, $"/sweeps/{created.Id}", width: 1400, height: 1000);
        var chart = page.GetByTestId("sweep-parallel");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-trials", "4");
        await Assertions.Expect(page.GetByTestId("trial-number")).ToHaveCountAsync(4);
        await Assertions.Expect(page.GetByTestId("sweep-best")).ToContainTextAsync($"trial {sweep.Best!.Number}");

        // learningRate is the first axis (ECharts' parallel grid starts 70 px in and 50 px down): drag along its upper part,
        // where the higher of its two values, 0.1, lies.
        var box = (await chart.BoundingBoxAsync())!;
        var (x, top, bottom) = (box.X + 70, box.Y + 50, box.Y + box.Height - 30);
        await page.Mouse.MoveAsync(x, top + 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x, top + (bottom - top) * 0.45f, new MouseMoveOptions { Steps = 10 });
        await page.Mouse.UpAsync();

        await Assertions.Expect(page.GetByTestId("brush-filter")).ToContainTextAsync("2 of 4 trials");
        await Assertions.Expect(page.GetByTestId("trial-number")).ToHaveCountAsync(2);
        var kept = sweep.Trials.Where(t => t.Parameters["learningRate"].GetDouble() == 0.1).Select(t => t.Number.ToString()).ToArray();
        await Assertions.Expect(page.GetByTestId("trial-number")).ToHaveTextAsync(kept);
        Assert.All(sweep.Trials, t => Assert.Equal(RunStatus.Completed, t.Status));

        // A trial's run page says whose trial it is.
        var run = await server.Open(browser.Browser, $"/runs/{sweep.Trials[2].RunId}");
        await Assertions.Expect(run.GetByTestId("run-trial")).ToHaveTextAsync($"trial 3 of sweep #{created.Id}");
    }

    [Fact]
    public async Task The_train_pages_sweep_panel_starts_a_sweep_of_the_form_and_opens_its_page()
    {
        await using var server = new RunningServer();
        var page = await server.Open(browser.Browser, "/train?model=logreg&epochs=2&batchSize=8", width: 1400, height: 1000);
        await page.GetByText("Sweep these fields").ClickAsync();
        await page.GetByTestId("vary-learningRate").CheckAsync();
        await page.GetByTestId("vary-optimizer").CheckAsync();
        var trials = page.GetByTestId("sweep-trials-count");
        await trials.FillAsync("3");
        await trials.BlurAsync();
        await page.GetByTestId("start-sweep").ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/sweeps/1$"));
        await Assertions.Expect(page.GetByTestId("sweep-status")).ToHaveTextAsync("Completed", new() { Timeout = 120_000 });
        await Assertions.Expect(page.GetByTestId("trial-number")).ToHaveCountAsync(3);
        // The sweep's end is announced, not each trial's.
        await Assertions.Expect(page.GetByText("Sweep #1 completed: best validationAccuracy")).ToBeVisibleAsync();
        Assert.Equal(0, await page.GetByText(new System.Text.RegularExpressions.Regex(@"^Run #\d+ (completed|was pruned)")).CountAsync());
        var sweep = server.Factory.Services.GetRequiredService<Dashboard.Server.Sweeps.SweepService>().Get(1)!;
        Assert.Equal(["learningRate", "optimizer"], sweep.Spec.Space.Keys);
        Assert.Equal(("logreg", 2, 8), (sweep.Spec.Base.Model, sweep.Spec.Base.Epochs, sweep.Spec.Base.BatchSize));
        Assert.NotNull(sweep.Spec.EarlyStopping);
        Assert.All(sweep.Trials, t => Assert.InRange(t.Parameters["learningRate"].GetDouble(), 1e-4, 1e-1));
    }
}
