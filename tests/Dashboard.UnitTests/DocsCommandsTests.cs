using System.Diagnostics;
using System.Text.RegularExpressions;
using Dashboard.Server.Cli;
using Dashboard.Tests.Support;

namespace Dashboard.UnitTests;

/// <summary>
/// Every shell command the README and docs/ show, as typed: a verb of the dashboard parses without an
/// error, a script or benchmark it names exists and is valid bash (or JavaScript), a project it builds exists.
/// This catches a renamed option or file in every command; DocumentedCommandsRunTests (integration) runs the verbs and the
/// curl examples, CI's two commands run themselves, the scripts have their own tests or are benchmarks of minutes.
/// </summary>
public sealed partial class DocsCommandsTests
{
    private static readonly string Root = Repository.Root;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"'(?<q>[^']*)'|""(?<q>[^""]*)""|(?<q>[^\s'""]+)")]
    private static partial Regex Word();

    public static TheoryData<string, string> Documented()
    {
        var data = new TheoryData<string, string>();
        foreach (var page in DocsPages.Names())
        {
            foreach (var command in DocsPages.Commands(DocsPages.Text(page)).Distinct())
            {
                data.Add(page, command);
            }
        }
        return data;
    }

    [Fact]
    public void The_pages_show_commands_of_every_kind_this_test_checks()
    {
        var commands = Documented().Select(row => (string)row[1]).ToList();
        Assert.Contains(commands, c => c.Contains("-- train ", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith("scripts/run.sh", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.Contains("bash bench/", StringComparison.Ordinal));
        Assert.True(commands.Count >= 20, $"only {commands.Count} commands found: {string.Join(" | ", commands)}");
    }

    [Theory]
    [MemberData(nameof(Documented))]
    public void A_documented_command_is_one_this_repository_runs(string page, string command)
    {
        foreach (var part in command.Split(["&&", ";", "|"], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var words = Word().Matches(part).Select(m => m.Groups["q"].Value).SkipWhile(w => Assignment().IsMatch(w)).ToList();
            if (words.Count == 0)
            {
                continue;
            }
            var problem = Check(words);
            Assert.True(problem is null, $"{page}: `{command}`: {problem}");
        }
    }

    private static string? Check(List<string> words) => words switch
    {
        ["dotnet", "run", .. var rest] => Verb(rest),
        ["dotnet", "build" or "test", var project, ..] when !project.StartsWith('-') =>
            File.Exists(Path.Combine(Root, project)) || Directory.Exists(Path.Combine(Root, project)) ? null : $"{project} does not exist",
        ["dotnet", var dll, var verb, .. var args] when dll.EndsWith("Dashboard.Server.dll", StringComparison.Ordinal) => Parse(verb, args),
        ["bash" or "node" or "python3" or "/usr/bin/python3", var script, ..] when !script.StartsWith('-') => Script(script),
        [var script, ..] when script.StartsWith("scripts/", StringComparison.Ordinal) || script.StartsWith("bench/", StringComparison.Ordinal)
            || script.StartsWith(".ci/", StringComparison.Ordinal) => Script(script),
        _ => null, // curl, psql, cd and the like: the API's own tests cover what curl sends.
    };

    private static string? Verb(List<string> rest)
    {
        var project = rest.IndexOf("--project");
        if (project < 0 || project + 1 >= rest.Count || !Directory.Exists(Path.Combine(Root, rest[project + 1])))
        {
            return "dotnet run without an existing --project";
        }
        var separator = rest.IndexOf("--");
        return separator < 0 || separator + 1 >= rest.Count ? null : Parse(rest[separator + 1], rest[(separator + 2)..]);
    }

    private static string? Parse(string verb, List<string> args)
    {
        if (verb.StartsWith('-') || verb == "trainer")
        {
            return null; // the web server's own options (--urls) and the trainer role take configuration, not a parser
        }
        if (!Verbs.Commands.TryGetValue(verb, out var command))
        {
            return $"no verb '{verb}'";
        }
        var errors = command(TextWriter.Null, TextWriter.Null).Parse(args).Errors;
        return errors.Count == 0 ? null : string.Join("; ", errors.Select(e => e.Message));
    }

    private static string? Script(string relative)
    {
        var path = Path.Combine(Root, relative);
        if (!File.Exists(path))
        {
            return $"{relative} does not exist";
        }
        string[] check = Path.GetExtension(relative) switch
        {
            ".js" => ["node", "--check", path],
            ".py" => ["python3", "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", path], // parse only: py_compile would leave __pycache__ in bench/
            _ => ["bash", "-n", path],
        };
        using var process = Process.Start(new ProcessStartInfo(check[0], check[1..]) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : $"{string.Join(' ', check)}: {error.Trim()}";
    }
}
