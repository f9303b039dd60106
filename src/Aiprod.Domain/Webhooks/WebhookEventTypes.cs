namespace Aiprod.Domain.Webhooks;

/// <summary>
/// The events a subscription may ask for, named like the audit events (<c>resource.action</c>), so a consumer learns
/// one vocabulary. <see cref="Ping"/> is sent only by <c>POST /webhooks/{id}/test</c>, to whatever the subscription asked for.
/// </summary>
public static class WebhookEventTypes
{
    public const string JobCompleted = "job.completed";
    public const string JobFailed = "job.failed";
    public const string JobCancelled = "job.cancelled";
    public const string ExportSucceeded = "export.succeeded";
    public const string ExportFailed = "export.failed";
    public const string ApiKeyExpiring = "api_key.expiring";
    public const string ApiKeyRevoked = "api_key.revoked";
    public const string Ping = "webhook.ping";

    public static IReadOnlyList<string> Subscribable { get; } =
        [JobCompleted, JobFailed, JobCancelled, ExportSucceeded, ExportFailed, ApiKeyExpiring, ApiKeyRevoked];
}
