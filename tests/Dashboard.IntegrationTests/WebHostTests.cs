using Dashboard.Server.Torch;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Dashboard.IntegrationTests;

public sealed class WebHostTests : IDisposable
{
    private readonly TempFolder _data = new();

    [Fact]
    public async Task Home_page_shows_the_libtorch_version_the_device_and_the_datasets_found()
    {
        SyntheticData.WriteMnistLike(_data.Path, train: 10, test: 10);
        await using var factory = new WebApplicationFactory<Program>()
            .WithWebHostBuilder(b => b.UseSetting("Data:Folder", _data.Path));
        var html = await factory.CreateClient().GetStringAsync("/");

        Assert.Contains(TorchRuntime.Version, html);
        Assert.Contains($"data-testid=\"device\">{TorchRuntime.ResolveDevice("auto")}<", html);
        Assert.Contains("MNIST handwritten digits", html);
        Assert.Contains("found", html);
        Assert.Contains("missing", html);
    }

    [Fact]
    public async Task Blazor_script_and_radzen_assets_are_served()
    {
        await using var factory = new WebApplicationFactory<Program>();
        var client = factory.CreateClient();
        var script = await client.GetStringAsync("/_framework/blazor.web.js");
        Assert.Contains("Blazor", script);
        var css = await client.GetAsync("/_content/Radzen.Blazor/css/material-base.css");
        Assert.True(css.IsSuccessStatusCode, css.StatusCode.ToString());
    }

    public void Dispose() => _data.Dispose();
}
