using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.ApiKeys.Commands.RotateApiKey;

public sealed record RotateApiKeyCommand(UserId OwnerId, ApiKeyId KeyId, int? GracePeriodSeconds) : ICommand<Result<IssuedApiKeyDto>>, IRetryOnConflict
{
    public int MaxAttempts => 10;
}

public sealed class RotateApiKeyCommandValidator : AbstractValidator<RotateApiKeyCommand>
{
    public const int MaxGraceSeconds = 86_400;

    public RotateApiKeyCommandValidator() =>
        RuleFor(c => c.GracePeriodSeconds).InclusiveBetween(0, MaxGraceSeconds).When(c => c.GracePeriodSeconds is not null)
            .WithMessage($"grace_period_seconds must be between 0 and {MaxGraceSeconds}.");
}

public sealed class RotateApiKeyCommandHandler(
    IApiKeyRepository keys,
    IUserRepository users,
    IApiKeyGenerator generator,
    IAuditLog audit,
    IOptions<ApiKeyOptions> options,
    TimeProvider clock) : ICommandHandler<RotateApiKeyCommand, Result<IssuedApiKeyDto>>
{
    // A rotation racing a revocation (or another rotation, or a disable of the owner) is decided again on what
    // that change left: a revoked key is not rotated, and a revocation is never undone.
    public async ValueTask<Result<IssuedApiKeyDto>> Handle(RotateApiKeyCommand command, CancellationToken cancellationToken)
    {
        var key = await keys.FindOwnedAsync(command.OwnerId, command.KeyId, cancellationToken);
        if (key is null)
        {
            return ApiKeyErrors.NotFound;
        }

        var issuing = await users.StartIssuingKeyAsync(command.OwnerId, cancellationToken);
        if (!issuing.IsSuccess)
        {
            return issuing.Error;
        }

        var now = clock.GetUtcNow();
        var generated = generator.Generate();
        var grace = TimeSpan.FromSeconds(command.GracePeriodSeconds ?? 0);
        var rotated = key.Rotate(generated.Hash, generated.Prefix, now, grace, TimeSpan.FromDays(options.Value.DefaultLifetimeDays));
        if (!rotated.IsSuccess)
        {
            return rotated.Error;
        }

        keys.Add(rotated.Value);
        audit.Record(new AuditEntry(AuditEventTypes.ApiKeyRotated, AuditOutcome.Success, Target: key.Id.ToString(),
            Details: ApiKeyAudit.Details(key, ("new_key_id", rotated.Value.Id), ("new_prefix", rotated.Value.Prefix), ("grace_ends_at", key.GraceEndsAt))));
        return new IssuedApiKeyDto(generated.Key, rotated.Value.ToDtoAt(now));
    }
}
