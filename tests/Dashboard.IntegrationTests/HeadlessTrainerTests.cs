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
}
