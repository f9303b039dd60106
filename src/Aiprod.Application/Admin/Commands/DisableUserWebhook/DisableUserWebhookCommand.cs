using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Webhooks;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Webhooks;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Commands.DisableUserWebhook;

/// <summary>
/// An admin disables any user's webhook subscription (<see cref="WebhookSubscription.DisableByAdmin"/>): the state the
/// dispatcher leaves after failing too long, so nothing more is sent to it until its owner enables it again. Audited as
/// <c>webhook.disabled</c>, the event of that automatic disable, with the admin as actor and the reason.
/// </summary>
public sealed record DisableUserWebhookCommand(WebhookId WebhookId, string Reason) : ICommand<Result<WebhookDto>>, IRetryOnConflict;

public sealed class DisableUserWebhookCommandValidator : AbstractValidator<DisableUserWebhookCommand>
{
    public DisableUserWebhookCommandValidator() => RuleFor(c => c.Reason).MustBeAnAdminReason();
}

public sealed class DisableUserWebhookCommandHandler(IWebhookRepository webhooks, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<DisableUserWebhookCommand, Result<WebhookDto>>
{
    // The dispatcher writes the subscription's row (its run of failures, its own disable) with a version bump, so a
    // disable racing it, or another admin's, is decided again on what that left.
    public async ValueTask<Result<WebhookDto>> Handle(DisableUserWebhookCommand command, CancellationToken cancellationToken)
    {
        var subscription = await webhooks.FindAsync(command.WebhookId, cancellationToken);
        if (subscription is null)
        {
            return AdminErrors.WebhookNotFound;
        }

        var reason = AdminReason.Clean(command.Reason);
        var disabled = subscription.DisableByAdmin(reason, clock.GetUtcNow());
        if (!disabled.IsSuccess)
        {
            return disabled.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.WebhookDisabled, AuditOutcome.Success, Target: subscription.Id.ToString(),
            Details: new Dictionary<string, object?> { ["reason"] = reason, ["owner_id"] = subscription.OwnerId, ["by_admin"] = true }));
        return WebhookDto.Of(subscription);
    }
}
