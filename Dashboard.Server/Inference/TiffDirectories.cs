using System.Buffers.Binary;
using Dashboard.Shared.Inference;

namespace Dashboard.Server.Inference;

/// <summary>
/// Reads a TIFF file's image directories (their count and each one's compression) before ImageSharp does, to refuse
/// what must not reach its decoder: CCITT fax compression (a 2026 advisory reports an out-of-bounds write in
/// ImageSharp's CCITT decoding, 3.0.0-4.1.0; 2.1.13 carries the same T4/T6 decoders and is not shown unaffected) and
/// more than <see cref="ImageLimits.MaxFrames"/> frames (ImageSharp 2.1 reads every directory, up to 65,534).
/// </summary>
// Written here because ImageSharp 2.1.13's Identify reports neither a TIFF's compression nor its frame count.
public static class TiffDirectories
{
    /// <summary>TIFF compression codes: 2 CCITT modified Huffman (1D), 3 CCITT T.4 (Group 3 fax), 4 CCITT T.6 (Group 4 fax), 32771 CCITT RLE word-aligned.</summary>
    public static readonly int[] Ccitt = [2, 3, 4, 32771];

    private const ushort CompressionTag = 259;

    /// <summary>Why the file must not be decoded, or null (also when its structure is not readable here: the decoder then refuses it).</summary>
    public static string? Problem(ReadOnlySpan<byte> file)
    {
        if (file.Length < 8)
        {
            return null;
        }
        var little = file[0] == (byte)'I' && file[1] == (byte)'I';
        if (!little && !(file[0] == (byte)'M' && file[1] == (byte)'M'))
        {
            return null;
        }
        var magic = U16(file, 2, little);
        var big = magic == 43;
        if (magic != 42 && !big)
        {
            return null;
        }
        var offset = big ? (file.Length >= 16 ? U64(file, 8, little) : 0) : U32(file, 4, little);
        var seen = new HashSet<ulong>();
        var frames = 0;
        while (offset != 0)
        {
            if (!seen.Add(offset))
            {
                return "the TIFF's directories form a loop.";
            }
            if (++frames > ImageLimits.MaxFrames)
            {
                return $"the TIFF has more than {ImageLimits.MaxFrames} frames.";
            }
            var countSize = big ? 8 : 2;
            if (offset > (ulong)(file.Length - countSize))
            {
                return null;
            }
            var at = (int)offset;
            var entries = big ? U64(file, at, little) : U16(file, at, little);
            var entrySize = big ? 20 : 12;
            var first = at + countSize;
            if (entries > (ulong)((file.Length - first) / entrySize))
            {
                return null;
            }
            for (var i = 0; i < (int)entries; i++)
            {
                var entry = first + i * entrySize;
                if (U16(file, entry, little) != CompressionTag)
                {
                    continue;
                }
                // A SHORT (type 3) or LONG (type 4) value, stored in the entry itself.
                var type = U16(file, entry + 2, little);
                var valueAt = entry + (big ? 12 : 8);
                var compression = type == 4 ? (int)U32(file, valueAt, little) : U16(file, valueAt, little);
                if (Ccitt.Contains(compression))
                {
                    return $"CCITT (fax) compressed TIFFs (compression {compression}) are refused: ImageSharp's CCITT decoding has a reported out-of-bounds write.";
                }
            }
            var next = first + (int)entries * entrySize;
            if (next > file.Length - (big ? 8 : 4))
            {
                return null;
            }
            offset = big ? U64(file, next, little) : U32(file, next, little);
        }
        return null;
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt16BigEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt32BigEndian(b[at..]);

    private static ulong U64(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt64LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt64BigEndian(b[at..]);
}
