using Microsoft.Data.Sqlite;

namespace Dashboard.Server.Storage;

/// <summary>The dashboard's SQLite file (WAL mode), shared by the run and sample stores.</summary>
public sealed class Database
{
    private readonly string _connectionString;

    public Database(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode = WAL");
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // With WAL, NORMAL keeps a committed write through a killed process (only an OS crash can
        // lose the last ones) and spares the training thread an fsync per epoch. Per connection.
        Execute(connection, "PRAGMA synchronous = NORMAL");
        return connection;
    }

    /// <summary>
    /// Storage cannot be read or written: the database or the runs folder (full or read-only disk, a locked or missing
    /// file), or in team mode the team's PostgreSQL (down, restarting, unreachable).
    /// </summary>
    public static bool IsFault(Exception e) => e is SqliteException or IOException or UnauthorizedAccessException || Team.TeamStore.IsFault(e);

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
