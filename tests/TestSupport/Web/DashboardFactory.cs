using Dashboard.Server.Training;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dashboard.Tests.Support;

/// <summary>
/// The real server over a data folder of tiny generated datasets and its own runs folder.
/// Extra run listeners (e.g. an <see cref="EpochGate"/>) are told after the built-in ones.
/// </summary>
public sealed class DashboardFactory(string dataFolder, string runsFolder, params IRunListener[] listeners) : WebApplicationFactory<Program>
{
    /// <summary>More configuration, e.g. Security:RequireOperator.</summary>
    public Dictionary<string, string> Settings { get; init; } = [];

    /// <summary>Every log message the server wrote, formatted.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Data:Folder", dataFolder);
        builder.UseSetting("Runs:Folder", runsFolder);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.AddProvider(new CollectingLoggerProvider(Logs)));
        builder.ConfigureTestServices(services =>
        {
            foreach (var listener in listeners)
            {
                services.AddSingleton(listener);
            }
        });
    }
}

/// <summary>
/// Holds a run's training thread at the end of a chosen epoch until released, so a test can
/// act "mid-run" without sleeping. <paramref name="runId"/>: only that run's (any run's when null). Disposing releases it.
/// </summary>
public sealed class EpochGate(int epoch, int? runId = null) : IRunListener, IDisposable
{
    private readonly ManualResetEventSlim _reached = new();
    private readonly ManualResetEventSlim _released = new();

    public void OnEpoch(Dashboard.Shared.Runs.RunRecord run, Dashboard.Shared.Runs.EpochMetrics metrics)
    {
        if (metrics.Epoch == epoch && (runId is null || run.Id == runId))
        {
            _reached.Set();
            _released.Wait(TimeSpan.FromMinutes(2));
        }
    }

    /// <summary>Waits until a run has finished the gated epoch (and is held there).</summary>
    public bool WaitReached(TimeSpan timeout) => _reached.Wait(timeout);

    public void Release() => _released.Set();

    public void Dispose() => _released.Set();
}

/// <summary>Keeps every log line, so tests can check what the server did (and did not) write.</summary>
public sealed class CollectingLoggerProvider(System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILoggerProvider
{
    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

    public void Dispose() { }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
