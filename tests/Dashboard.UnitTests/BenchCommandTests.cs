using Dashboard.Server.Cli;

namespace Dashboard.UnitTests;

public class BenchCommandTests
{
    private static (int Exit, string Error) Run(params string[] args)
    {
        var error = new StringWriter();
        return (BenchCommand.Run(args, new StringWriter(), error), error.ToString());
    }

    [Fact]
    public void Help_documents_the_references_and_the_modes()
    {
        var output = new StringWriter();
        Assert.Equal(0, BenchCommand.Run(["--help"], output, new StringWriter()));
        foreach (var option in new[] { "--presets", "--images", "--batch-size", "--rounds", "--data", "--python", "--time-to-accuracy", "--recipes", "--predict", "--health-cost" })
        {
            Assert.Contains(option, output.ToString());
        }
    }

    [Theory]
    [InlineData(2, "unknown preset", "--presets", "resnet")]
    [InlineData(2, "at least two batches", "--images", "10")]
    [InlineData(2, "unknown recipe", "--time-to-accuracy", "--recipes", "fastest")]
    [InlineData(1, "needs the checkpoint", "--predict", "/no/such/model.pt")]
    public void Bad_arguments_say_what_is_wrong(int exit, string message, params string[] args)
    {
        var (code, error) = Run(args);
        Assert.Equal(exit, code);
        Assert.Contains(message, error);
    }
}
