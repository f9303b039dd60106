using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Webhooks.Commands.CreateWebhook;

/// <summary>
/// Counts the owner's subscriptions and adds one: on SQLite the count is taken under the write lock
/// (<see cref="IDecidesUnderWriteLock"/>), so creates at once cannot all see room under the cap.
/// </summary>
public sealed record CreateWebhookCommand(UserId OwnerId, string? Url, IReadOnlyList<string>? Events, string? Description)
    : ICommand<Result<WebhookWithSecretDto>>, IDecidesUnderWriteLock;

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
    }
}

public sealed class CreateWebhookCommandHandler(IWebhookRepository webhooks, IWebhookSecrets secrets, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<CreateWebhookCommand, Result<WebhookWithSecretDto>>
{
    public async ValueTask<Result<WebhookWithSecretDto>> Handle(CreateWebhookCommand command, CancellationToken cancellationToken)
    {
        if (await webhooks.CountAsync(command.OwnerId, cancellationToken) >= WebhookSubscription.MaxPerOwner)
        {
            return WebhookErrors.TooMany;
        }

        var (secret, ciphertext) = secrets.Generate();
        var subscription = WebhookSubscription.Create(command.OwnerId, command.Url!, command.Events!, command.Description, ciphertext, clock.GetUtcNow());
        webhooks.Add(subscription);
        audit.Record(new AuditEntry(AuditEventTypes.WebhookCreated, AuditOutcome.Success, Target: subscription.Id.ToString(),
            Details: new Dictionary<string, object?> { ["url"] = WebhookRules.AuditedUrl(subscription.Url), ["events"] = subscription.Events }));
        return new WebhookWithSecretDto(WebhookDto.Of(subscription), secret);
    }
}
