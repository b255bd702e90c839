using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Dashboard.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.IntegrationTests;

/// <summary>docs/api.md against the server: its table names every endpoint the server maps under /api (and no other), and its curl example does what it says.</summary>
public sealed partial class DocumentedApiTests : ApiTestBase
{
    public DocumentedApiTests() : base(train: 200, test: 50) { }

    private static readonly string Page = File.ReadAllText(Repository.Path("docs", "api.md"));

    [GeneratedRegex(@"`(?<method>GET|POST|PUT|PATCH|DELETE) (?<path>/[^`?\s]*)")]
    private static partial Regex Endpoint();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();

    private static string Shape(string method, string path) => $"{method} {Parameter().Replace(path, "{}").TrimEnd('/')}";

    [Fact]
    public void The_table_lists_every_api_endpoint_the_server_maps_and_no_other()
    {
        var documented = Endpoint().Matches(Page).Select(m => Shape(m.Groups["method"].Value, m.Groups["path"].Value))
            .Where(e => e.Contains(" /api/", StringComparison.Ordinal)).ToHashSet();
        var mapped = Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => Shape(method, e.RoutePattern.RawText!)))
            .ToHashSet();
        Assert.True(mapped.Count > 30, $"only {mapped.Count} endpoints mapped");
        Assert.Empty(mapped.Except(documented).Order());
        Assert.Empty(documented.Except(mapped).Order());
    }

    [GeneratedRegex(@"```sh\s*(?<command>curl .*?)```", RegexOptions.Singleline)]
    private static partial Regex CurlExample();

    [Fact]
    public async Task The_curl_example_creates_the_run_it_shows()
    {
        var command = CurlExample().Match(Page).Groups["command"].Value;
        var method = Regex.Match(command, @"-X (\w+)").Groups[1].Value;
        var url = new Uri(Regex.Match(command, @"(http://\S+)").Groups[1].Value);
        var body = Regex.Match(command, @"-d '(?<body>[^']*)'", RegexOptions.Singleline).Groups["body"].Value;
        Assert.Equal("http://127.0.0.1:5000/api/runs", url.ToString()); // the address scripts/run.sh prints

        var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url.PathAndQuery)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        });
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {answer}");
        Assert.Contains("\"model\":\"cnn-small\"", answer, StringComparison.Ordinal);
        await Client.PostAsync($"{response.Headers.Location}/stop", null);
    }
}
