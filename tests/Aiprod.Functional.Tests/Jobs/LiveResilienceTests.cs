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
/// after it succeeded (and the race between a send's end and its deadline), a client that vanished without closing,
/// and the instance-wide cap on sockets.
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
        using var deadline = new SendDeadline(timeout, clock, CancellationToken.None);

        // A send that completes at once arms nothing: no time that passes after it can cancel the socket.
        Assert.True(await deadline.WaitAsync(ValueTask.CompletedTask));
        clock.Advance(2 * timeout);
        Assert.False(deadline.Token.IsCancellationRequested, "a send that completed at once was cut off later");

        // A send that waits arms the timer and completes just before its deadline; the timer fires after it.
        var first = new TaskCompletionSource();
        var waiting = deadline.WaitAsync(new ValueTask(first.Task));
        clock.Advance(timeout - TimeSpan.FromMilliseconds(1));
        first.SetResult();
        Assert.True(await waiting);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(deadline.Token.IsCancellationRequested, "a deadline that fired after its send succeeded cancelled the next send's token");

        // The next send that waits has a deadline of its own: not cut off before it, cut off at it.
        var second = new TaskCompletionSource();
        using var aborts = deadline.Token.Register(() => second.TrySetCanceled());
        var pending = deadline.WaitAsync(new ValueTask(second.Task));
        clock.Advance(timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(deadline.Token.IsCancellationRequested, "a send was cut off before its deadline");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(await pending);
        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task TheSocketsOwnEnd_CancelsAWaitingSend_WithoutCountingAsItsDeadline()
    {
        var clock = new FakeTimeProvider();
        using var stop = new CancellationTokenSource();
        using var deadline = new SendDeadline(TimeSpan.FromSeconds(10), clock, stop.Token);
        var send = new TaskCompletionSource();
        using var aborts = deadline.Token.Register(() => send.TrySetCanceled(deadline.Token));
        var pending = deadline.WaitAsync(new ValueTask(send.Task)).AsTask();

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await deadline.WaitAsync(ValueTask.FromException(new InvalidOperationException("broken"))));
    }

    [Fact]
    public async Task SendsThatEndAroundTheirDeadline_SucceedWithTheTokenIntact_OrAreCutOff_NeverBoth()
    {
        // Three actors race in every round: the sender, a thread that completes the send after a spin of up to
        // three deadlines, and the timer's thread. A send that succeeded must leave the token intact for the next
        // one (a late timer must not cancel it); a send reported cut off must have cancelled it.
        var timeout = TimeSpan.FromMilliseconds(1);
        var deadline = new SendDeadline(timeout, TimeProvider.System, CancellationToken.None);
        var (succeeded, cutOff) = (0, 0);
        try
        {
            for (var round = 0; round < 1500; round++)
            {
                Assert.False(deadline.Token.IsCancellationRequested, $"round {round}: a send started with its token already cancelled");
                var send = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using var aborts = deadline.Token.Register(() => send.TrySetCanceled());
                var spin = Stopwatch.Frequency * Random.Shared.Next(0, 3000) / 1_000_000;
                _ = Task.Run(() =>
                {
                    var until = Stopwatch.GetTimestamp() + spin;
                    while (Stopwatch.GetTimestamp() < until)
                    {
                        Thread.SpinWait(20);
                    }

                    send.TrySetResult();
                }, TestContext.Current.CancellationToken);

                if (await deadline.WaitAsync(new ValueTask(send.Task)))
                {
                    succeeded++;
                    Assert.True(send.Task.IsCompletedSuccessfully);
                }
                else
                {
                    cutOff++;
                    Assert.True(deadline.Token.IsCancellationRequested, $"round {round}: reported cut off, but the token was never cancelled");
                    // The socket would be dropped here; the next one starts with a deadline of its own.
                    deadline.Dispose();
                    deadline = new SendDeadline(timeout, TimeProvider.System, CancellationToken.None);
                }
            }

            // Timers still armed by earlier sends fire into an idle deadline.
            await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.False(deadline.Token.IsCancellationRequested, "a timer fired after the last send succeeded and cancelled the token");
            Assert.True(succeeded > 0 && cutOff > 0, $"the race was not run both ways: {succeeded} succeeded, {cutOff} cut off");
        }
        finally
        {
            deadline.Dispose();
        }
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
        var userId = new Aiprod.Domain.Users.UserId(Guid.Parse((await (await client.GetWithTokenAsync("/auth/me", token)).ReadJsonAsync()).Str("id")));
        var stats = factory.Services.GetRequiredService<WebSocketStats>();
        var open = factory.Services.GetRequiredService<OpenSocketsPerUser>();

        // A client that never reads again answers no ping, as one whose network vanished.
        var (socket, status) = await JobTestKit.ConnectOverTcpAsync(server, jobId, token);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        using var _ = socket;
        Assert.True(await UntilAsync(() => stats.Active == 0), $"the silent socket is still open ({stats.Active} active)");
        Assert.True(await UntilAsync(() => open.OpenBy(userId) == 0), $"the silent socket's slot is still held ({open.OpenBy(userId)})");
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
