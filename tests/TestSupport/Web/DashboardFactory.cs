using Dashboard.Server.Training;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Support;

/// <summary>
/// The real server over a data folder of tiny generated datasets and its own runs folder.
/// Extra run listeners (e.g. an <see cref="EpochGate"/>) are told after the built-in ones.
/// </summary>
public sealed class DashboardFactory(string dataFolder, string runsFolder, params IRunListener[] listeners) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Data:Folder", dataFolder);
        builder.UseSetting("Runs:Folder", runsFolder);
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
/// act "mid-run" without sleeping. Disposing releases it.
/// </summary>
public sealed class EpochGate(int epoch) : IRunListener, IDisposable
{
    private readonly ManualResetEventSlim _reached = new();
    private readonly ManualResetEventSlim _released = new();

    public void OnEpoch(Dashboard.Shared.Runs.RunRecord run, Dashboard.Shared.Runs.EpochMetrics metrics)
    {
        if (metrics.Epoch == epoch)
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
