using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Training;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

/// <summary>
/// Debian's Chromium driven by Playwright (never a downloaded browser), shared by a test
/// class; each test starts its own server on a loopback port with <see cref="Start"/>.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>A name configured for the dashboard (Security:AllowedHosts) and a name it was not given; both resolve to 127.0.0.1.</summary>
    public const string ConfiguredName = "dashboard.test", ForeignName = "rebound.test";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        // A bound on waiting for a page to show something, not a timing claim: 5 s (Playwright's default) is short on 2 busy cores.
        Assertions.SetDefaultExpectTimeout(15_000);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
                // Names a user might give the dashboard (and one an attacker's page would send), all on this machine.
                $"--host-resolver-rules=MAP {ConfiguredName} 127.0.0.1, MAP {ForeignName} 127.0.0.1"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>
/// The real server listening on a loopback port, over tiny generated MNIST- and CIFAR-shaped data or,
/// with <see cref="RealData"/>, the data folder scripts/setup.sh fills.
/// </summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly TempFolder _data = new();
    private readonly TempFolder _runs = new();
    private readonly List<IBrowserContext> _contexts = [];
    private readonly IRunListener[] _listeners;

    public RunningServer(params IRunListener[] listeners) : this(null, listeners) { }

    private RunningServer(string? dataFolder, IRunListener[] listeners, Dictionary<string, string>? settings = null)
    {
        _listeners = listeners;
        if (dataFolder is null)
        {
            SyntheticData.WriteMnistLike(_data.Path, train: 40, test: 10);
            SyntheticData.WriteCifarLike(_data.Path, perBatch: 8);
        }
        Factory = new DashboardFactory(dataFolder ?? _data.Path, _runs.Path, listeners) { Settings = settings ?? [] };
        Factory.UseKestrel(0);
        Factory.StartServer();
        BaseUrl = Factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    /// <summary>A server on the repository's data folder (real MNIST, installed by scripts/setup.sh).</summary>
    public static RunningServer RealData()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Dashboard.sln")))
        {
            root = root.Parent;
        }
        var data = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Dashboard.sln not found above the test binaries."), "data");
        if (!File.Exists(Path.Combine(data, "mnist", "train-images-idx3-ubyte")))
        {
            throw new InvalidOperationException($"MNIST is not in {data}: run scripts/setup.sh (scripts/test.sh does).");
        }
        return new RunningServer(data, []);
    }

    /// <summary>A server that behaves as if reachable from other machines: control needs <paramref name="token"/>.</summary>
    public static RunningServer Protected(string token) =>
        new(null, [], new() { ["Security:RequireOperator"] = "true", ["Security:OperatorToken"] = token });

    /// <summary>A server with more configuration, e.g. Security:AllowedHosts.</summary>
    public static RunningServer With(Dictionary<string, string> settings, params IRunListener[] listeners) => new(null, listeners, settings);

    public DashboardFactory Factory { get; }
    public string BaseUrl { get; }

    /// <summary>Starts a run through the API and waits until it has finished.</summary>
    public async Task<RunRecord> Train(object config)
    {
        using var client = Factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/runs", config);
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<RunRecord>(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        return await Factory.WaitFinished(created!.Id);
    }

    /// <summary>Opens a page in a fresh browser context and waits until the circuit is interactive.</summary>
    public async Task<IPage> Open(IBrowser browser, string path, int width = 1280, int height = 720)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync(BaseUrl + path);
        await page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        // Close the pages first, so no circuit or hub connection holds the server's shutdown up,
        // and let go of a held epoch (a test that failed before releasing it would else time the shutdown out and hide its own error).
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
        foreach (var listener in _listeners.OfType<IDisposable>())
        {
            listener.Dispose();
        }
        await Factory.DisposeAsync();
        _data.Dispose();
        _runs.Dispose();
    }
}
