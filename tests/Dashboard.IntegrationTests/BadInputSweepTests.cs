using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dashboard.IntegrationTests;

/// <summary>
/// Fuzz-style: every API endpoint the server maps gets seeded, generated bad input (odd route
/// values and queries, malformed, mistyped, extreme and oversized bodies). No answer may be a
/// 5xx, and the server must still answer afterwards. Bounded: 40 requests per endpoint.
/// </summary>
public sealed class BadInputSweepTests(ITestOutputHelper output) : ApiTestBase(train: 100, test: 10)
{
    private const int RequestsPerEndpoint = 40;

    private static readonly string[] Fields =
    [
        "dataset", "model", "layers", "optimizer", "learningRate", "momentum", "weightDecay", "batchSize", "epochs",
        "validationFraction", "seed", "device", "normalizeMean", "normalizeStd", "trainLimit", "testLimit",
        "includeSamples", "startFrom", "pixels", "bytes", "label", "kind", "in", "out", "kernel", "p",
    ];

    private static readonly string[] RouteValues = ["1", "0", "-1", "2147483647", "99999999999", "abc", "1.5", "%2E%2E%2F%2E%2E", "mnist", "cifar10", "nope", new string('9', 400)];
    private static readonly string[] QueryValues = ["-1", "0", "1", "abc", "99999999999", "NaN", "", "mnist", "..%2F..%2Fetc", "1e309", "true"];

    private static JsonNode? Value(Random random, int depth) => random.Next(depth > 2 ? 7 : 10) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonValue.Create(new[] { 0, -1, 1, int.MaxValue, int.MinValue, 65537, 784 }[random.Next(7)]),
        3 => JsonValue.Create(new[] { 1e308, -1e308, 1e-320, 0.5, -0.0, 3.4e38, 10.0001 }[random.Next(7)]),
        4 => JsonValue.Create(new[] { "", "NaN", "Infinity", "cuda:99", "../../etc/passwd", "mnist", "cnn-bn", "Adam", "Linear", new string('x', 20_000) }[random.Next(10)]),
        5 => JsonValue.Create(Convert.ToBase64String(new byte[random.Next(0, 4000)])),
        6 => JsonValue.Create(random.NextDouble() * 4 - 2),
        7 => new JsonArray([.. Enumerable.Range(0, new[] { 0, 1, 783, 784, 785, 3072, 5000 }[random.Next(7)]).Select(_ => (JsonNode?)JsonValue.Create(random.NextDouble() * 3 - 1))]),
        8 => new JsonArray([.. Enumerable.Range(0, random.Next(4)).Select(_ => Value(random, depth + 1))]),
        _ => Object(random, depth + 1),
    };

    private static JsonObject Object(Random random, int depth)
    {
        var result = new JsonObject();
        for (var i = random.Next(1, 6); i > 0; i--)
        {
            result[Fields[random.Next(Fields.Length)]] = Value(random, depth);
        }
        return result;
    }

    private static HttpContent? Body(Random random) => random.Next(8) switch
    {
        0 => null,
        1 => new StringContent(new[] { "{", "[1,2", "nul", "{\"pixels\":[NaN]}", "{\"epochs\":1e999}", "\"text\"", "{\"a\":}", "" }[random.Next(8)], Encoding.UTF8, "application/json"),
        2 => new ByteArrayContent([.. Enumerable.Range(0, 300).Select(_ => (byte)random.Next(256))]) { Headers = { { "Content-Type", "application/json" } } },
        3 => new StringContent(new string('[', 5000), Encoding.UTF8, "application/json"),
        4 => new StringContent("{\"pixels\":[" + string.Join(",", Enumerable.Repeat("0.5", 300_000)) + "]}", Encoding.UTF8, "application/json"),
        5 => new StringContent("token=x&returnUrl=//evil", Encoding.UTF8, "application/x-www-form-urlencoded"),
        _ => JsonContent.Create(Value(random, 0) is JsonObject o && random.Next(2) == 0 ? o : Object(random, 0)),
    };

    [Fact]
    public async Task Generated_bad_input_to_every_endpoint_never_gets_a_5xx_and_the_server_keeps_answering()
    {
        // A run and a sample to aim at, so id-taking endpoints reach their own validation.
        var run = await (await Client.PostAsJsonAsync("/api/runs", RunsApiTests.Tiny(epochs: 1))).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json);
        await Factory.WaitFinished(run!.Id);
        await Client.PostAsJsonAsync("/api/samples", new { dataset = "mnist", label = 3, pixels = new float[784] });

        var endpoints = Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/api", StringComparison.Ordinal) || raw.StartsWith("/account", StringComparison.Ordinal) || raw == "/healthz"))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern)))
            .ToList();
        Assert.True(endpoints.Count >= 20, $"only {endpoints.Count} endpoints found");

        var random = new Random(20261124);
        var failures = new List<string>();
        var sent = 0;
        foreach (var (method, pattern) in endpoints)
        {
            for (var i = 0; i < RequestsPerEndpoint; i++)
            {
                var path = string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part =>
                    part is Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal ? literal.Content
                    : part is Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart ? RouteValues[random.Next(RouteValues.Length)]
                    : ""))));
                var query = string.Join("&", Enumerable.Range(0, random.Next(3)).Select(_ =>
                    $"{new[] { "limit", "count", "seed", "dataset", "returnUrl" }[random.Next(5)]}={QueryValues[random.Next(QueryValues.Length)]}"));
                using var request = new HttpRequestMessage(new HttpMethod(method), "/" + path + (query.Length > 0 ? "?" + query : ""));
                if (method is "POST" or "PUT" or "PATCH" or "DELETE")
                {
                    request.Content = Body(random);
                }
                var described = $"{method} {request.RequestUri}";
                var response = await Client.SendAsync(request);
                sent++;
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{described} -> {(int)response.StatusCode}: {(await response.Content.ReadAsStringAsync())[..Math.Min(300, (int)(response.Content.Headers.ContentLength ?? 300))]}");
                }
            }
        }
        output.WriteLine($"{sent} requests to {endpoints.Count} endpoints, {failures.Count} answered 5xx");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/api/runs")).StatusCode);
    }
}
