using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Dashboard.Shared.Runs;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

/// <summary>
/// The Host and Origin checks leave the dashboard whole under every name a user may type for it (127.0.0.1,
/// localhost, a configured name), and refuse a name it was not given, as a DNS-rebinding page would send.
/// </summary>
public class HostNameTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string[] InteractivePages = ["/", "/train", "/runs", "/draw", "/datasets"];

    [Fact]
    public async Task Every_page_works_at_127_0_0_1_at_localhost_and_at_a_configured_name_and_a_foreign_name_gets_400()
    {
        await using var server = RunningServer.With(new() { ["Security:AllowedHosts"] = BrowserFixture.ConfiguredName });
        var port = new Uri(server.BaseUrl).Port;
        var trained = await server.Train(new { model = "logreg", epochs = 1, batchSize = 8, device = "cpu" });
        Assert.Equal(RunStatus.Completed, trained.Status);

        foreach (var origin in new[] { $"http://127.0.0.1:{port}", $"http://localhost:{port}", $"http://{BrowserFixture.ConfiguredName}:{port}" })
        {
            var context = await browser.Browser.NewContextAsync();
            var page = await context.NewPageAsync();
            var errors = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    errors.Add($"{page.Url}: {message.Text}");
                }
            };
            page.Response += (_, response) =>
            {
                if (response.Status >= 400)
                {
                    errors.Add($"{response.Status} {response.Url}");
                }
            };
            foreach (var path in InteractivePages)
            {
                await page.GotoAsync(origin + path);
                // The circuit (Blazor's WebSocket, with this page's Origin) is up.
                await page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            }
            await page.GotoAsync(origin + "/login");
            await Assertions.Expect(page.GetByTestId("login-open")).ToBeVisibleAsync();

            // The run page's charts get the run's history over the training hub (its WebSocket, with this page's Origin).
            await page.GotoAsync($"{origin}/runs/{trained.Id}");
            await page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            await Assertions.Expect(page.GetByTestId("loss-chart")).ToHaveAttributeAsync("data-points", "1");

            // Control over the circuit: Start opens the new run's page, which follows it live to the end.
            await StartAndWatch(page, origin);
            Assert.True(errors.Count == 0, string.Join("\n", errors));
            await context.CloseAsync();
        }

        var foreign = await browser.Browser.NewContextAsync();
        var refused = await (await foreign.NewPageAsync()).GotoAsync($"http://{BrowserFixture.ForeignName}:{port}/train");
        Assert.Equal(400, refused!.Status);
        await foreign.CloseAsync();
    }

    [Fact]
    public async Task Behind_a_TLS_proxy_on_this_machine_every_name_it_was_given_works_over_https_with_the_hub_and_control()
    {
        await using var server = RunningServer.With(new()
        {
            ["Security:AllowedHosts"] = BrowserFixture.ConfiguredName, ["Security:Proxies"] = "127.0.0.1", ["Security:OperatorToken"] = "tls-proxy-token",
        });
        using var folder = new TempFolder();
        var pem = Path.Combine(folder.Path, "dashboard.pem");
        File.WriteAllText(pem, SelfSigned(BrowserFixture.ConfiguredName));
        var balancer = Path.Combine(folder.Path, "balancer");
        var port = PostgresFixture.FreePort();
        var url = ProjectScripts.Run("balancer.sh", ["start", balancer, port.ToString(), new Uri(server.BaseUrl).Port.ToString()], new() { ["BALANCER_PEM"] = pem }).Trim();
        try
        {
            Assert.Equal($"https://127.0.0.1:{port}", url);
            var context = await browser.Browser.NewContextAsync(new() { IgnoreHTTPSErrors = true });
            var page = await context.NewPageAsync();
            var origin = $"https://{BrowserFixture.ConfiguredName}:{port}";
            // The page's origin is https; the dashboard sees plain HTTP from the proxy, which says https in X-Forwarded-Proto.
            // This browser is on the proxy's machine: the proxy names it (127.0.0.1), so it is local and may start runs.
            await StartAndWatch(page, origin);
            await context.CloseAsync();
        }
        finally
        {
            ProjectScripts.Run("balancer.sh", ["stop", balancer]);
        }
    }

    /// <summary>Starts a two-epoch run from the Train page at this origin and watches it to the end on the run's page.</summary>
    private static async Task StartAndWatch(IPage page, string origin)
    {
        await page.GotoAsync(origin + "/train?model=logreg&epochs=2&batchSize=8&optimizer=sgd&lr=0.05");
        await page.GetByTestId("interactive").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await page.GetByTestId("start").ClickAsync();
        // Polls the address: Blazor navigates in the document, an event WaitForURLAsync at times missed (it then waited for a load).
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"^{Regex.Escape(origin)}/runs/\\d+$"), new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("run-status")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("loss-chart")).ToHaveAttributeAsync("data-points", "2");
    }

    /// <summary>A throwaway certificate for the name and its key, in one PEM file as HAProxy's "crt" takes it.</summary>
    private static string SelfSigned(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n";
    }
}
