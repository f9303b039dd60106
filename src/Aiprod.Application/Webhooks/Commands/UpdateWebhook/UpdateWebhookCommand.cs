using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Webhooks.Commands.UpdateWebhook;

/// <summary>Changes what is given (null leaves it); <c>enabled: true</c> re-enables a disabled subscription.</summary>
public sealed record UpdateWebhookCommand(UserId OwnerId, WebhookId WebhookId, string? Url, IReadOnlyList<string>? Events, string? Description, bool? Enabled)
    : ICommand<Result<WebhookDto>>, IRetryOnConflict;

public sealed class UpdateWebhookCommandValidator : AbstractValidator<UpdateWebhookCommand>
{
    public UpdateWebhookCommandValidator(IOptions<WebhookOptions> options)
    {
        RuleFor(c => c.Url).MustBeWebhookUrl(options.Value.AllowHttp).When(c => c.Url is not null);
        RuleFor(c => c.Events).MustBeWebhookEvents().When(c => c.Events is not null);
        RuleFor(c => c.Description).MaximumLength(WebhookSubscription.DescriptionMaxLength)
            .WithMessage($"description is at most {WebhookSubscription.DescriptionMaxLength} characters.");
    }
}

public sealed class UpdateWebhookCommandHandler(IWebhookRepository webhooks, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<UpdateWebhookCommand, Result<WebhookDto>>
{
    public async ValueTask<Result<WebhookDto>> Handle(UpdateWebhookCommand command, CancellationToken cancellationToken)
    {
        var subscription = await webhooks.FindOwnedAsync(command.OwnerId, command.WebhookId, cancellationToken);
        if (subscription is null)
        {
            return WebhookErrors.NotFound;
        }

        subscription.Update(command.Url, command.Events, command.Description, command.Enabled, clock.GetUtcNow());
        audit.Record(new AuditEntry(AuditEventTypes.WebhookUpdated, AuditOutcome.Success, Target: subscription.Id.ToString(),
            Details: new Dictionary<string, object?> { ["url"] = WebhookRules.AuditedUrl(subscription.Url), ["events"] = subscription.Events, ["enabled"] = subscription.Enabled }));
        return WebhookDto.Of(subscription);
    }
}
