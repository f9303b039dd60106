namespace Aiprod.Infrastructure.Audit;

/// <summary>The audit chain's sealer and its signed checkpoints (<c>Audit:*</c>).</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>PKCS#8 PEM of the EC P-256 key that signs checkpoints. Required outside Development and Testing.</summary>
    public string? SigningKeyPem { get; set; }

    /// <summary>Whether this instance runs the sealer (every instance may: they cannot fork the chain, only wait on each other).</summary>
    public bool SealerEnabled { get; set; } = true;

    /// <summary>How often the sealer looks for unsealed events; the most an event stays out of the chain, plus one round.</summary>
    public TimeSpan SealInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events chained in one transaction at most.</summary>
    public int SealBatchSize { get; set; } = 500;

    /// <summary>A checkpoint is signed after this many events since the last one…</summary>
    public int CheckpointEveryEvents { get; set; } = 1000;

    /// <summary>…or once the oldest event no checkpoint covers is this old.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);
}
