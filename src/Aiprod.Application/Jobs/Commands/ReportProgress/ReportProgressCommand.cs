using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Jobs.Commands.ReportProgress;

public sealed record ReportProgressCommand(ApiKeyId WorkerKeyId, UserId WorkerOwnerId, JobId JobId, int Progress, string? Message, JobClaimId? ClaimId = null) : ICommand<Result<WorkerAckDto>>, IRetryOnConflict;

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
        reports.ApplyAsync(command.WorkerKeyId, command.WorkerOwnerId, command.JobId, (job, now, ctx) =>
            job.ReportProgress(command.WorkerKeyId, command.Progress, command.Message, now, ctx.Lease, command.ClaimId), cancellationToken);
}
