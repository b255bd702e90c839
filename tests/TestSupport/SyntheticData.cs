using System.Buffers.Binary;
using System.IO.Compression;

namespace Dashboard.Tests.Support;

/// <summary>
/// Writes tiny datasets in the real file formats, so tests exercise the real readers
/// without network access: class k is a bright bar in a position of its own, plus noise.
/// </summary>
public static class SyntheticData
{
    /// <summary>Images (N x side x side) and labels for a learnable 10-class problem.</summary>
    public static (byte[] Pixels, byte[] Labels) Digits(int count, int seed, int side = 28, int channels = 1)
    {
        var random = new Random(seed);
        var plane = side * side;
        var pixels = new byte[count * channels * plane];
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            var label = (byte)(i % 10);
            labels[i] = label;
            for (var c = 0; c < channels; c++)
            {
                var offset = (i * channels + c) * plane;
                for (var p = 0; p < plane; p++)
                {
                    pixels[offset + p] = (byte)random.Next(0, 40);
                }
                var row = 2 + label * (side - 4) / 10;
                for (var x = 2; x < side - 2; x++)
                {
                    pixels[offset + row * side + x] = 255;
                    pixels[offset + (row + 1) * side + x] = 200;
                }
            }
        }
        return (pixels, labels);
    }

    /// <summary>An IDX file of unsigned bytes with the given sizes; gzip-compressed when the name ends in .gz.</summary>
    public static void WriteIdx(string path, int[] dims, byte[] data)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = 0x08;
        header[3] = (byte)dims.Length;
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        using Stream target = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        target.Write(header);
        target.Write(data);
    }

    /// <summary>A data folder holding an MNIST-shaped dataset under the given subfolder.</summary>
    public static string WriteMnistLike(string dataFolder, int train, int test, string subfolder = "mnist", bool gzip = false)
    {
        var suffix = gzip ? ".gz" : "";
        var directory = Path.Combine(dataFolder, subfolder);
        foreach (var (prefix, count, seed) in new[] { ("train", train, 1), ("t10k", test, 2) })
        {
            var (pixels, labels) = Digits(count, seed);
            WriteIdx(Path.Combine(directory, $"{prefix}-images-idx3-ubyte{suffix}"), [count, 28, 28], pixels);
            WriteIdx(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte{suffix}"), [count], labels);
        }
        return dataFolder;
    }

    /// <summary>A cifar-10-batches-bin folder with five training batches and a test batch.</summary>
    public static string WriteCifarLike(string dataFolder, int perBatch)
    {
        var directory = Path.Combine(dataFolder, "cifar-10-batches-bin");
        Directory.CreateDirectory(directory);
        var names = Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").Append("test_batch.bin");
        var seed = 0;
        foreach (var name in names)
        {
            File.WriteAllBytes(Path.Combine(directory, name), CifarBatch(perBatch, seed++));
        }
        return dataFolder;
    }

    public static byte[] CifarBatch(int count, int seed)
    {
        var (pixels, labels) = Digits(count, seed, side: 32, channels: 3);
        var record = 1 + 3 * 32 * 32;
        var bytes = new byte[count * record];
        for (var i = 0; i < count; i++)
        {
            bytes[i * record] = labels[i];
            Array.Copy(pixels, i * (record - 1), bytes, i * record + 1, record - 1);
        }
        return bytes;
    }
}

/// <summary>A temporary folder removed when the test ends.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dashboard-tests", Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open elsewhere leaves the folder behind in /tmp.
        }
    }
}
