using System.Security.Cryptography;
using System.Text;

namespace Aiprod.Infrastructure.Webhooks;

/// <summary>
/// Signatures of the Standard Webhooks specification: HMAC-SHA256, keyed with the base64 after <c>whsec_</c>, over
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>, sent as <c>v1,&lt;base64&gt;</c>; several, space-separated, while a
/// rotated-out secret still signs.
/// </summary>
public static class StandardWebhookSigner
{
    public static string Sign(IEnumerable<string> secrets, string messageId, long timestamp, string body)
    {
        var content = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}");
        return string.Join(' ', secrets.Select(secret => "v1," + Convert.ToBase64String(HMACSHA256.HashData(KeyOf(secret), content))));
    }

    private static byte[] KeyOf(string secret) =>
        Convert.FromBase64String(secret.StartsWith(WebhookSecretBox.SecretPrefix, StringComparison.Ordinal) ? secret[WebhookSecretBox.SecretPrefix.Length..] : secret);
}
