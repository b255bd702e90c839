using System.Diagnostics;
using System.Text.RegularExpressions;
using Dashboard.Server.Torch;
using Xunit.Abstractions;

namespace Dashboard.IntegrationTests;

/// <summary>
/// Every command of the README and docs/ that runs one of the dashboard's verbs or calls its API, run in the page's order (its sh blocks, then its inline commands)
/// from a folder that stands for the repository's root (bench/ as it is, data/ with the MNIST and Fashion-MNIST that
/// setup installs, nothing else), with the environment's Data__Folder and Runs__Folder unset, as a user types them.
/// Two things stand in: this test's build of Dashboard.Server.dll for <c>dotnet run --project Dashboard.Server -c Release --</c>
/// (that form itself: HeadlessTrainerTests, RunScriptTests), and a dashboard the test starts on a free port for
/// http://127.0.0.1:5000 (the address scripts/run.sh prints), also for sweep and follow, which default to it.
/// A command passes when it exits 0; when train, sweep or follow, still running, has printed its first sign of work
/// (the run's "libtorch ... on cpu" line, an epoch, "sweep #N", "run #N"); when any other (the benchmarks print only at
/// their end) has run <see cref="Quiet"/> without an error; or, asking for CUDA on a host without it, when it refuses
/// in one error line.
/// The benchmarks that end within a minute run to their end from the repository root, as typed (<see cref="QuickBenchmarks"/>).
/// The other scripts (scripts/, the long benchmarks), builds and the team's commands with placeholders are left to their
/// own tests or to the benchmarks' own runs (DocsCommandsTests checks that each parses).
/// </summary>
public sealed partial class DocumentedCommandsRunTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private const string DocumentedServer = "http://127.0.0.1:5000";

    [GeneratedRegex(@"^(?:[A-Za-z_][A-Za-z0-9_]*=\S+\s+)*(?<program>dotnet|curl)\s")]
    private static partial Regex Program();

    [GeneratedRegex(@"^dotnet (?:run --project Dashboard\.Server -c Release --|Dashboard\.Server/bin/Release/net10\.0/Dashboard\.Server\.dll)(?= )")]
    private static partial Regex Dashboard();

    [GeneratedRegex(@"^(libtorch \S+ on |epoch \d+/|sweep #\d+|run #\d+)", RegexOptions.Multiline)]
    private static partial Regex SignOfWork();

    /// <summary>
    /// The benchmarks that end within a minute here, run to their end (2026-12-06 from a clean clone: zip-bomb 32 s,
    /// chart-cost 7 s, kill-restart 13 s, draw-latency 34 s, own-pictures 17 s); the others take many minutes to hours.
    /// </summary>
    private static readonly string[] QuickBenchmarks =
        ["bash bench/zip-bomb.sh", "bash bench/chart-cost.sh", "bash bench/kill-restart.sh", "bash bench/draw-latency.sh", "bash bench/own-pictures.sh"];

    private enum Until { End, SignOfWork, Quiet }

    /// <summary>The commands this test runs: the dashboard's verbs, curl and the quick benchmarks, without placeholders such as Host=DB.</summary>
    public static IEnumerable<string> Runnable(string page) =>
        DocsPages.Commands(DocsPages.Text(page)).Distinct()
            .Where(c => QuickBenchmarks.Contains(c) || Program().Match(c) is { Success: true } m && (m.Groups["program"].Value == "curl" || Dashboard().IsMatch(c)))
            .Where(c => !c.Contains("Host=DB", StringComparison.Ordinal) && !c.Contains("TOKEN", StringComparison.Ordinal));

    public static TheoryData<string> Pages() => [.. DocsPages.Names().Where(p => Runnable(p).Any())];

    [Fact]
    public void The_pages_show_verbs_this_test_runs()
    {
        var commands = DocsPages.Names().SelectMany(Runnable).ToList();
        foreach (var verb in new[] { "train", "lr-find", "pictures", "import", "sweep", "follow", "bench" })
        {
            Assert.Contains(commands, c => Dashboard().Replace(c, "").TrimStart().StartsWith(verb + " ", StringComparison.Ordinal));
        }
        Assert.Contains(commands, c => c.StartsWith("curl ", StringComparison.Ordinal));
        Assert.All(QuickBenchmarks, b => Assert.Contains(b, commands));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task A_pages_commands_run_as_typed(string page)
    {
        using var root = new TempFolder();
        Directory.CreateSymbolicLink(root.File("bench"), Repository.Path("bench"));
        Directory.CreateDirectory(root.File("data"));
        foreach (var dataset in new[] { "mnist", "fashion-mnist" })
        {
            Directory.CreateSymbolicLink(Path.Combine(root.File("data"), dataset), Path.Combine(MnistFolder.Path, dataset));
        }
        (ServerProcess Process, string Url)? server = null;
        var problems = new List<string>();
        try
        {
            foreach (var command in Runnable(page))
            {
                var typed = Dashboard().Replace(command, $"dotnet {Path.Combine(AppContext.BaseDirectory, "Dashboard.Server.dll")}");
                var verb = Dashboard().IsMatch(command) ? Regex.Match(Dashboard().Replace(command, ""), @"^\s*(\S+)").Groups[1].Value : "curl";
                if (typed.Contains(DocumentedServer, StringComparison.Ordinal) || verb is "sweep" or "follow")
                {
                    server ??= await StartDashboard(root.Path);
                    typed = typed.Contains(DocumentedServer, StringComparison.Ordinal)
                        ? typed.Replace(DocumentedServer, server.Value.Url, StringComparison.Ordinal)
                        : $"{typed} --server {server.Value.Url}"; // its default, http://127.0.0.1:5000, moved
                }
                var clock = Stopwatch.StartNew();
                var (passed, problem) = QuickBenchmarks.Contains(command)
                    ? await Run(command, Repository.Root, Until.End, asTheTestsRun: true) // bench/lib.sh finds the repository from its own path
                    : await Run(typed, root.Path, verb is "train" or "sweep" or "follow" ? Until.SignOfWork : Until.Quiet, asTheTestsRun: false);
                log.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s, {passed ?? "FAILED"}: {typed}");
                if (problem is not null)
                {
                    problems.Add($"`{command}`: {problem}");
                }
            }
        }
        finally
        {
            server?.Process.Dispose();
        }
        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    /// <summary>The dashboard on a free port, on the root's data, its runs in root/server.</summary>
    private static async Task<(ServerProcess, string)> StartDashboard(string root)
    {
        var url = $"http://127.0.0.1:{PostgresFixture.FreePort()}";
        var server = new ServerProcess("dashboard", ["--urls", url], new()
        {
            ["Data__Folder"] = Path.Combine(root, "data"),
            ["Runs__Folder"] = Path.Combine(root, "server"),
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (!server.HasExited && clock.Elapsed < Limit)
        {
            try
            {
                if ((await http.GetAsync($"{url}/healthz")).IsSuccessStatusCode)
                {
                    return (server, url);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(200); // polling until the server listens, not a timing assertion
            }
        }
        server.Dispose();
        throw new InvalidOperationException($"the dashboard did not answer at {url}:\n{server.Output}");
    }

    /// <summary>
    /// Runs one command with bash from <paramref name="root"/> until it ends, prints a sign of work, or has run
    /// <see cref="Quiet"/>: how it passed, or what went wrong and its output. Without <paramref name="asTheTestsRun"/>, the
    /// environment's data and runs folders are unset.
    /// </summary>
    private static async Task<(string? Passed, string? Problem)> Run(string command, string root, Until until, bool asTheTestsRun)
    {
        // scripts/test.sh exports the data folder; a user's shell at the root has data/ instead.
        using var process = new ScriptProcess(["-c", command], root, asTheTestsRun ? new() : new() { ["Data__Folder"] = null, ["Runs__Folder"] = null });
        var sign = until == Until.SignOfWork ? await process.Line(SignOfWork().IsMatch, Limit) : null;
        if (until != Until.SignOfWork)
        {
            await Task.WhenAny(process.Process.WaitForExitAsync(), Task.Delay(until == Until.Quiet ? Quiet : Limit));
        }
        var output = process.Lines;
        (string? Passed, string? Problem) outcome;
        if (sign is null && process.Process.HasExited)
        {
            process.Process.WaitForExit(); // drains the output
            outcome = process.Process.ExitCode != 0 ? Refused(command, output) ? ("refused CUDA in one line", null) : (null, $"exit code {process.Process.ExitCode}")
                : ProblemDetails(output) is { } status ? (null, $"the API answered {status}") : ("exited 0", null);
        }
        else
        {
            process.Process.Kill(entireProcessTree: true);
            process.Process.WaitForExit();
            // Judged at the sign: what a run printed after it (by the kill, it may have gone on) is not this test's.
            var judged = sign is null ? output : output.TakeWhile(l => l != sign);
            outcome = judged.Any(l => l.StartsWith("error:", StringComparison.Ordinal) || l.Contains("Unhandled exception", StringComparison.Ordinal))
                ? (null, "an error while it ran")
                : until == Until.Quiet ? ($"ran {Quiet.TotalSeconds:F0} s without an error", null)
                : sign is not null ? ($"signs of work: {sign}", null)
                : (null, $"not {(until == Until.End ? "ended" : "a sign of work")} in {Limit.TotalMinutes} minutes");
        }
        return outcome.Problem is null ? outcome : (null, $"{outcome.Problem}:\n{string.Join('\n', output.TakeLast(30))}");
    }

    /// <summary>The status of an API error (ASP.NET Core's problem details) printed by curl, which exits 0 on it.</summary>
    private static int? ProblemDetails(IEnumerable<string> output)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(string.Join('\n', output));
            return json.RootElement is { ValueKind: System.Text.Json.JsonValueKind.Object } o
                && o.TryGetProperty("status", out var status) && status.ValueKind == System.Text.Json.JsonValueKind.Number ? status.GetInt32() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // not JSON: a verb's own output
        }
    }

    /// <summary>
    /// The one refusal that is right: CUDA asked for on a host whose libtorch sees none (docs/gpu.md's commands are for a
    /// CUDA host), said in one error line.
    /// </summary>
    private static bool Refused(string command, IEnumerable<string> output) =>
        command.Contains("--device cuda", StringComparison.Ordinal) && TorchRuntime.CudaDeviceCount == 0
            && output.Any(l => l.StartsWith("error:", StringComparison.Ordinal) && l.Contains("sees no CUDA device", StringComparison.Ordinal))
            && !output.Any(l => l.Contains("Unhandled exception", StringComparison.Ordinal));
}
