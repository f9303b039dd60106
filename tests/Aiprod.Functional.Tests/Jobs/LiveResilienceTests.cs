using System.Diagnostics;
using System.Net;
using Aiprod.Api.WebSockets;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Jobs;

/// <summary>
/// Live updates when a message goes missing: Redis dead (the committing instance delivers to its own sockets),
/// an event that never reached this instance (the gap is read from the database), a send whose deadline fires
/// after it succeeded, a client that vanished without closing, and the instance-wide cap on sockets.
/// </summary>
public sealed class LiveResilienceTests
{
    [Fact]
    public async Task RedisKilled_ASocketOnTheCommittingInstanceStillReceivesTheJobsEvents()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration });
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var worker = await client.WorkerKeyAsync(token);
        var jobId = await client.SubmitAsync(token);
        using var socket = await JobTestKit.ConnectAsync(factory, jobId, accessToken: token);
        var connected = await socket.ReceiveTypeAsync("connected");

        redis.Kill();
        Assert.NotNull(await client.ClaimAsync(worker));
        Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{jobId}/complete", new { output = new { url = "file:///out.mp4" } })).StatusCode);

        var running = await socket.ReceiveAsync();
        Assert.True(running is not null && running.Str("type") == "state_changed" && running.Str("status") == "running", running?.ToJsonString() ?? "closed");
        Assert.Equal(connected["event_id"]!.GetValue<long>() + 1, running!["event_id"]!.GetValue<long>());
        var completed = await socket.ReceiveTypeAsync("state_changed");
        Assert.Equal("completed", completed.Str("status"));
    }

    [Fact]
    public async Task AnEventThatNeverReachedThisInstance_IsReadFromTheDatabase_BeforeTheNextOne()
    {
        // Two instances on one database and no Redis between them: each event committed on B is lost to A's socket,
        // as a Redis message lost between instances would be.
        var settings = new Dictionary<string, string?> { ["DataFolder:Path"] = Directory.CreateTempSubdirectory("aiprod-gap-").FullName };
        await using var a = new AiprodApiFactory(settings);
        await using var b = new AiprodApiFactory(settings);
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();
        var token = await clientA.RegisterAndLoginAsync("ann@example.com");
        var worker = await clientA.WorkerKeyAsync(token);
        var jobId = await clientA.SubmitAsync(token);
        using var socket = await JobTestKit.ConnectAsync(a, jobId, accessToken: token);
        var first = (await socket.ReceiveTypeAsync("connected"))["event_id"]!.GetValue<long>();

        Assert.NotNull(await clientB.ClaimAsync(worker));
        for (var p = 10; p <= 30; p += 10)
        {
            Assert.Equal(HttpStatusCode.OK, (await clientB.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{jobId}/progress", new { progress = p })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await clientA.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{jobId}/progress", new { progress = 40 })).StatusCode);

        var received = new List<(long Id, string Type)>();
        for (var i = 0; i < 5; i++)
        {
            var message = await socket.ReceiveAsync();
            Assert.NotNull(message);
            received.Add((message["event_id"]!.GetValue<long>(), message.Str("type")));
        }

        Assert.Equal(Enumerable.Range(1, 5).Select(i => first + i), received.Select(r => r.Id));
        Assert.Equal(["state_changed", "progress", "progress", "progress", "progress"], received.Select(r => r.Type));
    }

    [Fact]
    public async Task ADeadlineThatFiresAfterItsSendSucceeded_DoesNotCancelTheNextSend()
    {
        var clock = new FakeTimeProvider();
        var timeout = TimeSpan.FromSeconds(10);
        var deadline = new SendDeadline(timeout, clock);

        // The send completes just as its deadline passes: the timer fires after the send, before it is disarmed.
        Assert.True(await deadline.RunAsync(_ =>
        {
            clock.Advance(timeout);
            return Task.CompletedTask;
        }, CancellationToken.None));

        for (var i = 0; i < 3; i++)
        {
            var cancelled = true;
            Assert.True(await deadline.RunAsync(token =>
            {
                cancelled = token.IsCancellationRequested;
                return Task.CompletedTask;
            }, CancellationToken.None));
            Assert.False(cancelled, "a healthy send started with its token already cancelled");
        }

        // A send that does not finish in time is still cut off.
        Assert.False(await deadline.RunAsync(async token =>
        {
            clock.Advance(timeout);
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
        }, CancellationToken.None));
    }

    [Fact]
    public async Task AClientThatStopsAnsweringPings_IsDisconnected_AndGivesItsSlotBack()
    {
        // Protocol pings run on the real clock (the WebSocket's own timer); short intervals keep the test short.
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?>
        {
            ["WebSockets:KeepAliveInterval"] = "00:00:00.200",
            ["WebSockets:KeepAliveTimeout"] = "00:00:00.500",
        });
        var server = factory.StartOnKestrel();
        using var client = new HttpClient { BaseAddress = server };
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var jobId = await client.SubmitAsync(token);
        var stats = factory.Services.GetRequiredService<WebSocketStats>();

        // A client that never reads again answers no ping, as one whose network vanished.
        var (socket, status) = await JobTestKit.ConnectOverTcpAsync(server, jobId, token);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        using var _ = socket;
        Assert.True(await UntilAsync(() => stats.Active == 0), $"the silent socket is still open ({stats.Active} active)");
    }

    [Fact]
    public async Task TheInstanceCapOnSockets_RefusesTheNextHandshakeWith503_AcrossUsers()
    {
        const int cap = 3;
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["WebSockets:MaxConnections"] = cap.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var server = factory.StartOnKestrel();
        using var client = new HttpClient { BaseAddress = server };
        var users = new List<(string Token, string Job)>();
        foreach (var email in new[] { "ann@example.com", "bob@example.com", "cy@example.com" })
        {
            var token = await client.RegisterAndLoginAsync(email);
            users.Add((token, await client.SubmitAsync(token)));
        }

        var attempts = await Task.WhenAll(Enumerable.Range(0, 9).Select(i => JobTestKit.ConnectOverTcpAsync(server, users[i % 3].Job, users[i % 3].Token)));
        try
        {
            Assert.Equal(cap, attempts.Count(a => a.Socket is not null));
            Assert.All(attempts.Where(a => a.Socket is null), a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status));
            var refused = await client.HandshakeAsync(users[0].Job, users[0].Token);
            var problem = await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "server_busy");
            Assert.Contains("WebSockets:MaxConnections", problem.Str("detail"), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var (socket, _) in attempts)
            {
                socket?.Dispose();
            }
        }
    }

    private static async Task<bool> UntilAsync(Func<bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
