using Aiprod.Domain.Audit;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Audit;

/// <summary>
/// Chains committed audit events after the fact: in one transaction it reads the head of the chain, gives the unsealed
/// events (in insertion order) the next sequence numbers and their hashes, and signs a checkpoint when one is due.
/// Requests never wait for it. Sealers of several instances cannot fork the chain: on SQLite the transaction is a
/// write transaction from its BEGIN (the writer gate in-process, BEGIN IMMEDIATE between processes), so the head
/// cannot move under it; on SQL Server an application lock serialises sealers, and the unique index on the sequence
/// number refuses a successor written twice should anything get past it.
/// </summary>
public sealed class AuditSealer(IServiceScopeFactory scopes, AuditSigningKey key, IOptions<AuditOptions> options, TimeProvider clock)
{
    /// <summary>Seals until no unsealed event is left and no checkpoint is due.</summary>
    /// <returns>How many events were sealed.</returns>
    public async Task<int> SealPendingAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var (chained, checkpointed) = await SealOnceAsync(cancellationToken);
            total += chained;
            if (chained == 0 && !checkpointed)
            {
                return total;
            }
        }
    }

    /// <summary>One transaction: at most one batch of events sealed, and at most one checkpoint.</summary>
    public async Task<(int Sealed, bool Checkpointed)> SealOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var settings = options.Value;
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            if (!await WorthSealingAsync(db, token))
            {
                // Read beside the writers, without the write lock: an idle instance's sealer takes no write
                // transaction every interval only to find nothing to do.
                return (0, false);
            }

            await using var transaction = await db.Database.BeginTransactionAsync(token);
            if (db is SqlServerAiprodDbContext)
            {
                await db.Database.ExecuteSqlRawAsync(
                    "EXEC sp_getapplock @Resource = N'aiprod:audit-sealer', @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 30000", token);
            }

            var head = await StoredAuditRows.HeadAsync(db, token);
            var headSeq = head?.Seq ?? 0;
            var headHash = head?.Hash;
            var previous = head is null
                ? AuditCanonicalForm.Genesis
                : AuditCanonicalForm.HashBytesOf(headHash)
                    ?? throw new InvalidOperationException($"The audit chain's head (seq {headSeq}) has no readable hash; run verify-audit. New events stay unsealed until it is repaired.");
            var lastCheckpoint = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Seq).Select(c => (long?)c.Seq).FirstOrDefaultAsync(token) ?? 0;

            var sealedCount = 0;
            var room = settings.CheckpointEveryEvents - (headSeq - lastCheckpoint);
            if (room > 0)
            {
                // A batch stops at the next multiple of CheckpointEveryEvents, so a checkpoint lands exactly there.
                foreach (var row in await StoredAuditRows.UnsealedAsync(db, (int)Math.Min(settings.SealBatchSize, room), token))
                {
                    if (row is null)
                    {
                        continue;
                    }

                    var seq = headSeq + 1;
                    var hash = AuditCanonicalForm.Hash(AuditCanonicalForm.Event(row, seq), previous);
                    var updated = await db.Database.ExecuteSqlAsync(
                        $"UPDATE audit_events SET Seq = {seq}, Hash = {hash} WHERE Id = {row.Id} AND Seq IS NULL", token);
                    if (updated != 1)
                    {
                        throw new InvalidOperationException($"Audit event {row.Id} was sealed by another sealer meanwhile.");
                    }

                    headSeq = seq;
                    headHash = hash;
                    previous = Convert.FromHexString(hash);
                    sealedCount++;
                }
            }

            var checkpointed = false;
            if (headSeq > lastCheckpoint && headHash is not null && await CheckpointDueAsync(db, headSeq, lastCheckpoint, token))
            {
                // Whole milliseconds: what is signed must be what either provider gives back (SQLite keeps 100 µs).
                var now = clock.GetUtcNow().UtcDateTime;
                var at = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
                var payload = AuditCanonicalForm.Checkpoint(headSeq, headHash, headSeq, at, key.KeyId);
                db.AuditCheckpoints.Add(AuditCheckpoint.Create(headSeq, headHash, headSeq, at, key.KeyId, key.Sign(payload)));
                await db.SaveChangesAsync(token);
                checkpointed = true;
            }

            await transaction.CommitAsync(token);
            return (sealedCount, checkpointed);
        }, cancellationToken);
    }

    private async Task<bool> WorthSealingAsync(AiprodDbContext db, CancellationToken cancellationToken)
    {
        if (await db.AuditEvents.AsNoTracking().AnyAsync(e => e.Seq == null, cancellationToken))
        {
            return true;
        }

        var headSeq = await db.AuditEvents.AsNoTracking().MaxAsync(e => e.Seq, cancellationToken) ?? 0;
        var lastCheckpoint = await db.AuditCheckpoints.AsNoTracking().MaxAsync(c => (long?)c.Seq, cancellationToken) ?? 0;
        return headSeq > lastCheckpoint && await CheckpointDueAsync(db, headSeq, lastCheckpoint, cancellationToken);
    }

    private async Task<bool> CheckpointDueAsync(AiprodDbContext db, long headSeq, long lastCheckpoint, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (headSeq - lastCheckpoint >= settings.CheckpointEveryEvents)
        {
            return true;
        }

        // The oldest event no checkpoint covers yet decides: an idle log still gets its last events signed.
        var oldestUncovered = await StoredAuditRows.OccurredAtAsync(db, lastCheckpoint + 1, cancellationToken);
        return oldestUncovered is null || clock.GetUtcNow() - oldestUncovered.Value >= settings.CheckpointInterval;
    }
}
