using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Idempotency;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Jobs.Commands.SubmitJob;

/// <summary>
/// Queues a job, unless its owner already has <see cref="JobOptions.MaxQueuedPerUser"/> jobs waiting. The count is read
/// under the write lock (<see cref="IDecidesUnderWriteLock"/>), so racing submits (single ones and the items of batches)
/// cannot all see room for one more on SQLite. With an <c>Idempotency-Key</c> the first answer is kept with the job
/// (<see cref="IdempotencyLedger"/>) and replayed to the same key and body; a batch's items use a scope of their own
/// (<see cref="IdempotencyScopes.PipelineBatchItem"/>), so a derived item key never meets a key sent to the single route.
/// </summary>
public sealed record SubmitJobCommand(
    UserId OwnerId, string Content, JobPreset? Preset, JobPriority? Priority, string? Lang, int? DurationSec, string? IdempotencyKey = null,
    string IdempotencyScope = IdempotencyScopes.PipelineRun)
    : ICommand<Result<IdempotentAnswer<JobSubmittedDto>>>, IDecidesUnderWriteLock, IRetryOnConflict, IRefusedByUniqueIndex<Result<IdempotentAnswer<JobSubmittedDto>>>
{
    public Result<IdempotentAnswer<JobSubmittedDto>> WhenUniqueIndexRefuses() => IdempotencyErrors.KeyInFlight;

    /// <summary>Only the idempotency record's primary key can refuse it, and only a request with a key adds one.</summary>
    public bool ExpectsUniqueIndexRefusal => IdempotencyKey is not null;
}

public sealed class SubmitJobCommandValidator : AbstractValidator<SubmitJobCommand>
{
    public SubmitJobCommandValidator()
    {
        RuleFor(c => c.Content).NotEmpty().WithMessage("Describe the video to produce in content.")
            .MaximumLength(PipelineJob.ContentMaxLength).WithMessage($"content must be at most {PipelineJob.ContentMaxLength} characters long.");
        // .NET's `$` also matches before a final newline, which the pattern as published (ECMAScript, in the OpenAPI
        // document) does not: the second rule keeps "en\n" out, so the validator and the document agree.
        RuleFor(c => c.Lang).Matches("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$").When(c => c.Lang is not null)
            .WithMessage("lang must be a language tag such as en, fr or pt-BR.")
            .Must(lang => !lang!.EndsWith('\n')).When(c => c.Lang is not null)
            .WithMessage("lang must be a language tag such as en, fr or pt-BR.");
        RuleFor(c => c.DurationSec).InclusiveBetween(PipelineJob.MinDurationSec, PipelineJob.MaxDurationSec).When(c => c.DurationSec is not null)
            .WithMessage($"duration_sec must be between {PipelineJob.MinDurationSec} and {PipelineJob.MaxDurationSec}.");
        RuleFor(c => c.Preset).IsInEnum().WithMessage("preset must be quick_social, brand_campaign or premium_spot.");
        RuleFor(c => c.Priority).IsInEnum().WithMessage("priority must be low, normal or high.");
        RuleFor(c => c.IdempotencyKey).MustBeIdempotencyKey();
    }
}

public sealed class SubmitJobCommandHandler(IJobRepository jobs, IAuditLog audit, IdempotencyLedger ledger, IOptions<JobOptions> options, TimeProvider clock)
    : ICommandHandler<SubmitJobCommand, Result<IdempotentAnswer<JobSubmittedDto>>>
{
    public async ValueTask<Result<IdempotentAnswer<JobSubmittedDto>>> Handle(SubmitJobCommand command, CancellationToken cancellationToken)
    {
        if (command.IdempotencyKey is { } key)
        {
            var first = await ledger.LookUpAsync<JobSubmittedDto>(command.OwnerId, command.IdempotencyScope, key, RequestHash(command), cancellationToken);
            if (!first.IsSuccess)
            {
                return first.Error!;
            }

            if (first.Value is { } replay)
            {
                return new IdempotentAnswer<JobSubmittedDto>(replay, Replayed: true);
            }
        }

        var maxQueued = options.Value.MaxQueuedPerUser;
        if (await jobs.QueuedCountAsync(command.OwnerId, maxQueued, cancellationToken) >= maxQueued)
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
        var submitted = new JobSubmittedDto(job.Id, job.Status, "Queued. Follow it live at /ws/job/{job_id} or poll GET /pipeline/job/{job_id}.", now.AddSeconds(Math.Min(job.DurationSec, 30)));
        ledger.Keep(submitted);
        return new IdempotentAnswer<JobSubmittedDto>(submitted, Replayed: false);
    }

    /// <summary>The job as it will be queued: defaults spelled out or left out hash the same.</summary>
    internal static string RequestHash(SubmitJobCommand c) => IdempotencyLedger.Hash(
        c.Content,
        (c.Preset ?? JobDefaults.Preset).ToString(),
        (c.Priority ?? JobDefaults.Priority).ToString(),
        c.Lang ?? JobDefaults.Lang,
        (c.DurationSec ?? JobDefaults.DurationSec).ToString(System.Globalization.CultureInfo.InvariantCulture));
}
