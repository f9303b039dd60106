using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.ApiKeys.Commands.RevokeAllApiKeys;

/// <summary>Revokes every key of the owner that still works (active, or rotated and in grace). Account disabling revokes through the same rule (<see cref="ApiKey.RevokeEveryUsable"/>).</summary>
public sealed record RevokeAllApiKeysCommand(UserId OwnerId, bool Confirm, string? Reason) : ICommand<RevokeAllResultDto>, IRetryOnConflict;

public sealed class RevokeAllApiKeysCommandValidator : AbstractValidator<RevokeAllApiKeysCommand>
{
    public RevokeAllApiKeysCommandValidator()
    {
        RuleFor(c => c.Confirm).Equal(true).WithMessage("Set confirm to true to revoke every key: this cannot be undone.");
        RuleFor(c => c.Reason).MaximumLength(ApiKey.ReasonMaxLength).WithMessage($"The reason must be at most {ApiKey.ReasonMaxLength} characters long.");
    }
}

public sealed class RevokeAllApiKeysCommandHandler(
    IApiKeyRepository keys,
    IAuditLog audit,
    TimeProvider clock) : ICommandHandler<RevokeAllApiKeysCommand, RevokeAllResultDto>
{
    public async ValueTask<RevokeAllResultDto> Handle(RevokeAllApiKeysCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var usable = await keys.ListUsableOwnedAsync(command.OwnerId, now, cancellationToken);
        var revoked = ApiKey.RevokeEveryUsable(usable, now, command.Reason);
        audit.Record(new AuditEntry(AuditEventTypes.ApiKeyMassRevoked, AuditOutcome.Success, Target: command.OwnerId.ToString(),
            Details: new Dictionary<string, object?>
            {
                ["revoked_count"] = revoked.Count,
                ["key_ids"] = revoked.Select(k => k.Id).ToList(),
                ["reason"] = command.Reason,
            }));
        return new RevokeAllResultDto(revoked.Count, now);
    }
}
