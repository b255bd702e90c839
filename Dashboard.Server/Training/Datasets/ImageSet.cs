using Dashboard.Shared.Networks;

namespace Dashboard.Server.Training.Datasets;

/// <summary>Images as raw bytes (N x C x H x W, 0..255) with one label byte each.</summary>
public sealed record ImageSet(TensorShape Shape, byte[] Pixels, byte[] Labels)
{
    public int Count => Labels.Length;

    /// <summary>The first <paramref name="count"/> images, or this set when it has no more than that.</summary>
    public ImageSet Take(int count)
    {
        if (count >= Count)
        {
            return this;
        }
        var size = (int)Shape.Elements;
        return new ImageSet(Shape, Pixels[..(count * size)], Labels[..count]);
    }

    /// <summary>This set followed by <paramref name="more"/> (same shape).</summary>
    public ImageSet Concat(ImageSet more)
    {
        if (more.Shape != Shape)
        {
            throw new ArgumentException($"Cannot add {more.Shape} images to a set of {Shape} images.");
        }
        return new ImageSet(Shape, [.. Pixels, .. more.Pixels], [.. Labels, .. more.Labels]);
    }
}

/// <summary>A dataset's splits: training and test, and validation when the dataset brings its own (an imported val/ folder).</summary>
public sealed record LoadedDataset(ImageSet Train, ImageSet Test)
{
    public ImageSet? Validation { get; init; }
}

/// <summary>A dataset's files are missing, truncated or corrupt. The message names the file and the fix.</summary>
public sealed class DatasetException(string message) : Exception(message);
