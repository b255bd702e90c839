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
/// <c>dotnet run --project Dashboard.Server -c Release -- bench</c>: per preset and precision, training and
/// evaluation images/s, seconds per MNIST epoch and peak memory of the engine, next to two
/// references on the same data, network, batch size, optimizer and threads: a plain C++ libtorch
/// loop (native/bench/plain_loop.cpp, the engine limit, in the same precision) and the PyTorch tutorial way
/// (bench/pytorch_tutorial.py: torchvision dataset, ToTensor and Normalize, a shuffling DataLoader, fp32 as a
/// user runs it). All three run as their own processes, one at a time, alternating within each round so machine
/// noise cancels, while this process only waits (it never loads libtorch); medians are reported.
/// With --guard it prints one line per preset and precision: ours/plain and ours/PyTorch.
/// With --time-to-accuracy it trains the recipes on all of MNIST instead and reports the seconds
/// from the data being loaded to the test accuracy.
/// </summary>
public static class BenchCommand
{
    private const int MnistTrainImages = 48_000;
    private const int GuardImages = 4096;
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

    /// <summary>One measurement: what a program printed as key=value pairs.</summary>
    private sealed record Sample(IReadOnlyDictionary<string, string> Values)
    {
        public double ImagesPerSecond => Number("images_per_second");

        public double PeakMiB => Number("peak_rss_mib");

        public double Number(string key) =>
            double.TryParse(Values.GetValueOrDefault(key), CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
    }

    /// <summary>What one bench invocation measures, taken once from its options.</summary>
    private sealed record Plan(string[] Presets, Precision[] Precisions, int Images, int BatchSize, int Rounds, bool ChannelsLast,
        string Device, DatasetCatalog Catalog, string? Python, bool Guard);

    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null) =>
        Verbs.Invoke(args, output, error, (output, error) => Command(output, error));

    /// <summary>The verb's options and action (Run parses and invokes it; the docs' test parses every documented command).</summary>
    public static RootCommand Command(TextWriter output, TextWriter error)
    {
        var presets = new Option<string[]>("--presets") { Description = "Presets to measure (default: all).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [.. NetworkPresets.Names] };
        var precisions = new Option<Precision[]>("--precision") { Description = "Training precisions to measure, e.g. --precision fp32 bf16 (default fp32; with --guard fp32 and bf16 where the device has it). The PyTorch reference is fp32 always.", AllowMultipleArgumentsPerToken = true };
        var images = new Option<int>("--images") { Description = $"Training images per timed epoch (one untimed warm-up epoch precedes it); default 8192, with --guard {GuardImages}.", DefaultValueFactory = _ => 8192 };
        var batchSize = new Option<int>("--batch-size") { Description = "Batch size for every loop.", DefaultValueFactory = _ => 64 };
        var rounds = new Option<int>("--rounds") { Description = "Alternating rounds; the median is reported.", DefaultValueFactory = _ => 3 };
        var channelsLast = new Option<bool>("--channels-last") { Description = "Ours and the plain loop keep convolution weights and inputs channels-last, as runs do by default; --channels-last false keeps them NCHW (the PyTorch reference stays as the tutorial writes it).", DefaultValueFactory = _ => new RunConfig().ChannelsLast };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N for ours and both references.", DefaultValueFactory = _ => "auto" };
        var data = new Option<string>("--data") { Description = "Data folder with mnist (and cifar-10-batches-bin for lenet).", DefaultValueFactory = _ => DataOptions.CommandLineDefault };
        var python = new Option<string>("--python") { Description = "The Python with Debian's python3-torch and python3-torchvision (scripts/setup.sh --bench); 'none' skips the PyTorch reference.", DefaultValueFactory = _ => "/usr/bin/python3" };
        var guard = new Option<bool>("--guard") { Description = $"Regression guard: one line per preset and precision with ours/plain and ours/PyTorch ({GuardImages} images, 3 rounds unless given)." };
        var timeToAccuracy = new Option<bool>("--time-to-accuracy") { Description = "Instead: train each recipe on all of MNIST and report seconds from data loaded to test accuracy." };
        var predict = new Option<string?>("--predict") { Description = "Instead: time single-image predictions in-process with this checkpoint (.pt with its .json), as the predict API makes them, on MNIST test images." };
        var recipes = new Option<string[]>("--recipes") { Description = "With --time-to-accuracy: the recipes (default: all).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [.. Recipes.Names] };
        var seeds = new Option<int[]>("--seeds") { Description = "With --time-to-accuracy: train each recipe once per seed (default: the recipe's own).", AllowMultipleArgumentsPerToken = true };
        var healthCost = new Option<bool>("--health-cost") { Description = "Instead: train the first preset for 2 x --rounds + 3 epochs of --images images in one run, measuring training health (every 50 batches and each epoch's last) in every even epoch, and print each measured epoch's images/s against the mean of the unmeasured epochs before and after it (the first is a warm-up)." };
        var augmentCost = new Option<bool>("--augment-cost") { Description = "Instead: as --health-cost, but augmenting (a 4-pixel crop and a flip) in every even epoch of one run, on --dataset." };
        var dataset = new Option<string?>("--dataset") { Description = "With --health-cost or --augment-cost: the dataset (default: the preset's, mnist or cifar10), e.g. an imported one." };
        var engineOnce = new Option<bool>("--engine-once") { Hidden = true, Description = "Internal: train the first preset once in this process and print its figures (what bench runs per round)." };
        var seed = new Option<int>("--seed") { Hidden = true, DefaultValueFactory = _ => 1 };
        var command = new RootCommand("Measure the engine per preset against a plain C++ libtorch loop and the PyTorch tutorial script, or the recipes' time to accuracy.")
        {
            presets, precisions, images, batchSize, rounds, channelsLast, device, data, python, guard, timeToAccuracy, recipes, seeds, predict, healthCost, augmentCost,
            dataset, engineOnce, seed,
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
                return TimeToAccuracy(parse.GetValue(recipes)!, parse.GetValue(seeds) ?? [], parse.GetValue(device)!, catalog, output, error);
            }
            var names = parse.GetValue(presets)!;
            var isGuard = parse.GetValue(guard);
            var imageCount = isGuard && parse.GetResult(images) is null or { Implicit: true } ? GuardImages : parse.GetValue(images);
            var unknown = names.Where(n => NetworkPresets.Find(n) is null).ToList();
            if (unknown.Count > 0 || imageCount < 2 * parse.GetValue(batchSize) || parse.GetValue(rounds) < 1)
            {
                error.WriteLine(unknown.Count > 0
                    ? $"error: unknown preset(s) {string.Join(", ", unknown)}; presets: {string.Join(", ", NetworkPresets.Names)}."
                    : "error: --images must be at least two batches and --rounds at least 1.");
                return 2;
            }
            if (parse.GetValue(healthCost) || parse.GetValue(augmentCost))
            {
                return AlternatingCost(parse.GetValue(augmentCost), names[0], parse.GetValue(dataset), imageCount, parse.GetValue(batchSize), parse.GetValue(rounds),
                    parse.GetValue(device)!, catalog, output, error);
            }
            Precision[] precisionList = parse.GetValue(precisions) is { Length: > 0 } given ? [.. given.Distinct()] : isGuard ? [Precision.Fp32, Precision.Bf16] : [Precision.Fp32];
            if (parse.GetValue(engineOnce))
            {
                return EngineOnce(names[0], precisionList[0], imageCount, parse.GetValue(batchSize), parse.GetValue(channelsLast),
                    parse.GetValue(device)!, parse.GetValue(seed), catalog, output, error);
            }
            var plan = new Plan(names, precisionList, imageCount, parse.GetValue(batchSize), parse.GetValue(rounds), parse.GetValue(channelsLast),
                parse.GetValue(device)!, catalog, PythonReference(parse.GetValue(python)!, error), isGuard);
            return Measure(plan, output, error);
        });
        return command;
    }

    /// <summary>The engine's side of one round, run in a process of its own: two epochs (the first a warm-up) and a test pass.</summary>
    private static int EngineOnce(string preset, Precision precision, int images, int batchSize, bool channelsLast, string device, int seed,
        DatasetCatalog catalog, TextWriter output, TextWriter error)
    {
        var config = new RunConfig
        {
            Dataset = DatasetFor(preset), Model = preset, Epochs = 2, BatchSize = batchSize, TrainLimit = images,
            ValidationFraction = 0, TestLimit = 5000, Seed = seed, Precision = precision, ChannelsLast = channelsLast, Device = device,
            HealthEvery = 0, // the references measure no layer health; what it costs is bench --health-cost's figure
        };
        try
        {
            PeakMemory.Reset();
            var result = new Trainer(catalog).Run(config, new Silent());
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"images_per_second={result.Epochs[^1].ImagesPerSecond:F1} eval_images_per_second={result.Test.ImagesPerSecond:F1} peak_rss_mib={PeakMemory.MiB():F0} device={result.Started.Device} threads={result.Started.Threads} libtorch={result.Started.TorchVersion}"));
            return 0;
        }
        catch (Exception e) when (e is RunConfigException or DatasetException or TorchException or ArgumentException)
        {
            error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>
    /// What measuring training health (or augmenting) costs, within one run so the VM's drift cancels: each even epoch
    /// does it, and its images/s is compared with the mean of the odd epochs on either side (as bench/followers-by-epoch.js does).
    /// </summary>
    private static int AlternatingCost(bool augmentation, string preset, string? dataset, int images, int batchSize, int rounds, string device,
        DatasetCatalog catalog, TextWriter output, TextWriter error)
    {
        var config = new RunConfig
        {
            Dataset = dataset ?? DatasetFor(preset), Model = preset, Epochs = 2 * rounds + 3, BatchSize = batchSize, TrainLimit = images,
            ValidationFraction = 0, TestLimit = 1000, Device = device,
            HealthEvery = augmentation ? 0 : new RunConfig().HealthEvery, Augmentation = augmentation ? Augmentation.CropAndFlip : new Augmentation(),
        };
        var epochs = new List<EpochMetrics>();
        try
        {
            var trainer = augmentation ? new Trainer(catalog) { AugmentsIn = e => e % 2 == 0 } : new Trainer(catalog) { MeasuresHealthIn = e => e % 2 == 0 };
            trainer.Run(config, new EpochList(epochs));
        }
        catch (Exception e) when (e is RunConfigException or DatasetException or TorchException or ArgumentException)
        {
            error.WriteLine($"error: {e.Message}");
            return 2;
        }
        var what = augmentation ? "augmenting (4-pixel crop and flip)" : "measuring health";
        output.WriteLine($"{preset} on {config.Dataset}, {images} images, batch {batchSize}, {what} in the even epochs, {epochs.Count} epochs on {device}");
        output.WriteLine($"{"epoch",5} {"with img/s",15} {"without, around",17} {"cost",7}");
        var costs = new List<double>();
        for (var e = 4; e + 1 <= epochs.Count; e += 2)
        {
            var neighbours = (epochs[e - 2].ImagesPerSecond + epochs[e].ImagesPerSecond) / 2;
            var measured = epochs[e - 1].ImagesPerSecond;
            costs.Add(1 - measured / neighbours);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e,5} {measured,15:F0} {neighbours,17:F0} {costs[^1],7:P1}"));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median cost of {what}: {Median(costs):P1} of training images/s over {costs.Count} epochs"));
        return 0;
    }

    private sealed class EpochList(List<EpochMetrics> epochs) : ITrainingObserver
    {
        public void OnEpoch(EpochMetrics epoch) => epochs.Add(epoch);
    }

    /// <summary>A median, or "-" where there was nothing to take it of (a reference skipped or refused).</summary>
    private static string Figure(double value, string format) => double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    private static int Measure(Plan plan, TextWriter output, TextWriter error)
    {
        var plainLoop = Path.Combine(AppContext.BaseDirectory, "plain_loop");
        var measurable = plan.Presets.Where(n => plan.Catalog.Find(DatasetFor(n))?.Available == true).ToList();
        foreach (var skipped in plan.Presets.Except(measurable))
        {
            error.WriteLine($"skipped {skipped}: dataset {DatasetFor(skipped)} is not in {plan.Catalog.Folder}");
        }
        var keys = measurable.SelectMany(n => plan.Precisions.Select(p => (Preset: n, Precision: p))).ToList();
        var engine = keys.ToDictionary(k => k, _ => new List<Sample>());
        var plain = keys.ToDictionary(k => k, _ => new List<Sample>());
        var tutorial = measurable.ToDictionary(n => n, _ => new List<Sample>());
        var refused = new HashSet<(string, Precision)>();
        Sample? facts = null;
        for (var round = 0; round < plan.Rounds; round++)
        {
            foreach (var name in measurable)
            {
                var raw = RawImagesFile(plan.Catalog, DatasetFor(name));
                foreach (var precision in plan.Precisions.Where(p => !refused.Contains((name, p))))
                {
                    string[] engineArgs = ["bench", "--engine-once", "--presets", name, "--precision", Name(precision), "--images", Text(plan.Images),
                        "--batch-size", Text(plan.BatchSize), "--device", plan.Device, "--seed", Text(round + 1), "--data", plan.Catalog.Folder,
                        "--channels-last", plan.ChannelsLast ? "true" : "false"];
                    if (RunReference(SelfProgram(engineArgs), error) is not { } ours)
                    {
                        refused.Add((name, precision));
                        error.WriteLine($"skipped {name} {Name(precision)}: the engine refused it (above).");
                        continue;
                    }
                    facts ??= ours;
                    engine[(name, precision)].Add(ours);
                    var device = ours.Values.GetValueOrDefault("device", "cpu");
                    if (RunReference((plainLoop, [name, Text(plan.BatchSize), Text(plan.Images), Text(Environment.ProcessorCount), Name(precision),
                        plan.ChannelsLast ? "1" : "0", device, .. raw is null ? Array.Empty<string>() : [raw]]), error) is { } reference)
                    {
                        plain[(name, precision)].Add(reference);
                    }
                }
                if (plan.Python is not null && DatasetFor(name) == "mnist" && raw is not null && facts is not null)
                {
                    var layers = JsonSerializer.Serialize(NetworkPresets.Find(name)!.Layers, Json);
                    if (RunReference((plan.Python, [Path.Combine(AppContext.BaseDirectory, "pytorch_tutorial.py"), layers, Text(plan.BatchSize), "adam",
                        Text(plan.Images), Text(Environment.ProcessorCount), Path.GetDirectoryName(raw)!, facts.Values.GetValueOrDefault("device", "cpu")]), error) is { } script)
                    {
                        tutorial[name].Add(script);
                    }
                }
            }
        }
        if (facts is null)
        {
            error.WriteLine("error: nothing could be measured.");
            return 1;
        }

        var header = $"libtorch {facts.Values.GetValueOrDefault("libtorch")}, device {facts.Values.GetValueOrDefault("device")}, {facts.Values.GetValueOrDefault("threads")} threads, " +
            $"{Environment.ProcessorCount} cores; batch {plan.BatchSize}, Adam 1e-3, {plan.Images} images per timed epoch, {(plan.ChannelsLast ? "channels-last" : "NCHW")}, median of {plan.Rounds} alternating rounds, each program its own process";
        output.WriteLine(header);
        if (!plan.Guard)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"preset",-10} {"precision",9} {"train img/s",12} {"plain C++",10} {"PyTorch",9} {"ours/plain",11} {"ours/PyTorch",13} {"eval img/s",11} {"s/epoch",8} {"peak MiB ours/plain/PyTorch",28}"));
        }
        foreach (var key in keys.Where(k => engine[k].Count > 0))
        {
            var ours = Median(engine[key].Select(s => s.ImagesPerSecond));
            var reference = Median(plain[key].Select(s => s.ImagesPerSecond));
            var script = Median(tutorial[key.Preset].Select(s => s.ImagesPerSecond));
            if (plan.Guard)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{key.Preset,-10} {Name(key.Precision),-5} ours/plain {Figure(ours / reference, "F2"),5}  ours/PyTorch {Figure(ours / script, "F2"),6}  (ours {ours:F0}, plain {Figure(reference, "F0")}, PyTorch fp32 {Figure(script, "F0")} img/s)"));
                continue;
            }
            var memory = $"{Median(engine[key].Select(s => s.PeakMiB)):F0}/{Median(plain[key].Select(s => s.PeakMiB)):F0}/" +
                (tutorial[key.Preset].Count > 0 ? $"{Median(tutorial[key.Preset].Select(s => s.PeakMiB)):F0}" : "-");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{key.Preset,-10} {Name(key.Precision),9} {ours,12:F0} {Figure(reference, "F0"),10} {Figure(script, "F0"),9} {Figure(ours / reference, "F2"),11} {Figure(ours / script, "F2"),13} {Median(engine[key].Select(s => s.Number("eval_images_per_second"))),11:F0} {MnistTrainImages / ours,8:F1} {memory,28}"));
        }
        if (!plan.Guard)
        {
            output.WriteLine("s/epoch: seconds per MNIST epoch (48,000 training images). Peak MiB: each whole process, the CLR and the data included for ours. PyTorch: fp32 always.");
        }
        return 0;
    }

    private static int TimeToAccuracy(string[] names, int[] seeds, string device, DatasetCatalog catalog, TextWriter output, TextWriter error)
    {
        if (catalog.Find("mnist") is not { Available: true } mnist)
        {
            error.WriteLine($"error: MNIST is not in {catalog.Folder}; run scripts/setup.sh.");
            return 1;
        }
        output.WriteLine($"libtorch {TorchRuntime.Version}, device {TorchRuntime.ResolveDevice(device)}, {TorchRuntime.Threads} threads; all {mnist.Name} training images, 10,000 test images");
        output.WriteLine($"{"recipe",-10} {"seed",4} {"epochs",6} {"seconds",8} {"test accuracy",14}  (seconds: from the data on the device to the test result)");
        foreach (var recipe in names.Select(n => Recipes.Find(n)!))
        {
            foreach (var seed in seeds.Length > 0 ? seeds : [recipe.Config.Seed])
            {
                var clock = new DataToTestClock();
                try
                {
                    var result = new Trainer(catalog).Run(recipe.Config with { Seed = seed, Device = device }, clock);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{recipe.Name,-10} {seed,4} {result.Epochs.Count,6} {clock.Seconds,8:F1} {result.Test.Accuracy,14:P2}"));
                }
                catch (RunConfigException e)
                {
                    error.WriteLine($"skipped {recipe.Name}: {e.Message}");
                }
            }
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

    /// <summary>This program with these arguments, as the dotnet host or a self-contained publish starts it.</summary>
    private static (string Program, string[] Args) SelfProgram(string[] args) =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet"
            ? (Environment.ProcessPath!, [Path.Combine(AppContext.BaseDirectory, "Dashboard.Server.dll"), .. args])
            : (Environment.ProcessPath!, args);

    /// <summary>Runs a program that prints "key=value ..." (images_per_second and peak_rss_mib at least) and waits for it;
    /// null, with its error output passed on, when it fails.</summary>
    private static Sample? RunReference((string Program, string[] Args) run, TextWriter error)
    {
        using var process = Process.Start(new ProcessStartInfo(run.Program, run.Args) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"could not start {run.Program}");
        var errors = process.StandardError.ReadToEndAsync();
        var line = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var values = line.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(part => part.Split('='))
            .Where(pair => pair.Length == 2).ToDictionary(pair => pair[0], pair => pair[1].Trim());
        var sample = new Sample(values);
        if (process.ExitCode == 0 && double.IsFinite(sample.ImagesPerSecond))
        {
            return sample;
        }
        error.WriteLine($"{Path.GetFileName(run.Program)} {string.Join(' ', run.Args.Take(4))} failed: {line.Trim()} {errors.Result.Trim()}");
        return null;
    }

    private static string Name(Precision precision) => precision.ToString().ToLowerInvariant();

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
