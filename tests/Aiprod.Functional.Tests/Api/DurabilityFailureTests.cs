using System.Net;
using System.Net.Http.Json;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Api;

/// <summary>
/// The WAL's fsync fails (a disk going bad): the write whose sync failed answers 503 write_not_durable (applied,
/// durability unknown), and every later write 503 writes_suspended without writing anything; never 500.
/// </summary>
public sealed class DurabilityFailureTests
{
    [Fact]
    public async Task AFailedFsync_Is503WriteNotDurable_AndLaterWritesAre503WritesSuspended_WritingNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var sync = new FailingSync();
        // The audit sealer writes in the background; had its fsync met the failing disk first, the register below would
        // find writes already suspended. The test is about the request whose own sync fails, so no other writer runs.
        await using var factory = new AiprodApiFactory(
            new Dictionary<string, string?> { ["Audit:SealerEnabled"] = "false" },
            replaceServices: s => s.AddSingleton<ISqliteWalSync>(sync));
        var client = factory.CreateClient();
        await client.RegisterAsync("first@example.com");

        sync.Failing = true;
        var notDurable = await client.PostAsJsonAsync("/auth/register", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, ct);
        await notDurable.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "write_not_durable");

        // The disk may come back (a later fsync succeeds), but nothing after the lost write is durable any more.
        sync.Failing = false;
        var refused = await client.PostAsJsonAsync("/auth/register", new { email = "bob@example.com", password = ApiClientExtensions.DefaultPassword }, ct);
        var problem = await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "writes_suspended");
        Assert.DoesNotContain("fsync", problem.ToJsonString(), StringComparison.OrdinalIgnoreCase);

        Assert.Equal(2, await factory.WithDbAsync(db => db.Users.CountAsync(ct)));
    }

    private sealed class FailingSync : ISqliteWalSync
    {
        public volatile bool Failing;

        public void Sync(string walPath)
        {
            if (Failing)
            {
                throw new IOException("Input/output error");
            }
        }
    }
}
