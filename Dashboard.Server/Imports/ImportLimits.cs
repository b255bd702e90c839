namespace Dashboard.Server.Imports;

/// <summary>
/// Bounds on what an import reads (configuration section "Imports", e.g. Imports__MaxUploadBytes): a hostile archive
/// (a zip bomb, millions of entries, huge pictures) is refused or skipped by these before it costs memory or time.
/// </summary>
public sealed class ImportLimits
{
    public const string Section = "Imports";

    /// <summary>The largest upload (an archive or a CSV) the API takes: 2 GiB.</summary>
    public long MaxUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>The most bytes an archive's entries may unpack to, all together: 8 GiB.</summary>
    public long MaxUnpackedBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    /// <summary>The largest single picture file: 32 MiB.</summary>
    public int MaxPictureBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>The most an entry may unpack to per byte it takes in the archive (a zip bomb unpacks thousands of times larger).</summary>
    public double MaxCompressionRatio { get; set; } = 100;

    /// <summary>The most entries (files and folders) an archive, a folder or a CSV may hold.</summary>
    public int MaxEntries { get; set; } = 500_000;

    /// <summary>The longest one picture may take to decode, in seconds.</summary>
    public double DecodeSeconds { get; set; } = 10;

    /// <summary>The largest dataset an import may make (pictures x channels x height x width bytes): 4 GiB.</summary>
    public long MaxDatasetBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>How many pictures decode at once (0: one per core).</summary>
    public int Workers { get; set; }

    public int WorkerCount => Workers > 0 ? Workers : Environment.ProcessorCount;

    public TimeSpan DecodeTime => TimeSpan.FromSeconds(DecodeSeconds);

    /// <summary>These limits for pictures to classify: at most <paramref name="entries"/> entries, each no larger than a predicted image.</summary>
    public ImportLimits ForPictures(int entries) => new()
    {
        MaxUploadBytes = MaxUploadBytes, MaxUnpackedBytes = MaxUnpackedBytes, MaxCompressionRatio = MaxCompressionRatio, DecodeSeconds = DecodeSeconds,
        MaxPictureBytes = Math.Min(MaxPictureBytes, Dashboard.Shared.Inference.ImageLimits.MaxFileBytes), MaxEntries = entries, Workers = Workers,
    };
}
