using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Shared.Runs;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

public class RunsPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Clicking_a_confusion_matrix_cell_shows_the_test_images_in_it()
    {
        await using var server = new RunningServer();
        var run = await server.Train(new { model = "cnn-small", epochs = 1, batchSize = 8, device = "cpu" });
        Assert.Equal(RunStatus.Completed, run.Status);
        var matrix = run.Test!.ConfusionMatrix;
        // The fullest cell; ApexCharts draws true class t as series (classes - 1 - t).
        var (t, p) = (from r in Enumerable.Range(0, 10) from c in Enumerable.Range(0, 10) orderby matrix[r][c] descending select (r, c)).First();

        var page = await server.Open(browser.Browser, $"/runs?run={run.Id}");
        await Assertions.Expect(page.GetByTestId("run-details")).ToBeVisibleAsync();
        await page.Locator($"[data-testid=confusion-matrix] rect.apexcharts-heatmap-rect[i='{9 - t}'][j='{p}']").ClickAsync();

        await Assertions.Expect(page.GetByTestId("cell-title")).ToContainTextAsync($"True {t}, predicted {p}: {matrix[t][p]} image");
        await Assertions.Expect(page.GetByTestId("cell-images").Locator("[data-testid=grid-image]")).ToHaveCountAsync(matrix[t][p]);
        await Assertions.Expect(page.GetByTestId("cell-images").Locator("figcaption").First).ToHaveTextAsync($"true {t} → {p}");
        // Every misclassified test image is in the mistakes gallery (or it says there are none).
        var wrong = run.Test.Images - Enumerable.Range(0, 10).Sum(c => matrix[c][c]);
        await Assertions.Expect(page.GetByTestId(wrong == 0 ? "no-mistakes" : "mistakes")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_runs_page_shows_each_layers_health_per_epoch_live_and_the_compare_view_overlays_their_histograms()
    {
        using var gate = new EpochGate(1);
        await using var server = new RunningServer(gate);
        using var client = server.Factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/runs", new { model = "cnn-small", epochs = 2, batchSize = 8, healthEvery = 2, device = "cpu" });
        var run = (await response.Content.ReadFromJsonAsync<RunRecord>(new JsonSerializerOptions(JsonSerializerDefaults.Web)))!;
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));

        var page = await server.Open(browser.Browser, $"/runs/{run.Id}");
        // Held after epoch 1: a row per layer with weights (two convolutions and the linear layer), one column. The cells are drawn in the chart's shadow root.
        var gradientMap = page.GetByTestId("health-map-gradientNorm");
        var gradients = gradientMap.Locator("rect.apexcharts-heatmap-rect");
        await Assertions.Expect(gradients).ToHaveCountAsync(3);
        gate.Release();
        await Assertions.Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Completed");
        // Below the fold the heatmap's new epoch waits to be seen (chart-host.js), and is drawn once scrolled to.
        await Assertions.Expect(page.GetByTestId("health")).Not.ToBeInViewportAsync();
        await Assertions.Expect(gradientMap).ToHaveAttributeAsync("data-waiting", "true");
        Assert.Equal(3, await gradients.CountAsync());
        await gradientMap.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(gradients).ToHaveCountAsync(6);
        await Assertions.Expect(gradientMap).Not.ToHaveAttributeAsync("data-waiting", "true");
        var deadUnits = page.GetByTestId("health-map-deadFraction");
        await deadUnits.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(deadUnits.Locator("rect.apexcharts-heatmap-rect")).ToHaveCountAsync(4); // two ReLUs
        Assert.Equal(0, await page.GetByTestId("health-map-runningMean").CountAsync()); // no BatchNorm in cnn-small
        await page.GetByTestId("health-weights").ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(page.GetByTestId("health-weights")).ToHaveAttributeAsync("data-series", "2");
        await Assertions.Expect(page.GetByTestId("health-layer").Locator("option")).ToHaveCountAsync(3);

        var runs = await server.Open(browser.Browser, "/runs");
        await runs.GetByTestId("select-run").First.CheckAsync();
        await Assertions.Expect(runs.GetByTestId("overlay-weights")).ToHaveAttributeAsync("data-series", "1");
        await Assertions.Expect(runs.GetByTestId("overlay-gradients")).ToHaveAttributeAsync("data-series", "1");

        // Any layer metric compares, a ReLU's dead units too: the layer choice moves to a layer that has the metric (layer 0 is a convolution).
        await runs.GetByTestId("compare-metric").ClickAsync();
        await runs.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "Dead units" }).ClickAsync();
        await Assertions.Expect(runs.GetByTestId("compare-layer")).ToContainTextAsync("ReLU");
        var chart = runs.GetByTestId("compare-chart");
        await Assertions.Expect(chart.Locator(".apexcharts-title-text")).ToHaveTextAsync("Dead units of a ReLU layer");
        await Assertions.Expect(chart.Locator("path.apexcharts-line")).ToHaveCountAsync(1);
    }
    [Fact]
    public async Task A_run_page_opened_before_its_run_exists_shows_the_run_once_it_is_made()
    {
        await using var server = new RunningServer();
        var page = await server.Open(browser.Browser, "/runs/1");
        await Assertions.Expect(page.GetByTestId("run-missing")).ToBeVisibleAsync();

        var run = await server.Train(new { model = "logreg", epochs = 1, batchSize = 8 });

        Assert.Equal(1, run.Id);
        await Assertions.Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Completed");
        await Assertions.Expect(page.GetByTestId("loss-chart")).ToHaveAttributeAsync("data-points", "1");
        Assert.Equal(0, await page.GetByTestId("run-missing").CountAsync());
    }

    [Fact]
    public async Task Ticked_runs_are_compared_per_step_one_line_each_named_with_its_final_and_best_value_and_downloadable()
    {
        await using var server = new RunningServer();
        var first = await server.Train(new { model = "logreg", epochs = 2, batchSize = 4, optimizer = "sgd", learningRate = 0.05, healthEvery = 1 });
        var second = await server.Train(new { model = "logreg", epochs = 2, batchSize = 4, optimizer = "sgd", learningRate = 0.01, healthEvery = 1 });
        var page = await server.Open(browser.Browser, "/runs");
        var chart = page.GetByTestId("compare-chart");
        for (var ticked = 1; ticked <= 2; ticked++)
        {
            await page.GetByTestId("select-run").Nth(ticked - 1).CheckAsync();
            await Assertions.Expect(chart).ToHaveAttributeAsync("data-series", ticked.ToString());
        }
        // The training loss per step, one line per run; the legend (in the chart's shadow root) names each run's final and best.
        foreach (var run in new[] { first, second })
        {
            await Assertions.Expect(chart.Locator(".apexcharts-legend-text", new() { HasTextString = $"#{run.Id} final" })).ToContainTextAsync("best");
        }
        await Assertions.Expect(chart.Locator("path.apexcharts-line")).ToHaveCountAsync(2);
        await Assertions.Expect(chart.Locator(".apexcharts-menu-icon")).ToHaveCountAsync(1);
    }
}
