using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Shared.Runs;

namespace Dashboard.Shared.Sweeps;

/// <summary>How a sweep picks each trial's parameters.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SweepMethod>))]
public enum SweepMethod
{
    /// <summary>Every combination of the fields' values, in order (each grid point once).</summary>
    [JsonStringEnumMemberName("grid")]
    Grid,

    /// <summary>Each field drawn independently from its distribution, seeded.</summary>
    [JsonStringEnumMemberName("random")]
    Random,

    /// <summary>The tree-structured Parzen estimator (Bergstra et al., 2011): random at first, then drawn where good trials were.</summary>
    [JsonStringEnumMemberName("tpe")]
    Tpe,
}

/// <summary>Whether the metric is better high or low.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SweepGoal>))]
public enum SweepGoal
{
    [JsonStringEnumMemberName("maximize")]
    Maximize,

    [JsonStringEnumMemberName("minimize")]
    Minimize,
}

/// <summary>One field's search space: a list of <see cref="Values"/>, or a <see cref="Distribution"/> between Min and Max.</summary>
public sealed record ParameterSpace
{
    public const string Uniform = "uniform";
    public const string LogUniform = "log-uniform";
    public const string IntUniform = "int-uniform";

    /// <summary>The values to choose among (numbers, names or true/false).</summary>
    public IReadOnlyList<JsonElement>? Values { get; init; }

    /// <summary>uniform, log-uniform or int-uniform (integers Min..Max, both included).</summary>
    public string? Distribution { get; init; }

    public double? Min { get; init; }
    public double? Max { get; init; }
}

/// <summary>The metric a sweep ranks trials by: validationAccuracy or validationLoss of their epochs.</summary>
public sealed record SweepMetric
{
    public const string ValidationAccuracy = "validationAccuracy";
    public const string ValidationLoss = "validationLoss";

    public string Name { get; init; } = ValidationAccuracy;
    public SweepGoal Goal { get; init; } = SweepGoal.Maximize;

    /// <summary>The metric of an epoch, or null when the epoch has none (no validation part).</summary>
    public double? Of(EpochMetrics epoch) => Name == ValidationLoss ? epoch.ValidationLoss : epoch.ValidationAccuracy;

    /// <summary>A value of the metric as the pages and the command line show it: a percentage for accuracy.</summary>
    public string Format(double value) => Name == ValidationAccuracy ? value.ToString("P2") : value.ToString("G4");

    /// <summary>True when <paramref name="a"/> is strictly better than <paramref name="b"/>.</summary>
    public bool Better(double a, double b) => Goal == SweepGoal.Maximize ? a > b : a < b;
}

/// <summary>Asynchronous successive halving (ASHA, Li et al., 2020): rungs at epochs MinEpochs x Eta^k.</summary>
public sealed record EarlyStopping
{
    public const string Asha = "asha";

    public string Type { get; init; } = Asha;
    public int Eta { get; init; } = 3;
    public int MinEpochs { get; init; } = 1;

    /// <summary>The rung epochs below a trial's last epoch: r, r x eta, r x eta^2, ... (at the last epoch nothing is left to stop).</summary>
    public IReadOnlyList<int> Rungs(int epochs)
    {
        var rungs = new List<int>();
        for (long rung = MinEpochs; rung < epochs && MinEpochs >= 1 && Eta >= 2; rung *= Eta)
        {
            rungs.Add((int)rung);
        }
        return rungs;
    }
}

/// <summary>
/// What a sweep is asked to do: a base run configuration, the fields to vary (keyed by their run configuration names, e.g.
/// learningRate, augmentation.rotation, and dropout for every Dropout layer's p), how to pick them, the metric, the trial
/// budget, how many trials run at once, and early stopping.
/// </summary>
public sealed record SweepSpec
{
    public string? Name { get; init; }
    public RunConfig Base { get; init; } = new();
    public SweepMethod Method { get; init; } = SweepMethod.Random;

    /// <summary>How many trials to run; for a grid, null (or more than the grid has) runs every point.</summary>
    public int? Trials { get; init; }

    /// <summary>How many trials may be queued or training at once (on a team, how many trainers it may take).</summary>
    public int Parallel { get; init; } = 1;

    public IReadOnlyDictionary<string, ParameterSpace> Space { get; init; } = new Dictionary<string, ParameterSpace>();
    public SweepMetric Metric { get; init; } = new();
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Seeds the random and TPE draws (each trial's run keeps the base's seed unless the space varies it).</summary>
    public int Seed { get; init; } = 1;
}

[JsonConverter(typeof(JsonStringEnumConverter<SweepStatus>))]
public enum SweepStatus
{
    /// <summary>Trials are being started as others end.</summary>
    Running,

    /// <summary>Stopped by a person: no new trials; running ones were stopped. Resume goes on.</summary>
    Stopped,

    /// <summary>Every trial of the budget has ended.</summary>
    Completed,
}

/// <summary>A trial's metric at one rung and what ASHA decided there.</summary>
public sealed record RungResult(int Epoch, double Value, bool Promoted);

/// <summary>One trial: an ordinary run with the sweep's parameters.</summary>
public sealed record SweepTrial
{
    public required int Number { get; init; }
    public required int RunId { get; init; }
    public RunStatus Status { get; init; }
    public IReadOnlyDictionary<string, JsonElement> Parameters { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The metric at each rung the trial reached (with early stopping).</summary>
    public IReadOnlyList<RungResult> Rungs { get; init; } = [];

    /// <summary>The metric of its last completed epoch; null before its first.</summary>
    public double? Metric { get; init; }

    /// <summary>The metric of each completed epoch (null where it had none).</summary>
    public IReadOnlyList<double?> Curve { get; init; } = [];

    public int EpochsTrained { get; init; }

    /// <summary>Training seconds of its epochs.</summary>
    public double Seconds { get; init; }

    public double? TestAccuracy { get; init; }
}

/// <summary>A sweep and its trials, as the API returns and the pages show it.</summary>
public sealed record SweepRecord
{
    public required int Id { get; init; }
    public required SweepSpec Spec { get; init; }
    public SweepStatus Status { get; init; } = SweepStatus.Running;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public IReadOnlyList<SweepTrial> Trials { get; init; } = [];

    /// <summary>The completed trial with the best metric (or, before any completed, the best trial so far).</summary>
    public SweepTrial? Best { get; init; }

    /// <summary>How many trials the sweep will run in all.</summary>
    public int Budget { get; init; }

    /// <summary>Why the sweep stopped by itself (a trial's configuration the run checks refused), else null.</summary>
    public string? Error { get; init; }
}

/// <summary>The created sweep, or errors keyed by field (base.learningRate, space.batchSize, trials, ...).</summary>
public sealed record StartSweepResult(SweepRecord? Sweep, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>Sweeps over the run queue: the pages and the API use it.</summary>
public interface ISweepService
{
    StartSweepResult Start(SweepSpec spec);
    SweepRecord? Get(int id);
    IReadOnlyList<SweepRecord> List();

    /// <summary>No new trials; the queued and running ones stop (cancelled). False for an unknown sweep (or one this person may not control).</summary>
    bool Stop(int id);

    /// <summary>Goes on: stopped or interrupted trials resume and new ones start up to the budget. Null when unknown; else the problem, or "" when resumed.</summary>
    string? Resume(int id);

    /// <summary>Deletes the sweep and every trial's run, unless a trial is queued or running (stop it first).</summary>
    DeleteSweepResult Delete(int id);

    /// <summary>The sweep and trial number a run is, or null when it is no sweep's trial.</summary>
    (int Sweep, int Number)? TrialOf(int runId);

    /// <summary>A sweep gained a trial, a trial an epoch or an ending, or the sweep changed status. Raised off the UI thread.</summary>
    event Action<int>? SweepChanged;
}

public enum DeleteSweepResult
{
    NotFound,
    Running,
    Deleted,

    /// <summary>Only the operator may delete sweeps on this server.</summary>
    Forbidden,
}
