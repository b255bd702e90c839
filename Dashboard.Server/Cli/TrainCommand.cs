using System.CommandLine;
using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Server.Training.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Cli;

/// <summary>
/// The headless trainer: <c>dotnet run --project Dashboard.Server -- train [options]</c>.
/// Exit codes: 0 trained, 1 failed (data, libtorch), 2 bad options, 130 cancelled.
/// </summary>
public static class TrainCommand
{
    private static readonly RunConfig Defaults = new();

    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;

        var recipe = new Option<string?>("--recipe") { Description = $"Start from a named recipe ({string.Join(", ", Recipes.Names)}); options given explicitly override its values." };
        var dataset = new Option<string>("--dataset") { Description = "Dataset: mnist, fashion-mnist or cifar10.", DefaultValueFactory = _ => Defaults.Dataset };
        var model = new Option<string>("--model") { Description = $"Preset network: {string.Join(", ", NetworkPresets.Names)}.", DefaultValueFactory = _ => Defaults.Model };
        var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "sgd or adam.", DefaultValueFactory = _ => Defaults.Optimizer };
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => Defaults.LearningRate };
        var schedule = new Option<LearningRateSchedule>("--schedule") { Description = "Learning-rate schedule: constant, onecycle (--lr is the peak) or cosine.", DefaultValueFactory = _ => Defaults.Schedule };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum (ignored by Adam).", DefaultValueFactory = _ => Defaults.Momentum };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay.", DefaultValueFactory = _ => Defaults.WeightDecay };
        var channelsLast = new Option<bool>("--channels-last") { Description = "Keep convolution weights and inputs channels-last (NHWC): faster for cnn-fast at large batches on CPU." };
        var precision = new Option<Precision>("--precision") { Description = "Training precision: fp32, bf16 (a CPU with AVX512-BF16 or AMX, or CUDA) or fp16 (CUDA, with loss scaling); weights and checkpoints stay fp32.", DefaultValueFactory = _ => Defaults.Precision };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per training batch.", DefaultValueFactory = _ => Defaults.BatchSize };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training images.", DefaultValueFactory = _ => Defaults.Epochs };
        var validation = new Option<double>("--validation-split") { Description = "Fraction of training images held out for validation (0 to 0.9).", DefaultValueFactory = _ => Defaults.ValidationFraction };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation, split, shuffling and dropout; on CPU a seed reproduces a run exactly.", DefaultValueFactory = _ => Defaults.Seed };
        var device = new Option<string>("--device") { Description = "auto (CUDA when available, else CPU), cpu, cuda or cuda:N.", DefaultValueFactory = _ => Defaults.Device };
        var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads (default: the core count)." };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Use only the first N training images (before the split)." };
        var testLimit = new Option<int?>("--test-limit") { Description = "Evaluate on only the first N test images." };
        var data = new Option<string>("--data") { Description = "Data folder (default: $Data__Folder, else ./data).", DefaultValueFactory = _ => DataOptions.CommandLineDefault };
        var checkpoint = new Option<string?>("--output") { Description = "Where to save the checkpoint (.pt, with a .json model card and test-predictions.bin beside it). Default: runs/DATASET-MODEL-TIME.pt." };
        var init = new Option<string?>("--init") { Description = "Fine-tune: start from this checkpoint's weights (.pt of the same network) instead of random ones." };

        var command = new RootCommand("Train a network on a dataset without the web UI, with a progress bar, per-epoch metrics, a per-class table and a saved checkpoint.")
        {
            recipe, dataset, model, optimizer, lr, schedule, momentum, weightDecay, channelsLast, precision, batchSize, epochs, validation, seed, device, threads,
            trainLimit, testLimit, data, checkpoint, init,
        };

        command.SetAction((parse, cancellation) =>
        {
            var recipeName = parse.GetValue(recipe);
            if (recipeName is not null && Recipes.Find(recipeName) is null)
            {
                error.WriteLine($"error: recipe: unknown recipe '{recipeName}'. Recipes: {string.Join(", ", Recipes.Names)}.");
                return Task.FromResult(2);
            }
            var basis = recipeName is null ? Defaults : Recipes.Find(recipeName)!.Config;
            // A recipe's value unless the option was given on the command line.
            T Pick<T>(Option<T> option, T fromRecipe) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option)! : fromRecipe;
            var config = basis with
            {
                Dataset = Pick(dataset, basis.Dataset),
                Model = Pick(model, basis.Model),
                Optimizer = Pick(optimizer, basis.Optimizer),
                LearningRate = Pick(lr, basis.LearningRate),
                Schedule = Pick(schedule, basis.Schedule),
                Momentum = Pick(momentum, basis.Momentum),
                WeightDecay = Pick(weightDecay, basis.WeightDecay),
                ChannelsLast = Pick(channelsLast, basis.ChannelsLast),
                Precision = Pick(precision, basis.Precision),
                BatchSize = Pick(batchSize, basis.BatchSize),
                Epochs = Pick(epochs, basis.Epochs),
                ValidationFraction = Pick(validation, basis.ValidationFraction),
                Seed = Pick(seed, basis.Seed),
                Device = Pick(device, basis.Device),
                TrainLimit = Pick(trainLimit, basis.TrainLimit),
                TestLimit = Pick(testLimit, basis.TestLimit),
            };
            var path = parse.GetValue(checkpoint)
                ?? Path.Combine("runs", $"{config.Dataset}-{config.Model}-{DateTime.Now:yyyyMMdd-HHmmss}.pt");
            var files = new RunFiles(path, parse.GetValue(init));
            return Task.FromResult(Train(config, parse.GetValue(data)!, parse.GetValue(threads), files, output, error, cancellation));
        });

        return command.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static int Train(RunConfig config, string dataFolder, int? threads, RunFiles files,
        TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        var datasets = new DatasetCatalog(dataFolder);
        var problems = RunValidation.Validate(config, datasets);
        if (threads is < 1)
        {
            problems = problems.Append(new("threads", [$"must be at least 1, got {threads}."])).ToDictionary();
        }
        if (files.InitialWeights is { } initial && !File.Exists(initial))
        {
            problems = problems.Append(new("init", [$"{Path.GetFullPath(initial)} does not exist."])).ToDictionary();
        }
        if (problems.Count > 0)
        {
            foreach (var (field, messages) in problems)
            {
                error.WriteLine($"error: {field}: {string.Join(" ", messages)}");
            }
            return 2;
        }

        var console = new ConsoleProgress(output, config.Epochs, interactive: ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected);
        try
        {
            if (threads is { } count)
            {
                TorchRuntime.Threads = count;
            }
            new Trainer(datasets).Run(config, console, files, cancellation);
            output.WriteLine($"checkpoint: {Path.GetFullPath(files.Checkpoint!)}");
            return 0;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine($"cancelled after {console.CompletedEpochs} completed epoch(s)");
            return 130;
        }
        catch (RunConfigException e)
        {
            error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is DatasetException or TorchException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
