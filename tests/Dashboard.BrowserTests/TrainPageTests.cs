using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

public class TrainPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Find_a_learning_rate_draws_each_seeds_curve_and_use_this_rate_fills_the_form()
    {
        await using var server = new RunningServer();
        var page = await server.Open(browser.Browser, "/train?model=logreg&batchSize=4&optimizer=sgd&lr=0.05&trainLimit=30");
        await Assertions.Expect(page.GetByTestId("field-trainLimit").Locator("input")).ToHaveValueAsync("30");

        await page.GetByTestId("lr-find").ClickAsync();
        await Assertions.Expect(page.GetByTestId("lr-chart")).ToHaveAttributeAsync("data-curves", "3", new() { Timeout = 60_000 });
        // Raw and smoothed loss per seed, drawn in the chart's shadow root.
        await Assertions.Expect(page.GetByTestId("lr-chart").Locator("path.apexcharts-line")).ToHaveCountAsync(6);
        var valley = await page.GetByTestId("lr-suggestions").Locator("tbody tr").First.Locator("td").Nth(1).TextContentAsync();

        await page.GetByTestId("lr-use-valley").ClickAsync();
        var field = page.GetByTestId("field-learningRate").Locator("input");
        await Assertions.Expect(field).Not.ToHaveValueAsync("0.05");
        // The table shows two significant digits, the field four.
        var shown = double.Parse(valley!, System.Globalization.CultureInfo.InvariantCulture);
        var filled = double.Parse(await field.InputValueAsync(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(filled - shown) <= 0.05 * shown, $"table {valley}, field {filled}");
    }

    [Fact]
    public async Task A_run_started_from_the_train_page_opens_its_page_where_two_browsers_watch_its_epochs_live()
    {
        using var gate = new EpochGate(2);
        await using var server = new RunningServer(gate);
        var watcher = await server.Open(browser.Browser, "/train");
        var starter = await server.Open(browser.Browser, "/train?model=logreg&epochs=4&batchSize=8&optimizer=sgd&lr=0.05");

        await starter.GetByTestId("start").ClickAsync();
        await Assertions.Expect(starter).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/runs/\d+$"), new() { Timeout = 30_000 });
        // The teammate sees the run in the queue and follows its link to the same page.
        await watcher.GetByTestId("queue-link").ClickAsync();
        Assert.Equal(starter.Url, watcher.Url);
        // Training is held after epoch 2: both browsers show two points, then gain the rest live.
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));
        foreach (var page in new[] { watcher, starter })
        {
            await Assertions.Expect(page.GetByTestId("loss-chart")).ToHaveAttributeAsync("data-points", "2");
            await Assertions.Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Running");
        }
        gate.Release();
        foreach (var page in new[] { watcher, starter })
        {
            await Assertions.Expect(page.GetByTestId("loss-chart")).ToHaveAttributeAsync("data-points", "4");
            await Assertions.Expect(page.GetByTestId("accuracy-chart")).ToHaveAttributeAsync("data-points", "4");
            await Assertions.Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Completed");
            await Assertions.Expect(page.GetByTestId("test-accuracy")).ToContainTextAsync("on 10 images");
            await Assertions.Expect(page.GetByTestId("epoch-table").Locator("tbody tr")).ToHaveCountAsync(4);
            // The lines are drawn in the chart's shadow root (outside the theme's selectors, for speed).
            // Raw and smoothed training loss per step, and the validation points.
            await Assertions.Expect(page.GetByTestId("loss-chart").Locator("path.apexcharts-line")).ToHaveCountAsync(3);
            Assert.True(await page.GetByTestId("loss-chart").EvaluateAsync<bool>("e => e.shadowRoot?.querySelector('svg') != null"));
        }
    }

    [Fact]
    public async Task A_field_out_of_range_shows_the_apis_message_under_it_and_disables_start()
    {
        await using var server = new RunningServer();
        var page = await server.Open(browser.Browser, "/train?model=logreg&epochs=0");
        await Assertions.Expect(page.GetByTestId("field-epochs")).ToContainTextAsync("must be between 1 and 1000, got 0.");
        await Assertions.Expect(page.GetByTestId("start")).ToBeDisabledAsync();
        await page.GetByTestId("field-epochs").Locator("input").FillAsync("3");
        await page.GetByTestId("field-epochs").Locator("input").BlurAsync();
        await Assertions.Expect(page.GetByTestId("field-epochs")).Not.ToContainTextAsync("must be");
        await Assertions.Expect(page.GetByTestId("start")).ToBeEnabledAsync();
    }

    [Fact]
    public async Task A_layer_that_does_not_fit_shows_an_inline_error_and_disables_start()
    {
        await using var server = new RunningServer();
        var page = await server.Open(browser.Browser, "/train?model=mlp-relu");
        await page.GetByLabel("Layer 1 in").FillAsync("100");
        await page.GetByLabel("Layer 1 in").BlurAsync();
        await Assertions.Expect(page.GetByTestId("layer-error")).ToContainTextAsync("expects (100) but receives (784)");
        await Assertions.Expect(page.GetByTestId("start")).ToBeDisabledAsync();

        await page.GetByLabel("Layer 1 in").FillAsync("784");
        await page.GetByLabel("Layer 1 in").BlurAsync();
        await Assertions.Expect(page.GetByTestId("layer-error")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("total-parameters")).ToHaveTextAsync("25,450 parameters");
    }
}
