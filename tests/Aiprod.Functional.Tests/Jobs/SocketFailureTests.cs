using System.Net.WebSockets;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Jobs;

/// <summary>
/// A job socket whose database reads fail. The failure is real: a table the read needs is renamed away on the
/// host's own SQLite file, and put back before the host is disposed.
/// </summary>
public sealed class SocketFailureTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly AiprodApiFactory factory;

    public SocketFailureTests() => factory = new AiprodApiFactory(clock: clock);

    private async Task<(HttpClient Client, string Token, string Job)> JobWithThreeEventsAsync()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var worker = await client.WorkerKeyAsync(token);
        var job = await client.SubmitAsync(token);
        await client.ClaimAsync(worker);
        await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 30, message = "scene 1" });
        return (client, token, job);
    }

    private Task<int> ExecuteAsync(string sql) => factory.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(sql));

    [Fact]
    public async Task AReplayThatCannotBeRead_IsReportedToTheClient_AndTheSocketClosed()
    {
        var (_, token, job) = await JobWithThreeEventsAsync();
        await ExecuteAsync("ALTER TABLE job_events RENAME TO job_events_away");
        try
        {
            using var socket = await JobTestKit.ConnectAsync(factory, job, accessToken: token, lastEventId: 1);

            var connected = await socket.ReceiveTypeAsync("connected");
            var error = await socket.ReceiveAsync();

            Assert.Equal(3, connected["event_id"]!.GetValue<long>());
            Assert.NotNull(error);
            Assert.Equal(["type", "message"], error.Select(p => p.Key));
            Assert.Equal("error", error.Str("type"));
            Assert.Contains("last_event_id 1", error.Str("message"), StringComparison.Ordinal);
            Assert.Null(await socket.ReceiveAsync());
            Assert.Equal(WebSocketCloseStatus.InternalServerError, socket.CloseStatus);
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE job_events_away RENAME TO job_events");
        }
    }

    [Fact]
    public async Task AStatusRefreshTheDatabaseFails_IsAnsweredFromMemory_AndTheSocketLives()
    {
        var (_, token, job) = await JobWithThreeEventsAsync();
        using var socket = await JobTestKit.ConnectAsync(factory, job, accessToken: token);
        await socket.ReceiveTypeAsync("connected");
        await ExecuteAsync("ALTER TABLE pipeline_jobs RENAME TO pipeline_jobs_away");
        try
        {
            // Past the refresh interval: this status asks the database, which fails.
            clock.Advance(TimeSpan.FromSeconds(1));
            await socket.SendTextAsync("status");
            var status = await socket.ReceiveAsync();
            await socket.SendTextAsync("ping");
            var pong = await socket.ReceiveAsync();

            Assert.NotNull(status);
            Assert.Equal("status", status.Str("type"));
            Assert.Equal("running", status.Str("status"));
            Assert.Equal(3, status["event_id"]!.GetValue<long>());
            Assert.Equal("pong", pong?.Str("type"));
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE pipeline_jobs_away RENAME TO pipeline_jobs");
        }
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}
