using System.Text.Json.Serialization;
using Dashboard.Shared.Networks;

namespace Dashboard.Shared.Inference;

/// <summary>A prediction: the most likely class and every class's probability.</summary>
public sealed record Prediction(int RunId, string Dataset, string Model, int Class, string Label, IReadOnlyList<float> Probabilities)
{
    /// <summary>For an image file sent to the predict API: the image the model saw, as a PNG (base64 in JSON).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? InputPng { get; init; }
}

/// <summary>A drawing's or upload's prediction and the image (C x H x W values in [0, 1]) the model actually received.</summary>
public sealed record DrawingPrediction(Prediction Prediction, IReadOnlyList<float> Input);

/// <summary>An uploaded picture's prediction; for a digit model, Ink is the 280x280 grey picture (ink bright) it became on the drawing pad.</summary>
public sealed record UploadPrediction(DrawingPrediction Drawing, TensorShape Shape, byte[]? Ink);

/// <summary>
/// One picture classified by POST /api/runs/{id}/classify: its file name, the most likely class (its index and name) and
/// every class's probability; or, for a picture that could not be read, Error says why. InputPng: the picture as the
/// network saw it, when asked for (?thumbnails=true).
/// </summary>
public sealed record ClassifiedPicture(string File, int? Class, string? Label, IReadOnlyList<float>? Probabilities, string? Error = null)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? InputPng { get; init; }
}

/// <summary>The answer of POST /api/runs/{id}/classify: the pictures in the order they came (an archive's in its order).</summary>
public sealed record ClassifyResult(int RunId, IReadOnlyList<string> Classes, IReadOnlyList<ClassifiedPicture> Results)
{
    /// <summary>As CSV: file, class, label, error, then one probability column per class (p_NAME).</summary>
    public string ToCsv()
    {
        static string Cell(string? text) => text is null ? "" : text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var csv = new System.Text.StringBuilder();
        csv.AppendLine(string.Join(",", new[] { "file", "class", "label", "error" }.Concat(Classes.Select(c => Cell($"p_{c}")))));
        foreach (var r in Results)
        {
            csv.AppendLine(string.Join(",", new[] { Cell(r.File), r.Class?.ToString(invariant) ?? "", Cell(r.Label), Cell(r.Error) }
                .Concat(r.Probabilities?.Select(p => p.ToString("G6", invariant)) ?? Classes.Select(_ => ""))));
        }
        return csv.ToString();
    }
}

/// <summary>What an uploaded image file may be, on the Draw page and in the predict API.</summary>
public static class ImageLimits
{
    /// <summary>The largest file taken: 8 MiB.</summary>
    public const int MaxFileBytes = 8 * 1024 * 1024;

    /// <summary>The longest side taken, in pixels.</summary>
    public const int MaxSide = 4096;

    /// <summary>The most pixels taken (width x height): 16 megapixels.</summary>
    public const long MaxPixels = 16L * 1024 * 1024;

    public const string Formats = "PNG, JPEG, BMP, GIF, TIFF or WebP";

    /// <summary>The longest a picture may take to decode.</summary>
    public static readonly TimeSpan DecodeTime = TimeSpan.FromSeconds(10);

    /// <summary>The most frames (TIFF directories) a picture may have; only the first is decoded.</summary>
    public const int MaxFrames = 64;
}

/// <summary>Classifies drawings and uploads with a run's checkpoint. Implemented by the server; injected into the Draw page.</summary>
public interface IDigitClassifier
{
    /// <summary>
    /// <paramref name="grayscale"/> is the canvas, width x height bytes, ink bright. It is cropped,
    /// scaled and centred as MNIST was made. Null when nothing is drawn. <paramref name="epoch"/>: classify with
    /// the weights kept after that epoch instead of the final ones.
    /// </summary>
    DrawingPrediction? ClassifyDrawing(int runId, byte[] grayscale, int width, int height, int? epoch = null);

    /// <summary>The epochs whose weights the run kept (RunConfig.KeepEpochWeights), oldest first; empty when none.</summary>
    IReadOnlyList<int> KeptEpochs(int runId);

    /// <summary>
    /// An image file (PNG, JPEG, BMP, GIF, TIFF or WebP), decoded and converted on the server by the same
    /// pipeline as the predict API's. Throws with a message for a file that is refused.
    /// </summary>
    UploadPrediction ClassifyUpload(int runId, byte[] file, string? contentType);
}
