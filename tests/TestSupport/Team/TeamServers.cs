using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Dashboard.Tests.Support;

/// <summary>
/// A PostgreSQL 15 of the tests' own (scripts/postgres.sh: Debian's binaries, a temporary data folder,
/// a free loopback port), started once for the test class; each test gets a database of its own.
/// </summary>
public sealed class PostgresFixture : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _data;

    public PostgresFixture()
    {
        _data = Path.Combine(_folder.Path, "pg");
        Port = FreePort();
        // Unpooled: a later fixture can be given this port again, and a pooled connection to this
        // (by then stopped) server would answer it with "terminating connection due to administrator command".
        Server = new NpgsqlConnectionStringBuilder(Script("start", _data, Port.ToString()).Trim()) { Pooling = false }.ConnectionString;
    }

    public int Port { get; }

    /// <summary>The server's data folder (for scripts/postgres.sh crash and start).</summary>
    public string DataFolder => _data;

    /// <summary>The connection string of the server's "dashboard" database.</summary>
    public string Server { get; }

    /// <summary>A new, empty database on the server, for one test.</summary>
    public string NewDatabase()
    {
        var name = "t" + Guid.NewGuid().ToString("N");
        using (var connection = new NpgsqlConnection(Server))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            command.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(Server) { Database = name, Pooling = true }.ConnectionString;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>scripts/postgres.sh with these arguments; its standard output.</summary>
    public string Script(params string[] args) => Run("postgres.sh", args);

    /// <summary>One of the project's scripts (postgres.sh, redis.sh) with these arguments; its standard output.</summary>
    public string Run(string script, params string[] args) => ProjectScripts.Run(script, args);

    public void Dispose()
    {
        Script("stop", _data);
        _folder.Dispose();
    }
}

/// <summary>The project's scripts (scripts/*.sh), run as a user would.</summary>
public static class ProjectScripts
{
    public static readonly string Folder = FindFolder();

    /// <summary>scripts/SCRIPT with these arguments and environment; its standard output (it must succeed).</summary>
    public static string Run(string script, IEnumerable<string> args, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Folder, script));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
        }
        return output.Result;
    }

    private static string FindFolder() => Repository.Path("scripts");
}

/// <summary>The server program as a child process (a trainer, a web front-end), its output kept for failure messages.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    public ServerProcess(string name, IEnumerable<string> arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Dashboard.Server.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Name = name;
    }

    /// <summary>A trainer process on the team database, with a 2 s lease renewed every 0.4 s.</summary>
    public static ServerProcess Trainer(string database, string name, string dataFolder) => new(name, ["trainer"], new()
    {
        ["Team__Postgres"] = database,
        ["Team__TrainerName"] = name,
        ["Team__LeaseSeconds"] = "2",
        ["Team__RenewSeconds"] = "0.4",
        ["Team__PollSeconds"] = "0.2",
        ["Data__Folder"] = dataFolder,
    });

    public string Name { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public void Kill() => _process.Kill();

    public void Signal(string signal) => Process.Start("kill", [$"-{signal}", _process.Id.ToString()])!.WaitForExit();

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Signal("CONT");
            _process.Kill();
        }
        _process.WaitForExit();
        _process.Dispose();
    }
}
