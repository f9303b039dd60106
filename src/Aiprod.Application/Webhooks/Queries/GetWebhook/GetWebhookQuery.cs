using Aiprod.Application.Abstractions;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Mediator;

namespace Aiprod.Application.Webhooks.Queries.GetWebhook;

public sealed record GetWebhookQuery(UserId OwnerId, WebhookId WebhookId) : IQuery<Result<WebhookDto>>;

public sealed class GetWebhookQueryHandler(IWebhookRepository webhooks) : IQueryHandler<GetWebhookQuery, Result<WebhookDto>>
{
    public async ValueTask<Result<WebhookDto>> Handle(GetWebhookQuery query, CancellationToken cancellationToken) =>
        await webhooks.FindOwnedAsync(query.OwnerId, query.WebhookId, cancellationToken) is { } subscription
            ? WebhookDto.Of(subscription)
            : WebhookErrors.NotFound;
}
