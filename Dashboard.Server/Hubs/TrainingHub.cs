using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Server.Hubs;

/// <summary>
/// /hubs/training: the one channel for live run events. Clients call FollowAll() or
/// FollowRun(id); the messages they receive are those of <see cref="ITrainingClient"/>.
/// </summary>
public sealed class TrainingHub(TrainingBroadcaster broadcaster) : Hub<ITrainingClient>
{
    public const string Path = "/hubs/training";

    /// <summary>Receive every run's events from now on.</summary>
    public Task FollowAll() => Groups.AddToGroupAsync(Context.ConnectionId, TrainingBroadcaster.AllGroup);

    /// <summary>
    /// Receive one run's events: first RunHistory with everything so far, then the live
    /// events, with no gap and no duplicate. False for an unknown run.
    /// </summary>
    public Task<bool> FollowRun(int runId) => broadcaster.FollowAsync(Context.ConnectionId, runId, Context.ConnectionAborted);

    public Task UnfollowRun(int runId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, TrainingBroadcaster.RunGroup(runId));
}
