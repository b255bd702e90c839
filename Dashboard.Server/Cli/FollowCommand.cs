using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Dashboard.Server.Hubs;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Server.Cli;

/// <summary>
/// <c>dotnet run --project Dashboard.Server -- follow --server URL [--run ID]</c>: a dashboard's
/// run, live in a terminal through the .NET SignalR client. History first, then a progress bar
/// per epoch (plain lines when output is not a terminal) and a line per epoch, until the run ends.
/// Exit codes: 0 the run completed, 1 it failed or was cancelled or the server could not be
/// reached, 2 bad options or no such run, 130 interrupted (Ctrl+C).
/// </summary>
public static class FollowCommand
{
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null) =>
        Verbs.Invoke(args, output, error, (output, error) => Command(output, error));

    /// <summary>The verb's options and action (Run parses and invokes it; the docs' test parses every documented command).</summary>
    public static RootCommand Command(TextWriter output, TextWriter error)
    {
        var server = new Option<string>("--server") { Description = "The dashboard's address, e.g. http://127.0.0.1:5000.", Required = true };
        var run = new Option<int?>("--run") { Description = "The run to follow (default: the newest active run, else the next one queued)." };
        var command = new RootCommand("Follow a dashboard's run live in a terminal: its history, a progress bar per epoch and a line per epoch, until it ends.")
        {
            server, run,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var text = parse.GetValue(server)!;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            {
                error.WriteLine($"error: server: expected an http(s) address such as http://127.0.0.1:5000, got '{text}'.");
                return 2;
            }
            var interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
            try
            {
                return await Follow(address, parse.GetValue(run), output, error, interactive, cancellation);
            }
            catch (OperationCanceledException)
            {
                error.WriteLine("interrupted");
                return 130;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException or InvalidOperationException)
            {
                error.WriteLine($"error: {address}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> Follow(Uri server, int? runId, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellation)
    {
        var id = runId ?? await NewestActiveRun(server, cancellation) ?? await NextQueuedRun(server, output, cancellation);
        // One reader handles the hub's messages in the order they arrived.
        var messages = Channel.CreateUnbounded<(string Type, object Data)>(new() { SingleReader = true });
        await using var hub = Connect(server, messages.Writer);
        await hub.StartAsync(cancellation);
        if (!await hub.InvokeAsync<bool>(nameof(TrainingHub.FollowRun), id, cancellation))
        {
            error.WriteLine($"error: run: there is no run {id} on {server}.");
            return 2;
        }

        ConsoleProgress? console = null;
        await foreach (var (type, data) in messages.Reader.ReadAllAsync(cancellation))
        {
            switch (type, data)
            {
                case ("RunHistory", RunRecord history) when history.Id == id:
                    console = new ConsoleProgress(output, history.Config.Epochs, interactive);
                    output.WriteLine($"run #{history.Id}: {history.Config.Model} on {history.Config.Dataset}, {history.Config.Epochs} epochs, {Text(history.Status)}");
                    if (history.Started is { } started)
                    {
                        console.OnStarted(started);
                    }
                    history.Epochs.ToList().ForEach(console.OnEpoch);
                    if (!history.IsActive)
                    {
                        return Ended(history, console, output, error);
                    }
                    break;
                case ("RunStarted", RunRecord begun) when begun.Id == id && begun.Started is { } facts:
                    console?.OnStarted(facts);
                    break;
                case ("BatchProgress", RunBatch batch) when batch.RunId == id:
                    console?.OnBatch(batch.Progress);
                    break;
                case ("EpochCompleted", RunEpoch epoch) when epoch.RunId == id:
                    console?.OnEpoch(epoch.Metrics);
                    break;
                case ("RunCompleted" or "RunFailed" or "RunCancelled", RunRecord ended) when ended.Id == id && console is not null:
                    return Ended(ended, console, output, error);
            }
        }
        error.WriteLine($"error: the connection to {server} closed before run {id} ended.");
        return 1;
    }

    private static HubConnection Connect(Uri server, ChannelWriter<(string Type, object Data)> messages)
    {
        var hub = new HubConnectionBuilder().WithUrl(new Uri(server, TrainingHub.Path)).Build();
        foreach (var type in new[] { "RunQueued", "RunStarted", "RunCompleted", "RunFailed", "RunCancelled", "RunHistory" })
        {
            hub.On<RunRecord>(type, record => messages.TryWrite((type, record)));
        }
        hub.On<RunBatch>("BatchProgress", batch => messages.TryWrite(("BatchProgress", batch)));
        hub.On<RunEpoch>("EpochCompleted", epoch => messages.TryWrite(("EpochCompleted", epoch)));
        hub.Closed += e =>
        {
            messages.TryComplete(e);
            return Task.CompletedTask;
        };
        return hub;
    }

    private static async Task<int?> NewestActiveRun(Uri server, CancellationToken cancellation)
    {
        using var http = new HttpClient { BaseAddress = server };
        var runs = await http.GetFromJsonAsync<List<RunRecord>>("api/runs", JsonSerializerOptions.Web, cancellation) ?? [];
        return runs.Where(r => r.IsActive).OrderByDescending(r => r.Id).Select(r => (int?)r.Id).FirstOrDefault();
    }

    // A connection of its own: one that follows all runs and then one run would get that run's events twice.
    private static async Task<int> NextQueuedRun(Uri server, TextWriter output, CancellationToken cancellation)
    {
        output.WriteLine("No active run; waiting for the next one to be queued.");
        var messages = Channel.CreateUnbounded<(string Type, object Data)>();
        await using var hub = Connect(server, messages.Writer);
        await hub.StartAsync(cancellation);
        await hub.InvokeAsync(nameof(TrainingHub.FollowAll), cancellation);
        await foreach (var (type, data) in messages.Reader.ReadAllAsync(cancellation))
        {
            if (type is "RunQueued" or "RunStarted" && data is RunRecord run)
            {
                return run.Id;
            }
        }
        throw new IOException("the connection closed while waiting for a run.");
    }

    private static string Text(RunStatus status) => status.ToString().ToLowerInvariant();

    private static int Ended(RunRecord run, ConsoleProgress console, TextWriter output, TextWriter error)
    {
        switch (run.Status)
        {
            case RunStatus.Completed when run.Test is { } test:
                console.OnCompleted(test);
                output.WriteLine($"run #{run.Id} completed");
                return 0;
            case RunStatus.Cancelled:
                error.WriteLine($"run #{run.Id} was cancelled after {run.Epochs.Count} epoch(s)");
                return 1;
            default:
                error.WriteLine($"run #{run.Id} {Text(run.Status)}: {run.Error}");
                return 1;
        }
    }
}
