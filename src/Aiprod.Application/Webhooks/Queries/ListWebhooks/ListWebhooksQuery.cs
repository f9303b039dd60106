using Aiprod.Application.Abstractions;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Webhooks.Queries.ListWebhooks;

public sealed record ListWebhooksQuery(UserId OwnerId) : IQuery<WebhookListDto>;

public sealed class ListWebhooksQueryHandler(IWebhookRepository webhooks) : IQueryHandler<ListWebhooksQuery, WebhookListDto>
{
    public async ValueTask<WebhookListDto> Handle(ListWebhooksQuery query, CancellationToken cancellationToken) =>
        new((await webhooks.ListAsync(query.OwnerId, cancellationToken)).Select(WebhookDto.Of).ToList());
}
