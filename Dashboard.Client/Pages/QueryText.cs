using System.Globalization;

namespace Dashboard.Client.Pages;

/// <summary>
/// Reads a page's query values, taken as text so that a value which does not parse (NaN,
/// Infinity, words, out of range) counts as absent instead of failing the page.
/// </summary>
internal static class QueryText
{
    public static int? Int(string? text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static double? Finite(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    public static bool Flag(string? text) => bool.TryParse(text, out var value) && value;
}
