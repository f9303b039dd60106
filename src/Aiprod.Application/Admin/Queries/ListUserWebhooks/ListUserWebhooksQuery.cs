using Aiprod.Application.Abstractions;
using Aiprod.Application.Webhooks;
using Aiprod.Application.Webhooks.Queries.ListWebhooks;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Admin.Queries.ListUserWebhooks;

/// <summary>A user's webhook subscriptions, oldest first, never their secrets: the owner's own listing (<see cref="ListWebhooksQuery"/>).</summary>
public sealed record ListUserWebhooksQuery(UserId UserId) : IQuery<Result<WebhookListDto>>;

public sealed class ListUserWebhooksQueryHandler(IUserRepository users, ISender sender) : IQueryHandler<ListUserWebhooksQuery, Result<WebhookListDto>>
{
    public async ValueTask<Result<WebhookListDto>> Handle(ListUserWebhooksQuery query, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(query.UserId, cancellationToken) is null)
        {
            return UserErrors.NotFound;
        }

        return await sender.Send(new ListWebhooksQuery(query.UserId), cancellationToken);
    }
}
