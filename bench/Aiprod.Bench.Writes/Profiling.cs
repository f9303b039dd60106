using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aiprod.Bench.Writes;

/// <summary>What one HTTP request did, filled in by the EF Core interceptors and the logger through an AsyncLocal.</summary>
public sealed class RequestProfile
{
    private readonly long started = Stopwatch.GetTimestamp();

    public string Route { get; set; } = string.Empty;

    public int Status { get; set; }

    public double TotalMs { get; set; }

    /// <summary>Server time before the first database call (authentication, routing, binding, validation).</summary>
    public double BeforeDbMs { get; set; } = -1;

    /// <summary>Server time after the last database call ended (publishing, serialization, response).</summary>
    public double AfterDbMs { get; set; }

    public double LastDbEndMs { get; set; }

    public int Commands { get; set; }

    public int Reads { get; set; }

    public int Writes { get; set; }

    public double CommandMs { get; set; }

    public int FailedCommands { get; set; }

    public int ConnectionsOpened { get; set; }

    public double ConnectionOpenMs { get; set; }

    public int Transactions { get; set; }

    /// <summary>Time in BEGIN: Microsoft.Data.Sqlite's busy loop (Thread.Sleep(150) per SQLITE_BUSY) runs here.</summary>
    public double BeginMs { get; set; }

    public int Commits { get; set; }

    public double CommitMs { get; set; }

    public int Rollbacks { get; set; }

    public int SaveChanges { get; set; }

    public double SaveChangesMs { get; set; }

    public int SaveChangesFailed { get; set; }

    public int LogEntries { get; set; }

    public List<string> LogCategories { get; } = [];

    /// <summary>From BEGIN IMMEDIATE returning to COMMIT returning: how long this request kept every other writer out.</summary>
    public double WriteLockHeldMs { get; set; }

    internal double LockTakenAt { get; set; } = -1;

    public List<string> Exceptions { get; } = [];

    public List<string> Statements { get; } = [];

    internal long SavingStarted { get; set; }

    internal double Now() => Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    internal void DbStarted(double durationMs)
    {
        if (BeforeDbMs < 0)
        {
            BeforeDbMs = Math.Max(0, Now() - durationMs);
        }
    }

    internal void DbEnded() => LastDbEndMs = Now();
}

/// <summary>
/// Per-request profiles of the bench host's writes: statements, connections, transactions, SaveChanges calls,
/// log entries and first-chance exceptions, attributed to the request through an AsyncLocal that a middleware
/// sets first in the pipeline. Database work outside a request (background services) is counted apart.
/// </summary>
public static class Profiler
{
    private static readonly AsyncLocal<RequestProfile?> CurrentRequest = new();
    private static readonly ConcurrentQueue<RequestProfile> Done = new();
    private static readonly Regex Guids = new("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", RegexOptions.Compiled);
    private static long backgroundCommands;
    private static long backgroundWrites;
    private static int maxThreads;
    private static long maxQueued;
    private static readonly object GcLock = new();

    // Held so that the sampling timer is not collected.
    private static Timer? sampler;
    private static (long Allocated, int Gen0, int Gen1, int Gen2) lastGc;

    internal static RequestProfile? Current => CurrentRequest.Value;

    public static void Register(IServiceCollection services)
    {
        services.ConfigureDbContext<Aiprod.Infrastructure.Persistence.SqliteAiprodDbContext>(o => o.AddInterceptors(
            new CommandProfiler(), new ConnectionProfiler(), new TransactionProfiler(), new SaveChangesProfiler()));
        services.AddTransient<IStartupFilter, ProfileStartupFilter>();
        services.AddSingleton<ILoggerProvider, CountingLoggerProvider>();
        AppDomain.CurrentDomain.FirstChanceException += (_, e) => Current?.Exceptions.Add(e.Exception.GetType().Name);
        sampler = new Timer(_ => Sample(), null, 0, 20);
    }

    public static IReadOnlyList<RequestProfile> TakeAll()
    {
        var list = new List<RequestProfile>();
        while (Done.TryDequeue(out var p))
        {
            list.Add(p);
        }

        return list;
    }

    public static (long BackgroundCommands, long BackgroundWrites, int MaxThreads, long MaxQueued) TakeCounters()
    {
        var result = (Interlocked.Exchange(ref backgroundCommands, 0), Interlocked.Exchange(ref backgroundWrites, 0),
            Interlocked.Exchange(ref maxThreads, ThreadPool.ThreadCount), Interlocked.Exchange(ref maxQueued, 0));
        return result;
    }

    /// <summary>Bytes allocated and collections run by the whole host since the last call.</summary>
    public static (long Allocated, int Gen0, int Gen1, int Gen2) TakeGc()
    {
        lock (GcLock)
        {
            var now = (GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var delta = (now.Item1 - lastGc.Allocated, now.Item2 - lastGc.Gen0, now.Item3 - lastGc.Gen1, now.Item4 - lastGc.Gen2);
            lastGc = now;
            return delta;
        }
    }

    internal static string RouteOf(HttpRequest request) => $"{request.Method} {Guids.Replace(request.Path.Value ?? string.Empty, "{id}")}";

    internal static void Complete(RequestProfile profile) => Done.Enqueue(profile);

    internal static void Set(RequestProfile? profile) => CurrentRequest.Value = profile;

    internal static void Command(DbCommand command, TimeSpan duration, bool failed)
    {
        var text = command.CommandText.TrimStart();
        var write = !text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("PRAGMA", StringComparison.OrdinalIgnoreCase);
        if (Current is not { } p)
        {
            Interlocked.Increment(ref backgroundCommands);
            if (write)
            {
                Interlocked.Increment(ref backgroundWrites);
            }

            return;
        }

        p.DbStarted(duration.TotalMilliseconds);
        p.Commands++;
        p.CommandMs += duration.TotalMilliseconds;
        if (write)
        {
            p.Writes++;
        }
        else
        {
            p.Reads++;
        }

        if (failed)
        {
            p.FailedCommands++;
        }

        p.Statements.Add($"{duration.TotalMilliseconds,7:F3} ms  {OneLine(text)}");
        p.DbEnded();
    }

    private static string OneLine(string sql)
    {
        var line = Regex.Replace(sql, @"\s+", " ");
        return line.Length <= 150 ? line : line[..150] + " …";
    }

    private static void Sample()
    {
        var threads = ThreadPool.ThreadCount;
        var queued = ThreadPool.PendingWorkItemCount;
        int seen;
        while (threads > (seen = Volatile.Read(ref maxThreads)) && Interlocked.CompareExchange(ref maxThreads, threads, seen) != seen)
        {
        }

        long seenQueued;
        while (queued > (seenQueued = Interlocked.Read(ref maxQueued)) && Interlocked.CompareExchange(ref maxQueued, queued, seenQueued) != seenQueued)
        {
        }
    }

    private sealed class ProfileStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path.StartsWithSegments("/bench", StringComparison.Ordinal))
                {
                    await nextMiddleware(context);
                    return;
                }

                var profile = new RequestProfile { Route = RouteOf(context.Request) };
                Set(profile);
                try
                {
                    await nextMiddleware(context);
                }
                finally
                {
                    profile.TotalMs = profile.Now();
                    profile.Status = context.Response.StatusCode;
                    profile.AfterDbMs = profile.LastDbEndMs > 0 ? profile.TotalMs - profile.LastDbEndMs : 0;
                    Set(null);
                    Complete(profile);
                }
            });
            next(app);
        };
    }

    private sealed class CommandProfiler : DbCommandInterceptor
    {
        public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            Command(command, eventData.Duration, failed: false);
            return ValueTask.FromResult(result);
        }

        public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
        {
            Command(command, eventData.Duration, failed: false);
            return result;
        }

        public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            Command(command, eventData.Duration, failed: false);
            return ValueTask.FromResult(result);
        }

        public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
        {
            Command(command, eventData.Duration, failed: false);
            return result;
        }

        public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
        {
            Command(command, eventData.Duration, failed: false);
            return ValueTask.FromResult(result);
        }

        public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
        {
            Command(command, eventData.Duration, failed: false);
            return result;
        }

        public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            Command(command, eventData.Duration, failed: true);
            return Task.CompletedTask;
        }

        public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Command(command, eventData.Duration, failed: true);
    }

    private sealed class ConnectionProfiler : DbConnectionInterceptor
    {
        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Opened(eventData);
            return Task.CompletedTask;
        }

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Opened(eventData);

        private static void Opened(ConnectionEndEventData eventData)
        {
            if (Current is { } p)
            {
                p.DbStarted(eventData.Duration.TotalMilliseconds);
                p.ConnectionsOpened++;
                p.ConnectionOpenMs += eventData.Duration.TotalMilliseconds;
                p.DbEnded();
            }
        }
    }

    private sealed class TransactionProfiler : DbTransactionInterceptor
    {
        public override ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
        {
            Started(eventData);
            return ValueTask.FromResult(result);
        }

        public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
        {
            Started(eventData);
            return result;
        }

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Committed(eventData);
            return Task.CompletedTask;
        }

        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData);

        public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            RolledBack();
            return Task.CompletedTask;
        }

        public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => RolledBack();

        private static void Started(TransactionEndEventData eventData)
        {
            if (Current is { } p)
            {
                p.DbStarted(eventData.Duration.TotalMilliseconds);
                p.Transactions++;
                p.BeginMs += eventData.Duration.TotalMilliseconds;
                p.LockTakenAt = p.Now();
                p.Statements.Add($"{eventData.Duration.TotalMilliseconds,7:F3} ms  BEGIN (Microsoft.Data.Sqlite: BEGIN IMMEDIATE)");
                p.DbEnded();
            }
        }

        private static void Committed(TransactionEndEventData eventData)
        {
            if (Current is { } p)
            {
                p.Commits++;
                p.CommitMs += eventData.Duration.TotalMilliseconds;
                ReleaseLock(p);
                p.Statements.Add($"{eventData.Duration.TotalMilliseconds,7:F3} ms  COMMIT");
                p.DbEnded();
            }
        }

        private static void RolledBack()
        {
            if (Current is { } p)
            {
                p.Rollbacks++;
                p.Statements.Add("ROLLBACK");
                ReleaseLock(p);
            }
        }
    }

    private sealed class SaveChangesProfiler : SaveChangesInterceptor
    {
        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (Current is { } p)
            {
                p.SaveChanges++;
                p.SavingStarted = Stopwatch.GetTimestamp();
            }

            return ValueTask.FromResult(result);
        }

        public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            Ended(failed: false);
            return ValueTask.FromResult(result);
        }

        public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            Ended(failed: true);
            return Task.CompletedTask;
        }

        private static void Ended(bool failed)
        {
            if (Current is { } p && p.SavingStarted != 0)
            {
                // A failed SaveChanges disposes its transaction without a rollback event: the lock ends here.
                ReleaseLock(p);
                p.SaveChangesMs += Stopwatch.GetElapsedTime(p.SavingStarted).TotalMilliseconds;
                p.SavingStarted = 0;
                if (failed)
                {
                    p.SaveChangesFailed++;
                }
            }
        }
    }

    private static void ReleaseLock(RequestProfile p)
    {
        if (p.LockTakenAt >= 0)
        {
            p.WriteLockHeldMs += p.Now() - p.LockTakenAt;
            p.LockTakenAt = -1;
        }
    }

    /// <summary>Counts the log entries that pass the host's filters, per request: what a console would print.</summary>
    private sealed class CountingLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CountingLogger(categoryName);

        public void Dispose()
        {
        }

        private sealed class CountingLogger(string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (Current is { } p)
                {
                    p.LogEntries++;
                    p.LogCategories.Add($"{logLevel} {category}");
                }
            }
        }
    }
}

/// <summary>The profiles collected since the last call, for the driver; not part of the API.</summary>
[ApiController]
[Route("bench/profile")]
[AllowAnonymous]
public sealed class ProfileController : ControllerBase
{
    [HttpPost("take")]
    public IActionResult Take()
    {
        var (background, backgroundWrites, threads, queued) = Profiler.TakeCounters();
        var (allocated, gen0, gen1, gen2) = Profiler.TakeGc();
        return Ok(new ProfileSnapshot(Profiler.TakeAll(), background, backgroundWrites, threads, queued, allocated, gen0, gen1, gen2));
    }
}

public sealed record ProfileSnapshot(
    IReadOnlyList<RequestProfile> Requests,
    long BackgroundCommands,
    long BackgroundWrites,
    int MaxThreadPoolThreads,
    long MaxQueuedWorkItems,
    long AllocatedBytes,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections);
