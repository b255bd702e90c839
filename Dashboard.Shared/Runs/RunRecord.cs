using System.Text.Json.Serialization;

namespace Dashboard.Shared.Runs;

[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    Queued,
    Running,
    Completed,
    Cancelled,
    Failed,

    /// <summary>The server stopped while the run was training; its completed epochs are kept.</summary>
    Interrupted,

    /// <summary>The loss became NaN or infinite; Error says at which epoch and batch. The last good epoch's checkpoint is kept.</summary>
    Diverged,

    /// <summary>Team mode: its trainer stopped renewing its lease more often than allowed (a host that died, hung or lost the database).</summary>
    Lost,

    /// <summary>A sweep's trial stopped by early stopping (ASHA) at a rung; its epochs and checkpoint are kept and it can be resumed.</summary>
    Pruned,
}

/// <summary>
/// Everything known about one run: what was asked, where it stands, what it produced.
/// The same record is stored in SQLite, returned by the API and pushed over SignalR.
/// </summary>
public sealed record RunRecord
{
    public required int Id { get; init; }
    public required RunConfig Config { get; init; }
    public RunStatus Status { get; init; } = RunStatus.Queued;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Device, threads, sizes; known once the run has started.</summary>
    public RunStarted? Started { get; init; }

    public IReadOnlyList<EpochMetrics> Epochs { get; init; } = [];
    public TestMetrics? Test { get; init; }
    public string? Error { get; init; }
    public bool HasCheckpoint { get; init; }

    /// <summary>1 for the next run to start on its device; null unless queued.</summary>
    public int? QueuePosition { get; init; }

    /// <summary>Team mode: why a queued run cannot start yet beyond its place in the queue, e.g. "waiting for a trainer with cuda".</summary>
    public string? Waiting { get; init; }

    [JsonIgnore]
    public bool IsActive => Status is RunStatus.Queued or RunStatus.Running;
}

/// <summary>Batch progress of one run.</summary>
public sealed record RunBatch(int RunId, BatchProgress Progress);

/// <summary>A completed epoch of one run.</summary>
public sealed record RunEpoch(int RunId, EpochMetrics Metrics);

public static class RunStatuses
{
    /// <summary>Queued or running: the run may still change.</summary>
    public static bool IsActive(this RunStatus status) => status is RunStatus.Queued or RunStatus.Running;
}
