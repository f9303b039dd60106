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

namespace Aiprod.Application.Jobs.Commands.SubmitJob;

/// <summary>
/// Queues a job, unless its owner already has <see cref="JobOptions.MaxQueuedPerUser"/> jobs waiting. The count is read
/// under the write lock (<see cref="IDecidesUnderWriteLock"/>), so racing submits (single ones and the items of batches)
/// cannot all see room for one more on SQLite.
/// </summary>
public sealed record SubmitJobCommand(UserId OwnerId, string Content, JobPreset? Preset, JobPriority? Priority, string? Lang, int? DurationSec)
    : ICommand<Result<JobSubmittedDto>>, IDecidesUnderWriteLock;

public sealed class SubmitJobCommandValidator : AbstractValidator<SubmitJobCommand>
{
    public SubmitJobCommandValidator()
    {
        RuleFor(c => c.Content).NotEmpty().WithMessage("Describe the video to produce in content.")
            .MaximumLength(PipelineJob.ContentMaxLength).WithMessage($"content must be at most {PipelineJob.ContentMaxLength} characters long.");
        RuleFor(c => c.Lang).Matches("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$").When(c => c.Lang is not null)
            .WithMessage("lang must be a language tag such as en, fr or pt-BR.");
        RuleFor(c => c.DurationSec).InclusiveBetween(PipelineJob.MinDurationSec, PipelineJob.MaxDurationSec).When(c => c.DurationSec is not null)
            .WithMessage($"duration_sec must be between {PipelineJob.MinDurationSec} and {PipelineJob.MaxDurationSec}.");
        RuleFor(c => c.Preset).IsInEnum().WithMessage("preset must be quick_social, brand_campaign or premium_spot.");
        RuleFor(c => c.Priority).IsInEnum().WithMessage("priority must be low, normal or high.");
    }
}

public sealed class SubmitJobCommandHandler(IJobRepository jobs, IAuditLog audit, IOptions<JobOptions> options, TimeProvider clock)
    : ICommandHandler<SubmitJobCommand, Result<JobSubmittedDto>>
{
    public async ValueTask<Result<JobSubmittedDto>> Handle(SubmitJobCommand command, CancellationToken cancellationToken)
    {
        var maxQueued = options.Value.MaxQueuedPerUser;
        if (await jobs.QueuedCountAsync(command.OwnerId, cancellationToken) >= maxQueued)
        {
            return JobErrors.TooManyQueued(maxQueued);
        }

        var now = clock.GetUtcNow();
        var job = PipelineJob.Submit(
            command.OwnerId,
            command.Content,
            command.Preset ?? JobDefaults.Preset,
            command.Priority ?? JobDefaults.Priority,
            command.Lang ?? JobDefaults.Lang,
            command.DurationSec ?? JobDefaults.DurationSec,
            now);
        jobs.Add(job);
        audit.Record(new AuditEntry(AuditEventTypes.JobSubmitted, AuditOutcome.Success, Target: job.Id.ToString(),
            Details: new Dictionary<string, object?> { ["preset"] = EnumNames.Of(job.Preset), ["priority"] = EnumNames.Of(job.Priority), ["duration_sec"] = job.DurationSec }));
        return new JobSubmittedDto(job.Id, job.Status, "Queued. Follow it live at /ws/job/{job_id} or poll GET /pipeline/job/{job_id}.", now.AddSeconds(Math.Min(job.DurationSec, 30)));
    }
}
