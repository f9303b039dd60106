namespace Aiprod.Domain.Jobs;

/// <summary>
/// One thing that happened to a job: a state change, a progress report or a log line. Numbered per job from 1,
/// so a client that reconnects with the last number it saw gets exactly what it missed.
/// </summary>
public sealed class JobEvent
{
    public const int MessageMaxLength = 2000;

    private JobEvent()
    {
    }

    public long Id { get; private set; }

    public JobId JobId { get; private set; }

    public long Sequence { get; private set; }

    public JobEventType Type { get; private set; }

    public DateTimeOffset OccurredAt { get; private set; }

    /// <summary>For a state change.</summary>
    public JobStatus? FromStatus { get; private set; }

    /// <summary>For a state change.</summary>
    public JobStatus? ToStatus { get; private set; }

    /// <summary>For a progress report: 0–100.</summary>
    public int? Progress { get; private set; }

    /// <summary>For a log line: <c>debug</c>, <c>info</c>, <c>warning</c> or <c>error</c>.</summary>
    public string? Level { get; private set; }

    public string? Message { get; private set; }

    internal static JobEvent Create(JobId jobId, long sequence, JobEventType type, DateTimeOffset at, string? message,
        JobStatus? from = null, JobStatus? to = null, int? progress = null, string? level = null) => new()
        {
            JobId = jobId,
            Sequence = sequence,
            Type = type,
            OccurredAt = at,
            Message = message is { Length: > MessageMaxLength } ? message[..MessageMaxLength] : message,
            FromStatus = from,
            ToStatus = to,
            Progress = progress,
            Level = level,
        };
}
