using Dashboard.Server.Cli;

namespace Dashboard.UnitTests;

public class TrainCommandTests
{
    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = TrainCommand.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Help_documents_every_option()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--dataset", "--model", "--optimizer", "--lr", "--momentum", "--weight-decay", "--batch-size",
                     "--epochs", "--validation-split", "--seed", "--device", "--threads", "--train-limit", "--test-limit", "--data", "--output",
                     "--recipe", "--schedule", "--init" })
        {
            Assert.Contains(option, output);
        }
    }

    [Fact]
    public void An_unknown_option_is_named_and_exits_non_zero()
    {
        var (exit, _, error) = Run("--epocs", "3");
        Assert.NotEqual(0, exit);
        Assert.Contains("--epocs", error);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_named_and_exits_non_zero()
    {
        var (exit, _, error) = Run("--batch-size", "many");
        Assert.NotEqual(0, exit);
        Assert.Contains("many", error);
    }

    [Theory]
    [InlineData("--lr", "-1", "learningRate")]
    [InlineData("--epochs", "0", "epochs")]
    [InlineData("--model", "resnet", "model")]
    [InlineData("--threads", "0", "threads")]
    [InlineData("--recipe", "fastest", "recipe")]
    [InlineData("--init", "/no/such/model.pt", "init")]
    public void An_out_of_range_value_says_which_and_why_with_exit_code_2(string option, string value, string field)
    {
        var (exit, _, error) = Run(option, value);
        Assert.Equal(2, exit);
        Assert.Contains($"error: {field}:", error);
    }

    [Fact]
    public void A_missing_dataset_says_how_to_install_it()
    {
        using var temp = new TempFolder();
        var (exit, _, error) = Run("--data", temp.Path, "--epochs", "1");
        Assert.Equal(1, exit);
        Assert.Contains("file not found", error);
        Assert.Contains("scripts/setup.sh", error);
    }
}
