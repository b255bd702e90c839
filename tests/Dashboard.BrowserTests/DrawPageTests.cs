using System.Net.Http.Json;
using Dashboard.Shared.Runs;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

public class DrawPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Drawing_a_stroke_with_the_mouse_shows_a_prediction_and_the_28x28_preview_and_clear_empties_it()
    {
        await using var server = new RunningServer();
        var client = server.Factory.CreateClient();
        var created = await (await client.PostAsJsonAsync("/api/runs", new { model = "cnn-small", epochs = 1, batchSize = 8, device = "cpu" }))
            .Content.ReadFromJsonAsync<RunRecord>(new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        Assert.Equal(RunStatus.Completed, (await server.Factory.WaitFinished(created!.Id)).Status);

        var page = await server.Open(browser.Browser, "/draw");
        await Assertions.Expect(page.GetByTestId("draw-hint")).ToHaveTextAsync("Draw a digit");
        var canvas = (await page.GetByTestId("draw-canvas").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(canvas.X + 140, canvas.Y + 50);
        await page.Mouse.DownAsync();
        for (var i = 0; i <= 20; i++)
        {
            await page.Mouse.MoveAsync(canvas.X + 140, canvas.Y + 50 + i * 9);
        }
        await page.Mouse.UpAsync();

        await Assertions.Expect(page.GetByTestId("predicted")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[0-9]$"));
        await Assertions.Expect(page.GetByTestId("probabilities").Locator(".probability-row")).ToHaveCountAsync(10);
        await Assertions.Expect(page.GetByTestId("preview")).ToHaveAttributeAsync("data-filled", "true");

        await page.GetByTestId("clear").ClickAsync();
        await Assertions.Expect(page.GetByTestId("draw-hint")).ToHaveTextAsync("Draw a digit");
    }
}
