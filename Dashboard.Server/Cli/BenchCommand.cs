using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Cli;

/// <summary>
/// <c>dotnet run --project Dashboard.Server -c Release -- bench</c>: training images/s of the
/// engine per preset next to a plain C++ libtorch loop (native/bench/plain_loop.cpp) on the
/// same network, batch size and thread count, alternating the two so machine noise cancels.
/// </summary>
public static class BenchCommand
{
    private const int MnistTrainImages = 48_000;

    private sealed class Silent : ITrainingObserver;

    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var presets = new Option<string[]>("--presets") { Description = "Presets to measure (default: all).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [.. NetworkPresets.Names] };
        var images = new Option<int>("--images") { Description = "Training images per timed epoch (one untimed warm-up epoch precedes it).", DefaultValueFactory = _ => 8192 };
        var batchSize = new Option<int>("--batch-size") { Description = "Batch size for both loops.", DefaultValueFactory = _ => 64 };
        var rounds = new Option<int>("--rounds") { Description = "Alternating rounds; the median is reported.", DefaultValueFactory = _ => 3 };
        var data = new Option<string>("--data") { Description = "Data folder with mnist (and cifar-10-batches-bin for lenet).", DefaultValueFactory = _ => DataOptions.CommandLineDefault };
        var command = new RootCommand("Measure training images/s per preset against a plain C++ libtorch loop.") { presets, images, batchSize, rounds, data };
        command.SetAction(parse =>
        {
            var names = parse.GetValue(presets)!;
            var unknown = names.Where(n => NetworkPresets.Find(n) is null).ToList();
            if (unknown.Count > 0 || parse.GetValue(images) < 2 * parse.GetValue(batchSize) || parse.GetValue(rounds) < 1)
            {
                error.WriteLine(unknown.Count > 0
                    ? $"error: unknown preset(s) {string.Join(", ", unknown)}; presets: {string.Join(", ", NetworkPresets.Names)}."
                    : "error: --images must be at least two batches and --rounds at least 1.");
                return 2;
            }
            return Measure(names, parse.GetValue(images), parse.GetValue(batchSize), parse.GetValue(rounds),
                new DatasetCatalog(parse.GetValue(data)!), output, error);
        });
        return command.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static int Measure(string[] names, int images, int batchSize, int rounds, DatasetCatalog catalog, TextWriter output, TextWriter error)
    {
        var plainLoop = Path.Combine(AppContext.BaseDirectory, "plain_loop");
        output.WriteLine($"libtorch {TorchRuntime.Version}, device {TorchRuntime.ResolveDevice("auto")}, {TorchRuntime.Threads} threads, " +
            $"{Environment.ProcessorCount} cores; batch {batchSize}, Adam, {images} images per timed epoch, median of {rounds} alternating rounds");
        var engine = names.ToDictionary(n => n, _ => new List<double>());
        var plain = names.ToDictionary(n => n, _ => new List<double>());
        var evaluation = names.ToDictionary(n => n, _ => new List<double>());
        var measurable = names.Where(n => catalog.Find(DatasetFor(n))?.Available == true).ToList();
        foreach (var skipped in names.Except(measurable))
        {
            error.WriteLine($"skipped {skipped}: dataset {DatasetFor(skipped)} is not in {catalog.Folder}");
        }
        for (var round = 0; round < rounds; round++)
        {
            foreach (var name in measurable)
            {
                var config = new RunConfig
                {
                    Dataset = DatasetFor(name), Model = name, Epochs = 2, BatchSize = batchSize, TrainLimit = images,
                    ValidationFraction = 0, TestLimit = 5000, Seed = round + 1,
                };
                var result = new Trainer(catalog).Run(config, new Silent());
                engine[name].Add(result.Epochs[^1].ImagesPerSecond);
                evaluation[name].Add(result.Test.ImagesPerSecond);
                plain[name].Add(RunPlainLoop(plainLoop, name, batchSize, images, RawImagesFile(catalog, config.Dataset)));
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"preset",-10} {"train img/s",12} {"plain C++",12} {"ours/plain",11} {"eval img/s",11} {"s/MNIST epoch",14}"));
        foreach (var name in measurable)
        {
            var ours = Median(engine[name]);
            var reference = Median(plain[name]);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-10} {ours,12:F0} {reference,12:F0} {ours / reference,11:F2} {Median(evaluation[name]),11:F0} {MnistTrainImages / ours,14:F1}"));
        }
        return 0;
    }

    private static string DatasetFor(string preset) => NetworkPresets.Find(preset)!.Input.Dims[0] == 3 ? "cifar10" : "mnist";

    /// <summary>The uncompressed training images file the plain loop can read, when the dataset has one.</summary>
    private static string? RawImagesFile(DatasetCatalog catalog, string dataset)
    {
        var path = Path.Combine(catalog.Find(dataset)!.Folder, "train-images-idx3-ubyte");
        return File.Exists(path) ? path : null;
    }

    private static double RunPlainLoop(string path, string preset, int batchSize, int images, string? rawImages)
    {
        string[] args = [preset, batchSize.ToString(CultureInfo.InvariantCulture), images.ToString(CultureInfo.InvariantCulture),
            TorchRuntime.Threads.ToString(CultureInfo.InvariantCulture)];
        var start = new ProcessStartInfo(path, rawImages is null ? args : [.. args, rawImages])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        var line = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var value = line.Split('=').LastOrDefault();
        return process.ExitCode == 0 && double.TryParse(value, CultureInfo.InvariantCulture, out var rate)
            ? rate
            : throw new InvalidOperationException($"{path} failed for {preset}: {line}");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
