using System.Net;
using System.Net.WebSockets;
using Aiprod.Api.WebSockets;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Jobs;

/// <summary>
/// One event to many sockets, over real TCP: every socket that follows a job sends the same serialized bytes of each
/// live event, and a socket whose client stopped reading is dropped at its deadline without holding up the others.
/// </summary>
public sealed class SocketFanOutTests : IAsyncDisposable
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly AiprodApiFactory factory;

    public SocketFanOutTests() => factory = new AiprodApiFactory(new Dictionary<string, string?> { ["WebSockets:SendTimeout"] = SendTimeout.ToString() }, clock);

    [Fact]
    public async Task SocketsOfSeveralJobs_PublishedToAtOnce_EachReceiveEveryEventOfTheirJob_InOrder_Intact()
    {
        var server = factory.StartOnKestrel();
        using var client = new HttpClient { BaseAddress = server };
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var bus = factory.Services.GetRequiredService<IJobEventBus>();
        const int Jobs = 3;
        const int SocketsPerJob = 6;
        const int Events = 300;
        var cancellation = TestContext.Current.CancellationToken;

        var followers = new List<(string Job, long First, ClientWebSocket Socket)>();
        for (var j = 0; j < Jobs; j++)
        {
            var job = await client.SubmitAsync(token);
            for (var s = 0; s < SocketsPerJob; s++)
            {
                var (socket, status) = await JobTestKit.ConnectOverTcpAsync(server, job, token);
                Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
                var first = (await socket!.ReceiveTypeAsync("connected"))["event_id"]!.GetValue<long>();
                followers.Add((job, first, socket!));
            }
        }

        try
        {
            // Each job's worker publishes its events in batches of one to five, all jobs at once; every message
            // names its job and number and has a length of its own, so bytes of another event, or of another
            // job's, would show.
            var publishers = followers.GroupBy(f => f.Job).Select(g => Task.Run(async () =>
            {
                var jobId = new JobId(Guid.Parse(g.Key));
                var first = g.First().First;
                for (var n = 1; n <= Events;)
                {
                    var batch = Enumerable.Range(n, Math.Min(1 + (n % 5), Events - n + 1))
                        .Select(i => new JobEventDto("log", jobId, first + i, clock.GetUtcNow(), Level: JobLogLevel.Info, Message: Expected(g.Key, i)))
                        .ToList();
                    await bus.PublishAsync(batch, cancellation);
                    n += batch.Count;
                }
            }, cancellation)).ToList();

            var readers = followers.Select(f => Task.Run(async () =>
            {
                for (var i = 1; i <= Events; i++)
                {
                    var message = await f.Socket.ReceiveAsync(TimeSpan.FromSeconds(30));
                    Assert.NotNull(message);
                    Assert.Equal("log", message.Str("type"));
                    Assert.Equal(f.Job, message.Str("job_id"));
                    Assert.Equal(f.First + i, message["event_id"]!.GetValue<long>());
                    Assert.Equal(Expected(f.Job, i), message.Str("message"));
                }
            }, cancellation)).ToList();

            await Task.WhenAll(publishers.Concat(readers));
        }
        finally
        {
            foreach (var (_, _, socket) in followers)
            {
                socket.Dispose();
            }
        }

        static string Expected(string job, int i) => $"{job} event {i} " + new string((char)('a' + (i % 26)), i % 97);
    }

    [Fact]
    public async Task AClientThatNeverReads_AmongFastOnes_DoesNotHoldThemUp_AndIsDroppedAtItsDeadline()
    {
        var server = factory.StartOnKestrel();
        using var client = new HttpClient { BaseAddress = server };
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var userId = new UserId(Guid.Parse((await (await client.GetWithTokenAsync("/auth/me", token)).ReadJsonAsync()).Str("id")));
        var job = await client.SubmitAsync(token);
        var stats = factory.Services.GetRequiredService<WebSocketStats>();
        var open = factory.Services.GetRequiredService<OpenSocketsPerUser>();
        var bus = factory.Services.GetRequiredService<IJobEventBus>();
        var cancellation = TestContext.Current.CancellationToken;

        var (stalled, stalledStatus) = await JobTestKit.ConnectOverTcpAsync(server, job, token, receiveBufferBytes: 4096);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, stalledStatus);
        using var neverReads = stalled!;
        var fast = new List<ClientWebSocket>();
        long first = 0;
        for (var i = 0; i < 4; i++)
        {
            var (socket, status) = await JobTestKit.ConnectOverTcpAsync(server, job, token);
            Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
            first = (await socket!.ReceiveTypeAsync("connected"))["event_id"]!.GetValue<long>();
            fast.Add(socket!);
        }

        try
        {
            // Far more than the stalled client's kernel buffers hold: its send blocks early on.
            const int Published = 6000;
            var line = new string('x', 2000);
            var jobId = new JobId(Guid.Parse(job));
            var readers = fast.Select(s => Task.Run(async () =>
            {
                for (var i = 1; i <= Published; i++)
                {
                    var message = await s.ReceiveAsync(TimeSpan.FromSeconds(30));
                    Assert.Equal(first + i, message?["event_id"]?.GetValue<long>());
                }
            }, cancellation)).ToList();
            for (var id = 1; id <= Published; id += 100)
            {
                var batch = Enumerable.Range(id, 100).Select(i => new JobEventDto("log", jobId, first + i, clock.GetUtcNow(), Level: JobLogLevel.Info, Message: line)).ToList();
                await bus.PublishAsync(batch, cancellation);
            }

            // The fast clients get everything while the stalled one's send is still blocked: no time has passed on
            // the host's clock, so its deadline cannot have fired.
            await Task.WhenAll(readers);
            Assert.Equal(5, stats.Active);
            Assert.True(stats.MessagesSent < 5L * Published + 5, $"all {stats.MessagesSent} messages were sent: the stalled client's window never filled");

            // Each step passes the deadline of whatever send is in progress (see SlowReaderTests).
            for (var step = 0; step < 10 && stats.Active > 4; step++)
            {
                clock.Advance(SendTimeout);
                for (var i = 0; i < 40 && stats.Active > 4; i++)
                {
                    await Task.Delay(50, cancellation);
                }
            }

            Assert.Equal(4, stats.Active);
            Assert.Equal(4, open.OpenBy(userId));

            // The others are untouched: the next event reaches each of them.
            await bus.PublishAsync([new JobEventDto("log", jobId, first + Published + 1, clock.GetUtcNow(), Level: JobLogLevel.Info, Message: "after")], cancellation);
            foreach (var s in fast)
            {
                Assert.Equal("after", (await s.ReceiveAsync())?.Str("message"));
            }
        }
        finally
        {
            foreach (var s in fast)
            {
                s.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}
