using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;

namespace Aiprod.Domain.Exports;

/// <summary>
/// An asynchronous export of one owner's jobs to a file: what was asked (format, selection, options), where it is
/// (queued → running → succeeded | failed | cancelled; succeeded → expired once its file is deleted after the
/// retention, its metadata kept), who writes it (the runner holding <see cref="Attempt"/> and its lease), how far it
/// came, and the finished file (key in the storage, size, SHA-256). Every change checks the current state and bumps
/// <see cref="Version"/>, so of two writers (a runner's report and a cancel, two instances claiming) exactly one wins.
/// </summary>
public sealed class ExportJob
{
    public const int IdempotencyKeyMaxLength = 255;
    public const int MaxJobIds = 10_000;
    public const int MaxColumns = 500;
    public const int ColumnMaxLength = 200;
    public const int ErrorMessageMaxLength = 500;

    private ExportJob()
    {
    }

    public ExportId Id { get; private set; }

    public UserId OwnerId { get; private set; }

    public ExportFormat Format { get; private set; }

    /// <summary>The listed jobs, when the export names them; otherwise the filters below choose.</summary>
    public IReadOnlyList<JobId>? JobIds { get; private set; }

    public JobStatus? StatusFilter { get; private set; }

    public JobPreset? PresetFilter { get; private set; }

    public DateTimeOffset? CreatedFrom { get; private set; }

    public DateTimeOffset? CreatedTo { get; private set; }

    public bool Bom { get; private set; }

    /// <summary>The CSV columns the caller declared, in order; null to find them from the stored outputs.</summary>
    public IReadOnlyList<string>? Columns { get; private set; }

    /// <summary>The caller's <c>Idempotency-Key</c>, unique per owner.</summary>
    public string? IdempotencyKey { get; private set; }

    /// <summary>A hash of the request the key first came with, so a reuse with another body is recognised.</summary>
    public string? RequestHash { get; private set; }

    public ExportStatus Status { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? CompletedAt { get; private set; }

    /// <summary>When the file of a succeeded export is deleted.</summary>
    public DateTimeOffset? ExpiresAt { get; private set; }

    public int JobsTotal { get; private set; }

    public int JobsWritten { get; private set; }

    public long BytesWritten { get; private set; }

    /// <summary>The finished file's name in the export storage; null until it succeeded and again once it expired.</summary>
    public string? FileKey { get; private set; }

    public long? SizeBytes { get; private set; }

    /// <summary>The finished file's SHA-256, lower-case hex; its download's ETag.</summary>
    public string? Sha256 { get; private set; }

    public ExportFailure? Failure { get; private set; }

    public string? ErrorMessage { get; private set; }

    /// <summary>How many times a runner has claimed it; the claim's number fences off a runner that lost its lease.</summary>
    public int Attempt { get; private set; }

    public DateTimeOffset? LeaseExpiresAt { get; private set; }

    /// <summary>Optimistic concurrency: incremented by every change.</summary>
    public int Version { get; private set; }

    public bool IsTerminal => Status is ExportStatus.Succeeded or ExportStatus.Failed or ExportStatus.Cancelled or ExportStatus.Expired;

    public static ExportJob Request(
        UserId ownerId,
        ExportFormat format,
        IReadOnlyList<JobId>? jobIds,
        JobStatus? statusFilter,
        JobPreset? presetFilter,
        DateTimeOffset? createdFrom,
        DateTimeOffset? createdTo,
        bool bom,
        IReadOnlyList<string>? columns,
        string? idempotencyKey,
        string? requestHash,
        DateTimeOffset now)
    {
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format));
        }

        if (jobIds is { Count: 0 or > MaxJobIds })
        {
            throw new ArgumentOutOfRangeException(nameof(jobIds), $"An export lists 1 to {MaxJobIds} jobs, or none to use the filters.");
        }

        if (idempotencyKey is { Length: 0 or > IdempotencyKeyMaxLength })
        {
            throw new ArgumentOutOfRangeException(nameof(idempotencyKey));
        }

        return new ExportJob
        {
            Id = ExportId.New(now),
            OwnerId = ownerId,
            Format = format,
            JobIds = jobIds?.Distinct().ToList(),
            StatusFilter = statusFilter,
            PresetFilter = presetFilter,
            CreatedFrom = createdFrom,
            CreatedTo = createdTo,
            Bom = bom,
            Columns = columns?.ToList(),
            IdempotencyKey = idempotencyKey,
            RequestHash = idempotencyKey is null ? null : requestHash,
            Status = ExportStatus.Queued,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>Whether a runner may take it now: queued, or running under a lease that lapsed (its runner died).</summary>
    public bool IsClaimable(DateTimeOffset now) =>
        Status == ExportStatus.Queued || (Status == ExportStatus.Running && LeaseExpiresAt is { } lease && lease <= now);

    /// <summary>
    /// A runner takes the export and writes it from the beginning, holding it until <paramref name="leaseFor"/> from
    /// now (renewed by each report). An export whose runners died <paramref name="maxAttempts"/> times fails instead.
    /// </summary>
    /// <returns>True when claimed; false when it failed for too many attempts.</returns>
    public Result<bool> Claim(DateTimeOffset now, TimeSpan leaseFor, int maxAttempts)
    {
        if (!IsClaimable(now))
        {
            return ExportJobErrors.IllegalTransition(Status, ExportStatus.Running);
        }

        if (Attempt >= maxAttempts)
        {
            Finish(ExportStatus.Failed, now);
            Failure = ExportFailure.AttemptsExhausted;
            ErrorMessage = $"The export was interrupted {Attempt} times; giving up.";
            return false;
        }

        Attempt++;
        Status = ExportStatus.Running;
        StartedAt = now;
        LeaseExpiresAt = now + leaseFor;
        JobsWritten = 0;
        JobsTotal = 0;
        BytesWritten = 0;
        Touch(now);
        return true;
    }

    /// <summary>The runner of <paramref name="attempt"/> reports how far it came and keeps its lease.</summary>
    public Result<Done> ReportProgress(int attempt, int jobsWritten, int jobsTotal, long bytesWritten, DateTimeOffset now, TimeSpan leaseFor)
    {
        var held = EnsureHeld(attempt);
        if (!held.IsSuccess)
        {
            return held;
        }

        JobsWritten = Math.Max(0, jobsWritten);
        JobsTotal = Math.Max(0, jobsTotal);
        BytesWritten = Math.Max(0, bytesWritten);
        LeaseExpiresAt = now + leaseFor;
        Touch(now);
        return Done.Value;
    }

    /// <summary>The runner of <paramref name="attempt"/> made its file visible under <paramref name="fileKey"/>.</summary>
    public Result<Done> Succeed(int attempt, string fileKey, long sizeBytes, string sha256, int jobsWritten, DateTimeOffset now, TimeSpan retention)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(sha256);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeBytes);
        var held = EnsureHeld(attempt);
        if (!held.IsSuccess)
        {
            return held;
        }

        FileKey = fileKey;
        SizeBytes = sizeBytes;
        BytesWritten = sizeBytes;
        Sha256 = sha256;
        JobsWritten = jobsWritten;
        JobsTotal = Math.Max(JobsTotal, jobsWritten);
        ExpiresAt = now + retention;
        Finish(ExportStatus.Succeeded, now);
        return Done.Value;
    }

    public Result<Done> Fail(int attempt, ExportFailure failure, string message, DateTimeOffset now)
    {
        if (!Enum.IsDefined(failure))
        {
            throw new ArgumentOutOfRangeException(nameof(failure));
        }

        var held = EnsureHeld(attempt);
        if (!held.IsSuccess)
        {
            return held;
        }

        Failure = failure;
        ErrorMessage = message.Length > ErrorMessageMaxLength ? message[..ErrorMessageMaxLength] : message;
        Finish(ExportStatus.Failed, now);
        return Done.Value;
    }

    /// <summary>The owner stops an export that has not ended; its runner notices at its next look and removes its partial file.</summary>
    public Result<Done> Cancel(DateTimeOffset now)
    {
        if (IsTerminal)
        {
            return ExportJobErrors.IllegalTransition(Status, ExportStatus.Cancelled);
        }

        Finish(ExportStatus.Cancelled, now);
        return Done.Value;
    }

    /// <summary>The retention is over and the file was deleted: the export stays, without its file.</summary>
    public Result<Done> Expire(DateTimeOffset now)
    {
        if (Status != ExportStatus.Succeeded || ExpiresAt is not { } expires || expires > now)
        {
            return ExportJobErrors.IllegalTransition(Status, ExportStatus.Expired);
        }

        FileKey = null;
        Status = ExportStatus.Expired;
        Touch(now);
        return Done.Value;
    }

    private Result<Done> EnsureHeld(int attempt)
    {
        // The attempt number, not the lease time, fences runners: a runner whose lease lapsed but that nobody replaced
        // may still report and finish; once another claimed the export, the old one's attempt no longer matches.
        if (Status != ExportStatus.Running || Attempt != attempt)
        {
            return ExportJobErrors.LeaseLost;
        }

        return Done.Value;
    }

    private void Finish(ExportStatus to, DateTimeOffset now)
    {
        Status = to;
        CompletedAt = now;
        LeaseExpiresAt = null;
        Touch(now);
    }

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }
}
