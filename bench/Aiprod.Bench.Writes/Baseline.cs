using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Aiprod.Bench.Writes;

/// <summary>
/// The database's own durable-commit rate on this machine, measured beside the API in the same run: one writer,
/// a plain transaction loop against a SQLite file in the API's data folder (same disk), WAL and
/// <c>synchronous=FULL</c>, one insert and one update per transaction. The API is idle meanwhile.
/// </summary>
internal static class Baseline
{
    public static double Run(string dataFolder, TimeSpan duration)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataFolder, "baseline.db")};Pooling=False");
        connection.Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, occurred_at INTEGER NOT NULL, details TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS counters(id INTEGER PRIMARY KEY, value INTEGER NOT NULL);
            INSERT OR IGNORE INTO counters(id, value) VALUES (1, 0);
            """);

        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO events(occurred_at, details) VALUES ($at, $details)";
        var at = insert.Parameters.Add("$at", SqliteType.Integer);
        var details = insert.Parameters.Add("$details", SqliteType.Text);
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE counters SET value = value + 1 WHERE id = 1";

        var commits = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            using var transaction = connection.BeginTransaction();
            insert.Transaction = transaction;
            update.Transaction = transaction;
            at.Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            details.Value = """{"family_id":"0197a5c4-2f7e-7c1e-9a7b-3d6f0c1e2a4b","token_hash_prefix":"3f2a9c1d","generation":12}""";
            insert.ExecuteNonQuery();
            update.ExecuteNonQuery();
            transaction.Commit();
            commits++;
        }

        return commits / clock.Elapsed.TotalSeconds;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
