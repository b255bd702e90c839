using Dashboard.Server.Torch;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

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
    public async Task The_frameworks_blazor_script_and_mudblazors_assets_are_served()
    {
        await using var factory = new WebApplicationFactory<Program>();
        var client = factory.CreateClient();
        var script = await client.GetStringAsync("/_framework/blazor.web.js");
        Assert.Contains("Blazor", script);
        foreach (var asset in new[] { "/_content/MudBlazor/MudBlazor.min.css", "/_content/MudBlazor/MudBlazor.min.js" })
        {
            var response = await client.GetAsync(asset);
            Assert.True(response.IsSuccessStatusCode, $"{asset}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task Kestrel_caps_every_request_body_at_1_MiB_and_an_oversized_form_is_refused_without_a_5xx()
    {
        using var runs = new TempFolder();
        SyntheticData.WriteMnistLike(_data.Path, train: 10, test: 10);
        await using var factory = new DashboardFactory(_data.Path, runs.Path);
        factory.UseKestrel(0);
        factory.StartServer();
        var client = factory.CreateClient();
        var form = new ByteArrayContent(new byte[2 * 1024 * 1024]);
        form.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        Assert.Equal(1024 * 1024, factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>()
            .Value.Limits.MaxRequestBodySize);
        var response = await client.PostAsync("/account/login", form);
        Assert.True(response.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.RequestEntityTooLarge, response.StatusCode.ToString());
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("Information", true)]
    public async Task Each_request_is_logged_only_when_the_configuration_asks_for_it(string? level, bool logged)
    {
        using var runs = new TempFolder();
        SyntheticData.WriteMnistLike(_data.Path, train: 10, test: 10);
        await using var factory = new DashboardFactory(_data.Path, runs.Path)
        {
            Settings = level is null ? [] : new() { ["Logging:LogLevel:Microsoft.AspNetCore"] = level },
        };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/api/runs")).StatusCode);

        Assert.Equal(logged, factory.Logs.Any(l => l.StartsWith("Information Microsoft.AspNetCore.Hosting.Diagnostics: Request finished", StringComparison.Ordinal)));
    }

    public void Dispose() => _data.Dispose();
}
