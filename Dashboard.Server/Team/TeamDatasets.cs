using System.Formats.Tar;
using System.Text.Json;
using Dashboard.Server.Training.Datasets;
using Npgsql;
using NpgsqlTypes;

namespace Dashboard.Server.Team;

/// <summary>
/// Imported datasets in the team's PostgreSQL: a row per dataset (its name, content hash and manifest) and its folder
/// as a tar in chunks keyed by that hash (two names of the same pictures share them). Every host keeps a local copy by
/// hash in its own data folder: a trainer fetches a dataset the first time a run needs it, a front-end when a page or
/// the API looks inside it.
/// </summary>
public sealed class TeamDatasets : ISharedDatasets, IDisposable
{
    private const int ChunkBytes = 8 * 1024 * 1024;

    private readonly NpgsqlDataSource _source;

    /// <param name="trainerRole">A front-end's: the trainers' role, granted reading the datasets; null for a trainer (which creates nothing).</param>
    public TeamDatasets(string connectionString, string? trainerRole = null)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        if (trainerRole is null)
        {
            return;
        }
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var command = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock(7302);
            CREATE TABLE IF NOT EXISTS datasets (
                name text PRIMARY KEY,
                hash text NOT NULL,
                manifest jsonb NOT NULL,
                bytes bigint NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now());
            CREATE UNIQUE INDEX IF NOT EXISTS datasets_name ON datasets (lower(name));
            CREATE TABLE IF NOT EXISTS dataset_chunks (
                hash text NOT NULL,
                seq int NOT NULL,
                content bytea NOT NULL,
                PRIMARY KEY (hash, seq));
            """, connection, transaction))
        {
            command.ExecuteNonQuery();
        }
        using (var find = new NpgsqlCommand("SELECT quote_ident(rolname) FROM pg_roles WHERE rolname = $1", connection, transaction))
        {
            find.Parameters.AddWithValue(trainerRole);
            if (find.ExecuteScalar() is string quoted)
            {
                using var grant = new NpgsqlCommand($"GRANT SELECT ON datasets, dataset_chunks TO {quoted}", connection, transaction);
                grant.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    /// <summary>Read at every call (a millisecond's query): a rename or delete on one front-end holds on every other at once.</summary>
    public IReadOnlyList<DatasetManifest> List()
    {
        var manifests = new List<DatasetManifest>();
        try
        {
            using var command = _source.CreateCommand("SELECT manifest FROM datasets ORDER BY name");
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                manifests.Add(JsonSerializer.Deserialize<DatasetManifest>(rows.GetString(0), ImportedDatasets.Json)!);
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // A trainer that started before any front-end made the tables: no dataset yet.
        }
        return manifests;
    }

    /// <summary>Stores a dataset folder (as a tar, in chunks) under its manifest's name and hash, in one transaction.</summary>
    public void Publish(DatasetManifest manifest, string folder)
    {
        var tar = Path.GetTempFileName();
        try
        {
            using (var archive = File.Create(tar))
            {
                TarFile.CreateFromDirectory(folder, archive, includeBaseDirectory: false);
            }
            using var connection = _source.OpenConnection();
            using var transaction = connection.BeginTransaction();
            using (var exists = new NpgsqlCommand("SELECT count(*) FROM dataset_chunks WHERE hash = $1", connection, transaction))
            {
                exists.Parameters.AddWithValue(manifest.Hash);
                if ((long)exists.ExecuteScalar()! == 0)
                {
                    using var file = File.OpenRead(tar);
                    var buffer = new byte[ChunkBytes];
                    for (var seq = 0; file.ReadAtLeast(buffer, ChunkBytes, throwOnEndOfStream: false) is var read and > 0; seq++)
                    {
                        using var insert = new NpgsqlCommand("INSERT INTO dataset_chunks (hash, seq, content) VALUES ($1, $2, $3)", connection, transaction);
                        insert.Parameters.AddWithValue(manifest.Hash);
                        insert.Parameters.AddWithValue(seq);
                        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = new ReadOnlyMemory<byte>(buffer, 0, read) });
                        insert.ExecuteNonQuery();
                    }
                }
            }
            using (var row = new NpgsqlCommand("INSERT INTO datasets (name, hash, manifest, bytes) VALUES ($1, $2, $3, $4)", connection, transaction))
            {
                row.Parameters.AddWithValue(manifest.Name);
                row.Parameters.AddWithValue(manifest.Hash);
                row.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(manifest, ImportedDatasets.Json) });
                row.Parameters.AddWithValue(new FileInfo(tar).Length);
                row.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DatasetException($"a dataset named '{manifest.Name}' exists already in the team's database.");
        }
        finally
        {
            File.Delete(tar);
        }
    }

    public void Download(DatasetManifest manifest, string folder)
    {
        var tar = Path.GetTempFileName();
        try
        {
            using (var file = File.Create(tar))
            {
                using var command = _source.CreateCommand("SELECT content FROM dataset_chunks WHERE hash = $1 ORDER BY seq");
                command.Parameters.AddWithValue(manifest.Hash);
                using var rows = command.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
                while (rows.Read())
                {
                    using var chunk = rows.GetStream(0);
                    chunk.CopyTo(file);
                }
            }
            Directory.CreateDirectory(folder);
            TarFile.ExtractToDirectory(tar, folder, overwriteFiles: true);
        }
        finally
        {
            File.Delete(tar);
        }
    }

    public bool Rename(string name, string newName)
    {
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var find = new NpgsqlCommand("SELECT manifest FROM datasets WHERE name = $1 FOR UPDATE", connection, transaction);
        find.Parameters.AddWithValue(name);
        if (find.ExecuteScalar() is not string json)
        {
            return false;
        }
        var manifest = JsonSerializer.Deserialize<DatasetManifest>(json, ImportedDatasets.Json)! with { Name = newName };
        using var update = new NpgsqlCommand("UPDATE datasets SET name = $2, manifest = $3 WHERE name = $1", connection, transaction);
        update.Parameters.AddWithValue(name);
        update.Parameters.AddWithValue(newName);
        update.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(manifest, ImportedDatasets.Json) });
        update.ExecuteNonQuery();
        transaction.Commit();
        return true;
    }

    public bool Delete(string name)
    {
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var row = new NpgsqlCommand("DELETE FROM datasets WHERE name = $1 RETURNING hash", connection, transaction);
        row.Parameters.AddWithValue(name);
        if (row.ExecuteScalar() is not string hash)
        {
            return false;
        }
        // The chunks go with the last name that used them.
        using var chunks = new NpgsqlCommand("DELETE FROM dataset_chunks WHERE hash = $1 AND NOT EXISTS (SELECT 1 FROM datasets WHERE hash = $1)", connection, transaction);
        chunks.Parameters.AddWithValue(hash);
        chunks.ExecuteNonQuery();
        transaction.Commit();
        return true;
    }

    public void Dispose() => _source.Dispose();
}
