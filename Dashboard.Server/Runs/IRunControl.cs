using Dashboard.Shared.Runs;

namespace Dashboard.Server.Runs;

/// <summary>
/// The run service as the server's own parts use it (API, predict, inspector, hub): the pages'
/// <see cref="IRunService"/> plus a completed run's files on this host. <see cref="RunService"/>
/// serves the single process, <see cref="Team.TeamRunService"/> a team front-end.
/// </summary>
public interface IRunControl : IRunService
{
    /// <summary>The checkpoint file of a run that has one, on this host (null when none). Test predictions lie beside it.</summary>
    string? CheckpointFile(int id);

    /// <summary>The checks Start would make of a configuration (the same plan), without queueing it: errors keyed by field, empty when it would start.</summary>
    IReadOnlyDictionary<string, string[]> Check(RunConfig config);

    /// <summary>Stops a sweep's trial as pruned (early stopping): like Stop, but it ends with <see cref="RunStatus.Pruned"/>. Single process only: on a team the trainers prune.</summary>
    StopRunResult Prune(int id);
}
