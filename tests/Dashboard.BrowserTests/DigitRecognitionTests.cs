using Dashboard.Shared.Runs;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

/// <summary>
/// The acceptance check for the Draw page: digits drawn with the mouse are read correctly by
/// cnn-bn trained 3 epochs on the real MNIST (about 2 minutes of training on 2 cores).
/// </summary>
public class DigitRecognitionTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Zero_one_and_seven_drawn_with_the_mouse_are_classified_correctly_by_cnn_bn_after_3_epochs()
    {
        await using var server = RunningServer.RealData();
        var run = await server.Train(new { model = "cnn-bn", epochs = 3, device = "cpu" });
        Assert.Equal(RunStatus.Completed, run.Status);

        var page = await server.Open(browser.Browser, "/draw");
        var digits = new Dictionary<string, (float, float)[][]>
        {
            ["0"] = [Drawing.Ellipse(140, 140, 55, 90)],
            ["1"] = [Drawing.Line(140, 45, 140, 235)],
            ["7"] = [[.. Drawing.Line(80, 55, 205, 55), .. Drawing.Line(205, 55, 125, 235).Skip(1)]],
        };
        foreach (var (digit, strokes) in digits)
        {
            await page.GetByTestId("clear").ClickAsync();
            await Assertions.Expect(page.GetByTestId("draw-hint")).ToBeVisibleAsync();
            foreach (var stroke in strokes)
            {
                await Drawing.Stroke(page, stroke);
            }
            await Assertions.Expect(page.GetByTestId("predicted")).ToHaveTextAsync(digit);
        }
    }
}
