using Aiprod.Application.Abstractions;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Webhooks.Queries.ListWebhookDeliveries;

public sealed record ListWebhookDeliveriesQuery(UserId OwnerId, WebhookId WebhookId, WebhookDeliveryStatus? Status, int? Limit)
    : IQuery<Result<WebhookDeliveryListDto>>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;
}

public sealed class ListWebhookDeliveriesQueryValidator : AbstractValidator<ListWebhookDeliveriesQuery>
{
    public ListWebhookDeliveriesQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, ListWebhookDeliveriesQuery.MaxLimit).When(q => q.Limit is not null)
            .WithName("limit").WithMessage($"limit must be between 1 and {ListWebhookDeliveriesQuery.MaxLimit}.");
        RuleFor(q => q.Status).IsInEnum().WithName("status").WithMessage("status must be pending, succeeded or failed.");
    }
}

public sealed class ListWebhookDeliveriesQueryHandler(IWebhookRepository webhooks) : IQueryHandler<ListWebhookDeliveriesQuery, Result<WebhookDeliveryListDto>>
{
    public async ValueTask<Result<WebhookDeliveryListDto>> Handle(ListWebhookDeliveriesQuery query, CancellationToken cancellationToken)
    {
        if (await webhooks.FindOwnedAsync(query.OwnerId, query.WebhookId, cancellationToken) is null)
        {
            return WebhookErrors.NotFound;
        }

        var deliveries = await webhooks.ListDeliveriesAsync(query.OwnerId, query.WebhookId, query.Status, query.Limit ?? ListWebhookDeliveriesQuery.DefaultLimit, cancellationToken);
        return new WebhookDeliveryListDto(deliveries.Select(WebhookDeliveryDto.Of).ToList());
    }
}
