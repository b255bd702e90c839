using System.Text.RegularExpressions;

namespace Dashboard.Tests.Support;

/// <summary>The README and docs/ pages, and the shell commands they show.</summary>
public static partial class DocsPages
{
    /// <summary>The README and every page of docs/, relative to the repository.</summary>
    public static IEnumerable<string> Names() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(Repository.Path("docs"), "*.md").Select(f => Path.GetRelativePath(Repository.Root, f)).Order());

    public static string Text(string page) => File.ReadAllText(Repository.Path(page));

    [GeneratedRegex(@"^```(sh|bash)\s*$(?<body>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    // Inline code that is a command: it starts with a variable assignment, bash, node, dotnet or a script's path.
    [GeneratedRegex(@"`(?<command>(?:[A-Z][A-Za-z0-9_]*=\S+ )*(?:bash |node |python3 |dotnet \S+ \S|scripts/|bench/|\.ci/)[^`]+)`")]
    private static partial Regex InlineCommand();

    /// <summary>
    /// Every command of a page, in the page's order: each command of a sh block (continuation lines joined, a quote left
    /// open going on to the next line, as bash reads it; comments cut), then each inline command.
    /// </summary>
    public static IEnumerable<string> Commands(string text)
    {
        foreach (Match block in ShellBlock().Matches(text))
        {
            var command = "";
            foreach (var line in block.Groups["body"].Value.Replace("\\\n", " ").Split('\n'))
            {
                command = command.Length == 0 ? Regex.Replace(line, @"\s#\s.*$|^\s*#.*$", "") : $"{command}\n{line}";
                if (command.Count(c => c == '\'') % 2 == 1)
                {
                    continue; // inside a single-quoted argument, such as a JSON body
                }
                if (command.Trim().Length > 0)
                {
                    yield return command.Trim();
                }
                command = "";
            }
        }
        foreach (Match inline in InlineCommand().Matches(text))
        {
            yield return inline.Groups["command"].Value.Trim();
        }
    }
}
