using System.Collections.Concurrent;
using System.Net;
using Aiprod.Domain.Webhooks;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aiprod.Functional.Tests.Webhooks;

/// <summary>The sweep of ended deliveries past <c>Webhooks:DeliveryRetention</c>, on the host's stepped clock.</summary>
public sealed class WebhookRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheSweep_DeletesEndedDeliveriesPastTheRetention_WithTheirAttempts_AndNeverAPendingOne()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var failingReceiver = await WebhookReceiver.StartAsync();
        failingReceiver.Status = 500;
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock, more: Quiet("2.00:00:00"));
        var sweeper = factory.Services.GetRequiredService<WebhookDeliverySweeper>();

        // The host's own sweeps would run on the clock's steps; this test sweeps when it means to. Stopped before its
        // loop has begun, the service would end canceled and the host would stop the whole app (SignalledBackgroundService.Started).
        await sweeper.Started.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await sweeper.StopAsync(Ct);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (answering, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        var (failing, _) = await client.CreateWebhookAsync(ann, failingReceiver.HookUrl, "job.completed");
        var (disabled, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl + "?disabled", "job.completed");

        // Ended long ago: one succeeded, one abandoned (its subscription was disabled before it was sent).
        await client.PingAsync(ann, answering);
        await client.PingAsync(ann, disabled);
        var patched = await client.SendWithTokenAsync(new HttpMethod("PATCH"), $"/webhooks/{disabled}", ann, new { enabled = false });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(1, await factory.DispatchAsync());

        // Being retried: it failed its first attempt long ago and waits for its next one when the sweep runs.
        await client.PingAsync(ann, failing);
        Assert.Equal(1, await factory.DispatchAsync());

        clock.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await sweeper.SweepAsync(Ct));

        // Ended recently: kept.
        ann = await client.LoginAsync("ann@example.com");
        await client.PingAsync(ann, answering);
        Assert.Equal(2, await factory.DispatchAsync());
        var retried = await DeliveryAsync(failing);
        Assert.Equal((WebhookDeliveryStatus.Pending, 2), (retried.Status, retried.AttemptCount));
        clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(2, await sweeper.SweepAsync(Ct));
        var left = await factory.WithDbAsync(db => db.WebhookDeliveries.AsNoTracking().Include(d => d.Attempts).ToListAsync(Ct));
        Assert.Equal(2, left.Count);
        var kept = Assert.Single(left, d => d.SubscriptionId == Id(answering));
        Assert.Equal(WebhookDeliveryStatus.Succeeded, kept.Status);
        var pending = Assert.Single(left, d => d.SubscriptionId == Id(failing));
        Assert.Equal((WebhookDeliveryStatus.Pending, 2), (pending.Status, pending.Attempts.Count));

        // The attempts of the swept deliveries went with them.
        Assert.Equal(3, await factory.WithDbAsync(db => db.Set<WebhookAttempt>().CountAsync(Ct)));
        Assert.Equal(0, await sweeper.SweepAsync(Ct));

        Task<WebhookDelivery> DeliveryAsync(string hook) =>
            factory.WithDbAsync(db => db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.SubscriptionId == Id(hook), Ct));
    }

    [Fact]
    public async Task WhenTheDatabaseRefusesTheSweepsWrite_TheSweeperLivesOn_AndSweepsAtItsNextTurn()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = WebhookTestKit.Clock();
        var logs = new WarningLog();
        await using var factory = WebhookTestKit.Host(
            clock,
            more: Quiet("1.00:00:00"),
            replaceServices: s => s.AddSingleton<ILoggerProvider>(logs));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        await client.PingAsync(ann, hook);
        Assert.Equal(1, await factory.DispatchAsync());

        // The database itself refuses the delete (a trigger aborts it), as a full disk or a lock would.
        await factory.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(
            "CREATE TRIGGER refuse_sweep BEFORE DELETE ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;", Ct));
        clock.Advance(TimeSpan.FromDays(2));
        await WaitUntilAsync(() => Task.FromResult(logs.Has("Sweeping old webhook deliveries failed")), "the refused sweep's warning");
        Assert.Equal(1, await factory.WithDbAsync(db => db.WebhookDeliveries.CountAsync(Ct)));

        await factory.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("DROP TRIGGER refuse_sweep;", Ct));
        clock.Advance(WebhookDeliverySweeper.Interval);
        await WaitUntilAsync(async () => await factory.WithDbAsync(db => db.WebhookDeliveries.CountAsync(Ct)) == 0, "the next sweep deleting the delivery");
        Assert.Equal(0, await factory.WithDbAsync(db => db.Set<WebhookAttempt>().CountAsync(Ct)));
    }

    private static WebhookId Id(string hook) => new(Guid.Parse(hook));

    /// <summary>The retention, and the other background work on long intervals, so that stepping the clock by days stays cheap.</summary>
    private static Dictionary<string, string?> Quiet(string retention) => new()
    {
        ["Webhooks:DeliveryRetention"] = retention,
        ["Exports:PollInterval"] = "1.00:00:00",
        ["Audit:SealInterval"] = "00:01:00",
        ["Jobs:LeaseCheckInterval"] = "01:00:00",
        ["ApiKeys:Usage:FlushInterval"] = "01:00:00",
        ["Webhooks:ExpiryScanInterval"] = "01:00:00",
    };

    private static async Task WaitUntilAsync(Func<Task<bool>> done, string what)
    {
        for (var i = 0; i < 1500; i++)
        {
            if (await done())
            {
                return;
            }

            await Task.Delay(20, Ct);
        }

        throw new TimeoutException($"Never seen: {what}.");
    }

    /// <summary>Keeps the warnings the host logs, so a test can see a background failure was met.</summary>
    private sealed class WarningLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> messages = new();

        public bool Has(string text) => messages.Any(m => m.Contains(text, StringComparison.Ordinal));

        public ILogger CreateLogger(string categoryName) => new Logger(messages);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    messages.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
