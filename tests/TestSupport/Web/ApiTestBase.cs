namespace Dashboard.Tests.Support;

/// <summary>A test class's server over a generated MNIST-shaped dataset, with its own runs folder and a client.</summary>
public abstract class ApiTestBase : IDisposable
{
    protected ApiTestBase(int train, int test)
    {
        SyntheticData.WriteMnistLike(Data.Path, train, test);
        Factory = new DashboardFactory(Data.Path, Runs.Path);
        Client = Factory.CreateClient();
    }

    protected TempFolder Data { get; } = new();
    protected TempFolder Runs { get; } = new();
    protected DashboardFactory Factory { get; }
    protected HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Factory.Dispose();
        Data.Dispose();
        Runs.Dispose();
        GC.SuppressFinalize(this);
    }
}
