namespace Aiprod.Application.Audit.Dtos;

/// <summary>
/// What a walk over the whole audit chain found, in the manner of CloudTrail's <c>validate-logs</c>: the range of
/// sequence numbers checked, how many events held and how many did not, where the chain first broke, and how each
/// signed checkpoint fared.
/// </summary>
public sealed record AuditVerificationReport(
    bool Intact,
    long? FirstSeq,
    long? LastSeq,
    long EventsChecked,
    long EventsValid,
    long EventsInvalid,
    long? FirstBrokenSeq,
    IReadOnlyList<AuditChainBreak> Breaks,
    long UnsealedEvents,
    long CheckpointsChecked,
    long CheckpointsValid,
    long CheckpointsInvalid,
    IReadOnlyList<AuditCheckpointCheck> Checkpoints,
    DateTimeOffset CheckedAt)
{
    /// <summary>How many breaks are listed at most; all are counted.</summary>
    public const int MaxListedBreaks = 100;
}

/// <summary>One place where the chain does not hold.</summary>
public sealed record AuditChainBreak(long Seq, long? EventId, AuditBreakReason Reason);

public enum AuditBreakReason
{
    /// <summary>The stored hash is not the hash of the stored event and the previous stored hash: a field was changed.</summary>
    HashMismatch,

    /// <summary>The sequence number is not the one after the previous event's: events were deleted or inserted.</summary>
    SequenceGap,

    /// <summary>A stored field cannot be read as its type (or the hash is not 64 hex digits).</summary>
    Unreadable,
}

/// <summary>A checkpoint's signature, and whether the chain still ends its prefix in the hash the checkpoint signed.</summary>
public sealed record AuditCheckpointCheck(long Seq, string Kid, DateTimeOffset At, CheckpointSignatureStatus Signature, CheckpointChainStatus Chain);

public enum CheckpointSignatureStatus
{
    /// <summary>The checkpoint's signature verifies with the key it names.</summary>
    Valid,
    /// <summary>The signature does not verify: the checkpoint was changed or forged.</summary>
    Invalid,

    /// <summary>Signed by a key this instance does not hold (a rotated key): checked off the machine with that key.</summary>
    UnknownKey,
}

public enum CheckpointChainStatus
{
    /// <summary>The event at the checkpoint's sequence number has the hash the checkpoint signed.</summary>
    Matches,

    /// <summary>The event is there with another hash, or the count does not match.</summary>
    HashMismatch,

    /// <summary>The chain ends before the checkpoint: events it covered were deleted.</summary>
    BeyondChain,
}
