using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;

namespace Aiprod.Domain.Jobs;

/// <summary>
/// A pipeline job: what the owner asked for, where it is (queued → running → completed | failed; queued or
/// running → cancelled), who holds it (a worker's lease), and its events. Every change goes through a method
/// that checks the current state and appends its event; the persistence layer guards the row with
/// <see cref="Version"/>, so two writers never both win.
/// </summary>
public sealed class PipelineJob : AggregateRoot
{
    public const int ContentMaxLength = 10_000;
    public const int MinDurationSec = 5;
    public const int MaxDurationSec = 600;

    private readonly List<JobEvent> events = [];

    private PipelineJob()
    {
        Content = string.Empty;
        Lang = string.Empty;
    }

    public JobId Id { get; private set; }

    public UserId OwnerId { get; private set; }

    public string Content { get; private set; }

    public JobPreset Preset { get; private set; }

    public JobPriority Priority { get; private set; }

    public string Lang { get; private set; }

    public int DurationSec { get; private set; }

    public JobStatus Status { get; private set; }

    public int Progress { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public int RetryCount { get; private set; }

    /// <summary>The API key of the worker holding the job, while it runs.</summary>
    public ApiKeyId? WorkerKeyId { get; private set; }

    public DateTimeOffset? LeaseExpiresAt { get; private set; }

    /// <summary>
    /// The latest claim's identity, new on every claim and kept after it ends. The worker key alone does not tell two
    /// runs apart: a job requeued (by an admin, or after its lease lapsed) may be claimed again by the same key, and
    /// reports of the earlier run still in flight would land on the new one. A report carrying another claim's id is
    /// refused (<c>claim_superseded</c>).
    /// </summary>
    public JobClaimId? ClaimId { get; private set; }

    public bool? ResultSuccess { get; private set; }

    /// <summary>The worker's output, a JSON document.</summary>
    public string? ResultOutput { get; private set; }

    public string? ErrorMessage { get; private set; }

    public long? ExecutionTimeMs { get; private set; }

    public DateTimeOffset? CompletedAt { get; private set; }

    public long LastEventSequence { get; private set; }

    public int LogCount { get; private set; }

    public int DroppedLogCount { get; private set; }

    /// <summary>Optimistic concurrency: incremented by every change.</summary>
    public int Version { get; private set; }

    /// <summary>The events loaded with the job, and those added since.</summary>
    public IReadOnlyCollection<JobEvent> Events => events.AsReadOnly();

    public bool IsTerminal => Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled;

    public static PipelineJob Submit(UserId ownerId, string content, JobPreset preset, JobPriority priority, string lang, int durationSec, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(lang);
        if (durationSec is < MinDurationSec or > MaxDurationSec)
        {
            throw new ArgumentOutOfRangeException(nameof(durationSec));
        }

        var job = new PipelineJob
        {
            Id = JobId.New(now),
            OwnerId = ownerId,
            Content = content,
            Preset = preset,
            Priority = priority,
            Lang = lang,
            DurationSec = durationSec,
            Status = JobStatus.Queued,
            CreatedAt = now,
            UpdatedAt = now,
        };
        job.Append(JobEventType.StateChanged, now, "Job submitted.", to: JobStatus.Queued);
        return job;
    }

    /// <summary>A worker takes the queued job and holds it until <paramref name="leaseFor"/> from now, renewed by each report.</summary>
    public Result<Done> Claim(ApiKeyId workerKeyId, DateTimeOffset now, TimeSpan leaseFor)
    {
        if (Status != JobStatus.Queued)
        {
            return JobErrors.IllegalTransition(Status, JobStatus.Running);
        }

        WorkerKeyId = workerKeyId;
        ClaimId = JobClaimId.New(now);
        LeaseExpiresAt = now + leaseFor;
        StartedAt ??= now;
        ChangeState(JobStatus.Running, now, RetryCount == 0 ? "Claimed by a worker." : $"Claimed by a worker (attempt {RetryCount + 1}).");
        return Done.Value;
    }

    public Result<Done> ReportProgress(ApiKeyId workerKeyId, int progress, string? message, DateTimeOffset now, TimeSpan leaseFor, JobClaimId? claimId = null)
    {
        var held = EnsureLease(workerKeyId, claimId, now);
        if (!held.IsSuccess)
        {
            return held;
        }

        if (progress is < 0 or > 100)
        {
            return JobErrors.InvalidProgress;
        }

        Progress = progress;
        LeaseExpiresAt = now + leaseFor;
        Append(JobEventType.Progress, now, message, progress: progress);
        return Done.Value;
    }

    /// <summary>Appends log lines; past the per-job cap they are counted, not kept.</summary>
    public Result<Done> AppendLogs(ApiKeyId workerKeyId, IReadOnlyCollection<(JobLogLevel Level, string Message)> lines, DateTimeOffset now, JobPolicy policy, JobClaimId? claimId = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(policy);
        if (!lines.All(l => Enum.IsDefined(l.Level)))
        {
            throw new ArgumentOutOfRangeException(nameof(lines), "Every level must be a member of JobLogLevel.");
        }

        var held = EnsureLease(workerKeyId, claimId, now);
        if (!held.IsSuccess)
        {
            return held;
        }

        foreach (var (level, message) in lines)
        {
            if (LogCount >= policy.MaxLogLines)
            {
                DroppedLogCount++;
                continue;
            }

            LogCount++;
            Append(JobEventType.Log, now, message, level: level);
        }

        UpdatedAt = now;
        return Done.Value;
    }

    public Result<Done> Complete(ApiKeyId workerKeyId, string outputJson, long? executionTimeMs, DateTimeOffset now, JobClaimId? claimId = null)
    {
        var held = EnsureLease(workerKeyId, claimId, now);
        if (!held.IsSuccess)
        {
            return held;
        }

        ResultOutput = outputJson;
        Progress = 100;
        return Finish(JobStatus.Completed, now, executionTimeMs, "Completed.");
    }

    public Result<Done> Fail(ApiKeyId workerKeyId, string errorMessage, long? executionTimeMs, DateTimeOffset now, JobClaimId? claimId = null)
    {
        var held = EnsureLease(workerKeyId, claimId, now);
        if (!held.IsSuccess)
        {
            return held;
        }

        ErrorMessage = errorMessage;
        return Finish(JobStatus.Failed, now, executionTimeMs, "Failed: " + errorMessage);
    }

    /// <summary>The owner stops a job that has not ended; a worker still holding it learns at its next report.</summary>
    public Result<Done> Cancel(DateTimeOffset now) => Cancel(now, "Cancelled by the owner.");

    /// <summary>An admin stops a job that has not ended, as its owner could; the event says who did.</summary>
    public Result<Done> CancelByAdmin(DateTimeOffset now) => Cancel(now, "Cancelled by an admin.");

    /// <summary>
    /// An admin puts a failed job back in the queue as if it were new: its retries, progress and result are reset, so a
    /// worker claims it afresh. Only a failed job: a running one still has a worker, a completed or cancelled one ended
    /// on purpose.
    /// </summary>
    public Result<Done> Requeue(DateTimeOffset now)
    {
        if (Status != JobStatus.Failed)
        {
            return JobErrors.NotFailed(Status);
        }

        RetryCount = 0;
        Progress = 0;
        ResultSuccess = null;
        ResultOutput = null;
        ErrorMessage = null;
        ExecutionTimeMs = null;
        CompletedAt = null;
        StartedAt = null;
        WorkerKeyId = null;
        LeaseExpiresAt = null;
        ChangeState(JobStatus.Queued, now, "Requeued by an admin.");
        return Done.Value;
    }

    /// <summary>
    /// The worker stopped reporting: the job goes back to the queue with one more retry, or fails once the
    /// retries are spent. Does nothing while the lease holds.
    /// </summary>
    public bool ExpireLease(DateTimeOffset now, JobPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (Status != JobStatus.Running || LeaseExpiresAt is not { } lease || lease > now)
        {
            return false;
        }

        WorkerKeyId = null;
        LeaseExpiresAt = null;
        if (RetryCount >= policy.MaxRetries)
        {
            ResultSuccess = false;
            ErrorMessage = $"The worker lease lapsed {RetryCount + 1} times; giving up.";
            CompletedAt = now;
            ChangeState(JobStatus.Failed, now, ErrorMessage);
            return true;
        }

        RetryCount++;
        Progress = 0;
        ChangeState(JobStatus.Queued, now, $"The worker lease lapsed; back in the queue (retry {RetryCount} of {policy.MaxRetries}).");
        return true;
    }

    /// <summary>
    /// The report's worker holds the job now. <paramref name="claimId"/> is the claim the report belongs to; a worker
    /// that leaves it out is judged by its key alone (the protocol before claim ids), and so cannot be told from the
    /// same key's later claim.
    /// </summary>
    private Result<Done> EnsureLease(ApiKeyId workerKeyId, JobClaimId? claimId, DateTimeOffset now)
    {
        if (Status != JobStatus.Running)
        {
            return JobErrors.NotRunning(Status);
        }

        if (WorkerKeyId != workerKeyId)
        {
            return JobErrors.LeaseNotHeld;
        }

        if (claimId is { } claim && claim != ClaimId)
        {
            return JobErrors.ClaimSuperseded;
        }

        if (LeaseExpiresAt is { } lease && lease <= now)
        {
            return JobErrors.LeaseExpired;
        }

        return Done.Value;
    }

    private Result<Done> Cancel(DateTimeOffset now, string message)
    {
        if (IsTerminal)
        {
            return JobErrors.IllegalTransition(Status, JobStatus.Cancelled);
        }

        WorkerKeyId = null;
        LeaseExpiresAt = null;
        CompletedAt = now;
        ChangeState(JobStatus.Cancelled, now, message);
        return Done.Value;
    }

    /// <summary>The worker's last report ends the job (<paramref name="to"/>: completed or failed) and gives up its lease.</summary>
    private Done Finish(JobStatus to, DateTimeOffset now, long? executionTimeMs, string message)
    {
        ResultSuccess = to == JobStatus.Completed;
        CompletedAt = now;
        ExecutionTimeMs = executionTimeMs ?? (StartedAt is { } started ? (long)(now - started).TotalMilliseconds : null);
        WorkerKeyId = null;
        LeaseExpiresAt = null;
        ChangeState(to, now, message);
        return Done.Value;
    }

    private void ChangeState(JobStatus to, DateTimeOffset now, string message)
    {
        var from = Status;
        Status = to;
        Append(JobEventType.StateChanged, now, message, from, to);
    }

    private void Append(JobEventType type, DateTimeOffset now, string? message, JobStatus? from = null, JobStatus? to = null, int? progress = null, JobLogLevel? level = null)
    {
        LastEventSequence++;
        UpdatedAt = now;
        Version++;
        var added = JobEvent.Create(Id, LastEventSequence, type, now, message, from, to, progress, level);
        events.Add(added);
        Raise(new JobEventRecorded(added));
    }
}
