using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dashboard.Server.Imports;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Datasets;

namespace Dashboard.Server.Cli;

/// <summary>
/// Imports pictures as a dataset without the web UI: <c>dotnet run --project Dashboard.Server -- import PATH --name NAME [options]</c>.
/// PATH is a zip (class folders, or train/ test/ val/ with class folders inside), a folder of the same layout, or a
/// Kaggle digit-recognizer CSV. Prints the options it chose, a progress bar in a terminal (plain lines otherwise) and
/// the report. Exit codes: 0 imported, 1 failed (the source or the data folder), 2 bad options, 130 cancelled.
/// </summary>
public static class ImportCommand
{
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null, bool? interactive = null) =>
        Verbs.Invoke(args, output, error, (output, error) => Command(output, error, interactive));

    /// <summary>The verb's options and action (Run parses and invokes it; the docs' test parses every documented command).</summary>
    public static RootCommand Command(TextWriter output, TextWriter error, bool? interactive = null)
    {
        var defaults = new ImportOptions();
        var path = new Argument<string>("PATH") { Description = "A zip archive, a folder, or a .csv file (label,pixel0,...,pixelN)." };
        var name = new Option<string>("--name") { Description = "The dataset's name: letters, digits, '-' and '_'.", Required = true };
        var width = new Option<int?>("--width") { Description = $"Width in pixels (default: the pictures' median, the longer side capped at {ImportOptions.DefaultMaxSide})." };
        var height = new Option<int?>("--height") { Description = "Height in pixels (default: as --width)." };
        var channels = new Option<int?>("--channels") { Description = "1 (grey) or 3 (RGB) (default: RGB when a sampled picture has colour)." };
        var resize = new Option<PictureResize>("--resize") { Description = "squash, crop or pad.", DefaultValueFactory = _ => defaults.Resize };
        var invert = new Option<bool>("--invert") { Description = "Invert the pictures (dark ink on light paper becomes light on dark, as MNIST)." };
        var background = new Option<PictureBackground>("--background") { Description = "What transparency (and padding) becomes: white or black.", DefaultValueFactory = _ => defaults.Background };
        var testFraction = new Option<double>("--test-fraction") { Description = "Each class's share for the test set when there is no test/ folder.", DefaultValueFactory = _ => defaults.TestFraction };
        var seed = new Option<int>("--seed") { Description = "The seed of that split.", DefaultValueFactory = _ => defaults.Seed };
        var data = new Option<string>("--data") { Description = "Data folder (default: $Data__Folder, else ./data).", DefaultValueFactory = _ => DataOptions.CommandLineDefault };
        var command = new RootCommand("Import pictures as a dataset the dashboard trains on.")
        {
            path, name, width, height, channels, resize, invert, background, testFraction, seed, data,
        };
        command.SetAction((parse, cancellation) =>
        {
            var options = new ImportOptions
            {
                Name = parse.GetValue(name)!, Width = parse.GetValue(width), Height = parse.GetValue(height) ?? parse.GetValue(width), Channels = parse.GetValue(channels),
                Resize = parse.GetValue(resize), Invert = parse.GetValue(invert), Background = parse.GetValue(background),
                TestFraction = parse.GetValue(testFraction), Seed = parse.GetValue(seed),
            };
            return Task.FromResult(Import(parse.GetValue(path)!, options, parse.GetValue(data)!, output, error, interactive ?? !Console.IsOutputRedirected, cancellation));
        });
        return command;
    }

    private static int Import(string path, ImportOptions options, string dataFolder, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellation)
    {
        var catalog = new DatasetCatalog(dataFolder);
        var problems = DatasetImporter.Problems(options);
        if (catalog.NameProblem(options.Name) is { } nameProblem)
        {
            problems["name"] = [nameProblem];
        }
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            problems["path"] = [$"{Path.GetFullPath(path)} is neither a file nor a folder."];
        }
        if (VerbExit.Problems(problems, error) is not 0 and var invalid)
        {
            return invalid;
        }
        var limits = new ImportLimits();
        try
        {
            using var source = Directory.Exists(path) ? new FolderSource(path, limits) : PictureSource.Open(path, Path.GetFileName(path), limits);
            var importer = new DatasetImporter(catalog.Imported, limits);
            if (options.Width is null || options.Channels is null)
            {
                var survey = importer.Survey(source, options.Name, cancellation);
                options = options with
                {
                    Width = options.Width ?? survey.Proposed.Width, Height = options.Height ?? survey.Proposed.Height, Channels = options.Channels ?? survey.Proposed.Channels,
                };
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"import: {survey.Pictures:N0} pictures in {survey.Classes.Count} classes; median size {survey.MedianWidth}x{survey.MedianHeight}, {(survey.Colour ? "colour" : "grey")}"));
            }
            var format = DatasetImporter.FormatOf(options, null);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"import: {source.Description} as '{options.Name}': {format.Width}x{format.Height}, {(format.Channels == 1 ? "grey" : "RGB")}, {options.Resize.ToString().ToLowerInvariant()}"
                + $"{(format.Invert ? ", inverted" : "")}, background {format.Background.ToString().ToLowerInvariant()}, test fraction {options.TestFraction} (seed {options.Seed}) unless there is a test/ folder"));
            var manifest = importer.Import(source, options, new Bar(output, interactive), cancellation);
            Report(manifest, output);
            return 0;
        }
        catch (ImportException e)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("import cancelled; nothing was written.");
            return 130;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>The import's report: per split and class, what was skipped and why, duplicates, imbalance.</summary>
    public static void Report(DatasetManifest manifest, TextWriter output)
    {
        var r = manifest.Report;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"import: '{manifest.Name}' ready in {r.Seconds:F1} s: {manifest.Train:N0} training, {manifest.Validation:N0} validation and {manifest.Test:N0} test pictures "
            + $"of {manifest.Format.Channels}x{manifest.Format.Height}x{manifest.Format.Width}; test set {(r.TestFromFolder ? "from the test/ folder" : "split per class")}"));
        output.WriteLine($"  {"class",-24} {"train",8} {"validation",10} {"test",8}");
        for (var c = 0; c < r.Classes.Count; c++)
        {
            output.WriteLine($"  {r.Classes[c],-24} {r.TrainPerClass[c],8:N0} {(r.ValidationPerClass.Count > c ? r.ValidationPerClass[c] : 0),10:N0} {r.TestPerClass[c],8:N0}");
        }
        if (r.Skipped.Count > 0)
        {
            output.WriteLine($"  skipped {r.Skipped.Count:N0}:");
            foreach (var s in r.Skipped.Take(20))
            {
                output.WriteLine($"    {s.Path}: {s.Reason}");
            }
            if (r.Skipped.Count > 20)
            {
                output.WriteLine($"    ... and {r.Skipped.Count - 20:N0} more (GET /api/datasets/{manifest.Name} lists them all)");
            }
        }
        if (r.Duplicates.WithinSplits + r.Duplicates.AcrossTrainAndTest > 0)
        {
            output.WriteLine($"  duplicates: {r.Duplicates.WithinSplits:N0} within splits, {r.Duplicates.AcrossTrainAndTest:N0} across training and test (a leak: the test set scores pictures the network trained on)");
        }
        if (r.Imbalance is { Flagged: true } imbalance)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  imbalance: '{imbalance.Largest}' has {imbalance.LargestCount:N0} training pictures, '{imbalance.Smallest}' {imbalance.SmallestCount:N0} ({imbalance.Ratio:F1} to 1)"));
        }
    }

    /// <summary>A redrawn bar in a terminal; a plain line at every tenth otherwise.</summary>
    private sealed class Bar(TextWriter output, bool interactive) : IProgress<ImportProgress>
    {
        private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
        private readonly Lock _lock = new();
        private int _tenth;

        public void Report(ImportProgress p)
        {
            lock (_lock)
            {
                var rate = p.Done / Math.Max(p.Elapsed.TotalSeconds, 1e-3);
                var line = string.Create(CultureInfo.InvariantCulture, $"{p.Done:N0}/{p.Total:N0} pictures, {rate:F0}/s, ETA {(p.Total - p.Done) / Math.Max(rate, 1e-3):F0} s");
                if (interactive)
                {
                    if (_sinceDraw.ElapsedMilliseconds < 100 && p.Done != p.Total)
                    {
                        return;
                    }
                    _sinceDraw.Restart();
                    var filled = (int)(30L * p.Done / Math.Max(1, p.Total));
                    output.Write($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {line}   ");
                    if (p.Done == p.Total)
                    {
                        output.WriteLine();
                    }
                }
                else if (p.Done * 10L / Math.Max(1, p.Total) > _tenth || p.Done == p.Total)
                {
                    _tenth = (int)(p.Done * 10L / Math.Max(1, p.Total));
                    output.WriteLine(line);
                    if (p.Done == p.Total)
                    {
                        _tenth = 11;
                    }
                }
            }
        }
    }
}
