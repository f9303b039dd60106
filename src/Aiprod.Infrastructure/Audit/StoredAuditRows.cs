using System.Data.Common;
using System.Globalization;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Aiprod.Infrastructure.Audit;

/// <summary>Reads audit rows column by column in plain SQL, inside the context's transaction when it has one.</summary>
internal static class StoredAuditRows
{
    private const string Columns = "Id, Seq, Hash, OccurredAt, EventType, ActorKind, ActorId, Target, Outcome, ClientAddress, UserAgent, TraceId, Details";

    private static readonly DateTimeOffsetToBinaryConverter SqliteTime = new();

    /// <summary>Sealed rows after <paramref name="afterSeq"/>, in chain order.</summary>
    public static Task<List<StoredAuditRow?>> SealedAfterAsync(AiprodDbContext db, long afterSeq, int take, CancellationToken cancellationToken) =>
        QueryAsync(db, "Seq > @after", "Seq", afterSeq, take, cancellationToken);

    /// <summary>Unsealed rows in the order they were inserted.</summary>
    public static Task<List<StoredAuditRow?>> UnsealedAsync(AiprodDbContext db, int take, CancellationToken cancellationToken) =>
        QueryAsync(db, "Seq IS NULL", "Id", null, take, cancellationToken);

    /// <summary>The sealed row with the highest sequence number: the head of the chain.</summary>
    public static async Task<(long Seq, string? Hash)?> HeadAsync(AiprodDbContext db, CancellationToken cancellationToken)
    {
        var sql = db is SqlServerAiprodDbContext
            ? "SELECT TOP (1) Seq, Hash FROM audit_events WHERE Seq IS NOT NULL ORDER BY Seq DESC"
            : "SELECT Seq, Hash FROM audit_events WHERE Seq IS NOT NULL ORDER BY Seq DESC LIMIT 1";
        return await WithCommandAsync(db, sql, null, async reader =>
            await reader.ReadAsync(cancellationToken)
                ? (reader.GetInt64(0), reader.IsDBNull(1) ? null : Convert.ToString(reader.GetValue(1), CultureInfo.InvariantCulture))
                : ((long, string?)?)null, cancellationToken);
    }

    /// <summary>When the event at <paramref name="seq"/> occurred, if it is there and readable.</summary>
    public static async Task<DateTimeOffset?> OccurredAtAsync(AiprodDbContext db, long seq, CancellationToken cancellationToken) =>
        await WithCommandAsync(db, "SELECT OccurredAt FROM audit_events WHERE Seq = @after", seq, async reader =>
            await reader.ReadAsync(cancellationToken) ? Time(reader.GetValue(0)) : null, cancellationToken);

    private static Task<List<StoredAuditRow?>> QueryAsync(AiprodDbContext db, string where, string orderBy, long? after, int take, CancellationToken cancellationToken)
    {
        var count = take.ToString(CultureInfo.InvariantCulture);
        var sql = db is SqlServerAiprodDbContext
            ? $"SELECT TOP ({count}) {Columns} FROM audit_events WHERE {where} ORDER BY {orderBy}"
            : $"SELECT {Columns} FROM audit_events WHERE {where} ORDER BY {orderBy} LIMIT {count}";
        return WithCommandAsync(db, sql, after, async reader =>
        {
            var rows = new List<StoredAuditRow?>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(Row(reader));
            }

            return rows;
        }, cancellationToken);
    }

    /// <summary>
    /// A row as stored; one whose time cannot be read is marked unreadable (it never verifies). Null when even its id or
    /// sequence number cannot be read.
    /// </summary>
    private static StoredAuditRow? Row(DbDataReader reader)
    {
        long id;
        long? seq;
        try
        {
            id = reader.GetInt64(0);
            seq = reader.IsDBNull(1) ? null : reader.GetInt64(1);
        }
        catch (Exception ex) when (ex is InvalidCastException or FormatException or OverflowException)
        {
            return null;
        }

        var occurredAt = Time(reader.GetValue(3));
        return new StoredAuditRow(
            id,
            seq,
            Text(reader, 2),
            occurredAt ?? DateTimeOffset.MinValue,
            Text(reader, 4) ?? string.Empty,
            Text(reader, 5) ?? string.Empty,
            Text(reader, 6),
            Text(reader, 7),
            Text(reader, 8) ?? string.Empty,
            Text(reader, 9),
            Text(reader, 10),
            Text(reader, 11),
            Text(reader, 12))
        {
            Readable = occurredAt is not null,
        };
    }

    private static string? Text(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToString(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    // SQLite keeps DateTimeOffset as the 64-bit number of the model's converter; SQL Server as datetimeoffset.
    private static DateTimeOffset? Time(object value)
    {
        try
        {
            return value switch
            {
                DateTimeOffset time => time,
                long binary => (DateTimeOffset)SqliteTime.ConvertFromProvider(binary)!,
                _ => null,
            };
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static async Task<T> WithCommandAsync<T>(AiprodDbContext db, string sql, long? after, Func<DbDataReader, Task<T>> read, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            if (after is { } value)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@after";
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await read(reader);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
