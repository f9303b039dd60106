using System.Net;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Audit.Dtos;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Audit;

/// <summary>
/// Writers and sealers at once: requests that audit from several users while several sealers (of one host, and of two
/// hosts on one SQLite file) chain, and sealers stopped at arbitrary points. The chain must never fork, skip or
/// reorder, and must end up holding every event.
/// </summary>
public sealed class AuditSealerRaceTests
{
    private const int Users = 4;
    private const int ConcurrentRequests = 16;
    private const int Rounds = 5;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Settings(string? dataFolder = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Audit:SealerEnabled"] = "false",
            ["Audit:CheckpointEveryEvents"] = "7",
            ["Audit:SealBatchSize"] = "5",
            ["Auth:Passwords:Iterations"] = "100000",
        };
        if (dataFolder is not null)
        {
            settings["DataFolder:Path"] = dataFolder;
        }

        return settings;
    }

    [Fact]
    public async Task SixteenAuditingRequestsAtOnce_WhileThreeSealersRun_LeaveOneGapFreeChainOfEveryEvent()
    {
        await using var factory = new AiprodApiFactory(Settings());
        var client = factory.CreateClient();
        var tokens = await UsersAsync(client, Users);
        var sealer = factory.Services.GetRequiredService<AuditSealer>();

        using var writing = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var sealers = Enumerable.Range(0, 3).Select(_ => Task.Run(() => SealUntilAsync(sealer, writing.Token))).ToList();
        var midway = new List<AuditVerificationReport>();
        for (var round = 0; round < Rounds; round++)
        {
            await AuditingRequestsAsync(client, tokens);
            midway.Add(await VerifyAsync(factory));
        }

        await writing.CancelAsync();
        await Task.WhenAll(sealers);
        await sealer.SealPendingAsync(Ct);
        var report = await VerifyAsync(factory);

        Assert.All(midway, m => Assert.True(m.Intact, AuditChainTests.Describe(m)));
        await AssertWholeChainAsync(factory, report);
    }

    [Fact]
    public async Task TwoInstancesOnOneSqliteFile_SealingAtOnce_DoNotForkTheChain()
    {
        await using var first = new AiprodApiFactory(Settings());
        var firstClient = first.CreateClient();
        await using var second = new AiprodApiFactory(Settings(first.DataFolder));
        var secondClient = second.CreateClient();
        var tokens = await UsersAsync(firstClient, Users);

        using var writing = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var sealers = new[] { first, second, first, second }
            .Select(f => f.Services.GetRequiredService<AuditSealer>())
            .Select(s => Task.Run(() => SealUntilAsync(s, writing.Token)))
            .ToList();
        for (var round = 0; round < Rounds; round++)
        {
            await Task.WhenAll(AuditingRequestsAsync(firstClient, tokens), AuditingRequestsAsync(secondClient, tokens));
        }

        await writing.CancelAsync();
        await Task.WhenAll(sealers);
        await second.Services.GetRequiredService<AuditSealer>().SealPendingAsync(Ct);

        await AssertWholeChainAsync(first, await VerifyAsync(first));
    }

    [Fact]
    public async Task ASealerStoppedAtAnyPoint_LeavesTheChainIntact_AndTheNextSealsTheRest()
    {
        await using var factory = new AiprodApiFactory(Settings());
        var client = factory.CreateClient();
        var tokens = await UsersAsync(client, Users);
        var sealer = factory.Services.GetRequiredService<AuditSealer>();
        var stops = 0;

        for (var attempt = 0; attempt < 12; attempt++)
        {
            await AuditingRequestsAsync(client, tokens);
            using var kill = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            kill.CancelAfter(TimeSpan.FromMilliseconds(attempt * 3));
            try
            {
                await sealer.SealPendingAsync(kill.Token);
            }
            catch (OperationCanceledException) when (kill.IsCancellationRequested)
            {
                stops++;
            }

            var report = await VerifyAsync(factory);
            Assert.True(report.Intact, AuditChainTests.Describe(report));
        }

        await sealer.SealPendingAsync(Ct);

        Assert.True(stops > 0, "No sealer was stopped midway; the test proved nothing.");
        await AssertWholeChainAsync(factory, await VerifyAsync(factory));
    }

    [Fact]
    public async Task TheHostsOwnSealer_ChainsEveryCommittedEvent_WhenItsIntervalComes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = Settings();
        settings["Audit:SealerEnabled"] = "true";
        settings["Audit:SealInterval"] = "00:00:01";
        await using var factory = new AiprodApiFactory(settings, clock);
        var client = factory.CreateClient();
        var tokens = await UsersAsync(client, 2);
        await AuditingRequestsAsync(client, tokens);
        var unsealedBefore = await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Seq == null, Ct));

        clock.Advance(TimeSpan.FromSeconds(1));
        var sealedAll = await PollAsync(async () => await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Seq == null, Ct)) == 0);

        Assert.True(unsealedBefore > 0);
        Assert.True(sealedAll, "The host's sealer did not chain the events after its interval.");
        await AssertWholeChainAsync(factory, await VerifyAsync(factory));
    }

    [Fact]
    public async Task ASealerWithNothingToDo_TakesNoWriteLock()
    {
        await using var factory = new AiprodApiFactory(Settings());
        var client = factory.CreateClient();
        await UsersAsync(client, 1);
        var sealer = factory.Services.GetRequiredService<AuditSealer>();
        await sealer.SealPendingAsync(Ct);

        // Another writer holds the database's write lock: a sealer that took it anyway would wait for it.
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Aiprod.Infrastructure.Persistence.AiprodDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(Ct);

        var idle = await sealer.SealOnceAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal((0, false), idle);
        await transaction.RollbackAsync(Ct);
    }

    private static async Task AssertWholeChainAsync(AiprodApiFactory factory, AuditVerificationReport report)
    {
        var rows = await factory.WithDbAsync(db => db.AuditEvents.CountAsync(Ct));
        var seqs = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Seq != null).OrderBy(e => e.Seq).Select(e => e.Seq!.Value).ToListAsync(Ct));
        Assert.True(report.Intact, AuditChainTests.Describe(report));
        Assert.Equal(0, report.UnsealedEvents);
        Assert.Equal(rows, report.EventsValid);
        Assert.Equal(Enumerable.Range(1, rows).Select(i => (long)i), seqs);
        Assert.All(report.Checkpoints, c => Assert.Equal((CheckpointSignatureStatus.Valid, CheckpointChainStatus.Matches), (c.Signature, c.Chain)));
        Assert.Equal(rows / 7, report.Checkpoints.Count(c => c.Seq % 7 == 0));
    }

    private static async Task<List<string>> UsersAsync(HttpClient client, int count)
    {
        var tokens = new List<string>();
        for (var i = 0; i < count; i++)
        {
            tokens.Add(await client.RegisterAndLoginAsync($"writer{i}@example.com"));
        }

        return tokens;
    }

    /// <summary>Sixteen requests at once, spread over the users; each lists keys, which is audited.</summary>
    private static async Task AuditingRequestsAsync(HttpClient client, List<string> tokens)
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, ConcurrentRequests).Select(i => client.GetWithTokenAsync("/api-keys", tokens[i % tokens.Count])));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    private static async Task SealUntilAsync(AuditSealer sealer, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await sealer.SealPendingAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (StoreBusyException)
            {
                // The other instance held the file past the busy timeout: that sealer tries again next round.
            }

            await Task.Yield();
        }
    }

    private static async Task<AuditVerificationReport> VerifyAsync(AiprodApiFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IAuditChainVerifier>().VerifyAsync(Ct);
    }

    /// <summary>A bounded poll for the host's background work (at most ten seconds).</summary>
    private static async Task<bool> PollAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50, Ct);
        }

        return false;
    }
}
