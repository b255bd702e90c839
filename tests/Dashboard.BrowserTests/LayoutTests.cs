using Dashboard.Shared.Runs;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

/// <summary>The MudBlazor layout: the drawer by screen width, the remembered theme, a run's charts at tablet width.</summary>
public class LayoutTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_drawer_is_open_on_a_wide_screen_and_the_theme_choice_survives_a_reload()
    {
        await using var server = new RunningServer();
        var page = await server.Open(browser.Browser, "/train", 1400, 900);
        await Assertions.Expect(page.GetByTestId("drawer").GetByText("Datasets")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("data-dark", "false");

        await page.GetByTestId("theme-toggle").ClickAsync();
        await Assertions.Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("data-dark", "true");
        await page.ReloadAsync();
        await page.GetByTestId("interactive").WaitForAsync();
        await Assertions.Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("data-dark", "true");
    }

    [Fact]
    public async Task At_tablet_width_the_drawer_is_closed_and_a_runs_charts_are_on_screen_without_scrolling()
    {
        await using var server = new RunningServer();
        var run = await server.Train(new { model = "logreg", epochs = 2, batchSize = 8, device = "cpu" });
        Assert.Equal(RunStatus.Completed, run.Status);
        var page = await server.Open(browser.Browser, $"/runs/{run.Id}", 820, 1180);
        await Assertions.Expect(page.GetByTestId("drawer").GetByText("Datasets")).Not.ToBeInViewportAsync();
        await Assertions.Expect(page.GetByTestId("loss-chart")).ToHaveAttributeAsync("data-points", "2");
        await Assertions.Expect(page.GetByTestId("loss-chart")).ToBeInViewportAsync();
        await Assertions.Expect(page.GetByTestId("accuracy-chart")).ToBeInViewportAsync();

        await page.GetByTestId("menu").ClickAsync();
        await Assertions.Expect(page.GetByTestId("drawer").GetByText("Datasets")).ToBeVisibleAsync();
    }
}
