using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Exports;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Infrastructure.Tests.Exports;

/// <summary>A real SQLite file with users and their jobs, and an exporter reading it.</summary>
internal sealed class ExportDatabase : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);

    private static readonly JobPolicy Policy = new(MaxRetries: 3, MaxLogLines: 1000);

    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-export-").FullName;

    private readonly List<SqliteAiprodDbContext> contexts = [];

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 29, 15, 0, 0, TimeSpan.Zero));

    public ApiKey WorkerKey { get; private set; } = null!;

    public SqliteAiprodDbContext Context()
    {
        var db = new SqliteAiprodDbContext(new DbContextOptionsBuilder<SqliteAiprodDbContext>()
            .UseSqlite($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False").Options);
        contexts.Add(db);
        return db;
    }

    public JobExporter Exporter() => new(new ExportJobReader(Context()), Clock);

    public static async Task<ExportDatabase> CreateAsync(CancellationToken ct)
    {
        var database = new ExportDatabase();
        await using var db = database.Context();
        await db.Database.MigrateAsync(ct);
        return database;
    }

    public async Task<User> AddUserAsync(string email, CancellationToken ct)
    {
        Email.TryCreate(email, out var address);
        var user = User.Register(address, null, "hash", Start);
        await using var db = Context();
        db.Add(user);
        if (WorkerKey is null)
        {
            WorkerKey = ApiKey.Issue(user.Id, "worker", [ApiKeyScope.PipelineWorker], new string('a', 64), "aip_worker01", Start, TimeSpan.FromDays(30));
            db.Add(WorkerKey);
        }

        await db.SaveChangesAsync(ct);
        return user;
    }

    /// <summary>A job submitted at <paramref name="at"/>: completed with <paramref name="output"/> and its log lines when given, else left queued.</summary>
    public static PipelineJob Job(UserId owner, DateTimeOffset at, string content, ApiKeyId worker, string? output = null, IReadOnlyList<string>? logs = null, string? failure = null)
    {
        var job = PipelineJob.Submit(owner, content, JobPreset.BrandCampaign, JobPriority.High, "fr", 45, at);
        if (output is null && failure is null && logs is null)
        {
            return job;
        }

        job.Claim(worker, at.AddSeconds(1), TimeSpan.FromMinutes(5));
        if (logs is not null)
        {
            job.AppendLogs(worker, logs.Select(l => (JobLogLevel.Info, l)).ToList(), at.AddSeconds(2), Policy);
        }

        if (failure is not null)
        {
            job.Fail(worker, failure, 1500, at.AddSeconds(3));
        }
        else if (output is not null)
        {
            job.Complete(worker, output, 2500, at.AddSeconds(3));
        }

        return job;
    }

    public async Task AddAsync(IEnumerable<PipelineJob> jobs, CancellationToken ct)
    {
        await using var db = Context();
        db.AddRange(jobs);
        await db.SaveChangesAsync(ct);
    }

    public static ExportSelection All(UserId owner) => new(owner, null, null, null, null, null);

    public async ValueTask DisposeAsync()
    {
        foreach (var db in contexts)
        {
            await db.DisposeAsync();
        }

        Directory.Delete(folder, recursive: true);
    }
}
