using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.ApiKeys.Commands.RevokeAllApiKeys;

/// <summary>Revokes every key of the owner that still works (active, or rotated and in grace). Used by people and by account disabling.</summary>
public sealed record RevokeAllApiKeysCommand(Guid OwnerId, bool Confirm, string? Reason) : ICommand<RevokeAllResultDto>;

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
    IApiKeyCache cache,
    IAuditLog audit,
    IUnitOfWork unitOfWork,
    TimeProvider clock) : ICommandHandler<RevokeAllApiKeysCommand, RevokeAllResultDto>
{
    public ValueTask<RevokeAllResultDto> Handle(RevokeAllApiKeysCommand command, CancellationToken cancellationToken) =>
        ConflictRetry.RunAsync(_ => RevokeAllAsync(command, cancellationToken));

    private async ValueTask<RevokeAllResultDto> RevokeAllAsync(RevokeAllApiKeysCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var usable = await keys.ListUsableOwnedAsync(command.OwnerId, now, cancellationToken);
        var revoked = usable.Where(k => k.Revoke(now, command.Reason).IsSuccess).ToList();
        audit.Record(new AuditEntry(AuditEventTypes.ApiKeyMassRevoked, AuditOutcome.Success, Target: command.OwnerId.ToString(),
            Details: new Dictionary<string, object?>
            {
                ["revoked_count"] = revoked.Count,
                ["key_ids"] = revoked.Select(k => k.Id).ToList(),
                ["reason"] = command.Reason,
            }));
        await unitOfWork.SaveChangesAsync(cancellationToken);
        await cache.InvalidateAsync(revoked.Select(k => k.KeyHash).ToList(), cancellationToken);
        return new RevokeAllResultDto(revoked.Count, now);
    }
}
