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
}
