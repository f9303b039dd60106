using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Jobs.Commands.AppendLogs;

public sealed record AppendLogsCommand(ApiKeyId WorkerKeyId, UserId WorkerOwnerId, JobId JobId, IReadOnlyList<(JobLogLevel Level, string Message)> Lines, JobClaimId? ClaimId = null) : ICommand<Result<WorkerAckDto>>, IRetryOnConflict;

public sealed class AppendLogsCommandValidator : AbstractValidator<AppendLogsCommand>
{
    public AppendLogsCommandValidator()
    {
        RuleFor(c => c.Lines).NotEmpty().WithMessage("Send at least one log line.")
            .Must(l => l.Count <= 100).WithMessage("Send at most 100 log lines at a time.");
        RuleForEach(c => c.Lines).Must(l => !string.IsNullOrEmpty(l.Message) && l.Message.Length <= JobEvent.MessageMaxLength)
            .WithMessage($"Each message must be 1 to {JobEvent.MessageMaxLength} characters long.");
    }
}

public sealed class AppendLogsCommandHandler(WorkerReports reports, IOptions<JobOptions> options) : ICommandHandler<AppendLogsCommand, Result<WorkerAckDto>>
{
    public ValueTask<Result<WorkerAckDto>> Handle(AppendLogsCommand command, CancellationToken cancellationToken) =>
        reports.ApplyAsync(command.WorkerKeyId, command.WorkerOwnerId, command.JobId, (job, now, _) =>
            job.AppendLogs(command.WorkerKeyId, command.Lines, now, options.Value.ToPolicy(), command.ClaimId), cancellationToken);
}
