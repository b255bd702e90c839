using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

public class OperatorLoginTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task On_a_shared_server_a_watcher_cannot_start_runs_until_logged_in_as_operator()
    {
        await using var server = RunningServer.Protected("browser-test-token");
        var page = await server.Open(browser.Browser, "/train");
        await Assertions.Expect(page.GetByTestId("operator-only")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("start")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("operator-state")).ToContainTextAsync("watching");

        await page.GetByTestId("operator-only").GetByRole(AriaRole.Link).ClickAsync();
        await page.GetByTestId("token").FillAsync("wrong");
        await page.GetByTestId("login").ClickAsync();
        await Assertions.Expect(page.GetByTestId("login-failed")).ToBeVisibleAsync();
        await page.GetByTestId("token").FillAsync("browser-test-token");
        await page.GetByTestId("login").ClickAsync();

        await page.WaitForURLAsync("**/train");
        await page.GetByTestId("interactive").WaitForAsync();
        await Assertions.Expect(page.GetByTestId("operator-state")).ToContainTextAsync("operator");
        await Assertions.Expect(page.GetByTestId("start")).ToBeEnabledAsync();
        await Assertions.Expect(page.GetByTestId("operator-only")).ToHaveCountAsync(0);
    }
}
