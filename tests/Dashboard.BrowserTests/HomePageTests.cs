using System.Net.Http.Json;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

public class HomePageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Home_shows_the_run_training_now_announces_its_end_lists_it_with_its_accuracy_and_trains_it_again()
    {
        using var gate = new EpochGate(1);
        await using var server = new RunningServer(gate);
        using var api = server.Factory.CreateClient();
        (await api.PostAsJsonAsync("/api/runs", new { model = "logreg", epochs = 2, batchSize = 8, optimizer = "sgd", learningRate = 0.05 })).EnsureSuccessStatusCode();
        Assert.True(gate.WaitReached(TimeSpan.FromMinutes(1)));

        var page = await server.Open(browser.Browser, "/");
        var training = page.GetByTestId("training-run");
        await Assertions.Expect(training).ToHaveCountAsync(1);
        await Assertions.Expect(training.GetByTestId("training-link")).ToHaveTextAsync("#1");
        // One of two epochs done.
        await Assertions.Expect(training.GetByTestId("training-progress")).ToContainTextAsync("50%");
        await Assertions.Expect(training.GetByTestId("training-eta")).ToContainTextAsync("ETA");
        await Assertions.Expect(page.GetByTestId("latest-none")).ToBeVisibleAsync();

        gate.Release();
        // The end is announced with a link to the run, and the run moves to the latest results.
        var announcement = page.Locator(".mud-snackbar", new() { HasTextString = "Run #1 completed" });
        await Assertions.Expect(announcement).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("training-none")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("latest-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("latest-accuracy")).ToContainTextAsync("%");

        await page.GetByTestId("start-again").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/runs/2$"), new() { Timeout = 30_000 });
        var again = await server.Factory.WaitFinished(2);
        Assert.Equal((2, "logreg", 0.05), (again.Config.Epochs, again.Config.Model, again.Config.LearningRate));
    }
}
