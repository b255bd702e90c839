using System.Text.Json.Serialization;

namespace Dashboard.Shared.Datasets;

/// <summary>How a picture is fitted to a dataset's width and height (the choices NVIDIA DIGITS offers).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PictureResize>))]
public enum PictureResize
{
    /// <summary>Scaled to exactly width x height; the aspect ratio is not kept.</summary>
    [JsonStringEnumMemberName("squash")]
    Squash = 0,

    /// <summary>Scaled to cover width x height, aspect kept, then the centre cut out.</summary>
    [JsonStringEnumMemberName("crop")]
    Crop = 1,

    /// <summary>Scaled to fit inside width x height, aspect kept, the rest filled with the background.</summary>
    [JsonStringEnumMemberName("pad")]
    Pad = 2,
}

/// <summary>The colour a picture's transparency is composited onto (and a padded picture's border).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PictureBackground>))]
public enum PictureBackground
{
    [JsonStringEnumMemberName("white")]
    White = 0,

    [JsonStringEnumMemberName("black")]
    Black = 1,
}

/// <summary>
/// How every picture becomes one of a dataset's images: at import, and again when a picture is classified with a
/// run trained on it, so that training and prediction see pictures the same way.
/// </summary>
public sealed record PictureFormat(int Width, int Height, int Channels, PictureResize Resize, bool Invert, PictureBackground Background)
{
    public const int MinSide = 4;
    public const int MaxSide = 512;
}

/// <summary>
/// The options of an import. Null sizes and channels are chosen from the pictures (the median size, capped at
/// <see cref="DefaultMaxSide"/> on its longer side; RGB when any sampled picture has colour).
/// </summary>
public record ImportOptions
{
    public const int DefaultMaxSide = 64;
    public const int MaxNameLength = 64;

    /// <summary>The dataset's name: letters, digits, '-' and '_'.</summary>
    public string Name { get; init; } = "";

    public int? Width { get; init; }

    public int? Height { get; init; }

    /// <summary>1 (grey) or 3 (RGB).</summary>
    public int? Channels { get; init; }

    public PictureResize Resize { get; init; } = PictureResize.Squash;

    /// <summary>Turn dark-on-light pictures (digits on paper) into light-on-dark, as MNIST is.</summary>
    public bool Invert { get; init; }

    public PictureBackground Background { get; init; } = PictureBackground.White;

    /// <summary>The share of each class that becomes the test set when the pictures have no test/ folder.</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>The seed of that stratified split.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// POST /api/datasets as JSON: the options, and where the pictures are: <see cref="Upload"/> (an id from
/// POST /api/datasets/uploads) or <see cref="Folder"/> (a folder on the server).
/// </summary>
public sealed record ImportRequest : ImportOptions
{
    public string? Upload { get; init; }

    public string? Folder { get; init; }
}

/// <summary>POST /api/datasets/uploads: the upload's id (for POST /api/datasets) and what a look at its pictures found.</summary>
public sealed record ImportUpload(string Upload, ImportSurvey Survey);

/// <summary>POST /api/datasets/{name}/rename.</summary>
public sealed record DatasetRename(string Name);

[JsonConverter(typeof(JsonStringEnumConverter<ImportStatus>))]
public enum ImportStatus
{
    [JsonStringEnumMemberName("importing")]
    Importing = 0,

    [JsonStringEnumMemberName("ready")]
    Ready = 1,

    [JsonStringEnumMemberName("failed")]
    Failed = 2,

    [JsonStringEnumMemberName("cancelled")]
    Cancelled = 3,
}

/// <summary>A file an import passed over, and why (not a picture, corrupt, too large, unsupported, an empty class folder...).</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>
/// Two pictures with the same pixels after resizing. Kind: "train", "validation" or "test" (both in that split),
/// "train-validation", or "leak" (one of them in the test set, the other in training or validation).
/// </summary>
public sealed record DuplicatePair(string Kind, string First, string Second);

/// <summary>Exact duplicates (same pixels after resizing): pictures that repeat one before them, outside and inside the test set's reach, and the first examples.</summary>
public sealed record DuplicateReport(int WithinSplits, int AcrossTrainAndTest, IReadOnlyList<DuplicatePair> Examples);

/// <summary>The largest training class over the smallest; flagged above <see cref="Threshold"/>.</summary>
public sealed record ImbalanceReport(string Largest, int LargestCount, string Smallest, int SmallestCount, double Ratio, bool Flagged)
{
    public const double Threshold = 3;
}

/// <summary>What an import made and met: pictures per split and class, every skipped file, duplicates and imbalance.</summary>
public sealed record ImportReport(
    IReadOnlyList<string> Classes,
    IReadOnlyList<int> TrainPerClass,
    IReadOnlyList<int> ValidationPerClass,
    IReadOnlyList<int> TestPerClass,
    bool TestFromFolder,
    IReadOnlyList<SkippedFile> Skipped,
    DuplicateReport Duplicates,
    ImbalanceReport? Imbalance,
    double Seconds);

/// <summary>One import as every page and the API see it: its progress while it runs, its report when it is done.</summary>
public sealed record DatasetImport(
    string Name,
    ImportStatus Status,
    int Done,
    int Total,
    double PicturesPerSecond,
    double? EtaSeconds,
    string? Error,
    PictureFormat? Format,
    ImportReport? Report,
    DateTimeOffset Started,
    DateTimeOffset? Ended);

/// <summary>What a look at the pictures found before importing them, with the options it proposes.</summary>
public sealed record ImportSurvey(
    int Pictures,
    IReadOnlyList<string> Classes,
    IReadOnlyList<int> PerClass,
    bool HasTestFolder,
    bool HasValidationFolder,
    int MedianWidth,
    int MedianHeight,
    bool Colour,
    ImportOptions Proposed,
    IReadOnlyList<SkippedFile> Skipped);

/// <summary>An import asked for on a page: started, or why not (messages keyed by field).</summary>
public sealed record ImportStartOutcome(DatasetImport? Import, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>
/// Imports, renames and deletes of datasets, as the pages see them (starting, cancelling, renaming and deleting pass the
/// operator gate). Implemented by the server; pages upload files to POST /api/datasets/uploads and start them here by id.
/// </summary>
public interface IDatasetImports
{
    /// <summary>An import's progress (at most four times a second) or its end, raised off the page's thread.</summary>
    event Action<DatasetImport>? Changed;

    /// <summary>The imports running now and those that failed or were cancelled since the server started.</summary>
    IReadOnlyList<DatasetImport> Recent();

    /// <summary>An import or a ready imported dataset (with its report), or null.</summary>
    DatasetImport? Get(string name);

    /// <summary>A look at a folder on the server (operator only): its pictures, classes, sizes, and the options proposed.</summary>
    (ImportSurvey? Survey, string? Problem) SurveyFolder(string folder);

    ImportStartOutcome Start(ImportRequest request);

    bool Cancel(string name);

    /// <summary>Null when renamed; else why not.</summary>
    string? Rename(string name, string newName);

    /// <summary>Null when deleted; else why not.</summary>
    string? Delete(string name);
}
