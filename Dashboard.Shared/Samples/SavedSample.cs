namespace Dashboard.Shared.Samples;

/// <summary>An image a user labelled and saved (Draw page): C x H x W bytes, 0-255, as the model received it.</summary>
public sealed record SavedSample(int Id, string Dataset, int Label, int Channels, int Height, int Width, byte[] Pixels, DateTimeOffset CreatedAt);

/// <summary>A sample to save: C x H x W values in [0, 1] (784 for MNIST) and the right label.</summary>
public sealed record NewSample(string? Dataset, int? Label, float[]? Pixels);

/// <summary>
/// Users' own labelled samples: saved, listed, deleted, exported as CSV, and added to a later
/// training run (RunConfig.IncludeSamples). Implemented by the server.
/// </summary>
public interface ISampleService
{
    /// <summary>A dataset's samples, newest first.</summary>
    IReadOnlyList<SavedSample> List(string dataset);

    /// <summary>Validates and stores a sample; the errors are keyed by field (dataset, label, pixels).</summary>
    SaveSampleResult Save(NewSample sample);

    bool Delete(int id);
}

/// <summary>The stored sample, or why it was refused (keyed by field).</summary>
public sealed record SaveSampleResult(SavedSample? Sample, IReadOnlyDictionary<string, string[]> Errors);
