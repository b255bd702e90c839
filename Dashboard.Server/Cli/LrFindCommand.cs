using System.CommandLine;
using System.Globalization;
using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Cli;

/// <summary>
/// The learning-rate finder without the web UI: <c>dotnet run --project Dashboard.Server -- lr-find [options]</c>, with the
/// <c>train</c> verb's configuration options. Prints each seed's sweep and the three suggestions with their spread.
/// Exit codes: 0 swept, 1 failed (data, libtorch), 2 bad options, 130 cancelled.
/// </summary>
public static class LrFindCommand
{
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null) =>
        Verbs.Invoke(args, output, error, (output, error) => Command(output, error));

    /// <summary>The verb's options and action (Run parses and invokes it; the docs' test parses every documented command).</summary>
    public static RootCommand Command(TextWriter output, TextWriter error)
    {
        var defaults = new LrFindRequest();
        var options = new RunConfigOptions();
        var start = new Option<double>("--start") { Description = "The first batch's learning rate.", DefaultValueFactory = _ => defaults.Start };
        var end = new Option<double>("--end") { Description = "The last batch's learning rate.", DefaultValueFactory = _ => defaults.End };
        var batches = new Option<int>("--batches") { Description = "Batches in the sweep (10 to 1000).", DefaultValueFactory = _ => defaults.Batches };
        var seeds = new Option<int>("--seeds") { Description = "Sweeps with seeds --seed, +1, ... (1 to 5), for the suggestions' spread.", DefaultValueFactory = _ => defaults.Seeds };
        var data = new Option<string>("--data") { Description = "Data folder (default: $Data__Folder, else ./data).", DefaultValueFactory = _ => DataOptions.CommandLineDefault };
        var init = new Option<string?>("--init") { Description = "Sweep from this checkpoint's weights (.pt of the same network) instead of random ones." };
        var curve = new Option<string?>("--curve") { Description = "Also write every batch (seed, rate, loss, smoothed loss) to this CSV file." };
        var command = new RootCommand("Find a learning rate: an exponential sweep of one batch per rate on a copy of the network (fastai's lr_find), with three suggestions.")
        {
            start, end, batches, seeds, data, init, curve,
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
            var request = new LrFindRequest
            {
                Config = config, Start = parse.GetValue(start), End = parse.GetValue(end), Batches = parse.GetValue(batches), Seeds = parse.GetValue(seeds),
            };
            return Task.FromResult(Find(request, parse.GetValue(data)!, parse.GetValue(init), parse.GetValue(curve), output, error, cancellation));
        });
        return command;
    }

    private static int Find(LrFindRequest request, string dataFolder, string? init, string? curveFile, TextWriter output, TextWriter error,
        CancellationToken cancellation)
    {
        var datasets = new DatasetCatalog(dataFolder);
        var problems = LearningRateFinder.Problems(request);
        foreach (var (field, messages) in RunValidation.Validate(request.Config, datasets))
        {
            problems[field] = messages;
        }
        if (init is not null && !File.Exists(init))
        {
            problems["init"] = [$"{Path.GetFullPath(init)} does not exist."];
        }
        if (VerbExit.Problems(problems, error) is not 0 and var invalid)
        {
            return invalid;
        }
        var config = request.Config;
        return VerbExit.Run(() =>
        {
            var plan = RunPlan.Make(config, datasets);
            var device = TorchRuntime.ResolveDevice(config.Device);
            output.WriteLine($"lr-find: {config.Model} on {config.Dataset}, {config.Optimizer}, batch {config.BatchSize}, {request.Batches} batches " +
                $"from {request.Start:G3} to {request.End:G3}, seeds {config.Seed}-{config.Seed + request.Seeds - 1}, {device}");
            var result = new LearningRateFinder(datasets).Find(plan, device, request, init, cancellation: cancellation);
            foreach (var c in result.Curves)
            {
                output.WriteLine($"seed {c.Seed}: {c.Rates.Length} batches, lowest smoothed loss {c.Smoothed.Min():F4}; stopped: {c.Stopped}");
            }
            output.WriteLine($"{"suggestion",-14}{"rate",-10}{"over the seeds",-22}meaning");
            foreach (var s in result.Suggestions)
            {
                output.WriteLine(s.Rate is null
                    ? $"{s.Name,-14}{"none",-10}{"",-22}the curves were too short to judge"
                    : $"{s.Name,-14}{s.Rate,-10:0.0e+00}{$"{s.Low:0.0e+00} .. {s.High:0.0e+00}",-22}{s.Meaning}");
            }
            output.WriteLine($"took {result.Seconds:F1} s");
            if (curveFile is not null)
            {
                File.WriteAllLines(curveFile, ["seed,rate,loss,smoothed", .. result.Curves.SelectMany(c => c.Rates.Select((r, i) =>
                    string.Create(CultureInfo.InvariantCulture, $"{c.Seed},{r:R},{c.Losses[i]:R},{c.Smoothed[i]:R}")))]);
                output.WriteLine($"curve: {Path.GetFullPath(curveFile)}");
            }
            return 0;
        }, error, () => "cancelled");
    }
}
