namespace Dashboard.Tests.Support;

/// <summary>
/// A test class's server over a generated MNIST-shaped dataset, with its own runs folder and a client; with
/// <see cref="TeamSettings"/>, a team front-end over PostgreSQL and a trainer process that trains its runs.
/// </summary>
public abstract class ApiTestBase : IDisposable
{
    private readonly ServerProcess? _trainer;

    /// <param name="settings">More configuration, e.g. <see cref="TeamSettings"/> for a team front-end.</param>
    protected ApiTestBase(int train, int test, Dictionary<string, string>? settings = null)
    {
        SyntheticData.WriteMnistLike(Data.Path, train, test);
        Factory = new DashboardFactory(Data.Path, Runs.Path) { Settings = settings ?? [] };
        Client = Factory.CreateClient();
        if (settings?.GetValueOrDefault("Team:Postgres") is { } database)
        {
            _trainer = ServerProcess.Trainer(database, "trainer", Data.Path);
        }
    }

    protected TempFolder Data { get; } = new();
    protected TempFolder Runs { get; } = new();
    protected DashboardFactory Factory { get; }
    protected HttpClient Client { get; }

    /// <summary>A team front-end's settings (role web) over a new database of <paramref name="postgres"/>.</summary>
    public static Dictionary<string, string> TeamSettings(PostgresFixture postgres) =>
        new() { ["Team:Role"] = "web", ["Team:Postgres"] = postgres.NewDatabase(), ["Team:WatchSeconds"] = "0.2" };

    public void Dispose()
    {
        _trainer?.Dispose();
        Client.Dispose();
        Factory.Dispose();
        Data.Dispose();
        Runs.Dispose();
        GC.SuppressFinalize(this);
    }
}
