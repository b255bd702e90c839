using Dashboard.Tests.Support;

namespace Dashboard.IntegrationTests;

/// <summary>The real MNIST that scripts/setup.sh installs into the repository's data folder (scripts/test.sh runs it first).</summary>
internal static class MnistFolder
{
    public static string Path
    {
        get
        {
            var data = Repository.Path("data");
            Assert.True(File.Exists(System.IO.Path.Combine(data, "mnist", "train-images-idx3-ubyte")), $"MNIST is not in {data}: run scripts/setup.sh (scripts/test.sh does).");
            return data;
        }
    }
}
