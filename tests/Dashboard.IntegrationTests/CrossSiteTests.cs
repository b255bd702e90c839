using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Dashboard.Shared.Runs;

namespace Dashboard.IntegrationTests;

/// <summary>
/// Loopback is not a trust boundary: a web page can reach a loopback server by DNS rebinding (its own name then
/// arrives as the Host), by cross-site requests (its origin arrives as Origin) and through a proxy on the same host.
/// Each server here listens on a real loopback port, as scripts/run.sh's does.
/// </summary>
public sealed class CrossSiteTests : IDisposable
{
    private const string Token = "cross-site-operator-token";
    private const string Foreign = "http://evil.example";
    private readonly TempFolder _data = new();
    private readonly TempFolder _runs = new();
    private readonly List<DashboardFactory> _factories = [];

    public CrossSiteTests() => SyntheticData.WriteMnistLike(_data.Path, train: 60, test: 10);

    private (DashboardFactory Factory, Uri Url) Start(Dictionary<string, string>? settings = null)
    {
        var factory = new DashboardFactory(_data.Path, Path.Combine(_runs.Path, _factories.Count.ToString()))
        {
            Settings = settings ?? [],
        };
        _factories.Add(factory);
        factory.UseKestrel(0);
        factory.StartServer();
        // 127.0.0.1 explicitly: the peer address is then the one the proxy settings name.
        var port = factory.ClientOptions.BaseAddress.Port;
        return (factory, new Uri($"http://127.0.0.1:{port}"));
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri server, string path, string? host = null, string? origin = null, HttpContent? content = null,
        string? forwardedFor = null, string? token = null)
    {
        var request = new HttpRequestMessage(method, new Uri(server, path)) { Content = content };
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    private static JsonContent TinyRun() => JsonContent.Create(RunsApiTests.Tiny(epochs: 1));

    private static MultipartFormDataContent Picture() => new() { { new ByteArrayContent(new byte[64]) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "image", "x.png" } };

    /// <summary>The status of a WebSocket handshake with the given Origin (101 when it opened).</summary>
    private static async Task<HttpStatusCode> Handshake(Uri server, string path, string origin)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", origin);
        try
        {
            await socket.ConnectAsync(new Uri($"ws://{server.Authority}{path}"), CancellationToken.None);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // The status of a refused handshake is kept on the socket.
        }
        return socket.HttpStatusCode;
    }

    [Fact]
    public async Task A_foreign_Host_is_refused_on_a_page_the_API_and_the_hub_and_the_servers_own_and_configured_names_are_served()
    {
        var (factory, url) = Start(new() { ["Security:AllowedHosts"] = "dashboard.test" });
        using var client = new HttpClient();
        var port = url.Port;
        foreach (var host in new[] { $"evil.example:{port}", "evil.example", $"127.0.0.1.evil.example:{port}", $"localhost.evil.example:{port}" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(Request(HttpMethod.Get, url, "/", host))).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(Request(HttpMethod.Get, url, "/api/runs", host))).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(Request(HttpMethod.Post, url, "/hubs/training/negotiate?negotiateVersion=1", host))).StatusCode);
            // What DNS rebinding would do with the user's runs: nothing is queued.
            Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(Request(HttpMethod.Post, url, "/api/runs", host, content: TinyRun()))).StatusCode);
        }
        Assert.Empty((await client.GetFromJsonAsync<List<RunRecord>>(new Uri(url, "/api/runs"), RunsApiTests.Json))!);

        foreach (var host in new[] { $"127.0.0.1:{port}", $"localhost:{port}", $"LOCALHOST:{port}", $"[::1]:{port}", $"dashboard.test:{port}" })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(HttpMethod.Get, url, "/", host))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(HttpMethod.Get, url, "/api/runs", host))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(HttpMethod.Post, url, "/hubs/training/negotiate?negotiateVersion=1", host))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Request(HttpMethod.Post, url, "/api/runs", $"dashboard.test:{port}", content: TinyRun()))).StatusCode);
        Assert.Contains(factory.Logs, line => line.Contains("evil.example"));
    }

    [Fact]
    public async Task A_foreign_Origin_is_refused_on_the_hubs_WebSocket_Blazors_circuit_a_JSON_request_and_a_multipart_request()
    {
        var (_, url) = Start(new() { ["Security:AllowedOrigins"] = "https://dashboard.example.com" });
        var own = $"http://127.0.0.1:{url.Port}";
        using var client = new HttpClient();

        foreach (var origin in new[] { Foreign, "null", $"http://127.0.0.1:{url.Port + 1}", $"https://127.0.0.1:{url.Port}", "http://dashboard.example.com" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, await Handshake(url, "/hubs/training", origin));
            Assert.Equal(HttpStatusCode.Forbidden, await Handshake(url, "/_blazor", origin));
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Request(HttpMethod.Post, url, "/hubs/training/negotiate?negotiateVersion=1", origin: origin))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Request(HttpMethod.Post, url, "/_blazor/negotiate?negotiateVersion=1", origin: origin))).StatusCode);
            var json = await client.SendAsync(Request(HttpMethod.Post, url, "/api/runs", origin: origin, content: TinyRun()));
            Assert.Equal(HttpStatusCode.Forbidden, json.StatusCode);
            Assert.Contains("Cross-origin request refused", await json.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Request(HttpMethod.Post, url, "/api/runs/1/predict", origin: origin, content: Picture()))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Request(HttpMethod.Delete, url, "/api/runs/1", origin: origin))).StatusCode);
        }
        Assert.Empty((await client.GetFromJsonAsync<List<RunRecord>>(new Uri(url, "/api/runs"), RunsApiTests.Json))!);
        // Reading is not refused: CORS keeps a foreign page from seeing the answer.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(HttpMethod.Get, url, "/api/runs", origin: Foreign))).StatusCode);

        // The dashboard's own origin (as typed with localhost too), a configured one, and no Origin at all (scripts) pass.
        foreach (var (origin, host) in new (string?, string?)[] { (own, null), ($"http://localhost:{url.Port}", $"localhost:{url.Port}"), ("https://dashboard.example.com", null), (null, null) })
        {
            if (origin is not null)
            {
                Assert.Equal(HttpStatusCode.SwitchingProtocols, await Handshake(host is null ? url : new Uri($"http://{host}"), "/hubs/training", origin));
            }
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(HttpMethod.Post, url, "/_blazor/negotiate?negotiateVersion=1", host, origin))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Request(HttpMethod.Post, url, "/api/runs", host, origin, TinyRun()))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await Handshake(url, "/_blazor", own));
    }

    [Fact]
    public async Task A_request_forwarded_by_a_configured_proxy_needs_the_operator_token_unless_the_proxy_names_a_loopback_client()
    {
        var (factory, url) = Start(new() { ["Security:Proxies"] = "127.0.0.1", ["Security:OperatorToken"] = Token });
        using var client = new HttpClient();
        async Task<HttpStatusCode> Post(string? forwardedFor, string? token = null, string? origin = null, string? proto = null)
        {
            var request = Request(HttpMethod.Post, url, "/api/runs", forwardedFor: forwardedFor, token: token, origin: origin, content: TinyRun());
            if (proto is not null)
            {
                request.Headers.Add("X-Forwarded-Proto", proto);
            }
            var response = await client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                await factory.WaitFinished((await response.Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!.Id);
            }
            return response.StatusCode;
        }

        // A remote client behind the proxy, even one that claims to be local before the proxy appends its address.
        Assert.Equal(HttpStatusCode.Unauthorized, await Post("203.0.113.7"));
        Assert.Equal(HttpStatusCode.Unauthorized, await Post("127.0.0.1, 203.0.113.7"));
        // A proxy that names no client: where the request came from is unknown.
        Assert.Equal(HttpStatusCode.Unauthorized, await Post(null));
        Assert.Equal(HttpStatusCode.Created, await Post("203.0.113.7", Token));
        // A browser on this machine behind the proxy is local, as it is without the proxy.
        Assert.Equal(HttpStatusCode.Created, await Post("127.0.0.1"));
        // The proxy's scheme is the page's: a TLS proxy's page posts with an https origin.
        Assert.Equal(HttpStatusCode.Created, await Post("203.0.113.7", Token, $"https://127.0.0.1:{url.Port}", "https"));
        Assert.Equal(HttpStatusCode.Forbidden, await Post("203.0.113.7", Token, $"https://127.0.0.1:{url.Port}"));

        // The login page offers the form to a client behind the proxy and says none is needed to a local one.
        Assert.Contains("data-testid=\"login-form\"", await (await client.SendAsync(Request(HttpMethod.Get, url, "/login", forwardedFor: "203.0.113.7"))).Content.ReadAsStringAsync());
        Assert.Contains("data-testid=\"login-open\"", await (await client.SendAsync(Request(HttpMethod.Get, url, "/login", forwardedFor: "127.0.0.1"))).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_request_forwarded_by_a_proxy_that_is_not_configured_counts_as_remote_whatever_client_it_names()
    {
        var (factory, url) = Start(new() { ["Security:OperatorToken"] = Token });
        using var client = new HttpClient();
        foreach (var (name, value) in new[] { ("X-Forwarded-For", "127.0.0.1"), ("Forwarded", "for=127.0.0.1"), ("X-Forwarded-Proto", "http"), ("X-Real-IP", "127.0.0.1") })
        {
            var request = Request(HttpMethod.Post, url, "/api/runs", content: TinyRun());
            request.Headers.Add(name, value);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request)).StatusCode);
        }
        var direct = await client.SendAsync(Request(HttpMethod.Post, url, "/api/runs", content: TinyRun()));
        Assert.Equal(HttpStatusCode.Created, direct.StatusCode);
        await factory.WaitFinished((await direct.Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!.Id);
    }

    public void Dispose()
    {
        foreach (var factory in _factories)
        {
            factory.Dispose();
        }
        _data.Dispose();
        _runs.Dispose();
    }
}
