using System.Collections.Concurrent;
using System.Diagnostics;

namespace Dashboard.IntegrationTests;

/// <summary>
/// One of the project's scripts run as a user runs it, from the repository root, its output and error lines collected
/// in order; disposing kills what is left of its process tree.
/// </summary>
internal sealed class ScriptProcess : IDisposable
{
    /// <summary>What a script that builds Release may take on a fresh clone on two cores.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _awaited = new();

    public ScriptProcess(string script, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", [Repository.Path("scripts", script)])
        {
            WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        Process = Process.Start(start)!;
        Process.OutputDataReceived += (_, e) => Add(e.Data);
        Process.ErrorDataReceived += (_, e) => Add(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public IReadOnlyCollection<string> Lines => _output;

    public string Log => string.Join('\n', _output);

    /// <summary>
    /// The first line that starts with <paramref name="prefix"/>, or null when the script ends or
    /// <see cref="Deadline"/> passes without one.
    /// </summary>
    public async Task<string?> Line(string prefix)
    {
        var awaited = _awaited.GetOrAdd(prefix, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_output.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } printed)
        {
            awaited.TrySetResult(printed); // printed before it was asked for
        }
        var line = awaited.Task;
        return await Task.WhenAny(line, Process.WaitForExitAsync(), Task.Delay(Deadline)) == line ? await line : null;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        foreach (var (prefix, awaited) in _awaited)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
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
