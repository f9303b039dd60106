using System.Collections.Concurrent;
using Aiprod.Domain.Webhooks;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aiprod.Functional.Tests.Webhooks;

/// <summary>
/// The hosted dispatcher loop (not single rounds): a slow send holds only its own slot, one subscription holds at most
/// its share of the slots, and dispatchers on two instances over one file send each attempt once.
/// </summary>
public sealed class WebhookFairnessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AReceiverThatHangs_HoldsOnlyItsOwnSlot_WhileAnotherSubscriptionsDeliveriesArrive()
    {
        await using var fast = await WebhookReceiver.StartAsync();
        await using var hanging = await HoldingReceiver.StartAsync();
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock, more: Looping(batchSize: 2, perSubscription: 2));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (slowHook, _) = await client.CreateWebhookAsync(ann, hanging.HookUrl, "job.completed");
        var (fastHook, fastSecret) = await client.CreateWebhookAsync(ann, fast.HookUrl, "job.completed");

        // The hanging subscription's delivery fell due first, so it is claimed with the first of the others.
        await client.PingAsync(ann, slowHook);
        clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 6; i++)
        {
            await client.PingAsync(ann, fastHook);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        await hanging.FirstHeld.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // No further tick: each fast send that ends frees its slot, and the next is claimed into it.
        await WaitUntilAsync(() => fast.Requests.Count == 6, "all six deliveries of the answering subscription");
        Assert.All(fast.Requests, r => r.Verify(fastSecret));
        Assert.Equal((1, 0), (hanging.Holding, hanging.Answered.Count));
        var slow = await factory.WithDbAsync(db => db.WebhookDeliveries.AsNoTracking()
            .SingleAsync(d => d.SubscriptionId == new WebhookId(Guid.Parse(slowHook)), Ct));
        Assert.Equal((WebhookDeliveryStatus.Pending, 0), (slow.Status, slow.AttemptCount));

        hanging.Release();
        await WaitUntilAsync(() => hanging.Answered.Count == 1, "the hanging receiver's answer");
        await WaitUntilAsync(
            async () => await factory.WithDbAsync(db => db.WebhookDeliveries.CountAsync(d => d.Status == WebhookDeliveryStatus.Succeeded, Ct)) == 7,
            "every delivery recorded as succeeded");
    }

    [Fact]
    public async Task ASubscriptionWhoseReceiverHangs_HoldsAtMostItsShareOfTheSlots()
    {
        await using var fast = await WebhookReceiver.StartAsync();
        await using var hanging = await HoldingReceiver.StartAsync();
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock, more: Looping(batchSize: 4, perSubscription: 2));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (slowHook, slowSecret) = await client.CreateWebhookAsync(ann, hanging.HookUrl, "job.completed");
        var (fastHook, _) = await client.CreateWebhookAsync(ann, fast.HookUrl, "job.completed");

        // Five of the hanging subscription's deliveries fell due before any other: without a share they fill every slot.
        for (var i = 0; i < 5; i++)
        {
            await client.PingAsync(ann, slowHook);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 3; i++)
        {
            await client.PingAsync(ann, fastHook);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => fast.Requests.Count == 3, "the other subscription's three deliveries");
        // Its second held request may still be on its way when the fast ones have arrived: wait for it, then look.
        await WaitUntilAsync(() => hanging.Holding == 2, "the hanging subscription holding both of its slots");
        Assert.Equal((2, 2, 0), (hanging.Holding, hanging.MostHeld, hanging.Answered.Count));

        // Released, the rest of its backlog goes through its two slots, never more.
        hanging.Release();
        await WaitUntilAsync(() => hanging.Answered.Count == 5, "the hanging subscription's five deliveries");
        Assert.Equal(2, hanging.MostHeld);
        Assert.All(hanging.Answered, r => r.Verify(slowSecret));
        Assert.Equal(5, hanging.Answered.Select(r => r.Headers["webhook-id"]).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task DispatcherLoopsOnTwoInstancesOverOneFile_SendEachAttemptOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var data = Directory.CreateTempSubdirectory("aiprod-dispatch-race-").FullName;
        var clock = WebhookTestKit.Clock();
        var settings = Looping(batchSize: 6, perSubscription: 3);
        settings["DataFolder:Path"] = data;
        settings["Webhooks:PollInterval"] = "00:00:00.100";
        await using var first = WebhookTestKit.Host(clock, more: settings);
        await using var second = WebhookTestKit.Host(clock, more: settings);
        var client = first.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var hooks = new List<string>();
        for (var h = 0; h < 4; h++)
        {
            hooks.Add((await client.CreateWebhookAsync(ann, $"{receiver.HookUrl}?{h}", "job.completed")).Id);
        }

        const int PerHook = 40;
        for (var i = 0; i < PerHook; i++)
        {
            foreach (var hook in hooks)
            {
                await client.PingAsync(ann, hook);
            }
        }

        // Both hosts' hosted loops, and one more loop on each: four dispatchers claiming from one file at once.
        _ = second.Services.GetRequiredService<WebhookDispatcher>();
        var extra = new[] { first, second }.Select(f => ActivatorUtilities.CreateInstance<WebhookDispatcher>(f.Services)).ToList();
        foreach (var dispatcher in extra)
        {
            await dispatcher.StartAsync(Ct);
        }

        try
        {
            // Ticks in steps far inside the lease (60 s), so no lease lapses and nothing is sent twice for that reason.
            // Until every delivery is recorded, not only received: a send whose answer is still on its way when the
            // extra loops stop is cancelled unrecorded, and its lease must be able to lapse on this clock.
            for (var step = 0; step < 600; step++)
            {
                if (receiver.Requests.Count >= PerHook * hooks.Count
                    && await first.WithDbAsync(db => db.WebhookDeliveries.CountAsync(d => d.Status == WebhookDeliveryStatus.Succeeded, Ct)) == PerHook * hooks.Count)
                {
                    break;
                }

                clock.Advance(TimeSpan.FromMilliseconds(100));
                await Task.Delay(50, Ct);
            }
        }
        finally
        {
            foreach (var dispatcher in extra)
            {
                await dispatcher.StopAsync(CancellationToken.None);
                dispatcher.Dispose();
            }
        }

        await WaitUntilAsync(
            async () => await first.WithDbAsync(db => db.WebhookDeliveries.CountAsync(d => d.Status == WebhookDeliveryStatus.Succeeded, Ct)) == PerHook * hooks.Count,
            "every delivery recorded as succeeded");
        Assert.Equal(PerHook * hooks.Count, receiver.Requests.Count);
        Assert.Equal(PerHook * hooks.Count, receiver.Requests.Select(r => r.Headers["webhook-id"]).Distinct(StringComparer.Ordinal).Count());
        var attempts = await first.WithDbAsync(db => db.WebhookDeliveries.Select(d => new { d.AttemptCount, Rows = d.Attempts.Count }).ToListAsync(Ct));
        Assert.All(attempts, a => Assert.Equal((1, 1), (a.AttemptCount, a.Rows)));
    }

    /// <summary>The host's own dispatcher loop on, and the other background work quiet.</summary>
    private static Dictionary<string, string?> Looping(int batchSize, int perSubscription) => new()
    {
        ["Webhooks:DispatcherEnabled"] = "true",
        ["Webhooks:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Webhooks:MaxInFlightPerSubscription"] = perSubscription.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Webhooks:ExpiryScanInterval"] = "01:00:00",
        ["Exports:PollInterval"] = "1.00:00:00",
        ["Audit:SealInterval"] = "00:01:00",
        ["Jobs:LeaseCheckInterval"] = "01:00:00",
        ["ApiKeys:Usage:FlushInterval"] = "01:00:00",
    };

    private static Task WaitUntilAsync(Func<bool> done, string what) => WaitUntilAsync(() => Task.FromResult(done()), what);

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

    /// <summary>A loopback Kestrel receiver that holds every request to <c>/hook</c> unanswered until released, counting how many it holds at once.</summary>
    private sealed class HoldingReceiver : IAsyncDisposable
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebApplication app = null!;
        private int holding;
        private int mostHeld;

        public TaskCompletionSource FirstHeld { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<WebhookReceiver.Received> Answered { get; } = new();

        public int Holding => Volatile.Read(ref holding);

        public int MostHeld => Volatile.Read(ref mostHeld);

        public string HookUrl { get; private set; } = "";

        public static async Task<HoldingReceiver> StartAsync()
        {
            var receiver = new HoldingReceiver();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            receiver.app = builder.Build();
            receiver.app.MapPost("/hook", async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                var now = Interlocked.Increment(ref receiver.holding);
                InterlockedMax(ref receiver.mostHeld, now);
                receiver.FirstHeld.TrySetResult();
                try
                {
                    await receiver.released.Task.WaitAsync(context.RequestAborted);
                }
                finally
                {
                    Interlocked.Decrement(ref receiver.holding);
                }

                receiver.Answered.Enqueue(new WebhookReceiver.Received(
                    context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
                return Results.StatusCode(200);
            });
            await receiver.app.StartAsync();
            var address = receiver.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            receiver.HookUrl = new Uri(new Uri(address), "/hook").ToString();
            return receiver;
        }

        public void Release() => released.TrySetResult();

        public async ValueTask DisposeAsync()
        {
            released.TrySetResult();
            await app.StopAsync();
            await app.DisposeAsync();
        }

        private static void InterlockedMax(ref int target, int value)
        {
            for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            {
                if (Interlocked.CompareExchange(ref target, value, seen) == seen)
                {
                    return;
                }
            }
        }
    }
}
