using Aiprod.Application.Abstractions;
using Aiprod.Application.Audit.Dtos;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Audit;

/// <summary>
/// Walks the chain from seq 1 in batches, recomputing each hash from the stored row and the previous stored hash, and
/// checks every checkpoint's signature and that the chain still has, at its sequence number, the hash it signed.
/// The first broken sequence number is the lowest one the log no longer proves: the first event that fails its own
/// check; after the last checkpoint that still holds, when a later one does not match (events re-hashed after an edit
/// all pass their own check, only the checkpoint notices); or after the chain's end, when a checkpoint lies beyond it.
/// </summary>
internal sealed class AuditChainVerifier(AiprodDbContext db, AuditSigningKey key, TimeProvider clock) : IAuditChainVerifier
{
    private const int BatchSize = 1000;

    public async Task<AuditVerificationReport> VerifyAsync(CancellationToken cancellationToken)
    {
        var checkpoints = await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Seq).ToListAsync(cancellationToken);
        var wanted = checkpoints.Select(c => c.Seq).ToHashSet();
        var hashAt = new Dictionary<long, (string? Hash, long Rows)>();

        var breaks = new List<AuditChainBreak>();
        long? firstSeq = null;
        long? firstBroken = null;
        long lastSeq = 0, checkedCount = 0, invalid = 0;
        var expected = 1L;
        var previous = AuditCanonicalForm.Genesis;
        while (true)
        {
            var rows = await StoredAuditRows.SealedAfterAsync(db, lastSeq, BatchSize, cancellationToken);
            if (rows.Count == 0)
            {
                break;
            }

            var unplaced = 0;
            foreach (var row in rows)
            {
                if (unplaced > 0 || row?.Seq is not { } seq || seq <= lastSeq)
                {
                    // A sequence number that is not a number above the last one (rewritten as text or a blob, which
                    // SQLite orders after every number): the walk cannot place it, nor anything after it, and reading
                    // on would read them again. Each counts once, as unreadable, and the walk ends.
                    unplaced++;
                    continue;
                }

                firstSeq ??= seq;
                checkedCount++;
                AuditBreakReason? reason = null;
                var stored = AuditCanonicalForm.HashBytesOf(row.Hash);
                if (seq != expected)
                {
                    reason = AuditBreakReason.SequenceGap;
                }
                else if (stored is null || !row.Readable)
                {
                    reason = AuditBreakReason.Unreadable;
                }
                else if (!string.Equals(AuditCanonicalForm.Hash(AuditCanonicalForm.Event(row, seq), previous), row.Hash, StringComparison.Ordinal))
                {
                    reason = AuditBreakReason.HashMismatch;
                }

                if (reason is { } broken)
                {
                    invalid++;
                    firstBroken ??= Math.Min(seq, expected);
                    if (breaks.Count < AuditVerificationReport.MaxListedBreaks)
                    {
                        breaks.Add(new AuditChainBreak(seq, row.Id, broken));
                    }
                }

                if (wanted.Contains(seq))
                {
                    hashAt[seq] = (row.Hash, checkedCount);
                }

                previous = stored ?? AuditCanonicalForm.Genesis;
                expected = seq + 1;
                lastSeq = seq;
            }

            if (unplaced > 0)
            {
                invalid += unplaced;
                checkedCount += unplaced;
                firstBroken ??= expected;
                if (breaks.Count < AuditVerificationReport.MaxListedBreaks)
                {
                    breaks.Add(new AuditChainBreak(expected, null, AuditBreakReason.Unreadable));
                }

                break;
            }
        }

        var checks = new List<AuditCheckpointCheck>(checkpoints.Count);
        long valid = 0;
        long lastGoodCheckpoint = 0;
        foreach (var checkpoint in checkpoints)
        {
            var signature = !string.Equals(checkpoint.KeyId, key.KeyId, StringComparison.Ordinal)
                ? CheckpointSignatureStatus.UnknownKey
                : key.Verify(AuditCanonicalForm.Checkpoint(checkpoint.Seq, checkpoint.HeadHash, checkpoint.Count, checkpoint.At, checkpoint.KeyId), checkpoint.Signature)
                    ? CheckpointSignatureStatus.Valid
                    : CheckpointSignatureStatus.Invalid;
            CheckpointChainStatus chain;
            if (checkpoint.Seq > lastSeq)
            {
                chain = CheckpointChainStatus.BeyondChain;
                firstBroken = Math.Min(firstBroken ?? long.MaxValue, lastSeq + 1);
            }
            else if (!hashAt.TryGetValue(checkpoint.Seq, out var at) || !string.Equals(at.Hash, checkpoint.HeadHash, StringComparison.Ordinal) || at.Rows != checkpoint.Count)
            {
                // The chain was rewritten (or rows removed) somewhere after the last checkpoint that still holds.
                chain = CheckpointChainStatus.HashMismatch;
                firstBroken = Math.Min(firstBroken ?? long.MaxValue, lastGoodCheckpoint + 1);
            }
            else
            {
                chain = CheckpointChainStatus.Matches;
                if (signature == CheckpointSignatureStatus.Valid)
                {
                    lastGoodCheckpoint = checkpoint.Seq;
                }
            }

            if (signature == CheckpointSignatureStatus.Valid && chain == CheckpointChainStatus.Matches)
            {
                valid++;
            }

            checks.Add(new AuditCheckpointCheck(checkpoint.Seq, checkpoint.KeyId, checkpoint.At, signature, chain));
        }

        var unsealed = await db.AuditEvents.LongCountAsync(e => e.Seq == null, cancellationToken);
        var checkpointsInvalid = checkpoints.Count - valid;
        return new AuditVerificationReport(
            Intact: invalid == 0 && checkpointsInvalid == 0 && firstBroken is null,
            FirstSeq: firstSeq,
            LastSeq: checkedCount == 0 ? null : lastSeq,
            EventsChecked: checkedCount,
            EventsValid: checkedCount - invalid,
            EventsInvalid: invalid,
            FirstBrokenSeq: firstBroken,
            Breaks: breaks,
            UnsealedEvents: unsealed,
            CheckpointsChecked: checkpoints.Count,
            CheckpointsValid: valid,
            CheckpointsInvalid: checkpointsInvalid,
            Checkpoints: checks,
            CheckedAt: clock.GetUtcNow());
    }
}
