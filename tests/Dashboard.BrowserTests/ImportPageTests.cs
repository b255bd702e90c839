using System.Net.Http.Json;
using Dashboard.Server.Cli;
using Dashboard.Shared.Inference;
using Dashboard.Shared.Runs;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

/// <summary>A new user's own pictures in Debian's Chromium: dropped on the Datasets page, imported, trained on, classified on the Draw page.</summary>
public class ImportPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_zip_dropped_on_the_datasets_page_imports_with_progress_on_every_open_page_and_its_run_classifies_dropped_pictures()
    {
        await using var server = new RunningServer();
        using var files = new TempFolder();
        var zip = files.File("my-shapes.zip");
        SyntheticPictures.WriteZip(zip, perClass: 12, seed: 1, minSide: 24, maxSide: 40);
        var watcher = await server.Open(browser.Browser, "/datasets");
        var page = await server.Open(browser.Browser, "/datasets");
        await page.Locator("[data-testid=import-drop][data-ready=true]").WaitForAsync();

        await page.GetByTestId("import-drop-input").SetInputFilesAsync(zip);
        await Assertions.Expect(page.GetByTestId("import-survey")).ToContainTextAsync("120 pictures in 10 classes", new() { Timeout = 60_000 });
        // The options come with the defaults the pictures suggest.
        await Assertions.Expect(page.GetByTestId("import-name")).ToHaveValueAsync("my-shapes");
        await page.GetByTestId("import-name").FillAsync("shapes");
        await page.GetByTestId("import-start").ClickAsync();

        foreach (var p in new[] { page, watcher })
        {
            await Assertions.Expect(p.Locator("[data-testid=import-row][data-name=shapes]")).ToHaveAttributeAsync("data-status", "ready", new() { Timeout = 60_000 });
            await Assertions.Expect(p.GetByTestId("datasets")).ToContainTextAsync("shapes: 120 imported pictures");
        }
        await Assertions.Expect(page.GetByTestId("import-classes").Locator("tbody tr")).ToHaveCountAsync(10);

        var run = await server.Train(new { dataset = "shapes", model = "cnn-small", epochs = 2, batchSize = 16, device = "cpu" });
        Assert.Equal(RunStatus.Completed, run.Status);
        var draw = await server.Open(browser.Browser, "/draw");
        await draw.Locator("[data-testid=classify-drop][data-ready=true]").WaitForAsync();
        var pictures = SyntheticPictures.Pictures(1, seed: 3, minSide: 24, maxSide: 40).Select(p =>
        {
            var path = files.File(p.Name.Replace('/', '-'));
            File.WriteAllBytes(path, p.Bytes);
            return path;
        }).ToArray();
        await draw.GetByTestId("classify-drop-input").SetInputFilesAsync(pictures);
        await Assertions.Expect(draw.GetByTestId("classify-count")).ToHaveTextAsync("10 classified", new() { Timeout = 60_000 });
        await Assertions.Expect(draw.GetByTestId("classify-results").Locator("tbody tr")).ToHaveCountAsync(10);
        await Assertions.Expect(draw.GetByTestId("classify-results").Locator("img.classify-thumb")).ToHaveCountAsync(10);

        // The Classify view and the API give the same answers for the same files.
        var shown = new Dictionary<string, string>();
        foreach (var row in await draw.GetByTestId("classify-results").Locator("tbody tr").AllAsync())
        {
            shown[(await row.GetByTestId("classify-file").TextContentAsync())!] = (await row.GetByTestId("classify-label").TextContentAsync())!;
        }
        using var form = new MultipartFormDataContent();
        foreach (var path in pictures)
        {
            form.Add(new ByteArrayContent(File.ReadAllBytes(path)), "image", Path.GetFileName(path));
        }
        using var client = server.Factory.CreateClient();
        var api = await (await client.PostAsync($"/api/runs/{run.Id}/classify", form)).Content.ReadFromJsonAsync<ClassifyResult>(
            new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        Assert.Equal(api!.Results.ToDictionary(r => r.File, r => r.Label!), shown);
    }
}
