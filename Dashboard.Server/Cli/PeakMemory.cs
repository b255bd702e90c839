namespace Dashboard.Server.Cli;

/// <summary>This process's peak resident memory (Linux's VmHWM), which can be reset between measurements.</summary>
public static class PeakMemory
{
    /// <summary>Starts a new peak at the current resident size ("5" to clear_refs resets VmHWM).</summary>
    public static void Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not allowed: the peak then covers the whole process so far.
        }
    }

    /// <summary>The peak in MiB, or NaN where /proc is missing.</summary>
    public static double MiB()
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is not null && long.TryParse(line["VmHWM:".Length..].Trim().Split(' ')[0], out var kib) ? kib / 1024.0 : double.NaN;
    }
}
