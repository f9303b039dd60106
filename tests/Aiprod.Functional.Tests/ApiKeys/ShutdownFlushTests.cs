using System.Net;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.ApiKeys;

/// <summary>The shutdown flush of key usage is bounded: a database that does not answer cannot hold the stop.</summary>
public sealed class ShutdownFlushTests
{
    [Fact]
    public async Task AStalledDatabase_DoesNotHoldTheShutdown_PastTheFlushBound()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var bound = TimeSpan.FromSeconds(5);
        await using var factory = new AiprodApiFactory(
            new Dictionary<string, string?>
            {
                ["ApiKeys:Usage:FlushInterval"] = "01:00:00",
                ["ApiKeys:Usage:ShutdownFlushTimeout"] = "00:00:05",
            },
            clock);
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var key = (await client.CreateApiKeyAsync(token)).Str("key");
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync("/api-keys/current", key)).StatusCode);

        // Another process holds the database: every write waits for the lock (SQLite's busy timeout, 30 s).
        await using var holder = new SqliteConnection($"Data Source={Path.Combine(factory.DataFolder, "aiprod.db")};Pooling=False");
        await holder.OpenAsync(TestContext.Current.CancellationToken);
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE;";
            await begin.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopped = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStopped.Register(() => stopped.TrySetResult());
        // Stops the whole host: the flush when stopping is signalled, then the flusher's own stop.
        var stopping = Task.Run(lifetime.StopApplication, TestContext.Current.CancellationToken);
        // The bound runs on the host's clock: stepping it past the bound must release the stop, whatever the lock.
        for (var i = 0; i < 100 && !stopped.Task.IsCompleted; i++)
        {
            clock.Advance(bound);
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(stopped.Task.IsCompleted, "the host's stop is still held by the usage flush on a locked database");
        await stopping;
    }
}
