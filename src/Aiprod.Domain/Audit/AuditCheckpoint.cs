namespace Aiprod.Domain.Audit;

/// <summary>
/// A signed statement that the audit chain had <see cref="Count"/> events ending in <see cref="HeadHash"/> at
/// <see cref="Seq"/>, made at <see cref="At"/>. Copied off the machine, it lets a verifier notice events deleted
/// from the end of the chain, which the chain alone cannot show.
/// </summary>
public sealed class AuditCheckpoint
{
    public const int HashLength = 64;

    private AuditCheckpoint()
    {
        HeadHash = string.Empty;
        KeyId = string.Empty;
        Signature = string.Empty;
    }

    public long Seq { get; private set; }

    public string HeadHash { get; private set; }

    public long Count { get; private set; }

    public DateTimeOffset At { get; private set; }

    /// <summary>Which key signed it (the RFC 7638 thumbprint of its public half).</summary>
    public string KeyId { get; private set; }

    /// <summary>Base64url ES256 signature (IEEE P1363, r||s) over the checkpoint's canonical payload.</summary>
    public string Signature { get; private set; }

    public static AuditCheckpoint Create(long seq, string headHash, long count, DateTimeOffset at, string keyId, string signature)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seq, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(headHash);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(signature);
        return new AuditCheckpoint { Seq = seq, HeadHash = headHash, Count = count, At = at, KeyId = keyId, Signature = signature };
    }
}
