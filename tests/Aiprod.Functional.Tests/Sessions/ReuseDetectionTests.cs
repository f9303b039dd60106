using System.Net;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Sessions;

/// <summary>
/// A host with no reuse leeway, so that any second presentation of a redeemed token is a replay, on a clock the
/// tests step past the redemption instead of waiting.
/// </summary>
public sealed class NoLeewayApiFixture : IAsyncLifetime
{
    public NoLeewayApiFixture() =>
        Factory = new(new Dictionary<string, string?> { ["Auth:RefreshTokens:ReuseLeeway"] = "00:00:00" }, clock: Clock);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public AiprodApiFactory Factory { get; }

    public async Task<HttpClient> CreateClientAsync()
    {
        await Factory.ResetAsync();
        return Factory.CreateClient();
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}

public sealed class ReuseDetectionTests(NoLeewayApiFixture fixture) : IClassFixture<NoLeewayApiFixture>
{
    [Fact]
    public async Task ReusingARotatedToken_RevokesTheFamily_ItsAccessTokenAndItsNewestRefreshToken()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var login = await client.LoginForTokensAsync("ann@example.com");
        var rotated = await (await client.RefreshAsync(login.Str("refresh_token"))).ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", rotated.Str("access_token"))).StatusCode);
        fixture.Clock.Advance(TimeSpan.FromMilliseconds(5));

        var replay = await client.RefreshAsync(login.Str("refresh_token"));

        await replay.AssertProblemAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");
        await (await client.GetWithTokenAsync("/auth/me", rotated.Str("access_token"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await client.GetWithTokenAsync("/auth/me", login.Str("access_token"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await client.RefreshAsync(rotated.Str("refresh_token"))).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        var reuse = await fixture.Factory.WithDbAsync(db => db.AuditEvents.SingleAsync(e => e.EventType == "token.reuse_detected"));
        Assert.Contains("token_hash_prefix", reuse.Details, StringComparison.Ordinal);
        Assert.DoesNotContain(login.Str("refresh_token"), reuse.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParallelRefreshesOfOneToken_LeaveOneWinnerAndNoLiveLine_Without5xx()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");
        var login = await client.LoginForTokensAsync("ann@example.com");

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => client.RefreshAsync(login.Str("refresh_token"))));

        Assert.All(responses, r => Assert.True((int)r.StatusCode < 500, $"got {(int)r.StatusCode}"));
        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Single(winners);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        var live = await fixture.Factory.WithDbAsync(db => db.RefreshTokens.CountAsync(t => t.Generation == 1));
        Assert.Equal(1, live);

        // The losers were replays outside the (zero) leeway: the family is gone, the winner's tokens with it.
        var winner = await winners[0].ReadJsonAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.RefreshAsync(winner.Str("refresh_token"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", winner.Str("access_token"))).StatusCode);
    }
}
