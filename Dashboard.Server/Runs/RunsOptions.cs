using Dashboard.Server.Training;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Runs;

/// <summary>Where runs live (configuration section "Runs", e.g. Runs__Folder in the environment).</summary>
public sealed class RunsOptions
{
    public const string Section = "Runs";

    /// <summary>Holds dashboard.db (SQLite) and one folder of checkpoints per run.</summary>
    public string Folder { get; set; } = "runs";

    /// <summary>
    /// The most points a series of a run's step history has (GET /api/runs/{id}/steps without points=, and the run
    /// page opened during or after a run); longer histories are downsampled (largest triangle, three buckets).
    /// </summary>
    public int StepPoints { get; set; } = 2000;

    public string DatabasePath => Path.Combine(Path.GetFullPath(Folder), "dashboard.db");

    public string RunFolder(int id) => Path.Combine(Path.GetFullPath(Folder), id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public string CheckpointPath(int id) => Path.Combine(RunFolder(id), "model.pt");

    /// <summary>
    /// Where a run saves its checkpoint and, when fine-tuning, whose weights it starts from. A run
    /// always continues from its own checkpoint when one exists: only a resumed run has one.
    /// </summary>
    public RunFiles FilesOf(RunRecord run) =>
        new(CheckpointPath(run.Id), run.Config.StartFrom is { } from ? CheckpointPath(from) : null, Resume: true);
}
