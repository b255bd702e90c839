using System.Collections.Concurrent;
using System.Diagnostics;

namespace Dashboard.IntegrationTests;

/// <summary>
/// A shell command run as a user runs it, its output and error lines collected in order; disposing kills what is left
/// of its process tree.
/// </summary>
internal sealed class ScriptProcess : IDisposable
{
    /// <summary>What a script that builds Release may take on a fresh clone on two cores.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<(Func<string, bool> Match, TaskCompletionSource<string> Line)> _awaited = new();

    /// <summary>bash with <paramref name="arguments"/> from <paramref name="folder"/>; an environment value of null unsets the variable.</summary>
    public ScriptProcess(IEnumerable<string> arguments, string folder, Dictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("bash", arguments) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }
        Process = Process.Start(start)!;
        Process.OutputDataReceived += (_, e) => Add(e.Data);
        Process.ErrorDataReceived += (_, e) => Add(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    /// <summary>The project's scripts/<paramref name="script"/>, from the repository root.</summary>
    public static ScriptProcess Project(string script, Dictionary<string, string?> environment) =>
        new([Repository.Path("scripts", script)], Repository.Root, environment);

    public Process Process { get; }

    public IReadOnlyCollection<string> Lines => _output;

    public string Log => string.Join('\n', _output);

    /// <summary>The first line that <paramref name="match"/> accepts, or null when the command ends or <paramref name="limit"/> passes without one.</summary>
    public async Task<string?> Line(Func<string, bool> match, TimeSpan limit)
    {
        var awaited = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _awaited.Enqueue((match, awaited));
        if (_output.FirstOrDefault(match) is { } printed)
        {
            awaited.TrySetResult(printed); // printed before it was asked for
        }
        var line = awaited.Task;
        return await Task.WhenAny(line, Process.WaitForExitAsync(), Task.Delay(limit)) == line ? await line : null;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        foreach (var (match, awaited) in _awaited)
        {
            if (match(line))
            {
                awaited.TrySetResult(line);
            }
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }
        Process.WaitForExit();
        Process.Dispose();
    }
}
