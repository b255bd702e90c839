using Dashboard.Shared.Networks;

namespace Dashboard.Server.Training.Datasets;

/// <summary>
/// Reads CIFAR-10 binary batches (cifar-10-batches-bin): records of one label byte then
/// 3072 pixel bytes (1024 red, 1024 green, 1024 blue, row-major 32x32).
/// </summary>
public static class CifarReader
{
    public static readonly TensorShape Shape = TensorShape.Image(3, 32, 32);
    private const int PixelBytes = 3 * 32 * 32;
    private const int RecordBytes = 1 + PixelBytes;

    /// <summary>Reads and concatenates the given batch files in order.</summary>
    public static ImageSet Read(IEnumerable<string> paths, int classes = 10)
    {
        var pixels = new MemoryStream();
        var labels = new MemoryStream();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw new DatasetException($"{path}: file not found.");
            }
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0 || bytes.Length % RecordBytes != 0)
            {
                throw new DatasetException(
                    $"{path}: wrong length: {bytes.Length} bytes is not a whole number of {RecordBytes}-byte CIFAR-10 records (truncated or not a CIFAR-10 binary batch).");
            }
            for (var offset = 0; offset < bytes.Length; offset += RecordBytes)
            {
                var label = bytes[offset];
                if (label >= classes)
                {
                    throw new DatasetException($"{path}: record {offset / RecordBytes} has label {label}, outside 0..{classes - 1} (not a CIFAR-10 binary batch?).");
                }
                labels.WriteByte(label);
                pixels.Write(bytes, offset + 1, PixelBytes);
            }
        }
        return new ImageSet(Shape, pixels.ToArray(), labels.ToArray());
    }
}
