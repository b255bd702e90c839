using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dashboard.Client.Components;

/// <summary>
/// A field's search space as the sweep form types it: <c>1e-4..1e-1 log</c> (log-uniform), <c>0.8..0.99</c> (uniform),
/// <c>2..8 int</c> (integers), or a list <c>64, 128, 256</c> / <c>sgd, adam</c> / <c>true, false</c>.
/// </summary>
public static partial class SweepFieldText
{
    [GeneratedRegex(@"^\s*(?<min>[-+0-9.eE]+)\s*\.\.\s*(?<max>[-+0-9.eE]+)\s*(?<kind>log|int)?\s*$")]
    private static partial Regex Range();

    public static (Dashboard.Shared.Sweeps.ParameterSpace? Space, string? Problem) Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, "give a range (1e-4..1e-1 log, 0.1..0.5, 2..8 int) or values (64, 128, 256).");
        }
        if (Range().Match(text) is { Success: true } range)
        {
            if (!double.TryParse(range.Groups["min"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var min)
                || !double.TryParse(range.Groups["max"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var max))
            {
                return (null, $"'{text}' is not a range of two numbers.");
            }
            var distribution = range.Groups["kind"].Value switch
            {
                "log" => Dashboard.Shared.Sweeps.ParameterSpace.LogUniform,
                "int" => Dashboard.Shared.Sweeps.ParameterSpace.IntUniform,
                _ => Dashboard.Shared.Sweeps.ParameterSpace.Uniform,
            };
            return (new() { Distribution = distribution, Min = min, Max = max }, null);
        }
        var values = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Value).ToList();
        return values.Count == 0 ? (null, $"'{text}' names no values.") : (new() { Values = values }, null);
    }

    /// <summary>A typed value as JSON: a number, true or false, else a name.</summary>
    private static JsonElement Value(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonSerializer.SerializeToElement(number)
        : bool.TryParse(text, out var flag) ? JsonSerializer.SerializeToElement(flag)
        : JsonSerializer.SerializeToElement(text);
}
