using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Webhooks.Commands.RotateWebhookSecret;

/// <summary>
/// A new signing secret; the one it replaces keeps signing beside it for <see cref="WebhookOptions.SecretRotationOverlap"/>,
/// so deliveries carry both signatures until the receiver has switched. A secret an earlier rotation kept is dropped.
/// <see cref="RevokePrevious"/> (the old secret leaked): the old secret stops signing at once, and only the new one signs.
/// </summary>
public sealed record RotateWebhookSecretCommand(UserId OwnerId, WebhookId WebhookId, bool RevokePrevious = false) : ICommand<Result<WebhookWithSecretDto>>, IRetryOnConflict;

public sealed class RotateWebhookSecretCommandHandler(IWebhookRepository webhooks, IWebhookSecrets secrets, IAuditLog audit, IOptions<WebhookOptions> options, TimeProvider clock)
    : ICommandHandler<RotateWebhookSecretCommand, Result<WebhookWithSecretDto>>
{
    public async ValueTask<Result<WebhookWithSecretDto>> Handle(RotateWebhookSecretCommand command, CancellationToken cancellationToken)
    {
        var subscription = await webhooks.FindOwnedAsync(command.OwnerId, command.WebhookId, cancellationToken);
        if (subscription is null)
        {
            return WebhookErrors.NotFound;
        }

        var (secret, ciphertext) = secrets.Generate();
        subscription.RotateSecret(ciphertext, options.Value.SecretRotationOverlap, clock.GetUtcNow(), command.RevokePrevious);
        audit.Record(new AuditEntry(AuditEventTypes.WebhookSecretRotated, AuditOutcome.Success, Target: subscription.Id.ToString(),
            Details: new Dictionary<string, object?>
            {
                ["previous_secret_expires_at"] = subscription.PreviousSecretExpiresAt,
                ["revoke_previous"] = command.RevokePrevious,
            }));
        return new WebhookWithSecretDto(WebhookDto.Of(subscription), secret);
    }
}
