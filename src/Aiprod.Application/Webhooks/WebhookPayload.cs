using System.Text.Json;

namespace Aiprod.Application.Webhooks;

/// <summary>The body of every delivery, as the Standard Webhooks specification shapes it: <c>{type, timestamp, data}</c>.</summary>
public static class WebhookPayload
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Serialize(string type, DateTimeOffset timestamp, object data) =>
        JsonSerializer.Serialize(new { type, timestamp = timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), data }, Json);
}
