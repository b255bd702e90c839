namespace Dashboard.IntegrationTests;

/// <summary>The real MNIST that scripts/setup.sh installs into the repository's data folder (scripts/test.sh runs it first).</summary>
internal static class MnistFolder
{
    public static string Path
    {
        get
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(System.IO.Path.Combine(root.FullName, "Dashboard.sln")))
            {
                root = root.Parent;
            }
            var data = System.IO.Path.Combine(root!.FullName, "data");
            Assert.True(File.Exists(System.IO.Path.Combine(data, "mnist", "train-images-idx3-ubyte")), $"MNIST is not in {data}: run scripts/setup.sh (scripts/test.sh does).");
            return data;
        }
    }
}
