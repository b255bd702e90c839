using Dashboard.Shared.Samples;

namespace Dashboard.Server.Storage;

/// <summary>Where users' saved samples live: the dashboard's SQLite file, or in team mode the team's PostgreSQL.</summary>
public interface ISampleStore
{
    SavedSample Add(string dataset, int label, int channels, int height, int width, byte[] pixels, DateTimeOffset createdAt);

    /// <summary>A dataset's samples, newest first.</summary>
    IReadOnlyList<SavedSample> List(string dataset);

    bool Delete(int id);
}

/// <summary>Users' saved samples in the dashboard's SQLite file; pixels as a blob of bytes.</summary>
public sealed class SampleStore : ISampleStore
{
    private readonly Database _database;

    public SampleStore(Database database)
    {
        _database = database;
        using var connection = database.Open();
        Database.Execute(connection, """
            CREATE TABLE IF NOT EXISTS samples (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                dataset TEXT NOT NULL,
                label INTEGER NOT NULL,
                channels INTEGER NOT NULL,
                height INTEGER NOT NULL,
                width INTEGER NOT NULL,
                pixels BLOB NOT NULL,
                created_at TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS samples_dataset ON samples (dataset, id);
            """);
    }

    public SavedSample Add(string dataset, int label, int channels, int height, int width, byte[] pixels, DateTimeOffset createdAt)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO samples (dataset, label, channels, height, width, pixels, created_at)
            VALUES ($dataset, $label, $channels, $height, $width, $pixels, $created) RETURNING id
            """;
        command.Parameters.AddWithValue("$dataset", dataset);
        command.Parameters.AddWithValue("$label", label);
        command.Parameters.AddWithValue("$channels", channels);
        command.Parameters.AddWithValue("$height", height);
        command.Parameters.AddWithValue("$width", width);
        command.Parameters.AddWithValue("$pixels", pixels);
        command.Parameters.AddWithValue("$created", createdAt.ToString("O"));
        var id = Convert.ToInt32(command.ExecuteScalar());
        return new SavedSample(id, dataset, label, channels, height, width, pixels, createdAt);
    }

    /// <summary>A dataset's samples, newest first.</summary>
    public IReadOnlyList<SavedSample> List(string dataset)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, label, channels, height, width, pixels, created_at FROM samples WHERE dataset = $dataset ORDER BY id DESC";
        command.Parameters.AddWithValue("$dataset", dataset);
        using var row = command.ExecuteReader();
        var result = new List<SavedSample>();
        while (row.Read())
        {
            result.Add(new SavedSample(row.GetInt32(0), dataset, row.GetInt32(1), row.GetInt32(2), row.GetInt32(3), row.GetInt32(4),
                (byte[])row[5], DateTimeOffset.Parse(row.GetString(6), null, System.Globalization.DateTimeStyles.RoundtripKind)));
        }
        return result;
    }

    public bool Delete(int id)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM samples WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() > 0;
    }
}
