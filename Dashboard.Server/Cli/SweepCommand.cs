using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Sweeps;

namespace Dashboard.Server.Cli;

/// <summary>
/// <c>dotnet run --project Dashboard.Server -- sweep FILE.json [--server URL]</c>: starts the sweep the file describes on a
/// running dashboard (its trials queue as runs there, on a team over every trainer) and follows it: a line per trial as it
/// ends or is pruned, then the trials and the best. Exit codes: 0 the sweep completed, 1 it stopped or the server could
/// not be reached, 2 bad options or a sweep the server refused, 130 interrupted (Ctrl+C; the sweep goes on).
/// </summary>
public static class SweepCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null) =>
        Verbs.Invoke(args, output, error, (output, error) => Command(output, error));

    /// <summary>The verb's options and action (Run parses and invokes it; the docs' test parses every documented command).</summary>
    public static RootCommand Command(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("FILE") { Description = "The sweep as JSON: { base, method, trials, parallel, space, metric, earlyStopping } (docs/sweeps.md)." };
        var server = new Option<string>("--server") { Description = "The dashboard's address.", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var token = new Option<string?>("--token") { Description = "The operator token, for a shared server (default: $Security__OperatorToken)." };
        var detach = new Option<bool>("--detach") { Description = "Start the sweep and exit without following it." };
        var every = new Option<double>("--poll") { Description = "Seconds between looks at the sweep while following it.", DefaultValueFactory = _ => 2 };
        var command = new RootCommand("Start a hyperparameter sweep on a running dashboard and follow it to its end.")
        {
            file, server, token, detach, every,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var text = parse.GetValue(server)!;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            {
                error.WriteLine($"error: server: expected an http(s) address such as http://127.0.0.1:5000, got '{text}'.");
                return 2;
            }
            if (parse.GetValue(every) is not (>= 0.05 and <= 3600) and var poll)
            {
                error.WriteLine($"error: poll: must be 0.05 to 3600 seconds, got {poll}.");
                return 2;
            }
            SweepSpec? spec;
            try
            {
                spec = JsonSerializer.Deserialize<SweepSpec>(File.ReadAllText(parse.GetValue(file)!), Json);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                error.WriteLine($"error: {parse.GetValue(file)}: {e.Message}");
                return 2;
            }
            using var http = new HttpClient { BaseAddress = address };
            if ((parse.GetValue(token) ?? Environment.GetEnvironmentVariable("Security__OperatorToken")) is { Length: > 0 } operatorToken)
            {
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
            }
            try
            {
                return await StartAndFollow(http, spec!, parse.GetValue(detach), TimeSpan.FromSeconds(parse.GetValue(every)), output, error, cancellation);
            }
            catch (OperationCanceledException)
            {
                error.WriteLine("interrupted (the sweep goes on on the server)");
                return 130;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
            {
                error.WriteLine($"error: {address}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> StartAndFollow(HttpClient http, SweepSpec spec, bool detach, TimeSpan every, TextWriter output, TextWriter error,
        CancellationToken cancellation)
    {
        using var response = await http.PostAsJsonAsync("api/sweeps", spec, Json, cancellation);
        if (response.StatusCode is HttpStatusCode.BadRequest)
        {
            var refused = await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellation);
            error.WriteLine("error: the server refused the sweep:");
            foreach (var field in refused.GetProperty("errors").EnumerateObject())
            {
                error.WriteLine($"  {field.Name}: {string.Join(" ", field.Value.EnumerateArray().Select(m => m.GetString()))}");
            }
            return 2;
        }
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            error.WriteLine($"error: {(int)response.StatusCode}: this server needs the operator token (--token or $Security__OperatorToken).");
            return 2;
        }
        response.EnsureSuccessStatusCode();
        var sweep = (await response.Content.ReadFromJsonAsync<SweepRecord>(Json, cancellation))!;
        output.WriteLine($"sweep #{sweep.Id}: {sweep.Budget} trials, {sweep.Spec.Parallel} at once, {new Uri(http.BaseAddress!, $"sweeps/{sweep.Id}")}");
        if (detach)
        {
            return 0;
        }
        var told = new HashSet<int>();
        // Polling: a sweep's news comes at the pace of epochs, and the API's record has everything a line needs.
        while (true)
        {
            foreach (var trial in sweep.Trials.Where(t => !t.Status.IsActive() && told.Add(t.Number)))
            {
                output.WriteLine($"trial {trial.Number} (run #{trial.RunId}) {trial.Status.ToString().ToLowerInvariant()} after {trial.EpochsTrained} epochs: " +
                    $"{sweep.Spec.Metric.Name} {Value(sweep, trial.Metric)} ({SweepAnalysis.Describe(trial.Parameters)})");
            }
            if (sweep.Status != SweepStatus.Running)
            {
                break;
            }
            await Task.Delay(every, cancellation);
            sweep = (await http.GetFromJsonAsync<SweepRecord>($"api/sweeps/{sweep.Id}", Json, cancellation))!;
        }
        output.WriteLine($"sweep #{sweep.Id} {sweep.Status.ToString().ToLowerInvariant()}: {sweep.Trials.Count} trials, {sweep.Trials.Sum(t => t.EpochsTrained)} epochs trained, " +
            $"{sweep.Trials.Count(t => t.Status == RunStatus.Pruned)} pruned");
        if (sweep.Best is { } best)
        {
            output.WriteLine($"best: trial {best.Number} (run #{best.RunId}): {sweep.Spec.Metric.Name} {Value(sweep, best.Metric)}" +
                $"{(best.TestAccuracy is { } test ? $", test accuracy {test:P2}" : "")} ({SweepAnalysis.Describe(best.Parameters)})");
        }
        if (sweep.Error is { } problem)
        {
            error.WriteLine($"error: {problem}");
        }
        return sweep.Status == SweepStatus.Completed ? 0 : 1;
    }

    private static string Value(SweepRecord sweep, double? value) =>
        value is { } v ? sweep.Spec.Metric.Format(v) : "none";
}
