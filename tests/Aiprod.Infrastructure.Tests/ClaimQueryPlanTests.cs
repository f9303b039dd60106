using System.Data.Common;
using Aiprod.Infrastructure.Persistence;
using Aiprod.Infrastructure.Persistence.Repositories;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Tests;

/// <summary>
/// A claim reads the head of the queue in the index's own order: SQLite's plan for the query the repository runs
/// searches the claim index and never sorts, so a claim costs the same with 10 or 50,000 queued jobs.
/// A submit's count of its owner's queued jobs, and the webhook delivery sweep's read, are answered from indexes too.
/// </summary>
public sealed class ClaimQueryPlanTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-claimplan-").FullName;

    [Fact]
    public async Task NextQueued_SearchesTheClaimIndex_WithoutASort()
    {
        var ct = TestContext.Current.CancellationToken;
        var recorder = new CommandRecorder();
        var options = new DbContextOptionsBuilder<SqliteAiprodDbContext>()
            .UseSqlite($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False")
            .AddInterceptors(recorder)
            .Options;
        await using var db = new SqliteAiprodDbContext(options);
        await db.Database.MigrateAsync(ct);
        recorder.Commands.Clear();

        await new JobRepository(db).NextQueuedAsync(null, 1, ct);

        var claim = Assert.Single(recorder.Commands);
        var plan = await ExplainAsync(claim, ct);
        Assert.Contains("IX_pipeline_jobs_Status_Priority_CreatedAt", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueuedCount_ReadsOnlyTheOwnersQueuedEntries_OfACoveringIndex_UpToTheCap()
    {
        var ct = TestContext.Current.CancellationToken;
        var recorder = new CommandRecorder();
        var options = new DbContextOptionsBuilder<SqliteAiprodDbContext>()
            .UseSqlite($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False")
            .AddInterceptors(recorder)
            .Options;
        await using var db = new SqliteAiprodDbContext(options);
        await db.Database.MigrateAsync(ct);

        // Jobs of owners with no account row: the count reads only the jobs' index.
        await db.Database.OpenConnectionAsync(ct);
        await db.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys = OFF;", ct);
        var now = DateTimeOffset.UtcNow;
        var owner = Domain.Users.UserId.New(now);
        var other = Domain.Users.UserId.New(now);
        foreach (var who in Enumerable.Repeat(owner, 5).Append(other))
        {
            db.PipelineJobs.Add(Domain.Jobs.PipelineJob.Submit(who, "a video", Domain.Jobs.JobPreset.QuickSocial, Domain.Jobs.JobPriority.Normal, "en", 30, now));
        }

        await db.SaveChangesAsync(ct);
        var jobs = new JobRepository(db);
        recorder.Commands.Clear();

        // Counted up to the cap: an owner whose queue grew past it (a cap lowered, leases expired back into the
        // queue) costs the cap's worth of entries, not the whole queue; below it, the exact count.
        Assert.Equal(3, await jobs.QueuedCountAsync(owner, 3, ct));
        var count = Assert.Single(recorder.Commands);
        Assert.Equal(5, await jobs.QueuedCountAsync(owner, 100, ct));
        Assert.Equal(1, await jobs.QueuedCountAsync(other, 100, ct));

        var plan = await ExplainAsync(count, ct);
        // Both columns searched in the index, no row read: the submit's queue-cap check costs the owner's queued
        // jobs, not every queued job of every owner nor every job the owner ever had.
        Assert.Contains("USING COVERING INDEX IX_pipeline_jobs_OwnerId_Status (OwnerId=? AND Status=?)", plan, StringComparison.Ordinal);
        Assert.Contains("LIMIT", count.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliverySweep_RangesOverTheEndedAtIndex_WithoutASort()
    {
        var ct = TestContext.Current.CancellationToken;
        var recorder = new CommandRecorder();
        var services = new ServiceCollection()
            .AddDbContext<AiprodDbContext, SqliteAiprodDbContext>(o => o
                .UseSqlite($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False")
                .AddInterceptors(recorder))
            .BuildServiceProvider();
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AiprodDbContext>().Database.MigrateAsync(ct);
        }

        recorder.Commands.Clear();
        var sweeper = new Webhooks.WebhookDeliverySweeper(
            services.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new Application.Webhooks.WebhookOptions()),
            TimeProvider.System,
            NullLogger<Webhooks.WebhookDeliverySweeper>.Instance);
        await sweeper.SweepAsync(ct);

        var read = Assert.Single(recorder.Commands);
        var plan = await ExplainAsync(read, ct);
        Assert.Contains("USING INDEX IX_webhook_deliveries_EndedAt (EndedAt>? AND EndedAt<?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    private async Task<string> ExplainAsync(RecordedCommand command, CancellationToken ct)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False");
        await connection.OpenAsync(ct);
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + command.Text;
        foreach (var (name, value) in command.Parameters)
        {
            explain.Parameters.AddWithValue(name, value);
        }

        var details = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            details.Add(reader.GetString(3));
        }

        return string.Join(" | ", details);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private sealed record RecordedCommand(string Text, IReadOnlyList<(string Name, object Value)> Parameters);

    private sealed class CommandRecorder : DbCommandInterceptor
    {
        public List<RecordedCommand> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Commands.Add(new RecordedCommand(
                command.CommandText,
                command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, p.Value ?? DBNull.Value)).ToList()));
            return ValueTask.FromResult(result);
        }
    }
}
