using System.Buffers.Binary;
using System.IO.Compression;
using Dashboard.Shared.Networks;

namespace Dashboard.Server.Training.Datasets;

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST (raw or gzip-compressed): a magic of
/// 0x00 0x00, type 0x08 (unsigned byte), the dimension count, big-endian sizes, then data.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads an images file (3 dimensions: count, rows, columns) as a single-channel set.</summary>
    public static (TensorShape Shape, byte[] Pixels) ReadImages(string path)
    {
        var (dims, data) = Read(path, expectedDims: 3);
        return (TensorShape.Image(1, dims[1], dims[2]), data);
    }

    /// <summary>Reads an images file of 4 dimensions (count, channels, rows, columns), as imported datasets store them.</summary>
    public static (TensorShape Shape, byte[] Pixels) ReadChannelImages(string path)
    {
        var (dims, data) = Read(path, expectedDims: 4);
        return (TensorShape.Image(dims[1], dims[2], dims[3]), data);
    }

    /// <summary>Writes an IDX file of unsigned bytes with these sizes (the first is the count).</summary>
    public static void Write(string path, ReadOnlySpan<int> dims, ReadOnlySpan<byte> data)
    {
        using var file = File.Create(path);
        Span<byte> header = stackalloc byte[4 + 4 * dims.Length];
        header[2] = UnsignedByte;
        header[3] = (byte)dims.Length;
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header[(4 + 4 * i)..], dims[i]);
        }
        file.Write(header);
        file.Write(data);
    }

    /// <summary>Reads a labels file (1 dimension) and checks every label is below <paramref name="classes"/>.</summary>
    public static byte[] ReadLabels(string path, int classes)
    {
        var (_, data) = Read(path, expectedDims: 1);
        var bad = Array.FindIndex(data, l => l >= classes);
        if (bad >= 0)
        {
            throw new DatasetException($"{path}: label {data[bad]} at position {bad} is outside 0..{classes - 1}.");
        }
        return data;
    }

    /// <summary>Reads a whole IDX file of unsigned bytes and returns its sizes and data.</summary>
    public static (int[] Dims, byte[] Data) Read(string path, int expectedDims)
    {
        if (!File.Exists(path))
        {
            throw new DatasetException($"{path}: file not found.");
        }
        byte[] bytes;
        try
        {
            bytes = IsGzip(path) ? Decompress(path) : File.ReadAllBytes(path);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{path}: corrupt gzip data ({e.Message}).");
        }

        if (bytes.Length < 4)
        {
            throw new DatasetException($"{path}: wrong length: {bytes.Length} bytes is too short for an IDX header.");
        }
        if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != UnsignedByte || bytes[3] != expectedDims)
        {
            throw new DatasetException(
                $"{path}: bad magic 0x{bytes[0]:x2}{bytes[1]:x2}{bytes[2]:x2}{bytes[3]:x2}: expected 0x0000080{expectedDims} (IDX unsigned bytes, {expectedDims} dimension(s)).");
        }
        var header = 4 + 4 * expectedDims;
        if (bytes.Length < header)
        {
            throw new DatasetException($"{path}: wrong length: {bytes.Length} bytes is too short for a {expectedDims}-dimension header.");
        }
        var dims = new int[expectedDims];
        long expected = 1;
        for (var i = 0; i < expectedDims; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] <= 0)
            {
                throw new DatasetException($"{path}: dimension {i} has size {dims[i]}.");
            }
            expected *= dims[i];
        }
        if (bytes.Length - header != expected)
        {
            throw new DatasetException(
                $"{path}: wrong length: the header promises {string.Join("x", dims)} = {expected} bytes of data but the file holds {bytes.Length - header} (truncated or corrupt).");
        }
        return (dims, bytes[header..]);
    }

    private static bool IsGzip(string path)
    {
        Span<byte> magic = stackalloc byte[2];
        using var file = File.OpenRead(path);
        return file.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static byte[] Decompress(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }
}
