using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;

namespace Dashboard.Server.Cli;

/// <summary>The exit codes the training verbs share: 0 done, 1 failed (data, libtorch, files, a diverged loss), 2 bad options, 130 cancelled.</summary>
internal static class VerbExit
{
    /// <summary>Prints each problem as "error: field: message" and returns 2; 0 when there is none.</summary>
    public static int Problems(IReadOnlyDictionary<string, string[]> problems, TextWriter error)
    {
        foreach (var (field, messages) in problems)
        {
            error.WriteLine($"error: {field}: {string.Join(" ", messages)}");
        }
        return problems.Count > 0 ? 2 : 0;
    }

    /// <summary>Runs a verb's work and turns its failures into their exit codes and one line on <paramref name="error"/>.</summary>
    public static int Run(Func<int> work, TextWriter error, Func<string> cancelled)
    {
        try
        {
            return work();
        }
        catch (OperationCanceledException)
        {
            error.WriteLine(cancelled());
            return 130;
        }
        catch (RunConfigException e)
        {
            error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is DatasetException or TorchException or RunDivergedException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
