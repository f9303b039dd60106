using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Mediator;

namespace Aiprod.Application.Webhooks.Commands.DeleteWebhook;

/// <summary>Deletes the subscription with its deliveries; nothing more is sent to it.</summary>
public sealed record DeleteWebhookCommand(UserId OwnerId, WebhookId WebhookId) : ICommand<Result<Done>>;

public sealed class DeleteWebhookCommandHandler(IWebhookRepository webhooks, IAuditLog audit) : ICommandHandler<DeleteWebhookCommand, Result<Done>>
{
    public async ValueTask<Result<Done>> Handle(DeleteWebhookCommand command, CancellationToken cancellationToken)
    {
        var subscription = await webhooks.FindOwnedAsync(command.OwnerId, command.WebhookId, cancellationToken);
        if (subscription is null)
        {
            return WebhookErrors.NotFound;
        }

        webhooks.Remove(subscription);
        audit.Record(new AuditEntry(AuditEventTypes.WebhookDeleted, AuditOutcome.Success, Target: subscription.Id.ToString()));
        return Done.Value;
    }
}
