using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dashboard.Shared.Runs;

namespace Dashboard.IntegrationTests;

/// <summary>A server reachable from other machines: watching is open, control needs the operator token.</summary>
public sealed partial class SecurityTests : IDisposable
{
    private const string Token = "s3cret-operator-token-for-tests";
    private readonly TempFolder _data = new();
    private readonly TempFolder _runs = new();
    private readonly DashboardFactory _factory;

    public SecurityTests()
    {
        SyntheticData.WriteMnistLike(_data.Path, train: 100, test: 10);
        _factory = new DashboardFactory(_data.Path, _runs.Path)
        {
            Settings = { ["Security:RequireOperator"] = "true", ["Security:OperatorToken"] = Token },
        };
    }

    private static readonly object TinyRun = RunsApiTests.Tiny(epochs: 1);

    /// <summary>Every control action, each answering with the given client.</summary>
    private static Task<HttpResponseMessage>[] ControlActions(HttpClient client, int runId, int sampleId) =>
    [
        client.PostAsJsonAsync("/api/runs", TinyRun),
        client.PostAsync($"/api/runs/{runId}/stop", null),
        client.PostAsync($"/api/runs/{runId}/resume", null),
        client.DeleteAsync($"/api/runs/{runId}"),
        client.PostAsJsonAsync("/api/samples", new { dataset = "mnist", label = 1, pixels = new float[784] }),
        client.DeleteAsync($"/api/samples/{sampleId}"),
        // A learning-rate sweep takes the server's cores for seconds.
        client.PostAsJsonAsync("/api/lr-find", new { config = new { model = "logreg", batchSize = 16, device = "cpu" }, batches = 10, seeds = 1 }),
        // Importing pictures writes to the data folder and takes the cores; renaming and deleting change what runs train on.
        client.PostAsync("/api/datasets", new MultipartFormDataContent { { new ByteArrayContent([80, 75, 5, 6]), "archive", "a.zip" }, { new StringContent("x"), "name" } }),
        client.PostAsync("/api/datasets/uploads", new MultipartFormDataContent { { new ByteArrayContent([80, 75, 5, 6]), "archive", "a.zip" } }),
        client.PostAsJsonAsync("/api/datasets", new { folder = "/", name = "root" }),
        client.DeleteAsync("/api/datasets/x"),
        client.PostAsync("/api/datasets/x/cancel", null),
        client.PostAsJsonAsync("/api/datasets/x/rename", new { name = "y" }),
    ];

    private HttpClient Operator()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    [Fact]
    public async Task Without_the_token_every_control_action_is_refused_while_watching_stays_open()
    {
        var run = await _factory.WaitFinished((await (await Operator().PostAsJsonAsync("/api/runs", TinyRun)).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!.Id);
        var anonymous = _factory.CreateClient();
        var wrong = _factory.CreateClient();
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "guess");
        foreach (var client in new[] { anonymous, wrong })
        {
            var refused = await Task.WhenAll(ControlActions(client, run.Id, 1));
            Assert.All(refused, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        }
        Assert.Contains("operator token", await (await anonymous.PostAsJsonAsync("/api/runs", TinyRun)).Content.ReadAsStringAsync());
        foreach (var path in new[] { "/api/runs", $"/api/runs/{run.Id}", $"/api/runs/{run.Id}/checkpoint", $"/api/runs/{run.Id}/confusion", "/api/datasets", "/api/samples", "/healthz", "/train", "/runs" })
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(path)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync($"/api/runs/{run.Id}/predict", new { pixels = new float[784] })).StatusCode);
        // Looking inside a run's network is watching, as predict is.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync($"/api/runs/{run.Id}/xray", new { pixels = new float[784] })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync($"/api/runs/{run.Id}/explain", new { pixels = new float[784], target = 1 })).StatusCode);
        Assert.Single((await anonymous.GetFromJsonAsync<List<RunRecord>>("/api/runs", RunsApiTests.Json))!);
    }

    [Fact]
    public async Task With_the_token_every_control_action_works()
    {
        var client = Operator();
        var created = await client.PostAsJsonAsync("/api/runs", TinyRun);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var run = await _factory.WaitFinished((await created.Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!.Id);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/runs/{run.Id}/stop", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/runs/{run.Id}/resume", null)).StatusCode);
        var sample = await client.PostAsJsonAsync("/api/samples", new { dataset = "mnist", label = 1, pixels = new float[784] });
        Assert.Equal(HttpStatusCode.Created, sample.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/samples/1")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/runs/{run.Id}")).StatusCode);
    }

    [Fact]
    public async Task Logging_in_on_the_login_page_sets_a_cookie_that_allows_control_and_a_wrong_token_does_not()
    {
        var browser = _factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        async Task<HttpResponseMessage> LogIn(string token)
        {
            var page = await browser.GetStringAsync("/login");
            var antiforgery = AntiforgeryField().Match(page);
            Assert.True(antiforgery.Success, "the login form carries an antiforgery token");
            return await browser.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = antiforgery.Groups[1].Value, ["token"] = token, ["returnUrl"] = "/train",
            }));
        }

        var failed = await LogIn("guess");
        Assert.Equal(HttpStatusCode.Redirect, failed.StatusCode);
        Assert.StartsWith("/login?failed=true", failed.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsJsonAsync("/api/runs", TinyRun)).StatusCode);

        var success = await LogIn(Token);
        Assert.Equal(HttpStatusCode.Redirect, success.StatusCode);
        Assert.Equal("/train", success.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Created, (await browser.PostAsJsonAsync("/api/runs", TinyRun)).StatusCode);
    }

    [Fact]
    public async Task The_token_never_appears_in_the_logs_or_the_pages()
    {
        var client = Operator();
        await client.PostAsJsonAsync("/api/runs", TinyRun);
        var wrong = _factory.CreateClient();
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token + "x");
        await wrong.PostAsJsonAsync("/api/runs", TinyRun);
        foreach (var page in new[] { "/", "/login", "/train", "/runs", "/healthz" })
        {
            Assert.DoesNotContain(Token, await client.GetStringAsync(page));
        }
        Assert.NotEmpty(_factory.Logs);
        Assert.DoesNotContain(_factory.Logs, line => line.Contains(Token));
    }

    [Theory]
    [InlineData("/api/runs/..%2F..%2Fetc%2Fpasswd/checkpoint")]
    [InlineData("/api/runs/1%2F..%2F..%2Fdashboard.db/checkpoint")]
    [InlineData("/api/runs/..%2Fdashboard.db/checkpoint")]
    [InlineData("/api/runs/-1/checkpoint")]
    [InlineData("/api/runs/1/../dashboard.db")]
    public async Task Checkpoint_downloads_cannot_leave_the_runs_folder(string path)
    {
        var client = Operator();
        await _factory.WaitFinished((await (await client.PostAsJsonAsync("/api/runs", TinyRun)).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json))!.Id);
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("SQLite format", await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    public void Dispose()
    {
        _factory.Dispose();
        _data.Dispose();
        _runs.Dispose();
    }
}
