using Dashboard.Server.Training;
using Dashboard.Shared.Platform;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Team;

/// <summary>The trainer hosts in the team store, each marked gone once its heartbeat is older than a lease.</summary>
public sealed class TrainerDirectory(TeamStore? store, TeamOptions options) : ITrainerDirectory
{
    public bool IsTeam => store is not null;

    public IReadOnlyList<TrainerView> Trainers()
    {
        if (store is null)
        {
            return [];
        }
        var now = DateTimeOffset.UtcNow;
        return [.. store.Trainers().Select(t => now - t.HeartbeatAt > options.Lease ? t with { State = "gone" } : t)];
    }

    public bool Drain(string name) => store?.RequestDrain(name) ?? false;

    /// <summary>Queued runs that no live trainer host can take, with why; the others as they are.</summary>
    public IReadOnlyList<RunRecord> WithWaiting(IReadOnlyList<RunRecord> runs)
    {
        if (!runs.Any(r => r.Status == RunStatus.Queued))
        {
            return runs;
        }
        var live = Trainers().Where(t => t.State is "idle" or "training").ToList();
        return [.. runs.Select(r => r.Status != RunStatus.Queued ? r : r with
        {
            Waiting = live.Count == 0 ? "waiting for a trainer host (none is running)"
                : RunPlan.RequirementOf(r.Config) == "cuda" && !live.Any(t => t.Devices.Contains("cuda")) ? "waiting for a trainer with cuda"
                : null,
        })];
    }
}
