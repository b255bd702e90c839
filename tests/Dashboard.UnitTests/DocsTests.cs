using System.Text.RegularExpressions;
using Dashboard.Tests.Support;

namespace Dashboard.UnitTests;

/// <summary>The README and docs/ as a newcomer reads them: short, and every link lands on a file of the repository.</summary>
public sealed partial class DocsTests
{
    private static readonly string Root = Repository.Root;

    public static TheoryData<string> Pages() => [.. DocsPages.Names()];

    [GeneratedRegex(@"\]\((?<target>[^)#\s]+)(#[^)\s]*)?\)")]
    private static partial Regex Link();

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_of_a_page_lands_on_a_file(string page)
    {
        var path = Path.Combine(Root, page);
        var missing = Link().Matches(File.ReadAllText(path)).Select(m => m.Groups["target"].Value)
            .Where(t => !t.StartsWith("http://", StringComparison.Ordinal) && !t.StartsWith("https://", StringComparison.Ordinal))
            .Where(t => !File.Exists(Path.Combine(Path.GetDirectoryName(path)!, t)) && !Directory.Exists(Path.Combine(Path.GetDirectoryName(path)!, t)))
            .ToList();
        Assert.True(missing.Count == 0, $"{page} links to missing files: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_readme_is_read_in_five_minutes()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "README.md")).Length;
        Assert.True(lines <= 200, $"README.md has {lines} lines; the rest belongs in docs/");
    }
}
