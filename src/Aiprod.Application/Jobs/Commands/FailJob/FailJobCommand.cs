using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Jobs.Commands.FailJob;

public sealed record FailJobCommand(ApiKeyId WorkerKeyId, UserId WorkerOwnerId, JobId JobId, string ErrorMessage, long? ExecutionTimeMs, JobClaimId? ClaimId = null) : ICommand<Result<WorkerAckDto>>, IRetryOnConflict;

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
        reports.ApplyAsync(command.WorkerKeyId, command.WorkerOwnerId, command.JobId, (job, now, _) =>
        {
            var failed = job.Fail(command.WorkerKeyId, command.ErrorMessage, command.ExecutionTimeMs, now, command.ClaimId);
            if (failed.IsSuccess)
            {
                audit.Record(new AuditEntry(AuditEventTypes.JobFailureReported, AuditOutcome.Failure, Target: job.Id.ToString(),
                    Details: new Dictionary<string, object?> { ["worker_key_id"] = command.WorkerKeyId, ["error_message"] = command.ErrorMessage },
                    ActorKind: ActorKind.ApiKey, ActorId: command.WorkerKeyId.ToString()));
            }

            return failed;
        }, cancellationToken);
}
