using System.CommandLine;

namespace Dashboard.Server.Cli;

/// <summary>The command-line verbs that System.CommandLine parses, by name: Program runs them, the docs' test parses every documented command with them.</summary>
public static class Verbs
{
    /// <summary>Each verb's options and action, built for the given output and error writers.</summary>
    public static readonly IReadOnlyDictionary<string, Func<TextWriter, TextWriter, RootCommand>> Commands =
        new Dictionary<string, Func<TextWriter, TextWriter, RootCommand>>
        {
            ["train"] = TrainCommand.Command,
            ["bench"] = BenchCommand.Command,
            ["follow"] = FollowCommand.Command,
            ["lr-find"] = LrFindCommand.Command,
            ["import"] = (output, error) => ImportCommand.Command(output, error),
            ["pictures"] = PicturesCommand.Command,
            ["sweep"] = SweepCommand.Command,
        };

    /// <summary>Parses and runs a verb's command; the writers default to the console.</summary>
    public static int Invoke(string[] args, TextWriter? output, TextWriter? error, Func<TextWriter, TextWriter, RootCommand> command)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        return command(output, error).Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
