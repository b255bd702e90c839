using System.Text.Json;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Sweeps;

namespace Dashboard.Server.Sweeps;

/// <summary>A sweep that passed its checks: its specification and how many trials it runs.</summary>
public sealed record SweepPlan(SweepSpec Spec, int Budget);

/// <summary>The checks a sweep passes before its first trial: the spec itself, then the base and every field's extreme values as run configurations.</summary>
public static class SweepChecks
{
    public const int MaxTrials = 1000;
    public const int MaxParallel = 64;
    public const int MaxValues = 1000;

    /// <summary>
    /// The plan, or the problems keyed by field (<c>trials</c>, <c>space.learningRate</c>, <c>base.batchSize</c>, ...).
    /// <paramref name="validate"/> checks a run configuration (the catalog's run checks), <paramref name="presetLayers"/> fits a preset to a dataset.
    /// </summary>
    public static (SweepPlan? Plan, Dictionary<string, string[]> Errors) Plan(SweepSpec spec,
        Func<RunConfig, IReadOnlyDictionary<string, string[]>> validate, Func<string, string, IReadOnlyList<Dashboard.Shared.Networks.LayerSpec>> presetLayers)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string key, string message) => (errors.TryGetValue(key, out var list) ? list : errors[key] = []).Add(message);

        if (spec.Base is null || spec.Space is null || spec.Metric is null)
        {
            Add(spec.Base is null ? "base" : spec.Space is null ? "space" : "metric", "must be given.");
            return (null, Done(errors));
        }
        foreach (var (field, messages) in validate(spec.Base))
        {
            messages.ToList().ForEach(m => Add($"base.{field}", m));
        }
        if (spec.Base.ValidationFraction <= 0)
        {
            Add("base.validationFraction", "must be above 0: a sweep ranks its trials by their validation metric.");
        }
        if (spec.Metric.Name is not (SweepMetric.ValidationAccuracy or SweepMetric.ValidationLoss))
        {
            Add("metric.name", $"must be {SweepMetric.ValidationAccuracy} or {SweepMetric.ValidationLoss}, got '{spec.Metric.Name}'.");
        }
        if (spec.Parallel is < 1 or > MaxParallel)
        {
            Add("parallel", $"must be 1 to {MaxParallel}, got {spec.Parallel}.");
        }
        if (spec.Space.Count == 0)
        {
            Add("space", $"must name at least one field to vary: {string.Join(", ", SearchSpace.Fields.Keys)}.");
        }
        foreach (var (key, space) in spec.Space)
        {
            if (Field(key, space, spec) is { } problem)
            {
                Add($"space.{key}", problem);
                continue;
            }
            // Each field's extremes as a run: a value the run checks refuse is named now, not when its trial would start.
            foreach (var value in Extremes(key, space))
            {
                var parameters = new Dictionary<string, JsonElement> { [key] = value };
                try
                {
                    var config = SearchSpace.Apply(spec.Base, parameters, presetLayers);
                    foreach (var (field, messages) in validate(config))
                    {
                        messages.ToList().ForEach(m => Add($"space.{key}", $"{value.GetRawText()}: {field} {m}"));
                    }
                    if (key == SearchSpace.Dropout && !config.Layers!.Any(l => l.Kind == Dashboard.Shared.Networks.LayerKind.Dropout))
                    {
                        Add($"space.{key}", $"the network ({spec.Base.NetworkName}) has no Dropout layer.");
                    }
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NotSupportedException)
                {
                    Add($"space.{key}", $"{value.GetRawText()} is not a value of {key}: {e.Message}");
                }
            }
        }
        if (spec.EarlyStopping is { } stopping)
        {
            if (stopping.Type != EarlyStopping.Asha)
            {
                Add("earlyStopping.type", $"must be {EarlyStopping.Asha}, got '{stopping.Type}'.");
            }
            if (stopping.Eta is < 2 or > 10)
            {
                Add("earlyStopping.eta", $"must be 2 to 10, got {stopping.Eta}.");
            }
            if (stopping.MinEpochs < 1 || stopping.MinEpochs >= MaxEpochs(spec))
            {
                Add("earlyStopping.minEpochs", $"must be at least 1 and below the trials' epochs ({MaxEpochs(spec)}), got {stopping.MinEpochs}.");
            }
        }
        var budget = Budget(spec, Add);
        return errors.Count > 0 ? (null, Done(errors)) : (new SweepPlan(spec, budget), []);
    }

    private static int Budget(SweepSpec spec, Action<string, string> add)
    {
        if (spec.Method == SweepMethod.Grid)
        {
            foreach (var (key, space) in spec.Space.Where(f => GridSampler.Points(f.Value) is null))
            {
                add($"space.{key}", "a grid needs a list of values (or an int-uniform range) for every field.");
            }
            var size = GridSampler.Size(spec.Space);
            if (spec.Trials is < 1)
            {
                add("trials", $"must be at least 1, got {spec.Trials}.");
            }
            if (size > MaxTrials && spec.Trials is null)
            {
                add("trials", $"the grid has {size} points, more than {MaxTrials}; give fewer values or a budget.");
            }
            return Math.Min(spec.Trials ?? size, Math.Max(size, 1));
        }
        if (spec.Trials is not { } trials || trials < 1 || trials > MaxTrials)
        {
            add("trials", $"must be 1 to {MaxTrials}, got {spec.Trials?.ToString() ?? "none"}.");
            return 0;
        }
        return trials;
    }

    private static int MaxEpochs(SweepSpec spec) =>
        spec.Space.TryGetValue("epochs", out var epochs) && (epochs.Max ?? epochs.Values?.Max(v => v.TryGetDouble(out var e) ? e : 0)) is { } most
            ? (int)most
            : spec.Base.Epochs;

    /// <summary>What is wrong with a field's space on its own, or null.</summary>
    private static string? Field(string key, ParameterSpace space, SweepSpec spec)
    {
        if (!SearchSpace.Fields.TryGetValue(key, out var kind))
        {
            return $"cannot be swept; fields: {string.Join(", ", SearchSpace.Fields.Keys)}.";
        }
        if (space.Values is { } values)
        {
            if (space.Distribution is not null || space.Min is not null || space.Max is not null)
            {
                return "give either values or a distribution with min and max, not both.";
            }
            if (values.Count is 0 or > MaxValues)
            {
                return $"needs 1 to {MaxValues} values, got {values.Count}.";
            }
            var wrong = values.FirstOrDefault(v => !Fits(kind, v));
            return wrong.ValueKind == JsonValueKind.Undefined ? null : $"{wrong.GetRawText()} is not {Describe(kind)}.";
        }
        if (space.Distribution is not (ParameterSpace.Uniform or ParameterSpace.LogUniform or ParameterSpace.IntUniform))
        {
            return $"needs values, or a distribution ({ParameterSpace.Uniform}, {ParameterSpace.LogUniform} or {ParameterSpace.IntUniform}) with min and max.";
        }
        if (kind is FieldKind.Name or FieldKind.Flag)
        {
            return $"holds {Describe(kind)}: give them as values.";
        }
        if (space.Min is not { } min || space.Max is not { } max || !double.IsFinite(min) || !double.IsFinite(max) || min >= max)
        {
            return $"needs finite min and max with min below max, got {space.Min?.ToString() ?? "none"} and {space.Max?.ToString() ?? "none"}.";
        }
        if (space.Distribution == ParameterSpace.LogUniform && min <= 0)
        {
            return $"a log-uniform range needs min above 0, got {min}.";
        }
        if ((space.Distribution == ParameterSpace.IntUniform || kind == FieldKind.Integer) && (min != Math.Floor(min) || max != Math.Floor(max)))
        {
            return $"an integer range needs whole min and max, got {min} and {max}.";
        }
        return kind == FieldKind.Integer && space.Distribution == ParameterSpace.Uniform
            ? $"holds integers: use {ParameterSpace.IntUniform} (or {ParameterSpace.LogUniform}, rounded)."
            : null;
    }

    private static bool Fits(FieldKind kind, JsonElement value) => kind switch
    {
        FieldKind.Real => value.ValueKind == JsonValueKind.Number,
        FieldKind.Integer => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _),
        FieldKind.Name => value.ValueKind == JsonValueKind.String,
        _ => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
    };

    private static string Describe(FieldKind kind) => kind switch
    {
        FieldKind.Real => "a number",
        FieldKind.Integer => "an integer",
        FieldKind.Name => "a name (a string)",
        _ => "true or false",
    };

    private static IEnumerable<JsonElement> Extremes(string key, ParameterSpace space) =>
        space.Values ?? [SearchSpace.Number(space.Min!.Value, SearchSpace.Fields[key] == FieldKind.Integer || space.Distribution == ParameterSpace.IntUniform),
            SearchSpace.Number(space.Max!.Value, SearchSpace.Fields[key] == FieldKind.Integer || space.Distribution == ParameterSpace.IntUniform)];

    private static Dictionary<string, string[]> Done(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.Distinct().ToArray());
}
