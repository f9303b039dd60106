using System.Net;
using System.Net.Http.Json;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Api;

/// <summary>
/// Another process holds the SQLite file's write lock longer than the busy timeout (a backup, a migration, a second
/// host): a write answers 503 database_busy with Retry-After, writes nothing, and succeeds once the lock is gone.
/// </summary>
public sealed class DatabaseBusyTests
{
    [Fact]
    public async Task AWriteBehindAnotherProcessesLock_Is503WithRetryAfter_AndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Database:SqliteBusyTimeout"] = "00:00:01" });
        var client = factory.CreateClient();
        await client.RegisterAsync("first@example.com");

        await using (var other = new SqliteConnection($"Data Source={Path.Combine(factory.DataFolder, "aiprod.db")};Pooling=False"))
        {
            await other.OpenAsync(ct);
            await using (var begin = other.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;";
                await begin.ExecuteNonQueryAsync(ct);
            }

            var refused = await client.PostAsJsonAsync("/auth/register", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, ct);

            var problem = await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "database_busy");
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            Assert.DoesNotContain("Sqlite", problem.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(1, await factory.WithDbAsync(db => db.Users.CountAsync(ct)));
        var retried = await client.PostAsJsonAsync("/auth/register", new { email = "ann@example.com", password = ApiClientExtensions.DefaultPassword }, ct);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
    }

    [Fact]
    public async Task AWriteOutsideATransaction_BehindAnotherProcessesLock_Is503DatabaseBusy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Database:SqliteBusyTimeout"] = "00:00:01" });
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");

        await using (var other = new SqliteConnection($"Data Source={Path.Combine(factory.DataFolder, "aiprod.db")};Pooling=False"))
        {
            await other.OpenAsync(ct);
            await using (var begin = other.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;";
                await begin.ExecuteNonQueryAsync(ct);
            }

            // A wrong password counts the failure with an ExecuteUpdate, a statement of its own (no BEGIN).
            var wrongPassword = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = "not the passphrase at all" }, ct);

            var problem = await wrongPassword.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "database_busy");
            Assert.Equal(TimeSpan.FromSeconds(1), wrongPassword.Headers.RetryAfter?.Delta);
            Assert.DoesNotContain("Sqlite", problem.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(0, await factory.WithDbAsync(db => db.Users.Select(u => u.FailedLoginCount).SingleAsync(ct)));
    }

    [Fact]
    public async Task WritesQueuedBehindAWriterOfThisProcess_GiveUpAfterTheQueueTimeout_As503()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Database:SqliteWriteQueueTimeout"] = "00:00:01" });
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");

        // A write of this process that holds the write lock (begun, not committed) for the whole test.
        await using var holder = factory.Services.CreateAsyncScope();
        var held = await holder.ServiceProvider.GetRequiredService<AiprodDbContext>().Database.BeginTransactionAsync(ct);

        // A registration (SaveChanges) and a wrong password (the failed-login counter's ExecuteUpdate) both queue.
        var register = await client.PostAsJsonAsync("/auth/register", new { email = "bob@example.com", password = ApiClientExtensions.DefaultPassword }, ct);
        var wrongPassword = await client.PostAsJsonAsync("/auth/login", new { email = "ann@example.com", password = "not the passphrase at all" }, ct);

        await register.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "database_busy");
        await wrongPassword.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "database_busy");
        await held.RollbackAsync(ct);
        Assert.Equal(1, await factory.WithDbAsync(db => db.Users.CountAsync(ct)));
    }
}
