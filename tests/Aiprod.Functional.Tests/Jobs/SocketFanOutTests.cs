using System.Net;
using System.Net.WebSockets;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Jobs;

/// <summary>
/// One event to many sockets, over real TCP: every socket that follows a job sends the same serialized bytes of each
/// live event, intact and in order (a client that stops reading among fast ones: <see cref="SlowReaderTests"/>).
/// </summary>
public sealed class SocketFanOutTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly AiprodApiFactory factory;

    public SocketFanOutTests() => factory = new AiprodApiFactory(clock: clock);

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

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}
