using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aiprod.Domain.Audit;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Admin;

internal static class AdminTestKit
{
    public static Task<HttpResponseMessage> AdminPostAsync(this HttpClient client, string path, string token, string reason = "support ticket 4711", object? body = null) =>
        client.SendWithTokenAsync(HttpMethod.Post, path, token, body ?? new { reason });

    /// <summary>The one audit row of <paramref name="type"/> about <paramref name="target"/>; asserts the actor and the reason.</summary>
    public static async Task<JsonElement> AssertAuditedAsync(AiprodApiFactory factory, string type, string target, string actorId, string reason, string reasonField = "reason")
    {
        var rows = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == type && e.Target == target).ToListAsync());
        var row = Assert.Single(rows);
        Assert.Equal(actorId, row.ActorId);
        Assert.Equal(ActorKind.User, row.ActorKind);
        Assert.Equal(AuditOutcome.Success, row.Outcome);
        var details = JsonDocument.Parse(row.Details!).RootElement.Clone();
        Assert.Equal(reason, details.GetProperty(reasonField).GetString());
        return details;
    }

    /// <summary>The role claim an access token was minted with (read from its payload; the signature is the API's to check).</summary>
    public static string? RoleClaimOf(string accessToken)
    {
        var payload = accessToken.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var json = JsonNode.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=')))!.AsObject();
        return json["role"]?.GetValue<string>();
    }

    public static async Task<string> IdOfAsync(this HttpClient client, string token) =>
        (await (await client.GetWithTokenAsync("/auth/me", token)).ReadJsonAsync()).Str("id");

    public static async Task<JsonObject> GetOkAsync(this HttpClient client, string path, string token)
    {
        var response = await client.GetWithTokenAsync(path, token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    public static async Task<JsonArray> GetArrayAsync(this HttpClient client, string path, string token)
    {
        var response = await client.GetWithTokenAsync(path, token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
    }
}
