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

namespace Aiprod.Application.ApiKeys.Commands.CreateApiKey;

public sealed record CreateApiKeyCommand(UserId OwnerId, string Name, IReadOnlyList<ApiKeyScope>? Scopes, int? ExpiresInDays) : ICommand<Result<IssuedApiKeyDto>>, IRetryOnConflict, IDecidesUnderWriteLock
{
    // Creations of one owner's keys are serialised (KeyIssuing), so parallel ones queue up as conflicts: more tries
    // than the default, enough for a burst well past the route's rate limit.
    public int MaxAttempts => 10;
}

public sealed class CreateApiKeyCommandValidator : AbstractValidator<CreateApiKeyCommand>
{
    public CreateApiKeyCommandValidator(IOptions<ApiKeyOptions> options)
    {
        RuleFor(c => c.Name).NotEmpty().WithMessage("A name is required.")
            .MaximumLength(ApiKey.NameMaxLength).WithMessage($"The name must be at most {ApiKey.NameMaxLength} characters long.");
        RuleFor(c => c.Scopes).Must(s => s is null || s.Count > 0).WithMessage("Give at least one scope, or leave scopes out for the default.");
        RuleFor(c => c.ExpiresInDays).InclusiveBetween(1, options.Value.MaxLifetimeDays)
            .When(c => c.ExpiresInDays is not null)
            .WithMessage($"expires_in_days must be between 1 and {options.Value.MaxLifetimeDays}.");
    }
}

public sealed class CreateApiKeyCommandHandler(
    IApiKeyRepository keys,
    IUserRepository users,
    IApiKeyGenerator generator,
    IAuditLog audit,
    IOptions<ApiKeyOptions> options,
    TimeProvider clock) : ICommandHandler<CreateApiKeyCommand, Result<IssuedApiKeyDto>>
{
    // A creation racing another, or a disable of the owner, is decided again on what that change left.
    public async ValueTask<Result<IssuedApiKeyDto>> Handle(CreateApiKeyCommand command, CancellationToken cancellationToken)
    {
        var issuing = await users.StartIssuingKeyAsync(command.OwnerId, cancellationToken);
        if (!issuing.IsSuccess)
        {
            return issuing.Error;
        }

        var now = clock.GetUtcNow();
        var cap = options.Value.MaxActiveKeysPerUser;
        if (await keys.CountActiveAsync(command.OwnerId, now, cancellationToken) >= cap)
        {
            return ApiKeyErrors.LimitReached(cap);
        }

        var generated = generator.Generate();
        var lifetime = TimeSpan.FromDays(command.ExpiresInDays ?? options.Value.DefaultLifetimeDays);
        var key = ApiKey.Issue(command.OwnerId, command.Name, command.Scopes ?? ApiKeyScopes.Default, generated.Hash, generated.Prefix, now, lifetime);
        keys.Add(key);
        audit.Record(new AuditEntry(AuditEventTypes.ApiKeyCreated, AuditOutcome.Success, Target: key.Id.ToString(), Details: ApiKeyAudit.Details(key)));
        return new IssuedApiKeyDto(generated.Key, key.ToDtoAt(now));
    }
}
