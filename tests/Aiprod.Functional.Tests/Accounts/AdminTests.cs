using System.Net;
using System.Net.Http.Json;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Accounts;

public sealed class AdminTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private Task<string> AdminTokenAsync(HttpClient client) => JobTestKit.RegisterAdminAsync(fixture.Factory, client);

    [Fact]
    public async Task DisableUser_ByAnAdmin_EndsTheUsersSessionsAndLogins()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);
        var ann = await client.RegisterAsync("ann@example.com");
        var annTokens = await client.LoginForTokensAsync("ann@example.com");

        var response = await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{ann.Str("id")}/disable", admin, new { reason = "test: disable" });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await client.GetWithTokenAsync("/auth/me", annTokens.Str("access_token"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.RefreshAsync(annTokens.Str("refresh_token"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken)).StatusCode);
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{ann.Str("id")}/disable", admin, new { reason = "test: disable" })).AssertProblemAsync(HttpStatusCode.Conflict, "already_disabled");
    }

    [Fact]
    public async Task DisableUser_ByAUser_Is403()
    {
        var client = await fixture.CreateClientAsync();
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var ann = await client.RegisterAsync("ann@example.com");

        var response = await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{ann.Str("id")}/disable", bob);

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task DisableUser_Unknown_Is404()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await AdminTokenAsync(client);

        var response = await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{Guid.NewGuid()}/disable", admin, new { reason = "test: disable" });

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }
}
