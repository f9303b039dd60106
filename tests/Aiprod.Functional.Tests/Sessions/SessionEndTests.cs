using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Functional.Tests.Sessions;

/// <summary>No access token outlives its session: near the family's absolute end, exp is the end.</summary>
public sealed class SessionEndTests : IAsyncDisposable
{
    // A whole second, so that the session's end and exp (whole seconds) can be compared exactly.
    private readonly FakeTimeProvider clock = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private readonly AiprodApiFactory factory;

    public SessionEndTests() => factory = new AiprodApiFactory(
        new Dictionary<string, string?>
        {
            ["Auth:RefreshTokens:FamilyLifetime"] = "00:20:00",
            ["Auth:RefreshTokens:TokenLifetime"] = "00:20:00",
        },
        clock);

    [Fact]
    public async Task ARefreshNearTheEndOfTheSession_GivesAnAccessTokenThatExpiresWithIt()
    {
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");
        var login = await client.LoginForTokensAsync("ann@example.com");
        var sessionEnds = clock.GetUtcNow().AddMinutes(20);
        Assert.Equal(900, login["expires_in"]!.GetValue<int>());

        clock.Advance(TimeSpan.FromMinutes(10));
        var refreshed = await (await client.RefreshAsync(login.Str("refresh_token"))).ReadJsonAsync();

        var jwt = new JsonWebToken(refreshed.Str("access_token"));
        Assert.Equal(sessionEnds.UtcDateTime, jwt.ValidTo);
        Assert.Equal(600, refreshed["expires_in"]!.GetValue<int>());
        Assert.Equal(sessionEnds, await factory.WithDbAsync(db => db.RefreshTokenFamilies.Select(f => f.ExpiresAt).SingleAsync()));
    }

    [Fact]
    public async Task ASessionShorterThanTheTokenLifetime_CapsTheFirstToken()
    {
        await using var shortSessions = new AiprodApiFactory(
            new Dictionary<string, string?>
            {
                ["Auth:RefreshTokens:FamilyLifetime"] = "00:05:00",
                ["Auth:RefreshTokens:TokenLifetime"] = "00:05:00",
            },
            clock);
        var client = shortSessions.CreateClient();
        await client.RegisterAsync("ann@example.com");

        var login = await client.LoginForTokensAsync("ann@example.com");

        Assert.Equal(300, login["expires_in"]!.GetValue<int>());
        Assert.Equal(clock.GetUtcNow().AddMinutes(5).UtcDateTime, new JsonWebToken(login.Str("access_token")).ValidTo);
    }

    [Fact]
    public async Task ATokenIssuedHoursAhead_OnTheHostsClock_IsValidByThatClock()
    {
        // The host's clock decides a token's lifetime both where it is issued and where it is checked: a token issued
        // after the clock moved on (two hours ahead of the machine's) must not read as not yet valid.
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");
        clock.Advance(TimeSpan.FromHours(2));

        var token = await client.LoginAsync("ann@example.com");

        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", token)).StatusCode);
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}
