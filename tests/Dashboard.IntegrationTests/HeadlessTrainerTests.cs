using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Dashboard.Server.Cli;

namespace Dashboard.IntegrationTests;

public class HeadlessTrainerTests
{
    [Fact]
    public void Train_prints_epoch_lines_the_test_accuracy_a_per_class_table_and_saves_a_checkpoint()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.Path, train: 300, test: 60);
        var output = new StringWriter();
        var error = new StringWriter();
        var checkpoint = temp.File("out/model.pt");

        var exit = TrainCommand.Run(
            ["--data", temp.Path, "--model", "mlp-relu", "--epochs", "2", "--optimizer", "sgd", "--lr", "0.1",
             "--batch-size", "32", "--device", "cpu", "--output", checkpoint],
            output, error);

        Assert.True(exit == 0, error.ToString());
        var text = output.ToString();
        Assert.Contains("epoch 1/2: train loss", text);
        Assert.Contains("epoch 2/2: train loss", text);
        Assert.Matches(@"test: loss \d+\.\d+ accuracy \d+\.\d+ %", text);
        Assert.Contains("class", text);
        Assert.Matches(@"(?m)^9\s+\d+\s", text);
        Assert.True(File.Exists(checkpoint));
        using var card = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(checkpoint, ".json")));
        Assert.Equal("mlp-relu", card.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public void A_run_whose_loss_diverges_says_so_in_one_error_line_and_exits_1_not_with_a_stack_trace()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.Path, train: 300, test: 20);
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = TrainCommand.Run(["--data", temp.Path, "--model", "mlp", "--optimizer", "sgd", "--lr", "10", "--epochs", "2",
            "--batch-size", "10", "--device", "cpu", "--output", temp.File("m.pt")], output, error);

        Assert.True(exit == 1, $"exit {exit}: {error}");
        Assert.Matches(@"^error: The loss diverged \(\S+\) at epoch 1, batch \d+", error.ToString());
        Assert.DoesNotContain("   at ", error.ToString());
        Assert.Contains("alert at epoch 1", output.ToString());
    }

    [Fact]
    public async Task An_unknown_verb_is_refused_with_the_list_of_verbs_and_starts_no_server()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Dashboard.Server.dll"), "predict", "x.png"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1)); // a server started unasked would run on
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("error: no verb 'predict'", await error);
        Assert.Contains("train, bench", await error);
        Assert.DoesNotContain("Now listening", await output);
    }

    [Fact]
    public void Without_a_terminal_progress_comes_as_plain_lines_not_carriage_returns()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.Path, train: 400, test: 20);
        var output = new StringWriter();
        var exit = TrainCommand.Run(["--data", temp.Path, "--model", "logreg", "--epochs", "1", "--batch-size", "10",
            "--output", temp.File("m.pt")], output, new StringWriter());
        Assert.Equal(0, exit);
        Assert.DoesNotContain('\r', output.ToString());
        Assert.Matches(@"epoch 1/1 \d+/32 loss", output.ToString());
    }

    [Fact]
    public void A_recipe_sets_the_network_and_schedule_explicit_options_override_it_and_init_fine_tunes_from_a_checkpoint()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.Path, train: 600, test: 20);
        var first = temp.File("fast.pt");
        var error = new StringWriter();
        var exit = TrainCommand.Run(["--data", temp.Path, "--recipe", "fast", "--epochs", "3", "--device", "cpu", "--output", first],
            new StringWriter(), error);
        Assert.True(exit == 0, error.ToString());
        using (var card = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(first, ".json"))))
        {
            Assert.Equal("cnn-fast", card.RootElement.GetProperty("model").GetString());
            Assert.Equal(3, card.RootElement.GetProperty("epochs").GetInt32());
        }

        double FirstEpochLoss(params string[] extra)
        {
            var output = new StringWriter();
            var code = TrainCommand.Run(["--data", temp.Path, "--model", "cnn-fast", "--epochs", "1", "--batch-size", "32", "--device", "cpu",
                "--output", temp.File($"tuned-{extra.Length}.pt"), .. extra], output, error);
            Assert.True(code == 0, error.ToString());
            return double.Parse(System.Text.RegularExpressions.Regex.Match(output.ToString(), @"epoch 1/1: train loss (\d+\.\d+)").Groups[1].Value,
                System.Globalization.CultureInfo.InvariantCulture);
        }
        // Starting from the trained weights, the first epoch's loss is below a fresh network's.
        var fresh = FirstEpochLoss();
        var tuned = FirstEpochLoss("--init", first);
        Assert.True(tuned < fresh * 0.8, $"fine-tuned {tuned}, fresh {fresh}");
    }

    [Fact]
    public async Task The_readmes_dotnet_run_command_reads_data_and_writes_runs_where_it_is_typed()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.File("data"), train: 100, test: 20);
        var configuration = typeof(HeadlessTrainerTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        // As the README types it, from a folder with data/ in it (here a temporary one, not the repository root).
        var start = new ProcessStartInfo("dotnet",
            ["run", "--project", Repository.Path("Dashboard.Server"), "-c", configuration, "--no-build", "--",
             "train", "--dataset", "mnist", "--model", "logreg", "--epochs", "1", "--device", "cpu"])
        {
            WorkingDirectory = temp.Path, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));

        Assert.True(process.ExitCode == 0, await error + await output);
        Assert.Single(Directory.GetFiles(temp.File("runs"), "mnist-logreg-*.json"));
        Assert.False(Directory.Exists(Repository.Path("Dashboard.Server", "data")), "the project folder holds no data/");
    }
}
