using System.Security.Cryptography;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Idempotency;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Webhooks.Commands.CreateWebhook;

/// <summary>
/// Counts the owner's subscriptions and adds one: on SQLite the count is taken under the write lock
/// (<see cref="IDecidesUnderWriteLock"/>), so creates at once cannot all see room under the cap. With an
/// <c>Idempotency-Key</c> the first answer is kept with the subscription (<see cref="IdempotencyLedger"/>), its secret
/// as the subscription's own ciphertext, never in clear; a replay decrypts it and so shows the secret again.
/// </summary>
public sealed record CreateWebhookCommand(UserId OwnerId, string? Url, IReadOnlyList<string>? Events, string? Description, string? IdempotencyKey = null)
    : ICommand<Result<IdempotentAnswer<WebhookWithSecretDto>>>, IDecidesUnderWriteLock, IRetryOnConflict, IRefusedByUniqueIndex<Result<IdempotentAnswer<WebhookWithSecretDto>>>
{
    public Result<IdempotentAnswer<WebhookWithSecretDto>> WhenUniqueIndexRefuses() => IdempotencyErrors.KeyInFlight;

    /// <summary>Only the idempotency record's primary key can refuse it, and only a request with a key adds one.</summary>
    public bool ExpectsUniqueIndexRefusal => IdempotencyKey is not null;
}

public sealed class CreateWebhookCommandValidator : AbstractValidator<CreateWebhookCommand>
{
    public CreateWebhookCommandValidator(IOptions<WebhookOptions> options)
    {
        // Each condition in a rule of its own: a When at the end of a chain would skip the required check too.
        RuleFor(c => c.Url).NotEmpty().WithMessage("url is required.");
        RuleFor(c => c.Url).MustBeWebhookUrl(options.Value.AllowHttp).When(c => !string.IsNullOrEmpty(c.Url));
        RuleFor(c => c.Events).NotNull().WithMessage("events is required.");
        RuleFor(c => c.Events).MustBeWebhookEvents().When(c => c.Events is not null);
        RuleFor(c => c.Description).MaximumLength(WebhookSubscription.DescriptionMaxLength)
            .WithMessage($"description is at most {WebhookSubscription.DescriptionMaxLength} characters.");
        RuleFor(c => c.IdempotencyKey).MustBeIdempotencyKey();
    }
}

public sealed class CreateWebhookCommandHandler(IWebhookRepository webhooks, IWebhookSecrets secrets, IAuditLog audit, IdempotencyLedger ledger, TimeProvider clock)
    : ICommandHandler<CreateWebhookCommand, Result<IdempotentAnswer<WebhookWithSecretDto>>>
{
    public async ValueTask<Result<IdempotentAnswer<WebhookWithSecretDto>>> Handle(CreateWebhookCommand command, CancellationToken cancellationToken)
    {
        if (command.IdempotencyKey is { } key)
        {
            var requestHash = IdempotencyLedger.Hash(
                command.Url, string.Join('\u001e', command.Events!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)), command.Description);
            var first = await ledger.LookUpAsync<StoredAnswer>(command.OwnerId, IdempotencyScopes.WebhookCreate, key, requestHash, cancellationToken);
            if (!first.IsSuccess)
            {
                return first.Error!;
            }

            if (first.Value is { } replay)
            {
                return await ReplayAsync(command.OwnerId, replay, cancellationToken);
            }
        }

        if (await webhooks.CountAsync(command.OwnerId, cancellationToken) >= WebhookSubscription.MaxPerOwner)
        {
            return WebhookErrors.TooMany;
        }

        var (secret, ciphertext) = secrets.Generate();
        var subscription = WebhookSubscription.Create(command.OwnerId, command.Url!, command.Events!, command.Description, ciphertext, clock.GetUtcNow());
        webhooks.Add(subscription);
        audit.Record(new AuditEntry(AuditEventTypes.WebhookCreated, AuditOutcome.Success, Target: subscription.Id.ToString(),
            Details: new Dictionary<string, object?> { ["url"] = WebhookRules.AuditedUrl(subscription.Url), ["events"] = subscription.Events }));
        var created = new WebhookWithSecretDto(WebhookDto.Of(subscription), secret);
        ledger.Keep(new StoredAnswer(created.Webhook, ciphertext));
        return new IdempotentAnswer<WebhookWithSecretDto>(created, Replayed: false);
    }

    /// <summary>
    /// The first answer again, its secret decrypted, while that secret still signs the subscription's deliveries (it is
    /// the current one, or the previous one within its overlap). A secret rotated out since (a rotation with
    /// <c>revoke_previous</c> after a leak, or the overlap over) is not shown again, nor is one kept under a
    /// <c>Webhooks:SecretKey</c> the operator has replaced since: the first answer is refused (409), not run again (that
    /// would make a second subscription) nor replayed without its secret (a 201 that hides the one thing it exists to show).
    /// </summary>
    private async Task<Result<IdempotentAnswer<WebhookWithSecretDto>>> ReplayAsync(UserId ownerId, StoredAnswer replay, CancellationToken cancellationToken)
    {
        if (await webhooks.FindOwnedAsync(ownerId, new WebhookId(replay.Webhook.WebhookId), cancellationToken) is { } current
            && !current.SigningSecretsAt(clock.GetUtcNow()).Contains(replay.SecretCiphertext, StringComparer.Ordinal))
        {
            return IdempotencyErrors.ReplayUnavailable(
                $"The first answer to this Idempotency-Key created webhook {replay.Webhook.WebhookId}, but its secret was rotated out since and is not shown again. "
                + $"The subscription exists: use its current secret, or get a new one with POST /webhooks/{replay.Webhook.WebhookId}/rotate-secret.");
        }

        try
        {
            return new IdempotentAnswer<WebhookWithSecretDto>(new WebhookWithSecretDto(replay.Webhook, secrets.Decrypt(replay.SecretCiphertext)), Replayed: true);
        }
        catch (CryptographicException)
        {
            return IdempotencyErrors.ReplayUnavailable(
                $"The first answer to this Idempotency-Key created webhook {replay.Webhook.WebhookId}, but its secret can no longer be shown (the server's webhook secret key changed since). "
                + $"The subscription exists: get a new secret with POST /webhooks/{replay.Webhook.WebhookId}/rotate-secret.");
        }
    }

    /// <summary>The first answer as kept: the secret as the ciphertext the subscription stores, under the same key.</summary>
    internal sealed record StoredAnswer(WebhookDto Webhook, string SecretCiphertext);
}
