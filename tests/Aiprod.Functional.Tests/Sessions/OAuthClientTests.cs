using System.Net;
using System.Net.Http.Headers;
using Aiprod.Functional.Tests.Infrastructure;
using Duende.IdentityModel.Client;

namespace Aiprod.Functional.Tests.Sessions;

/// <summary>A standard OAuth 2.0 client (Duende.IdentityModel) drives /connect/token, /connect/revocation and /connect/introspect.</summary>
public sealed class OAuthClientTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private const string ClientId = "aiprod-tests";

    private static Uri At(HttpClient client, string path) => new(client.BaseAddress!, path);

    private async Task<(HttpClient Client, string Access, string Refresh)> LoggedInAsync()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var tokens = await client.LoginForTokensAsync("ann@example.com");
        return (client, tokens.Str("access_token"), tokens.Str("refresh_token"));
    }

    [Fact]
    public async Task RefreshTokenGrant_RotatesTheTokens()
    {
        var (client, _, refresh) = await LoggedInAsync();

        var response = await client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = At(client, "/connect/token").ToString(),
            ClientId = ClientId,
            RefreshToken = refresh,
        }, TestContext.Current.CancellationToken);

        Assert.False(response.IsError, response.Error);
        Assert.Equal("Bearer", response.TokenType);
        Assert.Equal(900, response.ExpiresIn);
        Assert.NotEqual(refresh, response.RefreshToken);
        Assert.Equal("no-store", response.HttpResponse!.Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", response.AccessToken!)).StatusCode);
    }

    [Fact]
    public async Task RefreshTokenGrant_WithAnUnknownToken_IsInvalidGrant()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = At(client, "/connect/token").ToString(),
            ClientId = ClientId,
            RefreshToken = "unknown-token",
        }, TestContext.Current.CancellationToken);

        Assert.True(response.IsError);
        Assert.Equal("invalid_grant", response.Error);
        Assert.Equal(HttpStatusCode.BadRequest, response.HttpStatusCode);
    }

    [Fact]
    public async Task PasswordGrant_IsRefusedByDefault()
    {
        var (client, _, _) = await LoggedInAsync();

        var response = await client.RequestPasswordTokenAsync(new PasswordTokenRequest
        {
            Address = At(client, "/connect/token").ToString(),
            ClientId = ClientId,
            UserName = "ann@example.com",
            Password = ApiClientExtensions.DefaultPassword,
        }, TestContext.Current.CancellationToken);

        Assert.True(response.IsError);
        Assert.Equal("unsupported_grant_type", response.Error);
    }

    [Fact]
    public async Task UnknownGrantAndMissingFields_AreOAuthErrors()
    {
        var client = await fixture.CreateClientAsync();

        var unknown = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }), TestContext.Current.CancellationToken);
        var missing = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "refresh_token" }), TestContext.Current.CancellationToken);
        var none = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>()), TestContext.Current.CancellationToken);

        Assert.Equal("unsupported_grant_type", (await unknown.ReadJsonAsync()).Str("error"));
        Assert.Equal("invalid_request", (await missing.ReadJsonAsync()).Str("error"));
        Assert.Equal("invalid_request", (await none.ReadJsonAsync()).Str("error"));
        Assert.All(new[] { unknown, missing, none }, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
    }

    [Fact]
    public async Task Revocation_OfARefreshToken_EndsTheSession()
    {
        var (client, access, refresh) = await LoggedInAsync();

        var revoked = await client.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = At(client, "/connect/revocation").ToString(),
            ClientId = ClientId,
            Token = refresh,
            TokenTypeHint = "refresh_token",
        }, TestContext.Current.CancellationToken);

        Assert.False(revoked.IsError, revoked.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.RefreshAsync(refresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", access)).StatusCode);
    }

    [Fact]
    public async Task Revocation_OfAnAccessTokenWithAWrongHint_StillEndsTheSession()
    {
        var (client, access, refresh) = await LoggedInAsync();

        var revoked = await client.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = At(client, "/connect/revocation").ToString(),
            ClientId = ClientId,
            Token = access,
            TokenTypeHint = "refresh_token",
        }, TestContext.Current.CancellationToken);

        Assert.False(revoked.IsError, revoked.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", access)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.RefreshAsync(refresh)).StatusCode);
    }

    [Fact]
    public async Task Revocation_OfAnUnknownToken_Is200()
    {
        var client = await fixture.CreateClientAsync();

        var revoked = await client.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = At(client, "/connect/revocation").ToString(),
            ClientId = ClientId,
            Token = "never-issued",
        }, TestContext.Current.CancellationToken);

        Assert.False(revoked.IsError, revoked.Error);
        Assert.Equal(HttpStatusCode.OK, revoked.HttpStatusCode);
    }

    private static async Task<TokenIntrospectionResponse> IntrospectAsync(HttpClient client, string callerAccessToken, string token, string? hint = null)
    {
        var request = new TokenIntrospectionRequest
        {
            Address = At(client, "/connect/introspect").ToString(),
            ClientId = ClientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            Token = token,
            TokenTypeHint = hint,
        };
        // RFC 7662 §2.1: the caller authenticates; here, with its own access token.
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", callerAccessToken);
        return await client.IntrospectTokenAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Introspection_OfActiveTokens_DescribesThem()
    {
        var (client, access, refresh) = await LoggedInAsync();

        var ofRefresh = await IntrospectAsync(client, access, refresh);
        var ofAccess = await IntrospectAsync(client, access, access, "access_token");

        Assert.False(ofRefresh.IsError, ofRefresh.Error);
        Assert.True(ofRefresh.IsActive);
        Assert.Equal("refresh_token", ofRefresh.TokenType);
        Assert.Equal("ann@example.com", ofRefresh.UserName);
        Assert.True(ofAccess.IsActive);
        Assert.Equal("access_token", ofAccess.TokenType);
        Assert.Equal(ofRefresh.Subject, ofAccess.Subject);
        Assert.NotNull(ofAccess.Expiration);
    }

    [Fact]
    public async Task Introspection_OfAnInactiveToken_SaysOnlyActiveFalse()
    {
        var (client, access, refresh) = await LoggedInAsync();
        var rotated = await (await client.RefreshAsync(refresh)).ReadJsonAsync();

        var response = await IntrospectAsync(client, rotated.Str("access_token"), refresh);

        Assert.False(response.IsError, response.Error);
        Assert.False(response.IsActive);
        Assert.Equal(["active"], response.Json!.Value.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Introspection_OfSomeoneElsesToken_IsInactive()
    {
        var (client, _, annRefresh) = await LoggedInAsync();
        await client.RegisterAsync("bob@example.com");
        var bob = await client.LoginAsync("bob@example.com");

        var response = await IntrospectAsync(client, bob, annRefresh);

        Assert.False(response.IsActive);
    }

    [Fact]
    public async Task Introspection_WithoutAuthentication_Is401()
    {
        var (client, _, refresh) = await LoggedInAsync();

        var response = await client.PostAsync("/connect/introspect", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = refresh }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

/// <summary>Where an operator enabled the password grant.</summary>
public sealed class PasswordGrantEnabledTests
{
    [Fact]
    public async Task PasswordGrant_WhenEnabled_IssuesTokens_AndRefusesAWrongPassword()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Auth:PasswordGrant:Enabled"] = "true" });
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");
        var address = new Uri(client.BaseAddress!, "/connect/token").ToString();

        var ok = await client.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = address, ClientId = "aiprod-tests", UserName = "ann@example.com", Password = ApiClientExtensions.DefaultPassword }, TestContext.Current.CancellationToken);
        var wrong = await client.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = address, ClientId = "aiprod-tests", UserName = "ann@example.com", Password = "not the password" }, TestContext.Current.CancellationToken);

        Assert.False(ok.IsError, ok.Error);
        Assert.False(string.IsNullOrEmpty(ok.RefreshToken));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", ok.AccessToken!)).StatusCode);
        Assert.Equal("invalid_grant", wrong.Error);
    }
}

/// <summary>Reuse through the OAuth client, with no leeway.</summary>
public sealed class OAuthReuseTests(NoLeewayApiFixture fixture) : IClassFixture<NoLeewayApiFixture>
{
    [Fact]
    public async Task ReplayingARotatedRefreshToken_IsInvalidGrant_AndKillsTheLiveAccessToken()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var login = await client.LoginForTokensAsync("ann@example.com");
        var request = new RefreshTokenRequest { Address = new Uri(client.BaseAddress!, "/connect/token").ToString(), ClientId = "aiprod-tests", RefreshToken = login.Str("refresh_token") };
        var rotated = await client.RequestRefreshTokenAsync(request, TestContext.Current.CancellationToken);
        Assert.False(rotated.IsError, rotated.Error);
        fixture.Clock.Advance(TimeSpan.FromMilliseconds(5));

        var replay = await client.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = request.Address, ClientId = request.ClientId, RefreshToken = login.Str("refresh_token") }, TestContext.Current.CancellationToken);

        Assert.Equal("invalid_grant", replay.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", rotated.AccessToken!)).StatusCode);
    }
}
