using System.Text.Json;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Jobs.Commands.CompleteJob;

public sealed record CompleteJobCommand(ApiKeyId WorkerKeyId, UserId WorkerOwnerId, JobId JobId, JsonElement Output, long? ExecutionTimeMs, JobClaimId? ClaimId = null) : ICommand<Result<WorkerAckDto>>, IRetryOnConflict;

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

public sealed class CompleteJobCommandHandler(WorkerReports reports) : ICommandHandler<CompleteJobCommand, Result<WorkerAckDto>>
{
    public ValueTask<Result<WorkerAckDto>> Handle(CompleteJobCommand command, CancellationToken cancellationToken) =>
        reports.ApplyAsync(command.WorkerKeyId, command.WorkerOwnerId, command.JobId, (job, now, _) =>
            job.Complete(command.WorkerKeyId, command.Output.GetRawText(), command.ExecutionTimeMs, now, command.ClaimId), cancellationToken);
}
