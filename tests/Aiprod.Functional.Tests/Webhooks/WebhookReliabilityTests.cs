using System.Net;
using System.Net.Sockets;
using System.Text;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Webhooks;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Webhooks;

/// <summary>Failing subscriptions under several dispatchers at once, and a receiver that never answers.</summary>
public sealed class WebhookReliabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SeveralDispatchersFailingOneSubscriptionAtOnce_CountEveryFailure_AndDisableItOnce_WhileItsOwnerEditsIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 500;

        // Whole seconds: the times read back from SQLite are compared exactly.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        await using var factory = WebhookTestKit.Host(clock, more: new Dictionary<string, string?>
        {
            ["Webhooks:DisableAfterFailingFor"] = "00:01:00",
            ["RateLimits:Policies:webhooks-change"] = "100000",
        });
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var hooks = new List<string>();
        for (var h = 0; h < 3; h++)
        {
            var (hook, _) = await client.CreateWebhookAsync(ann, $"{receiver.HookUrl}?{h}", "job.completed");
            hooks.Add(hook);
            for (var i = 0; i < 10; i++)
            {
                await client.PingAsync(ann, hook);
            }
        }

        // The first round starts each subscription's run of failures, the second (past the limit) disables each: in
        // both, thirty failures of three subscriptions are recorded at once by four dispatchers, while the owner keeps
        // editing the subscriptions (each edit moves their version).
        var started = clock.GetUtcNow();
        Assert.Equal(30, await AllFailAtOnceAsync());
        var failing = await factory.WithDbAsync(db => db.WebhookSubscriptions.AsNoTracking().ToListAsync(Ct));
        Assert.All(failing, s => Assert.Equal((true, started), (s.Enabled, s.FailingSince)));
        await AssertEveryDeliveryHasAsync(1);

        clock.Advance(TimeSpan.FromSeconds(61));
        var disabledAt = clock.GetUtcNow();
        Assert.Equal(30, await AllFailAtOnceAsync());
        await AssertEveryDeliveryHasAsync(2);
        var disabled = await factory.WithDbAsync(db => db.WebhookSubscriptions.AsNoTracking().ToListAsync(Ct));
        Assert.All(disabled, s =>
        {
            Assert.False(s.Enabled);
            Assert.Equal((started, disabledAt), (s.FailingSince, s.DisabledAt));
            Assert.Contains("500", s.DisabledReason, StringComparison.Ordinal);
        });
        var audited = await factory.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.EventType == AuditEventTypes.WebhookDisabled).Select(e => e.Target).ToListAsync(Ct));
        Assert.Equal(hooks.Order(StringComparer.Ordinal), audited.Order(StringComparer.Ordinal));

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await factory.DispatchAsync());
        Assert.Equal(60, receiver.Requests.Count);

        async Task<int> AllFailAtOnceAsync()
        {
            // Every answer waits until all thirty requests have come, so every claim of the round is made before any
            // failure is recorded. Otherwise a dispatcher that reads a subscription after another's failure has just
            // disabled it rightly abandons its deliveries instead of sending them, and the round sends fewer than 30.
            var expected = receiver.Requests.Count + 30;
            var allCame = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            receiver.BeforeAnswer = async () =>
            {
                if (receiver.Requests.Count >= expected)
                {
                    allCame.TrySetResult();
                }

                // Under the dispatcher's 10 s attempt timeout: if fewer come, they are answered and the count says so.
                await Task.WhenAny(allCame.Task, Task.Delay(TimeSpan.FromSeconds(5), Ct));
            };
            var dispatchers = Enumerable.Range(0, 4).Select(_ => ActivatorUtilities.CreateInstance<WebhookDispatcher>(factory.Services)).ToList();
            using var stop = new CancellationTokenSource();
            var edits = Enumerable.Range(0, 3).Select(e => Task.Run(async () =>
            {
                var editor = factory.CreateClient();
                for (var n = 0; !stop.IsCancellationRequested && n < 40; n++)
                {
                    var answer = await editor.SendWithTokenAsync(new HttpMethod("PATCH"), $"/webhooks/{hooks[e]}", ann, new { description = $"edit {n}" });
                    Assert.True(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, answer.StatusCode.ToString());
                }
            }, Ct)).ToList();
            var sent = await Task.WhenAll(dispatchers.Select(d => Task.Run(() => d.RunRoundAsync(CancellationToken.None), Ct)));
            await stop.CancelAsync();
            await Task.WhenAll(edits);
            return sent.Sum();
        }

        async Task AssertEveryDeliveryHasAsync(int attempts)
        {
            var counts = await factory.WithDbAsync(db => db.WebhookDeliveries.Select(d => new { d.AttemptCount, Rows = d.Attempts.Count }).ToListAsync(Ct));
            Assert.Equal(30, counts.Count);
            Assert.All(counts, c => Assert.Equal((attempts, attempts), (c.AttemptCount, c.Rows)));
        }
    }

    [Fact]
    public async Task AReceiverThatNeverAnswers_TimesOut_IsRetriedLater_AndOtherSubscriptionsAreDeliveredMeanwhile()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var stalling = StallingReceiver.Start();
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock, more: new Dictionary<string, string?> { ["Webhooks:Timeout"] = "00:00:05" });
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (stalledHook, stalledSecret) = await client.CreateWebhookAsync(ann, stalling.HookUrl, "job.completed");
        var (answeringHook, answeringSecret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        await client.PingAsync(ann, stalledHook);
        await client.PingAsync(ann, answeringHook);

        var sentAt = clock.GetUtcNow();
        var round = Task.Run(() => factory.DispatchAsync(), Ct);
        await stalling.Accepted.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var answered = await WaitForStatusAsync(answeringHook, WebhookDeliveryStatus.Succeeded);
        Assert.Single(receiver.Requests).Verify(answeringSecret);
        Assert.False(round.IsCompleted);

        // Past the attempt's timeout.
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(2, await round.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        var stalled = await DeliveryOfAsync(stalledHook);
        Assert.Equal(WebhookDeliveryStatus.Pending, stalled.Status);
        var attempt = Assert.Single(stalled.Attempts);
        Assert.Null(attempt.StatusCode);
        Assert.Equal("No answer within 5 s.", attempt.Error);
        Assert.InRange(stalled.NextAttemptAt!.Value, sentAt + (WebhookRetrySchedule.Waits[0] * 0.79), sentAt + (WebhookRetrySchedule.Waits[0] * 1.21));
        Assert.Equal(1, answered.AttemptCount);

        stalling.Answer = true;
        clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(1, await factory.DispatchAsync().WaitAsync(TimeSpan.FromSeconds(30), Ct));
        stalled = await DeliveryOfAsync(stalledHook);
        Assert.Equal(WebhookDeliveryStatus.Succeeded, stalled.Status);
        Assert.Equal([null, 204], stalled.Attempts.OrderBy(a => a.Number).Select(a => a.StatusCode));
        Assert.Single(stalling.Answered).Verify(stalledSecret);
        Assert.Null((await factory.WithDbAsync(db => db.WebhookSubscriptions.AsNoTracking().SingleAsync(s => s.Url == stalling.HookUrl, Ct))).FailingSince);

        Task<WebhookDelivery> DeliveryOfAsync(string hook) =>
            factory.WithDbAsync(db => db.WebhookDeliveries.AsNoTracking().Include(d => d.Attempts).SingleAsync(d => d.SubscriptionId == new WebhookId(Guid.Parse(hook)), Ct));

        async Task<WebhookDelivery> WaitForStatusAsync(string hook, WebhookDeliveryStatus status)
        {
            for (var i = 0; i < 1500; i++)
            {
                var delivery = await DeliveryOfAsync(hook);
                if (delivery.Status == status)
                {
                    return delivery;
                }

                await Task.Delay(20, Ct);
            }

            throw new TimeoutException($"The delivery of {hook} never became {status}.");
        }
    }

    /// <summary>
    /// A loopback listener that accepts connections and, until <see cref="Answer"/> is set, never answers them (a
    /// receiver hung behind an open port); once set, it reads a request and answers 204.
    /// </summary>
    private sealed class StallingReceiver : IAsyncDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> held = [];
        private readonly CancellationTokenSource stop = new();
        private Task loop = Task.CompletedTask;

        public TaskCompletionSource Accepted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private volatile bool answer;

        public bool Answer
        {
            get => answer;
            set => answer = value;
        }

        public System.Collections.Concurrent.ConcurrentQueue<WebhookReceiver.Received> Answered { get; } = new();

        public string HookUrl => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/hook";

        public static StallingReceiver Start()
        {
            var receiver = new StallingReceiver();
            receiver.listener.Start();
            receiver.loop = receiver.AcceptAsync();
            return receiver;
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var connection = await listener.AcceptTcpClientAsync(stop.Token);
                    if (!Answer)
                    {
                        lock (held)
                        {
                            held.Add(connection);
                        }

                        Accepted.TrySetResult();
                        continue;
                    }

                    using (connection)
                    {
                        await AnswerAsync(connection.GetStream());
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task AnswerAsync(NetworkStream stream)
        {
            var buffer = new List<byte>();
            var one = new byte[1];
            while (!(buffer.Count >= 4 && buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n'))
            {
                if (await stream.ReadAsync(one, stop.Token) == 0)
                {
                    return;
                }

                buffer.Add(one[0]);
            }

            var headers = Encoding.ASCII.GetString([.. buffer]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(line => line.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
            var body = new byte[int.Parse(headers["content-length"], System.Globalization.CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(body, stop.Token);
            Answered.Enqueue(new WebhookReceiver.Received(headers, Encoding.UTF8.GetString(body)));
            await stream.WriteAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray(), stop.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Stop();
            await loop;
            lock (held)
            {
                held.ForEach(c => c.Dispose());
            }

            stop.Dispose();
        }
    }
}
