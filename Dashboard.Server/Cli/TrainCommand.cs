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
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null) =>
        Verbs.Invoke(args, output, error, (output, error) => Command(output, error));

    /// <summary>The verb's options and action (Run parses and invokes it; the docs' test parses every documented command).</summary>
    public static RootCommand Command(TextWriter output, TextWriter error)
    {

        var options = new RunConfigOptions();
        var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads (default: the core count)." };
        var data = new Option<string>("--data") { Description = "Data folder (default: $Data__Folder, else ./data).", DefaultValueFactory = _ => DataOptions.CommandLineDefault };
        var checkpoint = new Option<string?>("--output") { Description = "Where to save the checkpoint (.pt, with a .json model card and test-predictions.bin beside it). Default: runs/DATASET-MODEL-TIME.pt." };
        var init = new Option<string?>("--init") { Description = "Fine-tune: start from this checkpoint's weights (.pt of the same network) instead of random ones." };

        var command = new RootCommand("Train a network on a dataset without the web UI, with a progress bar, per-epoch metrics, a per-class table and a saved checkpoint.")
        {
            threads, data, checkpoint, init,
        };
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellation) =>
        {
            var (config, problem) = options.Read(parse);
            if (config is null)
            {
                error.WriteLine($"error: {problem}");
                return Task.FromResult(2);
            }
            var path = parse.GetValue(checkpoint)
                ?? Path.Combine("runs", $"{config.Dataset}-{config.Model}-{DateTime.Now:yyyyMMdd-HHmmss}.pt");
            var files = new RunFiles(path, parse.GetValue(init));
            return Task.FromResult(Train(config, parse.GetValue(data)!, parse.GetValue(threads), files, output, error, cancellation));
        });

        return command;
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
        if (VerbExit.Problems(problems, error) is not 0 and var invalid)
        {
            return invalid;
        }

        var console = new ConsoleProgress(output, config.Epochs, interactive: ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected);
        return VerbExit.Run(() =>
        {
            if (threads is { } count)
            {
                TorchRuntime.Threads = count;
            }
            new Trainer(datasets).Run(config, console, files, cancellation);
            output.WriteLine($"checkpoint: {Path.GetFullPath(files.Checkpoint!)}");
            return 0;
        }, error, () => $"cancelled after {console.CompletedEpochs} completed epoch(s)");
    }
}
