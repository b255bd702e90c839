using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;

namespace Dashboard.Server.Training.Datasets;

/// <summary>An imported dataset's description, kept as dataset.json beside its images.</summary>
public sealed record DatasetManifest(
    string Name,
    PictureFormat Format,
    IReadOnlyList<string> Classes,
    int Train,
    int Validation,
    int Test,
    string Source,
    string Hash,
    DateTimeOffset Created,
    ImportReport Report)
{
    public TensorShape Shape => TensorShape.Image(Format.Channels, Format.Height, Format.Width);
}

/// <summary>One split's pictures: the images (labels included) and, per image, the file it came from.</summary>
public sealed record PictureSplit(ImageSet Images, IReadOnlyList<string> Paths);

/// <summary>
/// Imported datasets in the data folder, one folder each under imported/: dataset.json, the images and labels as IDX
/// files (images with 4 dimensions: count, channels, rows, columns), and paths.json with each picture's original path.
/// A dataset is written under a temporary name and renamed when complete, so a crash or a cancel leaves no half dataset.
/// </summary>
public sealed partial class ImportedDatasets(string dataFolder)
{
    public const string Subfolder = "imported";
    private const string ManifestFile = "dataset.json";
    private const string PathsFile = "paths.json";

    /// <summary>A folder being written starts with this; such folders are never listed and are removed at start-up.</summary>
    public const string PartialPrefix = ".partial-";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<string, (DateTime Stamp, DatasetManifest Manifest)> _manifests = new();

    public string Root { get; } = Path.Combine(Path.GetFullPath(dataFolder), Subfolder);

    public static readonly string[] Splits = ["train", "validation", "test"];

    /// <summary>Letters, digits, '-' and '_', 1 to 64 of them.</summary>
    public static bool IsValidName(string name) => ValidName().IsMatch(name);

    public IReadOnlyList<DatasetManifest> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }
        return [.. Directory.EnumerateDirectories(Root)
            .Select(Path.GetFileName)
            .Where(n => n is not null && ValidName().IsMatch(n))
            .Select(n => Find(n!))
            .OfType<DatasetManifest>()
            .OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    /// <summary>The dataset's manifest, or null when there is none of that name (or its manifest is unreadable).</summary>
    public DatasetManifest? Find(string name)
    {
        if (!ValidName().IsMatch(name))
        {
            return null;
        }
        var file = Path.Combine(Root, name, ManifestFile);
        var stamp = File.Exists(file) ? File.GetLastWriteTimeUtc(file) : default;
        if (stamp == default)
        {
            _manifests.TryRemove(name, out _);
            return null;
        }
        if (_manifests.TryGetValue(name, out var cached) && cached.Stamp == stamp)
        {
            return cached.Manifest;
        }
        try
        {
            var manifest = JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(file), Json);
            if (manifest is not null)
            {
                _manifests[name] = (stamp, manifest);
            }
            return manifest;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    public LoadedDataset Load(string name)
    {
        var manifest = Find(name) ?? throw new DatasetException($"Unknown dataset '{name}'.");
        var folder = Path.Combine(Root, name);
        ImageSet Read(string split)
        {
            var (shape, pixels) = IdxReader.ReadChannelImages(Path.Combine(folder, ImagesFile(split)));
            var labels = IdxReader.ReadLabels(Path.Combine(folder, LabelsFile(split)), manifest.Classes.Count);
            if (shape != manifest.Shape || labels.Length * shape.Elements != pixels.Length)
            {
                throw new DatasetException($"{folder}: the {split} images do not match dataset.json ({shape}, {labels.Length} labels); import the pictures again.");
            }
            return new ImageSet(shape, pixels, labels);
        }
        return new LoadedDataset(Read("train"), Read("test")) { Validation = manifest.Validation > 0 ? Read("validation") : null };
    }

    /// <summary>Each picture's original path, per split ("train", "validation", "test"); empty for a split there is not.</summary>
    public IReadOnlyList<string> Paths(string name, string split)
    {
        var file = Path.Combine(Root, name, PathsFile);
        if (!File.Exists(file))
        {
            return [];
        }
        var all = JsonSerializer.Deserialize<Dictionary<string, string[]>>(File.ReadAllText(file), Json);
        return all?.GetValueOrDefault(split) ?? [];
    }

    /// <summary>
    /// Writes a dataset under a temporary name and renames it into place; the manifest gets the content hash.
    /// <paramref name="isCancelled"/> is asked before the rename: a cancelled import leaves nothing.
    /// </summary>
    public DatasetManifest Write(DatasetManifest manifest, PictureSplit train, PictureSplit? validation, PictureSplit test, Func<bool>? isCancelled = null)
    {
        Directory.CreateDirectory(Root);
        var partial = NewPartialFolder(manifest.Name);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(JsonSerializer.SerializeToUtf8Bytes(new { manifest.Format, manifest.Classes }, Json));
            var paths = new Dictionary<string, IReadOnlyList<string>>();
            foreach (var (split, part) in new[] { ("train", train), ("validation", validation), ("test", test) })
            {
                if (part is null || part.Images.Count == 0)
                {
                    continue;
                }
                var images = part.Images;
                IdxReader.Write(Path.Combine(partial, ImagesFile(split)), [images.Count, .. images.Shape.Dims], images.Pixels);
                IdxReader.Write(Path.Combine(partial, LabelsFile(split)), [images.Count], images.Labels);
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(split));
                hash.AppendData(images.Pixels);
                hash.AppendData(images.Labels);
                paths[split] = part.Paths;
            }
            File.WriteAllBytes(Path.Combine(partial, PathsFile), JsonSerializer.SerializeToUtf8Bytes(paths, Json));
            var complete = manifest with { Hash = Convert.ToHexStringLower(hash.GetHashAndReset()) };
            File.WriteAllBytes(Path.Combine(partial, ManifestFile), JsonSerializer.SerializeToUtf8Bytes(complete, Json));
            if (isCancelled?.Invoke() == true)
            {
                throw new OperationCanceledException();
            }
            Directory.Move(partial, Path.Combine(Root, manifest.Name));
            return complete;
        }
        catch
        {
            TryDelete(partial);
            throw;
        }
    }

    /// <summary>A new folder to write a dataset into before it is renamed into place.</summary>
    public string NewPartialFolder(string name)
    {
        var partial = Path.Combine(Root, $"{PartialPrefix}{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(partial);
        return partial;
    }

    /// <summary>Puts a dataset folder made elsewhere (a team host's copy) into place under its name, replacing an older copy.</summary>
    public void Place(string name, string folder)
    {
        var target = Path.Combine(Root, name);
        var old = Path.Combine(Root, $"{PartialPrefix}{name}-old-{Guid.NewGuid():N}");
        if (Directory.Exists(target))
        {
            Directory.Move(target, old);
        }
        Directory.Move(folder, target);
        TryDelete(old);
        _manifests.TryRemove(name, out _);
    }

    public void Rename(string name, string newName)
    {
        var manifest = Find(name) ?? throw new DatasetException($"Unknown dataset '{name}'.");
        var from = Path.Combine(Root, name);
        var to = Path.Combine(Root, newName);
        Directory.Move(from, to);
        File.WriteAllBytes(Path.Combine(to, ManifestFile), JsonSerializer.SerializeToUtf8Bytes(manifest with { Name = newName }, Json));
        _manifests.TryRemove(name, out _);
    }

    public bool Delete(string name)
    {
        if (Find(name) is null)
        {
            return false;
        }
        // Out of the way first (one rename), so no reader sees a half-deleted dataset.
        var doomed = Path.Combine(Root, $"{PartialPrefix}{name}-deleted-{Guid.NewGuid():N}");
        Directory.Move(Path.Combine(Root, name), doomed);
        _manifests.TryRemove(name, out _);
        TryDelete(doomed);
        return true;
    }

    /// <summary>Removes what an interrupted import or delete left (folders starting with <see cref="PartialPrefix"/>).</summary>
    public void RemovePartial()
    {
        if (Directory.Exists(Root))
        {
            foreach (var folder in Directory.EnumerateDirectories(Root, PartialPrefix + "*"))
            {
                TryDelete(folder);
            }
        }
    }

    public string FolderOf(string name) => Path.Combine(Root, name);

    public static string ImagesFile(string split) => $"{split}-images-idx4-ubyte";

    public static string LabelsFile(string split) => $"{split}-labels-idx1-ubyte";

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for RemovePartial at the next start.
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ValidName();
}
