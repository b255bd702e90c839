using Dashboard.Server.Storage;
using Dashboard.Shared.Samples;

namespace Dashboard.Server.Team;

/// <summary>Users' saved samples in the team's PostgreSQL, so every front-end lists them and every trainer trains on them.</summary>
public sealed class TeamSampleStore(TeamStore store) : ISampleStore
{
    public SavedSample Add(string dataset, int label, int channels, int height, int width, byte[] pixels, DateTimeOffset createdAt)
    {
        using var command = store.Command("""
            INSERT INTO samples (dataset, label, channels, height, width, pixels, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
            """);
        foreach (var value in new object[] { dataset, label, channels, height, width, pixels, createdAt.ToUniversalTime() })
        {
            command.Parameters.AddWithValue(value);
        }
        return new SavedSample((int)command.ExecuteScalar()!, dataset, label, channels, height, width, pixels, createdAt);
    }

    public IReadOnlyList<SavedSample> List(string dataset)
    {
        using var command = store.Command("SELECT id, label, channels, height, width, pixels, created_at FROM samples WHERE dataset = $1 ORDER BY id DESC");
        command.Parameters.AddWithValue(dataset);
        using var row = command.ExecuteReader();
        var result = new List<SavedSample>();
        while (row.Read())
        {
            result.Add(new SavedSample(row.GetInt32(0), dataset, row.GetInt32(1), row.GetInt32(2), row.GetInt32(3), row.GetInt32(4),
                (byte[])row[5], row.GetFieldValue<DateTimeOffset>(6)));
        }
        return result;
    }

    public bool Delete(int id)
    {
        using var command = store.Command("DELETE FROM samples WHERE id = $1");
        command.Parameters.AddWithValue(id);
        return command.ExecuteNonQuery() > 0;
    }
}
