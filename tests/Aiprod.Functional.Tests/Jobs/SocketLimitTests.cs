using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Aiprod.Api.WebSockets;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Jobs;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Jobs;

/// <summary>
/// The in-process bus, with two things a test may ask of it: lose publishes (as Redis pub/sub may between
/// instances), and run a step just before the next subscription (a change committed during a handshake).
/// </summary>
public sealed class ScriptedJobEventBus(LocalJobSubscribers subscribers) : IJobEventBus
{
    private readonly InProcessJobEventBus inner = new(subscribers);
    private Func<Task>? beforeNextSubscribe;
    private volatile bool dropPublishes;

    public int JobsWithSubscribers => inner.JobsWithSubscribers;

    public bool DropPublishes
    {
        get => dropPublishes;
        set => dropPublishes = value;
    }

    public void BeforeNextSubscribe(Func<Task> step) => beforeNextSubscribe = step;

    public Task PublishAsync(IReadOnlyList<JobEventDto> events, CancellationToken cancellationToken) =>
        dropPublishes ? Task.CompletedTask : inner.PublishAsync(events, cancellationToken);

    public IDisposable Subscribe(JobId jobId, Action<JobEventDto> handler)
    {
        Interlocked.Exchange(ref beforeNextSubscribe, null)?.Invoke().GetAwaiter().GetResult();
        return inner.Subscribe(jobId, handler);
    }
}

/// <summary>Every read a socket makes is fresh; <c>status</c> comes from memory, read again at most once a second.</summary>
public sealed class SocketFreshnessTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly AiprodApiFactory root;
    private readonly WebApplicationFactory<Program> host;

    public SocketFreshnessTests()
    {
        root = new AiprodApiFactory(clock: clock);
        host = root.WithWebHostBuilder(b => b.ConfigureTestServices(s =>
        {
            s.AddSingleton<ScriptedJobEventBus>();
            s.AddSingleton<IJobEventBus>(sp => sp.GetRequiredService<ScriptedJobEventBus>());
        }));
    }

    private ScriptedJobEventBus Bus => host.Services.GetRequiredService<ScriptedJobEventBus>();

    private async Task<(HttpClient Client, string Token, string Worker, string Job)> JobAsync()
    {
        var client = host.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var worker = await client.WorkerKeyAsync(token);
        return (client, token, worker, await client.SubmitAsync(token));
    }

    private static async Task<JsonObject> StatusAsync(WebSocket socket)
    {
        await socket.SendTextAsync("status");
        return await socket.ReceiveTypeAsync("status");
    }

    [Fact]
    public async Task Connected_IsReadAfterSubscribing_SoAClaimCommittedDuringTheHandshakeIsNotLost()
    {
        var (client, token, worker, job) = await JobAsync();
        // After the handshake has checked the job, before the socket subscribes: the claim's event reaches nobody,
        // so only the snapshot read after subscribing can tell the client.
        Bus.BeforeNextSubscribe(() => client.ClaimAsync(worker));

        using var socket = await JobTestKit.ConnectAsync(host, job, accessToken: token);

        var connected = await socket.ReceiveTypeAsync("connected");
        Assert.Equal("running", connected.Str("status"));
        Assert.Equal(2, connected["event_id"]!.GetValue<long>());
        await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 10 });
        Assert.Equal(3, (await socket.ReceiveTypeAsync("progress"))["event_id"]!.GetValue<long>());
    }

    [Fact]
    public async Task Status_IsAnsweredFromWhatTheSocketKnows_AndReadAgainAtMostOnceASecond()
    {
        var (client, token, worker, job) = await JobAsync();
        using var socket = await JobTestKit.ConnectAsync(host, job, accessToken: token);
        Assert.Equal("queued", (await socket.ReceiveTypeAsync("connected")).Str("status"));

        // The claim is committed but its event is lost: only a database read can see it.
        Bus.DropPublishes = true;
        await client.ClaimAsync(worker);

        Assert.Equal("queued", (await StatusAsync(socket)).Str("status"));
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal("queued", (await StatusAsync(socket)).Str("status"));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var refreshed = await StatusAsync(socket);
        Assert.Equal("running", refreshed.Str("status"));
        Assert.Equal(2, refreshed["event_id"]!.GetValue<long>());

        // Events keep the remembered state current between reads.
        Bus.DropPublishes = false;
        await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 40 });
        await socket.ReceiveTypeAsync("progress");
        var remembered = await StatusAsync(socket);
        Assert.Equal("running", remembered.Str("status"));
        Assert.Equal(40, remembered["progress"]!.GetValue<int>());
        Assert.Equal(3, remembered["event_id"]!.GetValue<long>());
    }

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        await root.DisposeAsync();
    }
}

/// <summary>The per-user cap on open sockets, on real TCP sockets: held under concurrent handshakes, released however a socket ends.</summary>
public sealed class SocketCapTests : IAsyncDisposable
{
    private const int Cap = 5;
    private const int AttemptsPerUser = 12;
    private readonly AiprodApiFactory factory = new(new Dictionary<string, string?> { ["WebSockets:MaxSocketsPerUser"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    [Fact]
    public async Task TheCap_HoldsUnderConcurrentHandshakes_AndEveryWayASocketEndsReleasesIt()
    {
        var server = factory.StartOnKestrel();
        using var client = new HttpClient { BaseAddress = server };
        var users = new List<(UserId Id, string Token, string Job)>();
        foreach (var email in new[] { "ann@example.com", "bob@example.com" })
        {
            var token = await client.RegisterAndLoginAsync(email);
            var id = new UserId(Guid.Parse((await (await client.GetWithTokenAsync("/auth/me", token)).ReadJsonAsync()).Str("id")));
            users.Add((id, token, await client.SubmitAsync(token)));
        }

        var open = factory.Services.GetRequiredService<OpenSocketsPerUser>();
        var stats = factory.Services.GetRequiredService<WebSocketStats>();
        for (var round = 0; round < 3; round++)
        {
            // A refused handshake (another user's job) gives its slot back too.
            Assert.Equal(HttpStatusCode.NotFound, (await JobTestKit.ConnectOverTcpAsync(server, users[1].Job, users[0].Token)).Status);
            Assert.Equal(0, open.OpenBy(users[0].Id));

            var attempts = await Task.WhenAll(users.SelectMany(u => Enumerable.Range(0, AttemptsPerUser).Select(async _ =>
                (User: u.Id, Result: await JobTestKit.ConnectOverTcpAsync(server, u.Job, u.Token)))));

            foreach (var user in users)
            {
                var mine = attempts.Where(a => a.User == user.Id).Select(a => a.Result).ToList();
                Assert.Equal(Cap, mine.Count(a => a.Socket is not null));
                Assert.All(mine.Where(a => a.Socket is null), a => Assert.Equal(HttpStatusCode.Conflict, a.Status));
                Assert.Equal(Cap, open.OpenBy(user.Id));
            }

            var refused = await client.HandshakeAsync(users[0].Job, users[0].Token);
            var problem = await refused.AssertProblemAsync(HttpStatusCode.Conflict, "socket_limit_reached");
            Assert.Contains("WebSockets:MaxSocketsPerUser", problem.Str("detail"), StringComparison.Ordinal);

            // All at once, each socket ending its own way: a close handshake, a dropped connection, a message the
            // server refuses (1009), or a close frame sent by a client that leaves without waiting for the answer.
            var sockets = attempts.Select(a => a.Result.Socket).OfType<ClientWebSocket>().ToList();
            await Task.WhenAll(sockets.Select((socket, i) => EndAsync(socket, i % 4)));
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            foreach (var user in users)
            {
                Assert.True(await WaitUntilAsync(() => open.OpenBy(user.Id) == 0), $"round {round}: {open.OpenBy(user.Id)} sockets still counted for a user");
            }

            Assert.True(await WaitUntilAsync(() => stats.Active == 0), $"round {round}: {stats.Active} sockets still active");
        }
    }

    private static async Task EndAsync(ClientWebSocket socket, int way)
    {
        await socket.ReceiveTypeAsync("connected");
        switch (way)
        {
            case 0:
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", TestContext.Current.CancellationToken);
                break;
            case 1:
                socket.Abort();
                break;
            case 2:
                await socket.SendAsync(new byte[(64 * 1024) + 1], WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
                Assert.Null(await socket.ReceiveAsync());
                Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
                break;
            default:
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "leaving", TestContext.Current.CancellationToken);
                socket.Dispose();
                break;
        }
    }

    /// <summary>A socket's count is released when its request ends, a moment after the client sees the end.</summary>
    internal static async Task<bool> WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return condition();
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}

/// <summary>The handshake rate limit (<c>ws-connect</c>), on its own host so the window starts empty.</summary>
public sealed class SocketHandshakeLimitTests : IAsyncDisposable
{
    private readonly AiprodApiFactory factory = new(new Dictionary<string, string?>
    {
        ["RateLimits:Policies:ws-connect"] = "3",
        // An hour: no window boundary falls between the handshakes of the test.
        ["RateLimits:Window"] = "01:00:00",
    });

    [Fact]
    public async Task HandshakesBeyondTheLimit_Get429_EvenAllAtOnce()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var job = await client.SubmitAsync(token);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            try
            {
                return (Socket: await JobTestKit.ConnectAsync(factory, job, accessToken: token), Error: (Exception?)null);
            }
            catch (InvalidOperationException ex)
            {
                return (Socket: (WebSocket?)null, Error: (Exception?)ex);
            }
        }));

        Assert.Equal(3, attempts.Count(a => a.Socket is not null));
        Assert.All(attempts.Where(a => a.Error is not null), a => Assert.Contains("429", a.Error!.Message, StringComparison.Ordinal));
        var limited = await client.GetWithTokenAsync($"/ws/job/{job}", token);
        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(limited.Headers.Contains("Retry-After"));
        foreach (var (socket, _) in attempts)
        {
            socket?.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}

/// <summary>
/// A client that stops reading is dropped, even while a send to it is blocked on its full TCP window, and without
/// holding up the fast clients of the same job.
/// </summary>
public sealed class SlowReaderTests : IAsyncDisposable
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly AiprodApiFactory factory;

    public SlowReaderTests() => factory = new AiprodApiFactory(new Dictionary<string, string?> { ["WebSockets:SendTimeout"] = SendTimeout.ToString() }, clock);

    [Fact]
    public async Task AClientThatNeverReads_IsDropped_WhileASendToItIsBlocked()
    {
        var server = factory.StartOnKestrel();
        using var client = new HttpClient { BaseAddress = server };
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var userId = new UserId(Guid.Parse((await (await client.GetWithTokenAsync("/auth/me", token)).ReadJsonAsync()).Str("id")));
        var job = await client.SubmitAsync(token);
        var (socket, status) = await JobTestKit.ConnectOverTcpAsync(server, job, token, receiveBufferBytes: 4096);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        using var reader = socket!;
        var stats = factory.Services.GetRequiredService<WebSocketStats>();
        var open = factory.Services.GetRequiredService<OpenSocketsPerUser>();

        // Log lines of the largest size a job keeps, published as a worker's reports would be, to a client that
        // reads nothing: far more than the kernel buffers hold, and well under the send queue's limit.
        var bus = factory.Services.GetRequiredService<IJobEventBus>();
        var line = new string('x', 2000);
        const int Published = 9000;
        for (var id = 2L; id < Published + 2; id += 100)
        {
            var batch = Enumerable.Range(0, 100).Select(i => new JobEventDto("log", new JobId(Guid.Parse(job)), id + i, clock.GetUtcNow(), Level: JobLogLevel.Info, Message: line)).ToList();
            await bus.PublishAsync(batch, TestContext.Current.CancellationToken);
        }

        // The send loop is now stuck in one send: the count of messages sent stops moving short of the total.
        long sent;
        var before = -1L;
        while ((sent = stats.MessagesSent) != before)
        {
            before = sent;
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        Assert.True(sent < Published, $"all {sent} messages were sent: the client's window never filled");
        Assert.Equal(1, stats.Active);

        await PassDeadlinesUntilAsync(stats, active: 0);

        Assert.Equal(0, stats.Active);
        // The request lets go of its activity count just before its user's slot (taken first, released last).
        Assert.True(await SocketCapTests.WaitUntilAsync(() => open.OpenBy(userId) == 0), $"{open.OpenBy(userId)} sockets still counted for the user");
        // The client finds its connection cut, not closed: what was in flight, then an error.
        await Assert.ThrowsAsync<WebSocketException>(async () =>
        {
            while (await reader.ReceiveAsync(TimeSpan.FromSeconds(30)) is not null)
            {
            }
        });
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

            await PassDeadlinesUntilAsync(stats, active: 4);

            Assert.Equal(4, stats.Active);
            Assert.True(await SocketCapTests.WaitUntilAsync(() => open.OpenBy(userId) == 4), $"{open.OpenBy(userId)} sockets counted for the user, not 4");

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

    /// <summary>
    /// Passes the send timeout until only <paramref name="active"/> sockets are left. Each step passes the timeout of
    /// whatever send is in progress; on a loaded machine a step may fall between two sends, so a few are allowed.
    /// Without the timeout no number of steps drops a socket.
    /// </summary>
    private async Task PassDeadlinesUntilAsync(WebSocketStats stats, int active)
    {
        for (var step = 0; step < 10 && stats.Active > active; step++)
        {
            clock.Advance(SendTimeout);
            for (var i = 0; i < 40 && stats.Active > active; i++)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}
