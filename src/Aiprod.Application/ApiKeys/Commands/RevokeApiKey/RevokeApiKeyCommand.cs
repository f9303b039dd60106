using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.ApiKeys.Commands.RevokeApiKey;

public sealed record RevokeApiKeyCommand(UserId OwnerId, ApiKeyId KeyId, string? Reason) : ICommand<Result<ApiKeyDto>>, IRetryOnConflict;

public sealed class RevokeApiKeyCommandValidator : AbstractValidator<RevokeApiKeyCommand>
{
    public RevokeApiKeyCommandValidator() =>
        RuleFor(c => c.Reason).MaximumLength(ApiKey.ReasonMaxLength).WithMessage($"The reason must be at most {ApiKey.ReasonMaxLength} characters long.");
}

public sealed class RevokeApiKeyCommandHandler(
    IApiKeyRepository keys,
    IAuditLog audit,
    TimeProvider clock) : ICommandHandler<RevokeApiKeyCommand, Result<ApiKeyDto>>
{
    // A revocation racing a rotation is decided again on what the rotation left (a rotated key is still revoked).
    public async ValueTask<Result<ApiKeyDto>> Handle(RevokeApiKeyCommand command, CancellationToken cancellationToken)
    {
        var key = await keys.FindOwnedAsync(command.OwnerId, command.KeyId, cancellationToken);
        if (key is null)
        {
            return ApiKeyErrors.NotFound;
        }

        var now = clock.GetUtcNow();
        var revoked = key.Revoke(now, command.Reason);
        if (!revoked.IsSuccess)
        {
            return revoked.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.ApiKeyRevoked, AuditOutcome.Success, Target: key.Id.ToString(),
            Details: ApiKeyAudit.Details(key, ("reason", key.RevocationReason))));
        return key.ToDtoAt(now);
    }
}
