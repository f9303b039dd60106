using System.Net;
using Aiprod.Domain.Exports;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Exports;

/// <summary>One owner's queue neither starves other owners at the claim nor grows without bound at create.</summary>
public sealed class ExportQueueLimitTests
{
    // The tests drive the runner's rounds themselves; the host's own timer (1 s) would claim exports between a test's
    // creates and free queue room it did not expect (seen under load: a sixth create accepted past a cap of five).
    private const string NoBackgroundRounds = "Exports:PollInterval";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnOwnerAtTheRunningCap_WithMoreQueuedThanACandidateList_DoesNotStarveAnotherOwner()
    {
        using var gate = new SemaphoreSlim(0);
        var exporter = new ScriptedExporter { Gate = gate };
        var settings = new Dictionary<string, string?> { [NoBackgroundRounds] = "1.00:00:00", ["Exports:MaxQueuedPerUser"] = "40", ["Exports:MaxRunningPerInstance"] = "5" };
        await using var factory = new AiprodApiFactory(settings, replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");

        await client.CreateExportAsync(ann);
        await client.CreateExportAsync(ann);
        await factory.RunExportRoundAsync();
        for (var i = 0; i < 34; i++)
        {
            await client.CreateExportAsync(ann);
        }

        var bobs = await client.CreateExportAsync(bob);
        for (var round = 0; round < 5; round++)
        {
            await factory.RunExportRoundAsync();
        }

        var exports = await factory.WithDbAsync(db => db.ExportJobs.AsNoTracking().ToListAsync(Ct));
        var running = exports.Where(e => e.Status == ExportStatus.Running).ToList();
        Assert.Contains(running, e => e.Id.ToString() == bobs);
        Assert.Equal(2, running.Count(e => e.Id.ToString() != bobs));
        Assert.Equal(34, exports.Count(e => e.Status == ExportStatus.Queued));
    }

    [Fact]
    public async Task PastMaxQueuedPerUser_CreateIs409_OtherOwnersAreNotAffected_AndRoomReturnsWhenOneStarts()
    {
        using var gate = new SemaphoreSlim(0);
        var exporter = new ScriptedExporter { Gate = gate };
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { [NoBackgroundRounds] = "1.00:00:00", ["Exports:MaxQueuedPerUser"] = "3", ["Exports:MaxRunningPerInstance"] = "1" },
            replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var annsFirst = await client.CreateExportAsync(ann);
        await client.CreateExportAsync(ann);
        await client.CreateExportAsync(ann);

        var problem = await (await client.PostExportAsync(ann, new { format = "jsonl" })).AssertProblemAsync(HttpStatusCode.Conflict, "too_many_queued_exports");
        Assert.Contains("3", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostExportAsync(bob, new { format = "jsonl" })).StatusCode);

        // The runner starts Ann's oldest (one per instance): she has room for exactly one more.
        await factory.RunExportRoundAsync();
        Assert.Equal("running", (await client.GetExportAsync(ann, annsFirst)).Str("status"));
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostExportAsync(ann, new { format = "jsonl" })).StatusCode);

        await (await client.PostExportAsync(ann, new { format = "jsonl" })).AssertProblemAsync(HttpStatusCode.Conflict, "too_many_queued_exports");
    }

    [Fact]
    public async Task RacingCreatesOfOneOwner_NeverQueueMoreThanTheLimit()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { [NoBackgroundRounds] = "1.00:00:00", ["Exports:MaxQueuedPerUser"] = "5" },
            replaceServices: ExportTestKit.WithExporter(new ScriptedExporter()));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");

        for (var round = 0; round < 4; round++)
        {
            await factory.WithDbAsync(db => db.ExportJobs.ExecuteDeleteAsync(Ct));
            using var start = new ManualResetEventSlim();
            var racers = Enumerable.Range(0, 12).Select(_ => Task.Run(async () =>
            {
                start.Wait(Ct);
                return (await client.PostExportAsync(ann, new { format = "jsonl" })).StatusCode;
            }, Ct)).ToList();
            start.Set();
            var answers = await Task.WhenAll(racers);

            Assert.Equal(5, answers.Count(a => a == HttpStatusCode.Accepted));
            Assert.Equal(7, answers.Count(a => a == HttpStatusCode.Conflict));
            Assert.Equal(5, await factory.WithDbAsync(db => db.ExportJobs.CountAsync(Ct)));
        }
    }
}
