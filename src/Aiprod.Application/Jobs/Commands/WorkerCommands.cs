using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Jobs.Commands;

/// <summary>
/// A worker (an API key with <c>pipeline:worker</c>) takes the next queued job: highest priority, then oldest.
/// A key owned by an admin serves every user's jobs (the platform's workers); any other key serves only its
/// owner's, so nobody's content reaches a stranger's worker.
/// </summary>
public sealed record ClaimJobCommand(Guid WorkerKeyId, Guid WorkerOwnerId, int? LeaseSeconds) : ICommand<ClaimedJobDto?>;

public sealed class ClaimJobCommandValidator : AbstractValidator<ClaimJobCommand>
{
    public ClaimJobCommandValidator(IOptions<JobOptions> options) =>
        RuleFor(c => c.LeaseSeconds).InclusiveBetween(5, options.Value.MaxLeaseSeconds).When(c => c.LeaseSeconds is not null)
            .WithMessage($"lease_seconds must be between 5 and {options.Value.MaxLeaseSeconds}.");
}

public sealed class ClaimJobCommandHandler(
    IJobRepository jobs,
    IUserRepository users,
    JobChangeCommitter committer,
    IOptions<JobOptions> options,
    TimeProvider clock) : ICommandHandler<ClaimJobCommand, ClaimedJobDto?>
{
    private const int Candidates = 16;

    // A lost race costs one read and one refused update; many workers polling one queue lose often, so a claim
    // tries more often than a use case where a conflict means two people changed one thing at once.
    private const int MaxAttempts = 8;

    public ValueTask<ClaimedJobDto?> Handle(ClaimJobCommand command, CancellationToken cancellationToken) =>
        ConflictRetry.RunAsync(attempt => ClaimAsync(command, attempt, cancellationToken), MaxAttempts);

    /// <summary>
    /// One attempt, on fresh state: the version check refuses the update if another worker claimed the job since
    /// it was read, so a 200 always means this worker holds the lease in the database.
    /// </summary>
    private async ValueTask<ClaimedJobDto?> ClaimAsync(ClaimJobCommand command, int attempt, CancellationToken cancellationToken)
    {
        var owner = await users.FindByIdAsync(command.WorkerOwnerId, cancellationToken);
        Guid? onlyOwner = owner?.Role == UserRole.Admin ? null : command.WorkerOwnerId;
        var queued = await jobs.NextQueuedAsync(onlyOwner, Candidates, cancellationToken);
        if (queued.Count == 0)
        {
            return null;
        }

        var job = attempt == 1 ? queued[0] : AnyOfTheFirstPriority(queued);
        var before = job.LastEventSequence;
        var claimed = job.Claim(command.WorkerKeyId, clock.GetUtcNow(), TimeSpan.FromSeconds(command.LeaseSeconds ?? options.Value.DefaultLeaseSeconds));
        if (!claimed.IsSuccess)
        {
            throw new InvalidOperationException($"A job read as queued refused the claim: {claimed.Error.Message}");
        }

        await committer.CommitAsync(job, before, cancellationToken);
        return new ClaimedJobDto(job.Id, job.Content, job.Preset, job.Priority, job.Lang, job.DurationSec, job.RetryCount, job.LeaseExpiresAt!.Value);
    }

    /// <summary>
    /// After a lost race every loser would otherwise go for the same next job and all but one lose again; spread over
    /// the oldest jobs of the highest priority waiting, most of them win at once, and priority still comes first.
    /// </summary>
    private static PipelineJob AnyOfTheFirstPriority(IReadOnlyList<PipelineJob> queued)
    {
        var top = queued.TakeWhile(j => j.Priority == queued[0].Priority).ToList();
        return top[Random.Shared.Next(top.Count)];
    }
}

public sealed record ReportProgressCommand(Guid WorkerKeyId, Guid JobId, int Progress, string? Message) : ICommand<Result<WorkerAckDto>>;

public sealed class ReportProgressCommandValidator : AbstractValidator<ReportProgressCommand>
{
    public ReportProgressCommandValidator()
    {
        RuleFor(c => c.Progress).InclusiveBetween(0, 100).WithMessage("progress must be between 0 and 100.");
        RuleFor(c => c.Message).MaximumLength(JobEvent.MessageMaxLength).WithMessage($"message must be at most {JobEvent.MessageMaxLength} characters long.");
    }
}

public sealed class ReportProgressCommandHandler(WorkerReports reports) : ICommandHandler<ReportProgressCommand, Result<WorkerAckDto>>
{
    public ValueTask<Result<WorkerAckDto>> Handle(ReportProgressCommand command, CancellationToken cancellationToken) =>
        reports.ApplyAsync(command.WorkerKeyId, command.JobId, (job, now, ctx) =>
            job.ReportProgress(command.WorkerKeyId, command.Progress, command.Message, now, ctx.Lease), cancellationToken);
}

public sealed record AppendLogsCommand(Guid WorkerKeyId, Guid JobId, IReadOnlyList<(string Level, string Message)> Lines) : ICommand<Result<WorkerAckDto>>;

public sealed class AppendLogsCommandValidator : AbstractValidator<AppendLogsCommand>
{
    private static readonly string[] Levels = ["debug", "info", "warning", "error"];

    public AppendLogsCommandValidator()
    {
        RuleFor(c => c.Lines).NotEmpty().WithMessage("Send at least one log line.")
            .Must(l => l.Count <= 100).WithMessage("Send at most 100 log lines at a time.");
        RuleForEach(c => c.Lines).Must(l => Levels.Contains(l.Level)).WithMessage("level must be debug, info, warning or error.")
            .Must(l => !string.IsNullOrEmpty(l.Message) && l.Message.Length <= JobEvent.MessageMaxLength)
            .WithMessage($"Each message must be 1 to {JobEvent.MessageMaxLength} characters long.");
    }
}

public sealed class AppendLogsCommandHandler(WorkerReports reports, IOptions<JobOptions> options) : ICommandHandler<AppendLogsCommand, Result<WorkerAckDto>>
{
    public ValueTask<Result<WorkerAckDto>> Handle(AppendLogsCommand command, CancellationToken cancellationToken) =>
        reports.ApplyAsync(command.WorkerKeyId, command.JobId, (job, now, _) =>
            job.AppendLogs(command.WorkerKeyId, command.Lines, now, options.Value.ToPolicy()), cancellationToken);
}

public sealed record CompleteJobCommand(Guid WorkerKeyId, Guid JobId, JsonElement Output, long? ExecutionTimeMs) : ICommand<Result<WorkerAckDto>>;

public sealed class CompleteJobCommandValidator : AbstractValidator<CompleteJobCommand>
{
    public CompleteJobCommandValidator()
    {
        // A default JsonElement (the property was left out) has no text: check the kind first, and stop there.
        RuleFor(c => c.Output).Cascade(CascadeMode.Stop)
            .Must(o => o.ValueKind is JsonValueKind.Object or JsonValueKind.Array).WithMessage("output is required: a JSON object or array.")
            .Must(o => o.GetRawText().Length <= 256 * 1024).WithMessage("output must be at most 256 KB of JSON.")
            .Must(JsonTextCheck.DecodesAsText).WithMessage("output holds a string or name that is not valid Unicode (a lone surrogate such as \\ud800).");
        RuleFor(c => c.ExecutionTimeMs).GreaterThanOrEqualTo(0).When(c => c.ExecutionTimeMs is not null).WithMessage("execution_time_ms cannot be negative.");
    }
}

/// <summary>
/// The parser keeps escapes as they came, so <c>"\ud800"</c> parses; it fails only when decoded, which the job's
/// readers do. Decode every name and string once here, so what is stored can always be read back.
/// </summary>
internal static class JsonTextCheck
{
    public static bool DecodesAsText(JsonElement element)
    {
        try
        {
            Decode(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void Decode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    Decode(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Decode(item);
                }

                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}

public sealed class CompleteJobCommandHandler(WorkerReports reports) : ICommandHandler<CompleteJobCommand, Result<WorkerAckDto>>
{
    public ValueTask<Result<WorkerAckDto>> Handle(CompleteJobCommand command, CancellationToken cancellationToken) =>
        reports.ApplyAsync(command.WorkerKeyId, command.JobId, (job, now, _) =>
            job.Complete(command.WorkerKeyId, command.Output.GetRawText(), command.ExecutionTimeMs, now), cancellationToken);
}

public sealed record FailJobCommand(Guid WorkerKeyId, Guid JobId, string ErrorMessage, long? ExecutionTimeMs) : ICommand<Result<WorkerAckDto>>;

public sealed class FailJobCommandValidator : AbstractValidator<FailJobCommand>
{
    public FailJobCommandValidator()
    {
        RuleFor(c => c.ErrorMessage).NotEmpty().WithMessage("Say what went wrong in error_message.")
            .MaximumLength(JobEvent.MessageMaxLength).WithMessage($"error_message must be at most {JobEvent.MessageMaxLength} characters long.");
        RuleFor(c => c.ExecutionTimeMs).GreaterThanOrEqualTo(0).When(c => c.ExecutionTimeMs is not null).WithMessage("execution_time_ms cannot be negative.");
    }
}

public sealed class FailJobCommandHandler(WorkerReports reports, IAuditLog audit) : ICommandHandler<FailJobCommand, Result<WorkerAckDto>>
{
    public ValueTask<Result<WorkerAckDto>> Handle(FailJobCommand command, CancellationToken cancellationToken) =>
        reports.ApplyAsync(command.WorkerKeyId, command.JobId, (job, now, _) =>
        {
            var failed = job.Fail(command.WorkerKeyId, command.ErrorMessage, command.ExecutionTimeMs, now);
            if (failed.IsSuccess)
            {
                audit.Record(new AuditEntry(AuditEventTypes.JobFailedByWorker, AuditOutcome.Failure, Target: job.Id.ToString(),
                    Details: new Dictionary<string, object?> { ["worker_key_id"] = command.WorkerKeyId, ["error_message"] = command.ErrorMessage },
                    ActorKind: ActorKind.ApiKey, ActorId: command.WorkerKeyId.ToString()));
            }

            return failed;
        }, cancellationToken);
}

/// <summary>
/// The shared shape of a worker's report: load the job, let the aggregate judge it, commit, publish, acknowledge.
/// A report that races a cancellation or a lapsed lease is judged again on what that change left.
/// </summary>
public sealed class WorkerReports(IJobRepository jobs, JobChangeCommitter committer, IOptions<JobOptions> options, TimeProvider clock)
{
    public sealed record Context(TimeSpan Lease);

    public ValueTask<Result<WorkerAckDto>> ApplyAsync(
        Guid workerKeyId,
        Guid jobId,
        Func<PipelineJob, DateTimeOffset, Context, Result<Done>> change,
        CancellationToken cancellationToken) =>
        ConflictRetry.RunAsync(_ => ApplyOnceAsync(workerKeyId, jobId, change, cancellationToken));

    private async ValueTask<Result<WorkerAckDto>> ApplyOnceAsync(
        Guid workerKeyId,
        Guid jobId,
        Func<PipelineJob, DateTimeOffset, Context, Result<Done>> change,
        CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(jobId, cancellationToken);
        if (job is null || (job.WorkerKeyId != workerKeyId && job.Status == JobStatus.Queued))
        {
            return Error.NotFound("job_not_found", "No job with this id is held by you.");
        }

        var before = job.LastEventSequence;
        var applied = change(job, clock.GetUtcNow(), new Context(TimeSpan.FromSeconds(options.Value.DefaultLeaseSeconds)));
        if (!applied.IsSuccess)
        {
            return applied.Error;
        }

        await committer.CommitAsync(job, before, cancellationToken);
        return new WorkerAckDto(job.Id, job.Status, job.LeaseExpiresAt);
    }
}

/// <summary>Puts jobs whose worker went silent back in the queue, or fails them once their retries are spent.</summary>
public sealed record ExpireLeasesCommand : ICommand<int>;

public sealed class ExpireLeasesCommandHandler(IJobRepository jobs, IAuditLog audit, JobChangeCommitter committer, IOptions<JobOptions> options, TimeProvider clock)
    : ICommandHandler<ExpireLeasesCommand, int>
{
    // Several instances run this check, and workers report meanwhile: a batch that lost a race is read again.
    public ValueTask<int> Handle(ExpireLeasesCommand command, CancellationToken cancellationToken) =>
        ConflictRetry.RunAsync(_ => ExpireAsync(cancellationToken));

    private async ValueTask<int> ExpireAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var changed = new List<(PipelineJob, long)>();
        foreach (var job in await jobs.WithLapsedLeasesAsync(now, 100, cancellationToken))
        {
            var before = job.LastEventSequence;
            if (job.ExpireLease(now, options.Value.ToPolicy()))
            {
                changed.Add((job, before));
                audit.Record(new AuditEntry(AuditEventTypes.JobLeaseLapsed, job.Status == JobStatus.Failed ? AuditOutcome.Failure : AuditOutcome.Success,
                    Target: job.Id.ToString(), Details: new Dictionary<string, object?> { ["retry_count"] = job.RetryCount, ["status"] = job.Status.ToString() },
                    ActorKind: ActorKind.System));
            }
        }

        if (changed.Count > 0)
        {
            await committer.CommitAsync(changed, cancellationToken);
        }

        return changed.Count;
    }
}
