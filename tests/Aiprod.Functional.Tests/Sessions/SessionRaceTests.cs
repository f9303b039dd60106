using System.Net;
using System.Net.Http.Json;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Users;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Sessions;

/// <summary>Sessions issued and refreshed while they are ended, on every database provider.</summary>
public abstract class SessionRaceTests(IApiFixture fixture)
{
    [DatabaseFact]
    public async Task RefreshesRacingALogout_NoneCommitsIntoTheEndedSession()
    {
        var client = await fixture.CreateClientAsync();
        await client.RegisterAsync("ann@example.com");

        for (var round = 0; round < 12; round++)
        {
            var login = await client.LoginForTokensAsync("ann@example.com");
            var racing = await Task.WhenAll(
                client.RefreshAsync(login.Str("refresh_token")),
                client.RefreshAsync(login.Str("refresh_token")),
                client.RefreshAsync(login.Str("refresh_token")),
                client.SendWithTokenAsync(HttpMethod.Post, "/auth/logout-all", login.Str("access_token")));

            Assert.All(racing, r => Assert.True((int)r.StatusCode < 500, $"round {round}: got {(int)r.StatusCode}"));
            Assert.Equal(HttpStatusCode.OK, racing[^1].StatusCode);
            foreach (var refreshed in racing[..^1].Where(r => r.StatusCode == HttpStatusCode.OK))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await client.RefreshAsync((await refreshed.ReadJsonAsync()).Str("refresh_token"))).StatusCode);
            }

            // The audit log is written in the transaction of each change, in commit order: a refresh recorded after
            // the revocation committed into a session that had already ended.
            var events = await fixture.Factory.WithDbAsync(db => db.AuditEvents
                .Where(e => e.EventType == AuditEventTypes.TokenRefreshed || e.EventType == AuditEventTypes.SessionRevoked)
                .OrderBy(e => e.Id).Select(e => new { e.EventType, e.Target }).ToListAsync());
            var family = events.Last(e => e.EventType == AuditEventTypes.SessionRevoked).Target;
            var endedAt = events.FindLastIndex(e => e.EventType == AuditEventTypes.SessionRevoked && e.Target == family);
            Assert.DoesNotContain(events.Skip(endedAt), e => e.EventType == AuditEventTypes.TokenRefreshed && e.Target == family);
        }
    }

    [DatabaseFact]
    public async Task LoginsRacingADisable_NoSessionSurvives()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await JobTestKit.RegisterAdminAsync(fixture.Factory, client);

        for (var round = 0; round < 12; round++)
        {
            var email = $"user{round}@example.com";
            var user = await client.RegisterAsync(email);

            var racing = await Task.WhenAll(Enumerable.Range(0, 3)
                .Select(_ => client.PostAsJsonAsync("/auth/login", new { email, password = ApiClientExtensions.DefaultPassword }))
                .Append(client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{user.Str("id")}/disable", admin, new { reason = "test: disable" })));

            Assert.True(racing[^1].StatusCode == HttpStatusCode.NoContent, await racing[^1].Content.ReadAsStringAsync());
            Assert.All(racing[..^1], r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"round {round}: got {(int)r.StatusCode}"));
            var live = await fixture.Factory.WithDbAsync(db => db.RefreshTokenFamilies.CountAsync(f => f.UserId == new UserId(Guid.Parse(user.Str("id"))) && f.RevokedAt == null));
            Assert.True(live == 0, $"round {round}: {live} session(s) outlived the disable");
            foreach (var login in racing[..^1].Where(r => r.StatusCode == HttpStatusCode.OK))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", (await login.ReadJsonAsync()).Str("access_token"))).StatusCode);
            }
        }
    }
}

public sealed class SqliteSessionRaceTests(SqliteApiFixture fixture) : SessionRaceTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class SqlServerSessionRaceTests(SqlServerApiFixture fixture) : SessionRaceTests(fixture), IClassFixture<SqlServerApiFixture>;
