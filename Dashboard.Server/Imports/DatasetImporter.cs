using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Dashboard.Server.Inference;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;

namespace Dashboard.Server.Imports;

/// <summary>How far an import is: pictures done of the total, and for how long it has run.</summary>
public sealed record ImportProgress(int Done, int Total, TimeSpan Elapsed);

/// <summary>
/// Turns a source of pictures into a dataset: works out the layout (class folders, or train/ test/ val/ with class
/// folders inside), decodes every picture through the dataset's picture format in parallel on all cores, splits
/// (stratified per class when there is no test/ folder), reports what it skipped, the duplicates and the imbalance,
/// and writes the dataset in one piece.
/// </summary>
public sealed class DatasetImporter(ImportedDatasets store, ImportLimits limits)
{
    public const int MaxClasses = 256;
    private const int SurveyColourSample = 48;
    private const int DuplicateExamples = 50;

    private static readonly string[] TrainFolders = ["train", "training"];
    private static readonly string[] TestFolders = ["test", "testing"];
    private static readonly string[] ValidationFolders = ["val", "valid", "validation"];

    /// <summary>Where each listed picture belongs, and what was passed over for its place.</summary>
    private sealed record Layout(string?[] Split, string?[] Class, bool HasTestFolder, bool HasValidationFolder, List<SkippedFile> Skipped);

    /// <summary>Looks at the pictures (every header, a sample decoded for colour) and proposes the options.</summary>
    public ImportSurvey Survey(PictureSource source, string name = "", CancellationToken cancellation = default)
    {
        var listing = source.List();
        var layout = Arrange(source, listing);
        var skipped = new List<SkippedFile>(listing.Skipped.Concat(layout.Skipped));
        var placed = Enumerable.Range(0, listing.Paths.Count).Where(i => layout.Class[i] is not null).ToList();
        var widths = new List<int>();
        var heights = new List<int>();
        var colour = false;
        var sampleEvery = Math.Max(1, placed.Count / SurveyColourSample);
        for (var n = 0; n < placed.Count; n++)
        {
            cancellation.ThrowIfCancellationRequested();
            var i = placed[n];
            try
            {
                var (w, h, hasColour) = source.Read(i).Survey(!colour && n % sampleEvery == 0, limits);
                widths.Add(w);
                heights.Add(h);
                colour |= hasColour;
            }
            catch (ImageRejectedException e)
            {
                skipped.Add(new SkippedFile(listing.Paths[i], e.Message));
            }
        }
        var classes = placed.Select(i => layout.Class[i]!).Distinct().Order(StringComparer.Ordinal).ToList();
        var perClass = classes.Select(c => placed.Count(i => layout.Class[i] == c)).ToList();
        var (medianWidth, medianHeight) = (Median(widths), Median(heights));
        var (width, height) = Capped(medianWidth, medianHeight);
        var proposed = new ImportOptions { Name = name, Width = width, Height = height, Channels = colour ? 3 : 1 };
        return new ImportSurvey(widths.Count, classes, perClass, layout.HasTestFolder, layout.HasValidationFolder, medianWidth, medianHeight, colour,
            proposed, skipped);
    }

    /// <summary>The picture format of an import: the options' values, the survey's where they are missing.</summary>
    public static PictureFormat FormatOf(ImportOptions options, ImportSurvey? survey) =>
        new(options.Width ?? survey?.Proposed.Width ?? ImportOptions.DefaultMaxSide, options.Height ?? survey?.Proposed.Height ?? ImportOptions.DefaultMaxSide,
            options.Channels ?? survey?.Proposed.Channels ?? 3, options.Resize, options.Invert, options.Background);

    /// <summary>Why these options cannot make a dataset (keyed by option), empty when they can. The name is checked by the caller.</summary>
    public static Dictionary<string, string[]> Problems(ImportOptions options)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (field, value) in new[] { ("width", options.Width), ("height", options.Height) })
        {
            if (value is { } side && (side < PictureFormat.MinSide || side > PictureFormat.MaxSide))
            {
                errors[field] = [$"must be from {PictureFormat.MinSide} to {PictureFormat.MaxSide} pixels, got {side}."];
            }
        }
        if (options.Channels is { } channels && channels is not (1 or 3))
        {
            errors["channels"] = [$"must be 1 (grey) or 3 (RGB), got {channels}."];
        }
        if (!Enum.IsDefined(options.Resize))
        {
            errors["resize"] = ["must be squash, crop or pad."];
        }
        if (!double.IsFinite(options.TestFraction) || options.TestFraction <= 0 || options.TestFraction >= 1)
        {
            errors["testFraction"] = [$"must be between 0 and 1 (exclusive), got {options.TestFraction}."];
        }
        return errors;
    }

    /// <summary>
    /// Imports the source as a dataset named by the options. Throws <see cref="ImportException"/> when it cannot make
    /// one (the message says why) and OperationCanceledException when cancelled; either way nothing is left behind.
    /// </summary>
    public DatasetManifest Import(PictureSource source, ImportOptions options, IProgress<ImportProgress>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var survey = options.Width is null || options.Height is null || options.Channels is null ? Survey(source, options.Name, cancellation) : null;
        var format = FormatOf(options, survey);
        var listing = source.List();
        var layout = Arrange(source, listing);
        var skipped = new List<SkippedFile>(listing.Skipped.Concat(layout.Skipped));
        var placed = Enumerable.Range(0, listing.Paths.Count).Where(i => layout.Class[i] is not null).ToArray();
        var imageBytes = format.Channels * format.Width * format.Height;
        if ((long)placed.Length * imageBytes > limits.MaxDatasetBytes)
        {
            throw new ImportException($"{placed.Length:N0} pictures of {format.Channels}x{format.Height}x{format.Width} would take {(long)placed.Length * imageBytes / (1024.0 * 1024 * 1024):0.#} GiB; "
                + $"the limit is {limits.MaxDatasetBytes / (1024.0 * 1024 * 1024):0.#} GiB. Choose a smaller size.");
        }

        var images = Decode(source, placed, format, listing.Paths, skipped, progress, clock, cancellation);

        var good = Enumerable.Range(0, placed.Length).Where(n => images[n] is not null).ToList();
        var trainLike = good.Where(n => layout.Split[placed[n]] is null or "train").ToList();
        var classes = trainLike.Select(n => layout.Class[placed[n]]!).Distinct().Order(StringComparer.Ordinal).ToList();
        skipped.AddRange(listing.EmptyFolders.Select(folder => new SkippedFile(folder + "/", "an empty folder: no pictures in it")));
        foreach (var c in layout.Class.OfType<string>().Distinct().Where(c => !classes.Contains(c)).Order(StringComparer.Ordinal))
        {
            skipped.Add(new SkippedFile(c + "/", layout.HasTestFolder ? "a class with no readable training picture" : "a class folder with no readable picture"));
        }
        if (classes.Count < 2)
        {
            throw new ImportException($"{source.Description}: found {classes.Count} class(es) with readable pictures; a dataset needs at least 2 "
                + "(put each class's pictures in a folder named after it, or use train/ and test/ folders with class folders inside).");
        }
        if (classes.Count > MaxClasses)
        {
            throw new ImportException($"{source.Description}: {classes.Count} classes; at most {MaxClasses} are supported.");
        }
        var label = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => (byte)x.i, StringComparer.Ordinal);
        var splits = new Dictionary<string, List<int>> { ["train"] = [], ["validation"] = [], ["test"] = [] };
        foreach (var n in good)
        {
            var (split, @class) = (layout.Split[placed[n]], layout.Class[placed[n]]!);
            if (!label.ContainsKey(@class))
            {
                skipped.Add(new SkippedFile(listing.Paths[placed[n]], $"its class '{@class}' has no training pictures"));
                continue;
            }
            splits[split switch { "test" => "test", "validation" => "validation", _ => "train" }].Add(n);
        }
        if (!layout.HasTestFolder)
        {
            (splits["train"], splits["test"]) = Stratify(splits["train"], n => label[layout.Class[placed[n]]!], options.TestFraction, options.Seed);
        }
        if (splits["train"].Count == 0 || splits["test"].Count == 0)
        {
            throw new ImportException($"{source.Description}: the training or the test set is empty ({splits["train"].Count} and {splits["test"].Count} pictures).");
        }

        var shape = TensorShape.Image(format.Channels, format.Height, format.Width);
        PictureSplit Split(List<int> members) => new(
            new ImageSet(shape, Concat(members.Select(n => images[n]!), imageBytes), [.. members.Select(n => label[layout.Class[placed[n]]!])]),
            [.. members.Select(n => listing.Paths[placed[n]])]);
        var train = Split(splits["train"]);
        var validation = splits["validation"].Count > 0 ? Split(splits["validation"]) : null;
        var test = Split(splits["test"]);
        cancellation.ThrowIfCancellationRequested();

        var report = new ImportReport(classes, PerClass(train, classes.Count), validation is null ? [] : PerClass(validation, classes.Count), PerClass(test, classes.Count),
            layout.HasTestFolder, skipped, Duplicates(splits, n => images[n]!, n => listing.Paths[placed[n]]), Imbalance(PerClass(train, classes.Count), classes),
            clock.Elapsed.TotalSeconds);
        var manifest = new DatasetManifest(options.Name, format, classes, train.Images.Count, validation?.Images.Count ?? 0, test.Images.Count,
            source.Description, "", DateTimeOffset.UtcNow, report);
        return store.Write(manifest, train, validation, test, () => cancellation.IsCancellationRequested);
    }

    /// <summary>Decodes the placed pictures in parallel: one reader (a zip is read by one thread), one converter a core.</summary>
    private byte[]?[] Decode(PictureSource source, int[] placed, PictureFormat format, IReadOnlyList<string> paths, List<SkippedFile> skipped,
        IProgress<ImportProgress>? progress, Stopwatch clock, CancellationToken cancellation)
    {
        var images = new byte[]?[placed.Length];
        var reasons = new string?[placed.Length];
        var done = 0;
        var queue = Channel.CreateBounded<(int N, PictureData? Data)>(new BoundedChannelOptions(2 * limits.WorkerCount) { SingleWriter = true });
        var reader = Task.Run(async () =>
        {
            try
            {
                for (var n = 0; n < placed.Length; n++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    PictureData? data = null;
                    try
                    {
                        data = source.Read(placed[n]);
                    }
                    catch (ImageRejectedException e)
                    {
                        reasons[n] = e.Message;
                    }
                    await queue.Writer.WriteAsync((n, data), cancellation);
                }
            }
            finally
            {
                queue.Writer.Complete();
            }
        }, cancellation);
        var workers = Enumerable.Range(0, limits.WorkerCount).Select(_ => Task.Run(async () =>
        {
            await foreach (var (n, data) in queue.Reader.ReadAllAsync(cancellation))
            {
                if (data is not null)
                {
                    try
                    {
                        images[n] = data.ToImage(format, limits);
                    }
                    catch (ImageRejectedException e)
                    {
                        reasons[n] = e.Message;
                    }
                }
                var now = Interlocked.Increment(ref done);
                progress?.Report(new ImportProgress(now, placed.Length, clock.Elapsed));
            }
        }, cancellation)).ToArray();
        try
        {
            Task.WaitAll([reader, .. workers]);
        }
        catch (AggregateException e) when (e.InnerExceptions.Any(x => x is OperationCanceledException))
        {
            throw new OperationCanceledException(cancellation);
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is ImportException) is { } refused)
        {
            throw refused;
        }
        for (var n = 0; n < placed.Length; n++)
        {
            if (reasons[n] is { } reason)
            {
                skipped.Add(new SkippedFile(paths[placed[n]], reason));
            }
        }
        return images;
    }

    /// <summary>
    /// Each picture's split and class from its path: "class/.../file" or "train|test|val/class/.../file", below one
    /// common top folder when the archive wraps everything in one. A CSV row's class is its label.
    /// </summary>
    private static Layout Arrange(PictureSource source, SourceListing listing)
    {
        var count = listing.Paths.Count;
        var split = new string?[count];
        var @class = new string?[count];
        var skipped = new List<SkippedFile>();
        if (count > 0 && source.LabelOf(0) is not null)
        {
            for (var i = 0; i < count; i++)
            {
                @class[i] = source.LabelOf(i);
            }
            return new Layout(split, @class, false, false, skipped);
        }
        var parts = listing.Paths.Select(p => p.Split('/')).ToArray();
        var hidden = parts.Select(p => p.Any(part => part.StartsWith('.') || part == "__MACOSX")).ToArray();
        var visible = Enumerable.Range(0, count).Where(i => !hidden[i]).ToList();
        // Strip one common top folder at a time while every picture stays inside a folder below it.
        var depth = 0;
        while (visible.Count > 0 && visible.All(i => parts[i].Length > depth + 2) && visible.Select(i => parts[i][depth]).Distinct().Count() == 1
            && !IsSplit(parts[visible[0]][depth]))
        {
            depth++;
        }
        var splitLayout = visible.Count > 0 && visible.Any(i => parts[i].Length > depth + 2 && IsSplit(parts[i][depth]));
        var hasTest = false;
        var hasValidation = false;
        for (var i = 0; i < count; i++)
        {
            var p = parts[i];
            if (hidden[i])
            {
                skipped.Add(new SkippedFile(listing.Paths[i], "a hidden or system file"));
                continue;
            }
            if (splitLayout)
            {
                var name = p.Length > depth + 2 ? SplitOf(p[depth]) : null;
                if (name is null)
                {
                    skipped.Add(new SkippedFile(listing.Paths[i], "not in a train/, test/ or val/ folder with class folders inside"));
                    continue;
                }
                split[i] = name;
                @class[i] = p[depth + 1];
                hasTest |= name == "test";
                hasValidation |= name == "validation";
            }
            else if (p.Length > depth + 1)
            {
                @class[i] = p[depth];
            }
            else
            {
                skipped.Add(new SkippedFile(listing.Paths[i], "not in a class folder"));
            }
        }
        return new Layout(split, @class, hasTest, hasValidation, skipped);
    }

    private static bool IsSplit(string folder) => SplitOf(folder) is not null;

    private static string? SplitOf(string folder) =>
        TrainFolders.Contains(folder, StringComparer.OrdinalIgnoreCase) ? "train"
        : TestFolders.Contains(folder, StringComparer.OrdinalIgnoreCase) ? "test"
        : ValidationFolders.Contains(folder, StringComparer.OrdinalIgnoreCase) ? "validation"
        : null;

    /// <summary>Per class, a seeded share of its pictures for the test set (at least one when the class has two or more).</summary>
    private static (List<int> Train, List<int> Test) Stratify(List<int> members, Func<int, byte> labelOf, double testFraction, int seed)
    {
        var random = new Random(seed);
        var train = new List<int>();
        var test = new List<int>();
        foreach (var group in members.GroupBy(labelOf).OrderBy(g => g.Key))
        {
            var shuffled = group.ToArray();
            random.Shuffle(shuffled);
            var take = shuffled.Length < 2 ? 0 : Math.Clamp((int)Math.Round(shuffled.Length * testFraction), 1, shuffled.Length - 1);
            test.AddRange(shuffled[..take]);
            train.AddRange(shuffled[take..]);
        }
        train.Sort();
        test.Sort();
        return (train, test);
    }

    private static DuplicateReport Duplicates(Dictionary<string, List<int>> splits, Func<int, byte[]> image, Func<int, string> path)
    {
        var first = new Dictionary<string, (string Split, int N)>();
        var within = 0;
        var across = 0;
        var examples = new List<DuplicatePair>();
        foreach (var (split, members) in splits.OrderBy(s => s.Key == "test" ? 1 : 0))
        {
            foreach (var n in members)
            {
                var hash = Convert.ToHexString(SHA256.HashData(image(n)));
                if (!first.TryGetValue(hash, out var earlier))
                {
                    first[hash] = (split, n);
                    continue;
                }
                var kind = earlier.Split == split ? split : (earlier.Split == "test" || split == "test") ? "leak" : "train-validation";
                if (kind == "leak")
                {
                    across++;
                }
                else
                {
                    within++;
                }
                if (examples.Count < DuplicateExamples || (kind == "leak" && examples.Count(e => e.Kind == "leak") < DuplicateExamples))
                {
                    examples.Add(new DuplicatePair(kind, path(earlier.N), path(n)));
                }
            }
        }
        return new DuplicateReport(within, across, examples);
    }

    private static ImbalanceReport? Imbalance(IReadOnlyList<int> perClass, IReadOnlyList<string> classes)
    {
        if (perClass.Count < 2)
        {
            return null;
        }
        var largest = Enumerable.Range(0, perClass.Count).MaxBy(i => perClass[i]);
        var smallest = Enumerable.Range(0, perClass.Count).MinBy(i => perClass[i]);
        var ratio = (double)perClass[largest] / Math.Max(1, perClass[smallest]);
        return new ImbalanceReport(classes[largest], perClass[largest], classes[smallest], perClass[smallest], ratio, ratio > ImbalanceReport.Threshold);
    }

    private static int[] PerClass(PictureSplit split, int classes)
    {
        var counts = new int[classes];
        foreach (var label in split.Images.Labels)
        {
            counts[label]++;
        }
        return counts;
    }

    private static byte[] Concat(IEnumerable<byte[]> images, int size)
    {
        var list = images.ToList();
        var all = new byte[(long)list.Count * size];
        for (var i = 0; i < list.Count; i++)
        {
            list[i].CopyTo(all, (long)i * size);
        }
        return all;
    }

    private static int Median(List<int> values) => values.Count == 0 ? ImportOptions.DefaultMaxSide : values.Order().ElementAt(values.Count / 2);

    /// <summary>The median size, its longer side capped at <see cref="ImportOptions.DefaultMaxSide"/> (aspect kept).</summary>
    private static (int Width, int Height) Capped(int width, int height)
    {
        var scale = Math.Min(1.0, (double)ImportOptions.DefaultMaxSide / Math.Max(width, height));
        return (Math.Clamp((int)Math.Round(width * scale), PictureFormat.MinSide, PictureFormat.MaxSide),
            Math.Clamp((int)Math.Round(height * scale), PictureFormat.MinSide, PictureFormat.MaxSide));
    }
}
