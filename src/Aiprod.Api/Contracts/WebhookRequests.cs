using System.Text.Json.Serialization;
using Aiprod.Api.OpenApi;
using Aiprod.Application.Webhooks.Commands.CreateWebhook;
using Aiprod.Application.Webhooks.Commands.RotateWebhookSecret;
using Aiprod.Application.Webhooks.Commands.UpdateWebhook;

namespace Aiprod.Api.Contracts;

/// <summary>A new webhook subscription.</summary>
/// <param name="Url">Where deliveries are POSTed: an absolute `https` URL (plain `http` only where the operator allows it), at most 2,048 characters, without user name or password. It must resolve to a public address when each delivery is sent.</param>
/// <param name="Events">The events to receive: `job.completed`, `job.failed`, `job.cancelled`, `export.succeeded`, `export.failed`, `api_key.expiring`, `api_key.revoked`.</param>
/// <param name="Description">A note for the owner, at most 500 characters.</param>
[ValidatedAs(typeof(CreateWebhookCommand))]
public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description) : IRequestExample<CreateWebhookRequest>
{
    public static CreateWebhookRequest Example => new("https://hooks.example.com/aiprod", ["job.completed", "job.failed"], "render notifications");
}

/// <summary>Changes to a subscription; what is left out stays.</summary>
/// <param name="Url">A new URL, under the rules of creation.</param>
/// <param name="Events">A new list of events.</param>
/// <param name="Description">A new note.</param>
/// <param name="Enabled">`false` stops deliveries; `true` enables a disabled subscription again (clearing why it was disabled).</param>
[ValidatedAs(typeof(UpdateWebhookCommand))]
public sealed record UpdateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description, bool? Enabled) : IRequestExample<UpdateWebhookRequest>
{
    public static UpdateWebhookRequest Example => new(null, ["job.completed", "job.failed", "job.cancelled"], null, true);
}

/// <summary>A secret rotation; the body is optional.</summary>
/// <param name="RevokePrevious">`true` (the old secret leaked): the old secret stops signing at once, instead of signing beside the new one for 24 hours. Default `false`.</param>
[ValidatedAs(typeof(RotateWebhookSecretCommand))]
// A misspelt member ("revokePrevious") must not pass as "no revocation": after a leak the old secret would go on
// signing for 24 hours while the caller believes it stopped. An unknown member is a 400.
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RotateWebhookSecretRequest(bool? RevokePrevious) : IRequestExample<RotateWebhookSecretRequest>
{
    public static RotateWebhookSecretRequest Example => new(true);
}
