using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Support;

/// <summary>Waits for a run to reach a state, from the run service's own events (no polling delays).</summary>
public static class RunWaiting
{
    public static async Task<RunRecord> WaitForRun(this WebApplicationFactory<Program> factory, int id, Func<RunRecord, bool> done)
    {
        var runs = factory.Services.GetRequiredService<Dashboard.Server.Runs.IRunControl>();
        var finished = new TaskCompletionSource<RunRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Changed(RunRecord run)
        {
            if (run.Id == id && done(run))
            {
                finished.TrySetResult(run);
            }
        }
        runs.RunChanged += Changed;
        try
        {
            if (runs.Get(id) is { } now && done(now))
            {
                return now;
            }
            // A guard against a hung run, not a timing assertion: a slow spell of a 2-core VM can
            // double a 2-minute training.
            return await finished.Task.WaitAsync(TimeSpan.FromMinutes(10));
        }
        finally
        {
            runs.RunChanged -= Changed;
        }
    }

    public static Task<RunRecord> WaitFinished(this WebApplicationFactory<Program> factory, int id) =>
        factory.WaitForRun(id, r => !r.IsActive);

    /// <summary>Waits for a sweep to reach a state (by default: no longer running), from the sweep service's own events.</summary>
    public static async Task<Dashboard.Shared.Sweeps.SweepRecord> WaitSweep(this WebApplicationFactory<Program> factory, int id,
        Func<Dashboard.Shared.Sweeps.SweepRecord, bool>? done = null)
    {
        done ??= s => s.Status != Dashboard.Shared.Sweeps.SweepStatus.Running;
        var sweeps = factory.Services.GetRequiredService<Dashboard.Server.Sweeps.SweepService>();
        var reached = new TaskCompletionSource<Dashboard.Shared.Sweeps.SweepRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Changed(int sweepId)
        {
            if (sweepId == id && sweeps.Get(id) is { } sweep && done(sweep))
            {
                reached.TrySetResult(sweep);
            }
        }
        sweeps.SweepChanged += Changed;
        try
        {
            if (sweeps.Get(id) is { } now && done(now))
            {
                return now;
            }
            // A guard against a hung sweep, not a timing assertion.
            return await reached.Task.WaitAsync(TimeSpan.FromMinutes(10));
        }
        finally
        {
            sweeps.SweepChanged -= Changed;
        }
    }

    /// <summary>Waits for an import to end (ready, failed or cancelled), from the import service's own events.</summary>
    public static async Task<Dashboard.Shared.Datasets.DatasetImport> WaitImported(this WebApplicationFactory<Program> factory, string name)
    {
        var imports = factory.Services.GetRequiredService<Dashboard.Server.Imports.DatasetImports>();
        var ended = new TaskCompletionSource<Dashboard.Shared.Datasets.DatasetImport>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Changed(Dashboard.Shared.Datasets.DatasetImport import)
        {
            if (import.Name == name && import.Status != Dashboard.Shared.Datasets.ImportStatus.Importing)
            {
                ended.TrySetResult(import);
            }
        }
        imports.Changed += Changed;
        try
        {
            if (imports.Get(name) is { Status: not Dashboard.Shared.Datasets.ImportStatus.Importing } now)
            {
                return now;
            }
            // A guard against a hung import, not a timing assertion.
            return await ended.Task.WaitAsync(TimeSpan.FromMinutes(5));
        }
        finally
        {
            imports.Changed -= Changed;
        }
    }
}
