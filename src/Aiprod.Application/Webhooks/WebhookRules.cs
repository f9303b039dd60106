using Aiprod.Domain.Webhooks;
using FluentValidation;

namespace Aiprod.Application.Webhooks;

/// <summary>The checks a subscription's URL and events get when they are given; the address is checked again at every send.</summary>
public static class WebhookRules
{
    public static IRuleBuilderOptions<T, string?> MustBeWebhookUrl<T>(this IRuleBuilder<T, string?> rule, bool allowHttp) =>
        rule.Must(url => IsAcceptableUrl(url!, allowHttp))
            .WithMessage(allowHttp
                ? $"url must be an absolute http or https URL of at most {WebhookSubscription.UrlMaxLength} characters, without user name or password."
                : $"url must be an absolute https URL of at most {WebhookSubscription.UrlMaxLength} characters, without user name or password.");

    public static IRuleBuilderOptions<T, IReadOnlyList<string>?> MustBeWebhookEvents<T>(this IRuleBuilder<T, IReadOnlyList<string>?> rule) =>
        rule.Must(events => events!.Count is >= 1 and <= 20 && events.All(e => e is not null && WebhookEventTypes.Subscribable.Contains(e)))
            .WithMessage($"events lists 1 or more of: {string.Join(", ", WebhookEventTypes.Subscribable)}.");

    public static bool IsAcceptableUrl(string url, bool allowHttp) =>
        url.Length <= WebhookSubscription.UrlMaxLength
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (allowHttp && uri.Scheme == Uri.UriSchemeHttp))
        && string.IsNullOrEmpty(uri.UserInfo)
        && !string.IsNullOrEmpty(uri.Host)
        && !url.Any(char.IsControl);
}
