using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Sweeps;

namespace Dashboard.Server.Sweeps;

/// <summary>The kind of value a sweepable field holds.</summary>
public enum FieldKind
{
    Real,
    Integer,
    Name,
    Flag,
}

/// <summary>
/// The run configuration fields a sweep may vary, keyed by their JSON names (a dot for a nested one), and how a trial's
/// parameters are written into the base configuration: through its JSON form, so every field is set the way the API reads it.
/// </summary>
public static class SearchSpace
{
    /// <summary>Sets every Dropout layer's p (the preset's layers, fitted to the dataset, become the trial's own).</summary>
    public const string Dropout = "dropout";

    public static readonly IReadOnlyDictionary<string, FieldKind> Fields = new Dictionary<string, FieldKind>
    {
        ["learningRate"] = FieldKind.Real,
        ["batchSize"] = FieldKind.Integer,
        ["weightDecay"] = FieldKind.Real,
        ["momentum"] = FieldKind.Real,
        ["schedule"] = FieldKind.Name,
        ["optimizer"] = FieldKind.Name,
        ["epochs"] = FieldKind.Integer,
        [Dropout] = FieldKind.Real,
        ["model"] = FieldKind.Name,
        ["labelSmoothing"] = FieldKind.Real,
        ["seed"] = FieldKind.Integer,
        ["augmentation.cropPadding"] = FieldKind.Integer,
        ["augmentation.flip"] = FieldKind.Flag,
        ["augmentation.rotation"] = FieldKind.Real,
        ["augmentation.scale"] = FieldKind.Real,
        ["augmentation.erasing"] = FieldKind.Real,
    };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The base configuration with a trial's parameters written in. <paramref name="presetLayers"/> gives a preset's layers
    /// fitted to a dataset (for <see cref="Dropout"/>). Throws JsonException for a value of the wrong type.
    /// </summary>
    public static RunConfig Apply(RunConfig baseConfig, IReadOnlyDictionary<string, JsonElement> parameters,
        Func<string, string, IReadOnlyList<LayerSpec>> presetLayers)
    {
        var node = JsonSerializer.SerializeToNode(baseConfig, Json)!.AsObject();
        foreach (var (key, value) in parameters.Where(p => p.Key != Dropout))
        {
            var path = key.Split('.');
            var parent = node;
            foreach (var part in path[..^1])
            {
                parent = parent[part] as JsonObject ?? (JsonObject)(parent[part] = new JsonObject());
            }
            parent[path[^1]] = JsonNode.Parse(value.GetRawText());
        }
        var config = node.Deserialize<RunConfig>(Json)!;
        if (parameters.TryGetValue(Dropout, out var dropout))
        {
            var p = dropout.GetDouble();
            var layers = config.Layers ?? presetLayers(config.Model, config.Dataset);
            config = config with { Layers = [.. layers.Select(l => l.Kind == LayerKind.Dropout ? l with { P = p } : l)] };
        }
        return config;
    }

    /// <summary>The number a parameter's value stands for on a chart's axis (a name's index among its values).</summary>
    public static double Position(ParameterSpace space, JsonElement value)
    {
        if (space.Values is { } values)
        {
            for (var i = 0; i < values.Count; i++)
            {
                if (JsonElement.DeepEquals(values[i], value))
                {
                    return i;
                }
            }
            return -1;
        }
        return value.GetDouble();
    }

    /// <summary>A number as a JSON value (an integer where the field holds integers).</summary>
    public static JsonElement Number(double value, bool integer) =>
        integer ? JsonSerializer.SerializeToElement((long)Math.Round(value)) : JsonSerializer.SerializeToElement(value);
}
