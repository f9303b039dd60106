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

    /// <summary>
    /// What the audit log keeps of a subscription's URL: scheme, host and port. Receivers such as Slack carry their
    /// token in the path or query, and the audit log is read by more people, for longer, than the subscription.
    /// </summary>
    public static string AuditedUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Host}:{uri.Port}" : "(not a URL)";

    public static bool IsAcceptableUrl(string url, bool allowHttp) =>
        url.Length <= WebhookSubscription.UrlMaxLength
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (allowHttp && uri.Scheme == Uri.UriSchemeHttp))
        && string.IsNullOrEmpty(uri.UserInfo)
        && !string.IsNullOrEmpty(uri.Host)
        && !url.Any(char.IsControl);
}
