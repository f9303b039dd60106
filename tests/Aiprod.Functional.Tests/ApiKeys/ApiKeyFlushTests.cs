using System.Net;
using Aiprod.Domain.Audit;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.ApiKeys;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.ApiKeys;

/// <summary>
/// The usage and failure-audit flush against a store that refuses writes: a SQLite trigger that aborts every insert
/// into the audit table, on a host whose clock stands still so that only the test flushes.
/// </summary>
public sealed class ApiKeyFlushTests : IAsyncDisposable
{
    private readonly AiprodApiFactory factory = new(clock: new FakeTimeProvider(DateTimeOffset.UtcNow));

    [Fact]
    public async Task FailedKeyAudits_AreKept_WhenTheirWriteFails_AndWrittenOnceTheStoreIsBack()
    {
        var flusher = await UseKeyAsync(goodUses: 0, badUses: 4);

        await AuditStoreDownAsync(true);
        await flusher.FlushAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, await FailureAuditsAsync());

        await AuditStoreDownAsync(false);
        await flusher.FlushAsync(TestContext.Current.CancellationToken);
        Assert.Equal(4, await FailureAuditsAsync());
    }

    [Fact]
    public async Task UsageCounts_WrittenBeforeTheAuditWriteFailed_AreNotCountedTwice()
    {
        var flusher = await UseKeyAsync(goodUses: 3, badUses: 1);

        await AuditStoreDownAsync(true);
        await flusher.FlushAsync(TestContext.Current.CancellationToken);
        await AuditStoreDownAsync(false);
        await flusher.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, await factory.WithDbAsync(db => db.ApiKeys.Select(k => k.UsageCount).SingleAsync()));
    }

    /// <summary>Creates a key, flushes, then authenticates with it and with a mistyped copy of it.</summary>
    private async Task<ApiKeyUsageFlusher> UseKeyAsync(int goodUses, int badUses)
    {
        var client = factory.CreateClient();
        var key = (await client.CreateApiKeyAsync(await client.RegisterAndLoginAsync("ann@example.com"))).Str("key");
        var flusher = factory.Services.GetRequiredService<ApiKeyUsageFlusher>();
        await flusher.FlushAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < goodUses; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", key)).StatusCode);
        }

        for (var i = 0; i < badUses; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithKeyAsync("/api-keys/current", key[..^1] + (key[^1] == 'A' ? 'B' : 'A'))).StatusCode);
        }

        return flusher;
    }

    private Task<int> AuditStoreDownAsync(bool down) => factory.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(down
        ? "CREATE TRIGGER audit_down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit store down'); END"
        : "DROP TRIGGER audit_down"));

    private Task<int> FailureAuditsAsync() =>
        factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType == AuditEventTypes.ApiKeyAuthenticationFailed));

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}
