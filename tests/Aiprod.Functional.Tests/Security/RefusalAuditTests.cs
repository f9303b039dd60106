using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aiprod.Api.Auditing;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.ApiKeys;
using Aiprod.Infrastructure.Audit;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Security;

/// <summary>
/// Refused bearer tokens (<c>access_token.refused</c>) and authorization's 403s (<c>access.forbidden</c>): audited,
/// aggregated per minute so a flood writes one row, never the token. A host per test: the counters live in the host.
/// </summary>
public sealed class RefusalAuditTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly AiprodApiFactory factory;
    private readonly HttpClient client;

    public RefusalAuditTests()
    {
        factory = new AiprodApiFactory(
            new Dictionary<string, string?>
            {
                ["Audit:SealerEnabled"] = "false",
                ["Auth:Passwords:Iterations"] = "100000",
            },
            clock);
        client = factory.CreateClient();
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await factory.DisposeAsync();
    }

    [Fact]
    public async Task AFloodOfGarbageTokens_WritesOneRowAMinute_AndTheNextCarriesTheCount()
    {
        var token = "garbage-" + Guid.NewGuid().ToString("N");

        for (var i = 0; i < 50; i++)
        {
            await (await client.GetWithTokenAsync("/auth/me", token)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_token");
        }

        var row = Assert.Single(await RowsAsync(AuditEventTypes.AccessTokenRefused));
        Assert.Equal(AuditOutcome.Failure, row.Outcome);
        Assert.Equal(ActorKind.Anonymous, row.ActorKind);
        Assert.Null(row.ActorId);
        Assert.Null(row.Target);
        var details = Details(row);
        Assert.Equal("malformed", details.GetProperty("reason").GetString());
        Assert.Equal("GET", details.GetProperty("method").GetString());
        Assert.Equal("/auth/me", details.GetProperty("path").GetString());
        Assert.Equal(0, details.GetProperty("suppressed").GetInt64());

        clock.Advance(RefusalAudit.Window);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", token)).StatusCode);

        var rows = await RowsAsync(AuditEventTypes.AccessTokenRefused);
        Assert.Equal(2, rows.Count);
        Assert.Equal(49, Details(rows[^1]).GetProperty("suppressed").GetInt64());
        await AssertNowhereAsync(token);
    }

    /// <summary>
    /// A flood that stops: no later refusal carries its count, so the host's flusher writes it as a row of its own once
    /// a whole window has passed after the flood's (before that, a refusal may still come and carry it), and only once.
    /// </summary>
    [Fact]
    public async Task AFloodThatStops_IsStillCountedWhole_ByASummaryRow_WrittenOnce()
    {
        var token = "garbage-" + Guid.NewGuid().ToString("N");
        var audit = factory.Services.GetRequiredService<RefusalAudit>();
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", token)).StatusCode);
        }

        Assert.Single(await RowsAsync(AuditEventTypes.AccessTokenRefused));
        clock.Advance(RefusalAudit.Window);
        Assert.Equal(0, audit.FlushHeldCounts());

        // The host's flusher ticks once a window, on the host's clock.
        clock.Advance(RefusalAudit.Window);
        var rows = await RowsAsync(AuditEventTypes.AccessTokenRefused, atLeast: 2);
        Assert.Equal(2, rows.Count);
        var summary = Details(rows[^1]);
        Assert.Equal(29, summary.GetProperty("suppressed").GetInt64());
        Assert.True(summary.GetProperty("summary").GetBoolean());
        Assert.Equal("malformed", summary.GetProperty("reason").GetString());
        Assert.Equal("/auth/me", summary.GetProperty("path").GetString());
        Assert.Null(rows[^1].TraceId);

        // Nothing is held back any more: not written again, not carried again by the next refusal.
        Assert.Equal(0, audit.FlushHeldCounts(all: true));
        clock.Advance(RefusalAudit.Window);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", token)).StatusCode);
        rows = await RowsAsync(AuditEventTypes.AccessTokenRefused);
        Assert.Equal(3, rows.Count);
        // Every refusal counted once: the rows written for a refusal, and the counts (the summary row is none).
        Assert.Equal(31, rows.Count(r => !Details(r).TryGetProperty("summary", out _)) + rows.Sum(r => Details(r).GetProperty("suppressed").GetInt64()));
        await AssertNowhereAsync(token);
    }

    /// <summary>
    /// Flushes racing refusals of one key, across window ends: every refusal is counted exactly once, by its own row
    /// or in the <c>suppressed</c> of exactly one row (a refusal's or a summary's).
    /// </summary>
    [Fact]
    public async Task FlushesRacingRefusals_CountEveryRefusalExactlyOnce()
    {
        var audit = new RefusalAudit(factory.Services.GetRequiredService<IApiKeyFailureAudit>(), clock);
        var refused = 0;
        using var done = new CancellationTokenSource();
        var flushing = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                audit.FlushHeldCounts(all: true);
                await Task.Yield();
            }
        }, Ct);

        for (var round = 0; round < 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            {
                for (var i = 0; i < 100; i++)
                {
                    audit.Refused(Request(1), new Refusal(AuditEventTypes.AccessTokenRefused, "malformed"));
                    Interlocked.Increment(ref refused);
                }
            }, Ct)));
            clock.Advance(RefusalAudit.Window);
        }

        await done.CancelAsync();
        await flushing;
        audit.FlushHeldCounts(all: true);

        var rows = await RowsAsync(AuditEventTypes.AccessTokenRefused);
        Assert.Contains(rows, r => Details(r).TryGetProperty("summary", out _));
        Assert.Equal(refused, rows.Count(r => !Details(r).TryGetProperty("summary", out _)) + rows.Sum(r => Details(r).GetProperty("suppressed").GetInt64()));
    }

    [Fact]
    public async Task ExpiredTokens_AreRefusedAsExpired_AndTheirUnverifiedSubjectGoesNowhere()
    {
        var user = (await client.RegisterAsync("ann@example.com")).Str("id");
        var token = await client.LoginAsync("ann@example.com");
        clock.Advance(TimeSpan.FromHours(1));

        for (var i = 0; i < 50; i++)
        {
            await (await client.GetWithTokenAsync("/auth/me", token)).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_expired");
        }

        var row = Assert.Single(await RowsAsync(AuditEventTypes.AccessTokenRefused));
        Assert.Equal("expired", Details(row).GetProperty("reason").GetString());
        Assert.Equal(ActorKind.Anonymous, row.ActorKind);
        Assert.Null(row.ActorId);
        Assert.Null(row.Target);
        Assert.DoesNotContain(user, row.Details!, StringComparison.Ordinal);

        clock.Advance(RefusalAudit.Window);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", token)).StatusCode);
        Assert.Equal(49, Details((await RowsAsync(AuditEventTypes.AccessTokenRefused))[^1]).GetProperty("suppressed").GetInt64());
        await AssertNowhereAsync(token);
    }

    [Fact]
    public async Task ATokenOfAnEndedSession_NamesItsUserAsTarget_IsSealed_AndTheUserReadsIt()
    {
        var user = (await client.RegisterAsync("ann@example.com")).Str("id");
        var token = await client.LoginAsync("ann@example.com");
        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, "/auth/logout-all", token)).StatusCode);

        for (var i = 0; i < 3; i++)
        {
            await (await client.GetWithTokenAsync("/auth/me", token)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        }

        var row = Assert.Single(await RowsAsync(AuditEventTypes.AccessTokenRefused));
        Assert.Equal(ActorKind.Anonymous, row.ActorKind);
        Assert.Null(row.ActorId);
        Assert.Equal(user, row.Target);
        Assert.Equal("session_ended", Details(row).GetProperty("reason").GetString());
        Assert.True(Guid.TryParse(Details(row).GetProperty("session").GetString(), out _));

        await factory.Services.GetRequiredService<AuditSealer>().SealPendingAsync(Ct);
        var fresh = await client.LoginAsync("ann@example.com");
        var own = await ItemsAsync($"/security/audit-log?type={AuditEventTypes.AccessTokenRefused}", fresh);
        var item = Assert.Single(own);
        Assert.Equal(user, item["target"]!.GetValue<string>());
        Assert.NotNull(item["seq"]);
        Assert.Equal(64, item["hash"]!.GetValue<string>().Length);
        await AssertNowhereAsync(token);
    }

    [Fact]
    public async Task RequestsWithoutACredential_WriteNothing()
    {
        for (var i = 0; i < 5; i++)
        {
            await (await client.GetAsync("/auth/me", Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/admin/users", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/exports", Ct)).StatusCode);
        }

        Assert.Empty(await RowsAsync(AuditEventTypes.AccessTokenRefused));
        Assert.Empty(await RowsAsync(AuditEventTypes.AccessForbidden));
    }

    [Fact]
    public async Task AUserOnAnAdminRoute_IsAuditedAsForbidden_AFloodAggregates_AndTheUserAndAdminsReadIt()
    {
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var user = (await client.RegisterAsync("ann@example.com")).Str("id");
        var token = await client.LoginAsync("ann@example.com");

        for (var i = 0; i < 50; i++)
        {
            await (await client.GetWithTokenAsync("/admin/users", token)).AssertProblemAsync(HttpStatusCode.Forbidden);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/admin/users", admin)).StatusCode);
        var row = Assert.Single(await RowsAsync(AuditEventTypes.AccessForbidden));
        Assert.Equal(ActorKind.User, row.ActorKind);
        Assert.Equal(user, row.ActorId);
        Assert.Equal(AuditOutcome.Failure, row.Outcome);
        var details = Details(row);
        Assert.Equal("role_required", details.GetProperty("reason").GetString());
        Assert.Equal("admin/users", details.GetProperty("route").GetString());
        Assert.Equal("/admin/users", details.GetProperty("path").GetString());
        Assert.Equal(["admin"], details.GetProperty("required_roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["admin"], details.GetProperty("policies").EnumerateArray().Select(r => r.GetString()));

        clock.Advance(RefusalAudit.Window);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetWithTokenAsync("/admin/users", token)).StatusCode);
        var rows = await RowsAsync(AuditEventTypes.AccessForbidden);
        Assert.Equal(2, rows.Count);
        Assert.Equal(49, Details(rows[^1]).GetProperty("suppressed").GetInt64());

        Assert.Equal(2, (await ItemsAsync($"/security/audit-log?type={AuditEventTypes.AccessForbidden}", token)).Count);
        Assert.Equal(2, (await ItemsAsync($"/security/audit-log?type={AuditEventTypes.AccessForbidden}&actor={user}", admin)).Count);
    }

    [Fact]
    public async Task AKeyWithoutTheScope_IsAuditedAsForbidden_WithTheKeyAsActorAndItsOwnerAsTarget()
    {
        var user = (await client.RegisterAsync("ann@example.com")).Str("id");
        var token = await client.LoginAsync("ann@example.com");
        var created = await client.CreateApiKeyAsync(token, new { name = "reader", scopes = new[] { "jobs:read" } });
        var key = created.Str("key");
        var keyId = created["api_key"]!.AsObject().Str("key_id");

        for (var i = 0; i < 10; i++)
        {
            await (await client.GetWithKeyAsync("/exports", key)).AssertProblemAsync(HttpStatusCode.Forbidden);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/exports", token)).StatusCode);
        var row = Assert.Single(await RowsAsync(AuditEventTypes.AccessForbidden));
        Assert.Equal(ActorKind.ApiKey, row.ActorKind);
        Assert.Equal(keyId, row.ActorId);
        Assert.Equal(user, row.Target);
        var details = Details(row);
        Assert.Equal("scope_required", details.GetProperty("reason").GetString());
        Assert.Equal(["exports:read"], details.GetProperty("required_scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(9, await SuppressedAfterAMinuteAsync(() => client.GetWithKeyAsync("/exports", key), AuditEventTypes.AccessForbidden));
        var own = await ItemsAsync($"/security/audit-log?type={AuditEventTypes.AccessForbidden}", token);
        Assert.Equal(2, own.Count);
        Assert.All(own, e => Assert.Equal(keyId, e["actor_id"]!.GetValue<string>()));
        await AssertNowhereAsync(key);
    }

    /// <summary>
    /// Eight tasks refusing at once, twice, across a window's end: one row a window for each kind, and every refusal is
    /// a row or in a row's count.
    /// </summary>
    [Fact]
    public async Task ConcurrentRefusals_WriteOneRowAWindow_AndTheCountsAddUp()
    {
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var garbage = "garbage-" + Guid.NewGuid().ToString("N");

        async Task BurstAsync()
        {
            var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
            {
                var seen = new List<HttpStatusCode>();
                for (var i = 0; i < 25; i++)
                {
                    seen.Add((await client.GetWithTokenAsync("/auth/me", garbage)).StatusCode);
                    seen.Add((await client.GetWithTokenAsync("/admin/users", token)).StatusCode);
                }

                return seen;
            })));
            Assert.Equal(200, statuses.SelectMany(s => s).Count(s => s == HttpStatusCode.Unauthorized));
            Assert.Equal(200, statuses.SelectMany(s => s).Count(s => s == HttpStatusCode.Forbidden));
        }

        await BurstAsync();
        Assert.Single(await RowsAsync(AuditEventTypes.AccessTokenRefused));
        Assert.Single(await RowsAsync(AuditEventTypes.AccessForbidden));

        clock.Advance(RefusalAudit.Window);
        await BurstAsync();
        clock.Advance(RefusalAudit.Window);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/auth/me", garbage)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetWithTokenAsync("/admin/users", token)).StatusCode);

        foreach (var type in new[] { AuditEventTypes.AccessTokenRefused, AuditEventTypes.AccessForbidden })
        {
            var rows = await RowsAsync(type);
            Assert.Equal(3, rows.Count);
            Assert.Equal([0L, 199L, 199L], rows.Select(r => Details(r).GetProperty("suppressed").GetInt64()));
            Assert.Equal(401, rows.Count + rows.Sum(r => Details(r).GetProperty("suppressed").GetInt64()));
        }
    }

    /// <summary>
    /// Past the bound, counters whose window is over and that hold nothing back are dropped, so a new address gets a
    /// count of its own again instead of sharing the overflow entry for the life of the process.
    /// </summary>
    [Fact]
    public async Task WhenFull_SpentCountersAreSwept_SoANewAddressIsCountedOnItsOwn()
    {
        var audit = new RefusalAudit(factory.Services.GetRequiredService<IApiKeyFailureAudit>(), clock, maxTracked: 3);
        void Refuse(int address) => audit.Refused(Request(address), new Refusal(AuditEventTypes.AccessTokenRefused, "malformed"));

        Refuse(1);
        Refuse(2);
        Refuse(3);
        Refuse(4); // full: the overflow entry, written as its window's first
        Refuse(5); // full: the overflow entry again, counted
        Assert.Equal(4, (await RowsAsync(AuditEventTypes.AccessTokenRefused)).Count);

        clock.Advance(RefusalAudit.Window);
        Refuse(6);

        var rows = await RowsAsync(AuditEventTypes.AccessTokenRefused);
        Assert.Equal(5, rows.Count);
        Assert.Equal("10.0.0.6", rows[^1].ClientAddress);
        Assert.Equal(0, Details(rows[^1]).GetProperty("suppressed").GetInt64());

        // The overflow entry still holds its count: it is carried by its next row, not lost in the sweep.
        Refuse(7);
        Refuse(8);
        var last = (await RowsAsync(AuditEventTypes.AccessTokenRefused))[^1];
        Assert.Equal(1, Details(last).GetProperty("suppressed").GetInt64());
    }

    private static DefaultHttpContext Request(int address)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse($"10.0.0.{address}");
        context.Request.Method = "GET";
        context.Request.Path = "/auth/me";
        return context;
    }

    private async Task<long> SuppressedAfterAMinuteAsync(Func<Task<HttpResponseMessage>> send, string type)
    {
        clock.Advance(RefusalAudit.Window);
        await send();
        return Details((await RowsAsync(type))[^1]).GetProperty("suppressed").GetInt64();
    }

    /// <summary>The rows of a type; with <paramref name="atLeast"/>, waits (bounded) for a background writer to get there.</summary>
    private async Task<List<AuditEvent>> RowsAsync(string type, int atLeast = 0)
    {
        for (var i = 0; ; i++)
        {
            await factory.Services.GetRequiredService<ApiKeyUsageFlusher>().FlushAsync(Ct);
            var rows = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == type).OrderBy(e => e.Id).ToListAsync(Ct));
            if (rows.Count >= atLeast || i == 400)
            {
                return rows;
            }

            await Task.Delay(25, Ct);
        }
    }

    /// <summary>The secret is in no field of any audit row.</summary>
    private async Task AssertNowhereAsync(string secret)
    {
        await factory.Services.GetRequiredService<ApiKeyUsageFlusher>().FlushAsync(Ct);
        var rows = await factory.WithDbAsync(db => db.AuditEvents.ToListAsync(Ct));
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.DoesNotContain(secret, string.Join('\n', r.Details, r.Target, r.ActorId, r.UserAgent, r.TraceId, r.ClientAddress), StringComparison.Ordinal));
    }

    private async Task<List<JsonObject>> ItemsAsync(string path, string token)
    {
        var response = await client.GetWithTokenAsync(path, token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return (await response.ReadJsonAsync())["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
    }

    private static JsonElement Details(AuditEvent row) => JsonDocument.Parse(row.Details!).RootElement.Clone();
}
