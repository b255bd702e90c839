using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using Dashboard.Server.Inference;
using Dashboard.Shared.Datasets;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Dashboard.Server.Imports;

/// <summary>An import that cannot go on (not an archive, too many entries, too large unpacked...); the message says why.</summary>
public sealed class ImportException(string message) : Exception(message);

/// <summary>What a source holds: every picture's path (with '/' separators), the folders that hold none, and what was passed over while listing.</summary>
public sealed record SourceListing(IReadOnlyList<string> Paths, IReadOnlyList<string> EmptyFolders, IReadOnlyList<SkippedFile> Skipped);

/// <summary>One picture's content as read from its source, ready to become a dataset image on any thread.</summary>
public abstract record PictureData
{
    /// <summary>The picture as the format says (C x H x W bytes). Throws <see cref="ImageRejectedException"/> with the reason to skip it.</summary>
    public abstract byte[] ToImage(PictureFormat format, ImportLimits limits);

    /// <summary>Width, height and whether it has colour, from its header where it can (colour only when <paramref name="lookAtColour"/>).</summary>
    public abstract (int Width, int Height, bool Colour) Survey(bool lookAtColour, ImportLimits limits);
}

/// <summary>A picture file (PNG, JPEG, ...): decoded through <see cref="ImageFiles"/>.</summary>
public sealed record PictureFile(byte[] Bytes) : PictureData
{
    public override byte[] ToImage(PictureFormat format, ImportLimits limits) =>
        PictureFormats.FromFile(Bytes, null, format, limits.MaxPictureBytes, limits.DecodeTime);

    public override (int Width, int Height, bool Colour) Survey(bool lookAtColour, ImportLimits limits)
    {
        var (width, height) = ImageFiles.Size(Bytes, limits.MaxPictureBytes);
        if (!lookAtColour)
        {
            return (width, height, false);
        }
        using var image = ImageFiles.Decode(Bytes, null, PictureBackground.White, limits.MaxPictureBytes, limits.DecodeTime);
        return (width, height, HasColour(image));
    }

    private static bool HasColour(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        // Beyond JPEG's chroma noise on a grey picture.
        return pixels.Any(p => Math.Max(Math.Abs(p.R - p.G), Math.Max(Math.Abs(p.G - p.B), Math.Abs(p.R - p.B))) > 24);
    }
}

/// <summary>A square grey picture given as pixel values (a row of a Kaggle digit-recognizer CSV).</summary>
public sealed record GreyPixels(byte[] Values, int Side) : PictureData
{
    public override byte[] ToImage(PictureFormat format, ImportLimits limits)
    {
        using var grey = Image.LoadPixelData<L8>(Values, Side, Side);
        using var picture = grey.CloneAs<Rgb24>();
        return PictureFormats.Apply(picture, format);
    }

    public override (int Width, int Height, bool Colour) Survey(bool lookAtColour, ImportLimits limits) => (Side, Side, false);
}

/// <summary>Where an import's pictures come from: a zip archive, a folder on the server, or a CSV of pixel values.</summary>
public abstract class PictureSource : IDisposable
{
    /// <summary>What it is, for the dataset's record: "zip NAME", "folder PATH", "csv NAME".</summary>
    public abstract string Description { get; }

    private SourceListing? _listing;

    /// <summary>Every picture in a stable order (listed once). Throws <see cref="ImportException"/> when the source as a whole is refused.</summary>
    public SourceListing List() => _listing ??= Enumerate();

    protected abstract SourceListing Enumerate();

    /// <summary>
    /// The picture at <paramref name="index"/> of the listing, read on the calling thread (one reader at a time), within
    /// the limits. Throws <see cref="ImageRejectedException"/> with the reason to skip it.
    /// </summary>
    public abstract PictureData Read(int index);

    /// <summary>The class label of a CSV row; null for file sources, whose class is their folder.</summary>
    public virtual string? LabelOf(int index) => null;

    public virtual void Dispose() => GC.SuppressFinalize(this);

    /// <summary>A zip archive, or (by its first bytes) a CSV file.</summary>
    public static PictureSource Open(string file, string name, ImportLimits limits)
    {
        Span<byte> magic = stackalloc byte[4];
        using (var peek = File.OpenRead(file))
        {
            magic = magic[..peek.ReadAtLeast(magic, 4, throwOnEndOfStream: false)];
        }
        if (magic.Length == 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K')
        {
            return new ZipSource(file, name, limits);
        }
        if (name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return new CsvSource(file, name, limits);
        }
        throw new ImportException($"{name} is neither a zip archive nor a .csv file.");
    }

    /// <summary>Why an entry's name is refused (it could point outside a folder if it were ever extracted), or null.</summary>
    protected static string? UnsafeName(string name)
    {
        if (name.Contains('\\'))
        {
            return "the name has a backslash";
        }
        if (name.StartsWith('/') || (name.Length > 1 && name[1] == ':'))
        {
            return "an absolute path";
        }
        if (name.Split('/').Any(part => part == ".."))
        {
            return "the name has a '..' part";
        }
        return name.Any(char.IsControl) ? "the name has control characters" : null;
    }

    /// <summary>Reads a stream that says it holds <paramref name="length"/> bytes, refusing one that holds more (or more than the limit).</summary>
    protected static byte[] ReadDeclared(Stream stream, long length, long limit, string tooLarge)
    {
        if (length > limit)
        {
            throw new ImageRejectedException(tooLarge);
        }
        var bytes = new byte[length];
        var read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        Span<byte> more = stackalloc byte[1];
        if (read < bytes.Length)
        {
            throw new ImageRejectedException($"it ends after {read:N0} of the {length:N0} bytes it declares.");
        }
        if (stream.Read(more) > 0)
        {
            throw new ImageRejectedException(tooLarge);
        }
        return bytes;
    }
}

/// <summary>A zip archive, read entry by entry (nothing is extracted as files), with its central directory checked first.</summary>
public sealed class ZipSource(string file, string name, ImportLimits limits) : PictureSource
{
    private readonly FileStream _stream = File.OpenRead(file);
    private ZipArchive? _archive;
    private List<ZipArchiveEntry> _pictures = [];

    public override string Description => $"zip {name}";

    protected override SourceListing Enumerate()
    {
        var count = EntryCount(_stream) ?? throw new ImportException($"{name} is not a zip archive (no end of central directory) or it is damaged.");
        if (count > (ulong)limits.MaxEntries)
        {
            throw new ImportException($"{name} has {count:N0} entries; the limit is {limits.MaxEntries:N0}.");
        }
        try
        {
            _archive = new ZipArchive(_stream, ZipArchiveMode.Read, leaveOpen: true);
            var entries = _archive.Entries;
            var skipped = new List<SkippedFile>();
            var folders = new HashSet<string>(StringComparer.Ordinal);
            long unpacked = 0;
            foreach (var entry in entries)
            {
                var path = entry.FullName;
                if (UnsafeName(path) is { } unsafeName)
                {
                    skipped.Add(new SkippedFile(path, $"unsafe entry name: {unsafeName}"));
                    continue;
                }
                if (path.EndsWith('/'))
                {
                    folders.Add(path.TrimEnd('/'));
                    continue;
                }
                // Unix mode bits in the high half of the external attributes: S_IFLNK.
                if (((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000)
                {
                    skipped.Add(new SkippedFile(path, "a link, not a file"));
                    continue;
                }
                if (entry.Length > limits.MaxPictureBytes)
                {
                    skipped.Add(new SkippedFile(path, $"too large: {entry.Length:N0} bytes unpacked; the limit is {limits.MaxPictureBytes:N0}"));
                    continue;
                }
                if (entry.Length > 64 * 1024 && entry.Length > limits.MaxCompressionRatio * Math.Max(1, entry.CompressedLength))
                {
                    skipped.Add(new SkippedFile(path, $"compressed {entry.Length / Math.Max(1, entry.CompressedLength):N0} to 1, above the limit of {limits.MaxCompressionRatio:N0} to 1 (a zip bomb?)"));
                    continue;
                }
                unpacked += entry.Length;
                if (unpacked > limits.MaxUnpackedBytes)
                {
                    throw new ImportException($"{name} unpacks to more than {limits.MaxUnpackedBytes / (1024.0 * 1024 * 1024):0.#} GiB, the limit.");
                }
                _pictures.Add(entry);
            }
            var paths = _pictures.Select(e => e.FullName).ToList();
            foreach (var path in paths)
            {
                for (var folder = Parent(path); folder.Length > 0; folder = Parent(folder))
                {
                    folders.Remove(folder);
                }
            }
            return new SourceListing(paths, [.. folders.Order(StringComparer.Ordinal)], skipped);
        }
        catch (InvalidDataException e)
        {
            throw new ImportException($"{name} is not a readable zip archive: {e.Message}");
        }
    }

    public override PictureData Read(int index)
    {
        var entry = _pictures[index];
        try
        {
            using var content = entry.Open();
            // An entry's header may lie about its size: never read past what it declared (or the limit).
            return new PictureFile(ReadDeclared(content, entry.Length, limits.MaxPictureBytes, $"it unpacks to more than the {entry.Length:N0} bytes it declares"));
        }
        catch (InvalidDataException e)
        {
            throw new ImageRejectedException($"the archive entry is damaged: {e.Message}");
        }
    }

    public override void Dispose()
    {
        _archive?.Dispose();
        _stream.Dispose();
        base.Dispose();
    }

    private static string Parent(string path) => path.LastIndexOf('/') is var slash and > 0 ? path[..slash] : "";

    /// <summary>
    /// The entry count the end of central directory record declares (ZIP64 too), or null when there is none. Read
    /// before the archive is opened, because opening it reads every entry of the central directory into memory.
    /// </summary>
    private static ulong? EntryCount(FileStream stream)
    {
        const int EndRecord = 22;
        var tail = (int)Math.Min(stream.Length, EndRecord + ushort.MaxValue + 20);
        var buffer = new byte[tail];
        stream.Seek(-tail, SeekOrigin.End);
        stream.ReadExactly(buffer);
        for (var at = tail - EndRecord; at >= 0; at--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(at)) != 0x06054b50)
            {
                continue;
            }
            var entries = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(at + 10));
            if (entries != ushort.MaxValue || at < 20 || BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(at - 20)) != 0x07064b50)
            {
                return entries;
            }
            // ZIP64: the locator before the record points at the ZIP64 end record, whose entry count is at offset 32.
            var zip64 = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(at - 20 + 8));
            if (zip64 > (ulong)stream.Length - 56)
            {
                return null;
            }
            var record = new byte[56];
            stream.Seek((long)zip64, SeekOrigin.Begin);
            stream.ReadExactly(record);
            return BinaryPrimitives.ReadUInt32LittleEndian(record) == 0x06064b50 ? BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)) : null;
        }
        return null;
    }
}

/// <summary>A folder on the server (for sets too big to upload): every file below it, links not followed.</summary>
public sealed class FolderSource(string folder, ImportLimits limits) : PictureSource
{
    private readonly string _root = Path.GetFullPath(folder);
    private List<string> _paths = [];

    public override string Description => $"folder {_root}";

    protected override SourceListing Enumerate()
    {
        if (!Directory.Exists(_root))
        {
            throw new ImportException($"{_root} is not a folder on the server.");
        }
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        var skipped = new List<SkippedFile>();
        var files = new List<string>();
        foreach (var file in Directory.EnumerateFiles(_root, "*", options))
        {
            if (files.Count + skipped.Count >= limits.MaxEntries)
            {
                throw new ImportException($"{_root} has more than {limits.MaxEntries:N0} files; the limit is {limits.MaxEntries:N0}.");
            }
            var relative = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            var length = new FileInfo(file).Length;
            if (length > limits.MaxPictureBytes)
            {
                skipped.Add(new SkippedFile(relative, $"too large: {length:N0} bytes; the limit is {limits.MaxPictureBytes:N0}"));
                continue;
            }
            files.Add(relative);
        }
        files.Sort(StringComparer.Ordinal);
        _paths = files;
        var withFiles = files.SelectMany(Ancestors).ToHashSet(StringComparer.Ordinal);
        var empty = Directory.EnumerateDirectories(_root, "*", options)
            .Select(d => Path.GetRelativePath(_root, d).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(d => !withFiles.Contains(d))
            .Order(StringComparer.Ordinal)
            .ToList();
        return new SourceListing(files, empty, skipped);
    }

    public override PictureData Read(int index)
    {
        var path = Path.Combine(_root, _paths[index]);
        try
        {
            using var file = File.OpenRead(path);
            return new PictureFile(ReadDeclared(file, file.Length, limits.MaxPictureBytes, $"larger than {limits.MaxPictureBytes:N0} bytes"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageRejectedException($"cannot be read: {e.Message}");
        }
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            yield return path[..slash];
        }
    }
}

/// <summary>
/// A CSV in the form of Kaggle's digit recognizer: a header "label,pixel0,...,pixelN", then per row a label and N
/// grey values (0-255) of a square picture, row by row.
/// </summary>
public sealed class CsvSource(string file, string name, ImportLimits limits) : PictureSource
{
    private readonly List<(string Label, byte[] Values)> _rows = [];
    private int _side;

    public override string Description => $"csv {name}";

    protected override SourceListing Enumerate()
    {
        using var reader = new StreamReader(file);
        var header = reader.ReadLine()?.Split(',').Select(c => c.Trim().Trim('"')).ToArray()
            ?? throw new ImportException($"{name} is empty.");
        if (header.Length < 2 || !header[0].Equals("label", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImportException($"{name}: the first column must be 'label' (Kaggle's digit-recognizer form: label,pixel0,...,pixelN).");
        }
        var count = header.Length - 1;
        _side = (int)Math.Round(Math.Sqrt(count));
        if (_side * _side != count || _side < 2)
        {
            throw new ImportException($"{name}: {count} pixel columns do not make a square picture.");
        }
        var skipped = new List<SkippedFile>();
        var paths = new List<string>();
        var line = 1;
        for (var text = reader.ReadLine(); text is not null; text = reader.ReadLine())
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }
            if (paths.Count + skipped.Count >= limits.MaxEntries)
            {
                throw new ImportException($"{name} has more than {limits.MaxEntries:N0} rows; the limit is {limits.MaxEntries:N0}.");
            }
            var cells = text.Split(',');
            var values = new byte[count];
            var problem = cells.Length != header.Length ? $"{cells.Length} columns, the header has {header.Length}" : null;
            for (var i = 0; problem is null && i < count; i++)
            {
                if (!byte.TryParse(cells[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]))
                {
                    problem = $"pixel{i} is '{cells[i + 1]}', not a value from 0 to 255";
                }
            }
            var label = cells[0].Trim().Trim('"');
            if (problem is null && (label.Length == 0 || label.Contains('/')))
            {
                problem = $"the label '{label}' is not a class name";
            }
            var path = $"row {line}";
            if (problem is not null)
            {
                skipped.Add(new SkippedFile(path, problem));
                continue;
            }
            _rows.Add((label, values));
            paths.Add(path);
        }
        return new SourceListing(paths, [], skipped);
    }

    public override PictureData Read(int index) => new GreyPixels(_rows[index].Values, _side);

    public override string? LabelOf(int index) => _rows[index].Label;
}
