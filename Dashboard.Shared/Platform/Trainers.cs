using Dashboard.Shared.Runs;

namespace Dashboard.Shared.Platform;

/// <summary>A trainer host of a team server as the Home page shows it. State: idle, training, draining or gone (no heartbeat for a lease).</summary>
public sealed record TrainerView(string Name, IReadOnlyList<string> Devices, string TorchVersion, string State, int? RunId,
    BatchProgress? Progress, DateTimeOffset HeartbeatAt);

/// <summary>The trainer hosts of a team server (role web); a single-process server has none.</summary>
public interface ITrainerDirectory
{
    /// <summary>False on a single-process server: it trains itself and has no trainer hosts.</summary>
    bool IsTeam { get; }

    IReadOnlyList<TrainerView> Trainers();

    /// <summary>Asks a trainer to finish its run and take no new one. False for an unknown trainer or when refused (only the operator may).</summary>
    bool Drain(string name);
}
