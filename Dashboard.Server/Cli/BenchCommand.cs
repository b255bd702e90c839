using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Cli;

/// <summary>
/// <c>dotnet run --project Dashboard.Server -c Release -- bench</c>: per preset, training and
/// evaluation images/s, seconds per MNIST epoch and peak memory of the engine, next to two
/// references on the same data, network, batch size, optimizer and threads: a plain C++ libtorch
/// loop (native/bench/plain_loop.cpp, the engine limit) and the PyTorch tutorial way
/// (bench/pytorch_tutorial.py: torchvision dataset, ToTensor and Normalize, a shuffling DataLoader).
/// The three alternate within each round so machine noise cancels; medians are reported.
/// With --time-to-accuracy it trains the recipes on all of MNIST instead and reports the seconds
/// from the data being loaded to the test accuracy.
/// </summary>
public static class BenchCommand
{
    private const int MnistTrainImages = 48_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed class Silent : ITrainingObserver;

    /// <summary>Times a run from its data being on the device (OnStarted) to its test result (OnCompleted).</summary>
    private sealed class DataToTestClock : ITrainingObserver
    {
        private readonly Stopwatch _clock = new();

        public double Seconds { get; private set; }

        public void OnStarted(RunStarted started) => _clock.Restart();

        public void OnCompleted(TestMetrics test) => Seconds = _clock.Elapsed.TotalSeconds;
    }

    private sealed record Sample(double ImagesPerSecond, double PeakMiB);

    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var presets = new Option<string[]>("--presets") { Description = "Presets to measure (default: all).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [.. NetworkPresets.Names] };
        var images = new Option<int>("--images") { Description = "Training images per timed epoch (one untimed warm-up epoch precedes it).", DefaultValueFactory = _ => 8192 };
        var batchSize = new Option<int>("--batch-size") { Description = "Batch size for every loop.", DefaultValueFactory = _ => 64 };
        var rounds = new Option<int>("--rounds") { Description = "Alternating rounds; the median is reported.", DefaultValueFactory = _ => 3 };
        var data = new Option<string>("--data") { Description = "Data folder with mnist (and cifar-10-batches-bin for lenet).", DefaultValueFactory = _ => DataOptions.CommandLineDefault };
        var python = new Option<string>("--python") { Description = "The Python with Debian's python3-torch and python3-torchvision (scripts/setup.sh --bench); 'none' skips the PyTorch reference.", DefaultValueFactory = _ => "/usr/bin/python3" };
        var timeToAccuracy = new Option<bool>("--time-to-accuracy") { Description = "Instead: train each recipe on all of MNIST and report seconds from data loaded to test accuracy." };
        var predict = new Option<string?>("--predict") { Description = "Instead: time single-image predictions in-process with this checkpoint (.pt with its .json), as the predict API makes them, on MNIST test images." };
        var recipes = new Option<string[]>("--recipes") { Description = "With --time-to-accuracy: the recipes (default: all).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [.. Recipes.Names] };
        var command = new RootCommand("Measure the engine per preset against a plain C++ libtorch loop and the PyTorch tutorial script, or the recipes' time to accuracy.")
        {
            presets, images, batchSize, rounds, data, python, timeToAccuracy, recipes, predict,
        };
        command.SetAction(parse =>
        {
            var catalog = new DatasetCatalog(parse.GetValue(data)!);
            if (parse.GetValue(predict) is { } checkpoint)
            {
                return PredictLatency(checkpoint, catalog, output, error);
            }
            if (parse.GetValue(timeToAccuracy))
            {
                var unknownRecipes = parse.GetValue(recipes)!.Where(n => Recipes.Find(n) is null).ToList();
                if (unknownRecipes.Count > 0)
                {
                    error.WriteLine($"error: unknown recipe(s) {string.Join(", ", unknownRecipes)}; recipes: {string.Join(", ", Recipes.Names)}.");
                    return 2;
                }
                return TimeToAccuracy(parse.GetValue(recipes)!, catalog, output, error);
            }
            var names = parse.GetValue(presets)!;
            var unknown = names.Where(n => NetworkPresets.Find(n) is null).ToList();
            if (unknown.Count > 0 || parse.GetValue(images) < 2 * parse.GetValue(batchSize) || parse.GetValue(rounds) < 1)
            {
                error.WriteLine(unknown.Count > 0
                    ? $"error: unknown preset(s) {string.Join(", ", unknown)}; presets: {string.Join(", ", NetworkPresets.Names)}."
                    : "error: --images must be at least two batches and --rounds at least 1.");
                return 2;
            }
            return Measure(names, parse.GetValue(images), parse.GetValue(batchSize), parse.GetValue(rounds), catalog,
                PythonReference(parse.GetValue(python)!, error), output, error);
        });
        return command.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static int Measure(string[] names, int images, int batchSize, int rounds, DatasetCatalog catalog, string? python,
        TextWriter output, TextWriter error)
    {
        var plainLoop = Path.Combine(AppContext.BaseDirectory, "plain_loop");
        output.WriteLine($"libtorch {TorchRuntime.Version}, device {TorchRuntime.ResolveDevice("auto")}, {TorchRuntime.Threads} threads, " +
            $"{Environment.ProcessorCount} cores; batch {batchSize}, Adam 1e-3, {images} images per timed epoch, median of {rounds} alternating rounds");
        var engine = names.ToDictionary(n => n, _ => new List<Sample>());
        var plain = names.ToDictionary(n => n, _ => new List<Sample>());
        var tutorial = names.ToDictionary(n => n, _ => new List<Sample>());
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
                PeakMemory.Reset();
                var result = new Trainer(catalog).Run(config, new Silent());
                engine[name].Add(new Sample(result.Epochs[^1].ImagesPerSecond, PeakMemory.MiB()));
                evaluation[name].Add(result.Test.ImagesPerSecond);
                var raw = RawImagesFile(catalog, config.Dataset);
                plain[name].Add(RunReference(plainLoop, [name, Text(batchSize), Text(images), Text(TorchRuntime.Threads), .. raw is null ? Array.Empty<string>() : [raw]]));
                if (python is not null && config.Dataset == "mnist" && raw is not null)
                {
                    var layers = JsonSerializer.Serialize(NetworkPresets.Find(name)!.Layers, Json);
                    tutorial[name].Add(RunReference(python, [Path.Combine(AppContext.BaseDirectory, "pytorch_tutorial.py"), layers, Text(batchSize), "adam",
                        Text(images), Text(TorchRuntime.Threads), Path.GetDirectoryName(raw)!]));
                }
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"preset",-10} {"train img/s",12} {"plain C++",10} {"PyTorch",9} {"ours/plain",11} {"ours/PyTorch",13} {"eval img/s",11} {"s/epoch",8} {"peak MiB ours/plain/PyTorch",28}"));
        foreach (var name in measurable)
        {
            var ours = Median(engine[name].Select(s => s.ImagesPerSecond));
            var reference = Median(plain[name].Select(s => s.ImagesPerSecond));
            var script = tutorial[name].Count > 0 ? Median(tutorial[name].Select(s => s.ImagesPerSecond)) : double.NaN;
            var memory = $"{Median(engine[name].Select(s => s.PeakMiB)):F0}/{Median(plain[name].Select(s => s.PeakMiB)):F0}/" +
                (tutorial[name].Count > 0 ? $"{Median(tutorial[name].Select(s => s.PeakMiB)):F0}" : "-");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-10} {ours,12:F0} {reference,10:F0} {script,9:F0} {ours / reference,11:F2} {ours / script,13:F2} {Median(evaluation[name]),11:F0} {MnistTrainImages / ours,8:F1} {memory,28}"));
        }
        output.WriteLine("s/epoch: seconds per MNIST epoch (48,000 training images). Peak MiB: the whole process, CLR and data included for ours.");
        return 0;
    }

    private static int TimeToAccuracy(string[] names, DatasetCatalog catalog, TextWriter output, TextWriter error)
    {
        if (catalog.Find("mnist") is not { Available: true } mnist)
        {
            error.WriteLine($"error: MNIST is not in {catalog.Folder}; run scripts/setup.sh.");
            return 1;
        }
        output.WriteLine($"libtorch {TorchRuntime.Version}, device {TorchRuntime.ResolveDevice("auto")}, {TorchRuntime.Threads} threads; all {mnist.Name} training images, 10,000 test images");
        output.WriteLine($"{"recipe",-10} {"epochs",6} {"seconds",8} {"test accuracy",14}  (seconds: from the data on the device to the test result)");
        foreach (var recipe in names.Select(n => Recipes.Find(n)!))
        {
            var clock = new DataToTestClock();
            var result = new Trainer(catalog).Run(recipe.Config, clock);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{recipe.Name,-10} {result.Epochs.Count,6} {clock.Seconds,8:F1} {result.Test.Accuracy,14:P2}"));
        }
        return 0;
    }

    /// <summary>Server-side predict latency: the checkpoint loaded once, then 1,000 single images, as PredictionService does.</summary>
    private static int PredictLatency(string checkpoint, DatasetCatalog catalog, TextWriter output, TextWriter error)
    {
        const int Calls = 1000;
        if (!File.Exists(checkpoint) || catalog.Find("mnist") is not { Available: true })
        {
            error.WriteLine($"error: needs the checkpoint {checkpoint} (with its .json) and MNIST in {catalog.Folder}.");
            return 1;
        }
        var (network, card) = Checkpoint.Load(checkpoint);
        using (network)
        {
            var (_, test) = catalog.Load("mnist");
            var size = (int)card.Input.Elements;
            float[] Image(int i) => Inference.Pixels.FromBytes(test.Pixels.AsSpan(i % test.Count * size, size));
            for (var i = 0; i < 20; i++)
            {
                network.Predict(Image(i), 1, card.Input, card.NormalizeMean, card.NormalizeStd, card.Classes.Count); // warm-up
            }
            var times = new List<double>(Calls);
            for (var i = 0; i < Calls; i++)
            {
                var pixels = Image(i);
                var start = Stopwatch.GetTimestamp();
                network.Predict(pixels, 1, card.Input, card.NormalizeMean, card.NormalizeStd, card.Classes.Count);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            times.Sort();
            double At(double p) => times[Math.Min(Calls - 1, (int)(p / 100 * Calls))];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"predict in-process, {card.Model}, {Calls} single images: p50 {At(50):F2} ms, p95 {At(95):F2} ms, p99 {At(99):F2} ms"));
        }
        return 0;
    }

    /// <summary>The Python to run the tutorial script with, or null (with the reason) when it cannot.</summary>
    private static string? PythonReference(string python, TextWriter error)
    {
        if (python == "none")
        {
            return null;
        }
        try
        {
            using var check = Process.Start(new ProcessStartInfo(python, ["-c", "import torch, torchvision"]) { RedirectStandardError = true })!;
            check.WaitForExit();
            if (check.ExitCode == 0)
            {
                return python;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No such program: reported below.
        }
        error.WriteLine($"PyTorch reference skipped: {python} cannot import torch and torchvision (scripts/setup.sh --bench installs Debian's python3-torch and python3-torchvision).");
        return null;
    }

    private static string DatasetFor(string preset) => NetworkPresets.Find(preset)!.Input.Dims[0] == 3 ? "cifar10" : "mnist";

    /// <summary>The uncompressed training images file the references can read, when the dataset has one.</summary>
    private static string? RawImagesFile(DatasetCatalog catalog, string dataset)
    {
        var path = Path.Combine(catalog.Find(dataset)!.Folder, "train-images-idx3-ubyte");
        return File.Exists(path) ? path : null;
    }

    /// <summary>Runs a reference program that prints "... images_per_second=N peak_rss_mib=N".</summary>
    private static Sample RunReference(string program, string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException($"could not start {program}");
        var line = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(part => part.Split('='))
            .Where(pair => pair.Length == 2).ToDictionary(pair => pair[0], pair => pair[1].Trim());
        return process.ExitCode == 0
            && double.TryParse(values.GetValueOrDefault("images_per_second"), CultureInfo.InvariantCulture, out var rate)
            && double.TryParse(values.GetValueOrDefault("peak_rss_mib"), CultureInfo.InvariantCulture, out var peak)
            ? new Sample(rate, peak)
            : throw new InvalidOperationException($"{program} {string.Join(' ', args.Take(2))} failed: {line}");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
