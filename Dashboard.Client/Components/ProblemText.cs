using System.Text.Json;

namespace Dashboard.Client.Components;

/// <summary>An HTTP answer the page got through JS (an upload's): its JSON read as a record, or a ProblemDetails as one line.</summary>
public static class ProblemText
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static T? Read<T>(string body) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The title, the detail and every field's messages of a ProblemDetails answer (or the status alone).</summary>
    public static string Of(int status, string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            var parts = new List<string>();
            foreach (var name in new[] { "title", "detail" })
            {
                if (root.TryGetProperty(name, out var text) && text.ValueKind == JsonValueKind.String)
                {
                    parts.Add(text.GetString()!);
                }
            }
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                parts.AddRange(errors.EnumerateObject().Select(e => $"{e.Name}: {string.Join(" ", e.Value.EnumerateArray().Select(m => m.GetString()))}"));
            }
            return parts.Count > 0 ? string.Join(" ", parts) : $"The server answered {status}.";
        }
        catch (JsonException)
        {
            return status == 0 ? body : $"The server answered {status}.";
        }
    }
}
