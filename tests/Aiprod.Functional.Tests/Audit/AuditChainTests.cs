using System.Security.Cryptography;
using System.Text;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Audit.Dtos;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Audit;

/// <summary>
/// The hash chain on a real SQLite file: sealed by the sealer the test drives (the host's own is off), then tampered
/// with through SQL as a database administrator would, and each change found by the verifier.
/// </summary>
public sealed class AuditChainTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly AiprodApiFactory factory = new(new Dictionary<string, string?>
    {
        ["Audit:SealerEnabled"] = "false",
        ["Audit:CheckpointEveryEvents"] = "5",
        ["Audit:SealBatchSize"] = "3",
        ["Auth:Passwords:Iterations"] = "100000",
    });

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task AFreshDatabase_IsIntactAndEmpty()
    {
        _ = factory.CreateClient();

        var report = await VerifyAsync();

        Assert.True(report.Intact);
        Assert.Equal(0, report.EventsChecked);
        Assert.Null(report.FirstSeq);
        Assert.Null(report.FirstBrokenSeq);
        Assert.Empty(report.Checkpoints);
    }

    [Fact]
    public async Task SealedEvents_AreGapFree_AndCheckpointedEveryNEvents()
    {
        await RecordEventsAsync(12);
        Assert.Equal(12, await factory.Services.GetRequiredService<AuditSealer>().SealPendingAsync(Ct));

        var report = await VerifyAsync();

        Assert.True(report.Intact, Describe(report));
        Assert.Equal((1L, 12L, 12L, 0L), (report.FirstSeq!.Value, report.LastSeq!.Value, report.EventsValid, report.EventsInvalid));
        Assert.Equal([5L, 10L], report.Checkpoints.Select(c => c.Seq));
        Assert.All(report.Checkpoints, c => Assert.Equal((CheckpointSignatureStatus.Valid, CheckpointChainStatus.Matches), (c.Signature, c.Chain)));
        var seqs = await factory.WithDbAsync(db => db.AuditEvents.OrderBy(e => e.Id).Select(e => e.Seq).ToListAsync(Ct));
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long?)i), seqs);
    }

    [Fact]
    public async Task AModifiedRow_IsFoundAtItsSequenceNumber()
    {
        await SealedChainAsync(12);

        await SqlAsync("UPDATE audit_events SET Target = 'someone-else' WHERE Seq = 7");
        var report = await VerifyAsync();

        Assert.False(report.Intact);
        Assert.Equal(7, report.FirstBrokenSeq);
        Assert.Equal((11L, 1L), (report.EventsValid, report.EventsInvalid));
        Assert.Equal(AuditBreakReason.HashMismatch, Assert.Single(report.Breaks).Reason);
    }

    [Fact]
    public async Task ADeletedRow_IsFoundAsAGap_AndByTheCheckpointThatCountedIt()
    {
        await SealedChainAsync(12);

        await SqlAsync("DELETE FROM audit_events WHERE Seq = 7");
        var report = await VerifyAsync();

        // Events 6 to 10 are no longer vouched for by checkpoint 10, so the log is proven only up to 5.
        Assert.False(report.Intact);
        Assert.Equal(6, report.FirstBrokenSeq);
        var gap = Assert.Single(report.Breaks);
        Assert.Equal((8L, AuditBreakReason.SequenceGap), (gap.Seq, gap.Reason));
        Assert.Equal(CheckpointChainStatus.HashMismatch, report.Checkpoints.Single(c => c.Seq == 10).Chain);
    }

    [Fact]
    public async Task AnInsertedRow_WithAHashComputedTheWayTheChainDoes_BreaksTheEventAfterIt()
    {
        await SealedChainAsync(12);
        var before = await factory.WithDbAsync(db => db.AuditEvents.SingleAsync(e => e.Seq == 4, Ct));

        // Make room at 5 (in two steps: the unique index would refuse a row moved onto its neighbour), then insert a
        // row there, hashed as the chain hashes, after the real event 4.
        await SqlAsync("UPDATE audit_events SET Seq = Seq + 1000000 WHERE Seq >= 5");
        await SqlAsync("UPDATE audit_events SET Seq = Seq - 999999 WHERE Seq >= 1000000");
        var occurredAt = before.OccurredAt.AddMilliseconds(1);
        var binary = (long)new Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter().ConvertToProvider(occurredAt)!;
        var forged = new StringBuilder("{\"actor_id\":null,\"actor_kind\":\"Anonymous\",\"client_address\":null,\"details\":null,\"event_type\":\"login.succeeded\",")
            .Append("\"id\":100000,\"occurred_at\":\"").Append(occurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture))
            .Append("\",\"outcome\":\"Success\",\"seq\":5,\"target\":\"x\",\"trace_id\":null,\"user_agent\":null}").ToString();
        var hash = ChainHash(forged, before.Hash!);
        await factory.WithDbAsync(db => db.Database.ExecuteSqlAsync(
            $"INSERT INTO audit_events (Id, OccurredAt, EventType, ActorKind, Target, Outcome, Seq, Hash) VALUES (100000, {binary}, 'login.succeeded', 'Anonymous', 'x', 'Success', 5, {hash})", Ct));
        var report = await VerifyAsync();

        // The inserted row itself verifies, but checkpoint 5 no longer matches: nothing is proven from 1 on.
        Assert.False(report.Intact);
        Assert.Equal(1, report.FirstBrokenSeq);
        Assert.Equal((6L, AuditBreakReason.HashMismatch), (report.Breaks[0].Seq, report.Breaks[0].Reason));
        Assert.Equal(CheckpointChainStatus.HashMismatch, report.Checkpoints.Single(c => c.Seq == 5).Chain);
        Assert.Equal(13, report.EventsChecked);
    }

    [Fact]
    public async Task ATruncatedTail_IsFoundByTheLastCheckpoint_ButNotPastIt()
    {
        await SealedChainAsync(12);

        await SqlAsync("DELETE FROM audit_events WHERE Seq > 10");
        var pastTheCheckpoint = await VerifyAsync();
        await SqlAsync("DELETE FROM audit_events WHERE Seq > 8");
        var report = await VerifyAsync();

        // What no checkpoint covered can go unnoticed (the README says so); what one covered cannot.
        Assert.True(pastTheCheckpoint.Intact, Describe(pastTheCheckpoint));
        Assert.False(report.Intact);
        Assert.Equal(0, report.EventsInvalid);
        Assert.Equal(9, report.FirstBrokenSeq);
        Assert.Equal(CheckpointChainStatus.BeyondChain, report.Checkpoints.Single(c => c.Seq == 10).Chain);
    }

    [Fact]
    public async Task AChainRewrittenWhole_IsFoundByTheCheckpoints_AndAForgedCheckpointByItsSignature()
    {
        await SealedChainAsync(12);

        // An attacker who knows the canonical form edits event 3 and re-hashes everything after it: the chain holds.
        await SqlAsync("UPDATE audit_events SET Target = 'rewritten' WHERE Seq = 3");
        await RehashFromAsync(3);
        var rewritten = await VerifyAsync();
        // …then moves the checkpoints onto the new hashes, without the signing key.
        await SqlAsync("UPDATE audit_checkpoints SET HeadHash = (SELECT Hash FROM audit_events WHERE audit_events.Seq = audit_checkpoints.Seq)");
        var forged = await VerifyAsync();

        Assert.Equal(0, rewritten.EventsInvalid);
        Assert.False(rewritten.Intact);
        Assert.Equal(1, rewritten.FirstBrokenSeq);
        Assert.All(rewritten.Checkpoints, c => Assert.Equal(CheckpointChainStatus.HashMismatch, c.Chain));
        Assert.False(forged.Intact);
        Assert.All(forged.Checkpoints, c => Assert.Equal((CheckpointSignatureStatus.Invalid, CheckpointChainStatus.Matches), (c.Signature, c.Chain)));
        Assert.Equal(2, forged.CheckpointsInvalid);
    }

    [Fact]
    public async Task ACheckpointSignedByAnotherKey_IsNotTrusted()
    {
        await SealedChainAsync(6);

        await SqlAsync("UPDATE audit_checkpoints SET KeyId = 'someone-elses-key'");
        var report = await VerifyAsync();

        Assert.False(report.Intact);
        Assert.Equal(CheckpointSignatureStatus.UnknownKey, Assert.Single(report.Checkpoints).Signature);
    }

    [Fact]
    public async Task ARowRewrittenWithAValueTheModelRefuses_IsReportedNotThrown()
    {
        await SealedChainAsync(6);

        await SqlAsync("UPDATE audit_events SET ActorKind = 'Root', OccurredAt = 'yesterday' WHERE Seq = 2");
        var report = await VerifyAsync();

        Assert.Equal(2, report.FirstBrokenSeq);
        Assert.Equal(AuditBreakReason.Unreadable, Assert.Single(report.Breaks).Reason);
    }

    [Theory]
    [InlineData("'x'")]
    [InlineData("X'00'")]
    public async Task ASequenceNumberRewrittenAsSomethingElse_IsReportedOnce_AndTheWalkEnds(string value)
    {
        await SealedChainAsync(6);

        await SqlAsync($"UPDATE audit_events SET Seq = {value} WHERE Seq = 4");
        var report = await VerifyAsync().WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.False(report.Intact, Describe(report));
        Assert.InRange(report.FirstBrokenSeq ?? 0, 1, 4);
        Assert.Contains(report.Breaks, b => b is { Seq: 5, Reason: AuditBreakReason.SequenceGap });
        Assert.Contains(report.Breaks, b => b is { EventId: null, Reason: AuditBreakReason.Unreadable });
        Assert.Equal(6, report.EventsChecked);
    }

    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static string ChainHash(string canonical, string previousHex)
    {
        var bytes = Encoding.UTF8.GetBytes(canonical).Concat(Convert.FromHexString(previousHex)).ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    internal static string Describe(AuditVerificationReport report) =>
        $"intact={report.Intact} checked={report.EventsChecked} invalid={report.EventsInvalid} first_broken={report.FirstBrokenSeq} " +
        $"breaks=[{string.Join(", ", report.Breaks.Select(b => $"{b.Seq}:{b.Reason}"))}] checkpoints=[{string.Join(", ", report.Checkpoints.Select(c => $"{c.Seq}:{c.Signature}/{c.Chain}"))}] unsealed={report.UnsealedEvents}";

    private async Task SealedChainAsync(int events)
    {
        await RecordEventsAsync(events);
        await factory.Services.GetRequiredService<AuditSealer>().SealPendingAsync(Ct);
        var report = await VerifyAsync();
        Assert.True(report.Intact, Describe(report));
        Assert.Equal(events, report.EventsValid);
    }

    /// <summary>Failed logins of unknown addresses: one audit row each.</summary>
    private async Task RecordEventsAsync(int count)
    {
        var client = factory.CreateClient();
        for (var i = 0; i < count; i++)
        {
            var response = await client.PostAsync("/auth/login",
                new StringContent($"{{\"email\":\"nobody{i}@example.com\",\"password\":\"wrong password {i}\"}}", Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(count, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(Ct)));
    }

    private async Task<AuditVerificationReport> VerifyAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IAuditChainVerifier>().VerifyAsync(Ct);
    }

    private Task<int> SqlAsync(string sql) => factory.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(sql, Ct));

    /// <summary>Recomputes every hash from <paramref name="from"/> on, as the sealer would, with the canonical form the README documents.</summary>
    private async Task RehashFromAsync(long from)
    {
        var rows = await factory.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Seq >= from - 1).OrderBy(e => e.Seq).ToListAsync(Ct));
        var previous = rows[0].Hash!;
        foreach (var row in rows.Skip(1))
        {
            var hash = ChainHash(CanonicalOf(row), previous);
            await factory.WithDbAsync(db => db.Database.ExecuteSqlAsync($"UPDATE audit_events SET Hash = {hash} WHERE Id = {row.Id}", Ct));
            previous = hash;
        }
    }

    /// <summary>The README's canonical form, written out again here so the test does not borrow the code it checks.</summary>
    internal static string CanonicalOf(Aiprod.Domain.Audit.AuditEvent e)
    {
        static string Str(string? value) => value is null ? "null" : System.Text.Json.JsonSerializer.Serialize(value, Relaxed);
        var time = e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return $"{{\"actor_id\":{Str(e.ActorId)},\"actor_kind\":{Str(e.ActorKind.ToString())},\"client_address\":{Str(e.ClientAddress)},\"details\":{Str(e.Details)}," +
            $"\"event_type\":{Str(e.EventType)},\"id\":{e.Id},\"occurred_at\":{Str(time)},\"outcome\":{Str(e.Outcome.ToString())},\"seq\":{e.Seq}," +
            $"\"target\":{Str(e.Target)},\"trace_id\":{Str(e.TraceId)},\"user_agent\":{Str(e.UserAgent)}}}";
    }
}
