using System.Net;
using System.Net.Http.Json;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Api;

/// <summary>Every answer that carries a token or a new key says <c>Cache-Control: no-store</c>, and so do the OAuth token endpoint's errors.</summary>
public sealed class NoStoreTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnswersCarryingSecrets_AreNeverStored()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var answers = new Dictionary<string, HttpResponseMessage>();

        var login = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, Ct);
        answers["login"] = login;
        var tokens = await login.ReadJsonAsync();
        var access = tokens.Str("access_token");
        var refresh = await client.RefreshAsync(tokens.Str("refresh_token"));
        answers["refresh"] = refresh;
        var refreshed = await refresh.ReadJsonAsync();
        answers["connect/token"] = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshed.Str("refresh_token"),
        }), Ct);
        answers["connect/token error"] = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "nonsense" }), Ct);
        var introspect = new HttpRequestMessage(HttpMethod.Post, "/connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = access }),
        }.WithBearer(access);
        answers["connect/introspect"] = await client.SendAsync(introspect, Ct);
        var created = await client.SendWithTokenAsync(HttpMethod.Post, "/api-keys/create", access, new { name = "k" });
        answers["api-keys/create"] = created;
        var keyId = (await created.ReadJsonAsync())["api_key"]!["key_id"]!.GetValue<string>();
        answers["api-keys/rotate"] = await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{keyId}/rotate", access, new { grace_period_seconds = 0 });

        Assert.All(answers, a => Assert.True(
            a.Value.Headers.CacheControl?.NoStore == true,
            $"{a.Key}: {(int)a.Value.StatusCode} Cache-Control: {a.Value.Headers.CacheControl}"));
        Assert.Equal(HttpStatusCode.OK, answers["connect/introspect"].StatusCode);
        Assert.Equal(HttpStatusCode.Created, answers["api-keys/rotate"].StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, answers["connect/token error"].StatusCode);
        Assert.Equal(HttpStatusCode.OK, answers["connect/token"].StatusCode);
    }
}
