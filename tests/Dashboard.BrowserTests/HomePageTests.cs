using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

public class HomePageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_home_page_becomes_interactive_and_a_click_runs_on_the_server()
    {
        await using var server = new RunningServer();
        var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                errors.Add($"{response.Status} {response.Url}");
            }
        };
        await page.GotoAsync(server.BaseUrl + "/");
        await page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });

        await Assertions.Expect(page.GetByTestId("checks")).ToHaveTextAsync("Checked 1 time(s)");
        await page.GetByTestId("refresh").ClickAsync();
        await Assertions.Expect(page.GetByTestId("checks")).ToHaveTextAsync("Checked 2 time(s)");
        await Assertions.Expect(page.GetByTestId("torch-version")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d+\.\d+$"));
        Assert.Empty(errors);
        await context.CloseAsync();
    }
}
