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
}

