using System.Net.Http.Json;
using System.Reflection;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Components;
using Xunit.Abstractions;

namespace Dashboard.IntegrationTests;

/// <summary>
/// Every page route the client assembly declares, with every query parameter its pages read,
/// gets bad values one at a time and all together. No answer may be a 5xx. Pages and
/// parameters are found by reflection, so a new page or parameter is swept without editing this.
/// </summary>
public sealed class PageQuerySweepTests(ITestOutputHelper output) : ApiTestBase(train: 100, test: 10)
{
    private static readonly string[] BadValues =
        ["NaN", "Infinity", "-Infinity", "1e309", "-1", "0", "2147483648", "99999999999", "abc", "", "%00", "1.5", "true", "..%2F..%2Fetc", new string('9', 500), "%E2%82%AC"];

    private static IEnumerable<(string Route, string[] Parameters)> Pages() =>
        typeof(Dashboard.Client.Routes).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t))
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>().Select(route => (route.Template,
                t.GetProperties().Select(p => p.GetCustomAttribute<SupplyParameterFromQueryAttribute>() is { } query ? query.Name ?? p.Name : null)
                    .OfType<string>().ToArray())));

    [Fact]
    public async Task Every_page_with_any_bad_query_value_answers_without_a_5xx()
    {
        var run = await (await Client.PostAsJsonAsync("/api/runs", RunsApiTests.Tiny(epochs: 1))).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json);
        await Factory.WaitFinished(run!.Id);

        var pages = Pages().ToList();
        Assert.Contains(pages, p => p.Route == "/train" && p.Parameters.Contains("epochs"));
        Assert.Contains(pages, p => p.Route == "/runs" && p.Parameters.Contains("run"));
        var urls = new List<string>();
        foreach (var (route, parameters) in pages)
        {
            urls.Add(route);
            urls.AddRange(parameters.SelectMany(name => BadValues.Select(value => $"{route}?{name}={value}")));
            urls.AddRange(BadValues.Select(value => route + "?" + string.Join("&", parameters.Select(name => $"{name}={value}"))));
            urls.AddRange(parameters.Select(name => $"{route}?{name}=1&{name}=2"));
        }
        var failures = new List<string>();
        foreach (var url in urls)
        {
            var response = await Client.GetAsync(url);
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"GET {url} -> {(int)response.StatusCode}");
            }
        }
        output.WriteLine($"{urls.Count} requests to {pages.Count} page routes, {failures.Count} answered 5xx");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }
}
