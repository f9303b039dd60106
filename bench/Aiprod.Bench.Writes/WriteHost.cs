using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aiprod.Infrastructure.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aiprod.Bench.Writes;

/// <summary>
/// The real API on loopback Kestrel, as the read bench hosts it (Production environment, rate limits off, logging
/// at Warning, a SQLite file in a fresh data folder), in its own process so that the load generator does not share
/// its thread pool. With <c>--profile</c> it also registers the EF Core interceptors and the request profiler.
/// Writes <c>host-info.json</c> (what SQLite runs with) and <c>ready</c> to the out folder, and serves until its
/// parent (the driver) exits or kills it.
/// </summary>
internal static class WriteHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = int.Parse(Cli.Arg(args, "--port") ?? "5197", CultureInfo.InvariantCulture);
        var outDir = Cli.Arg(args, "--out") ?? throw new ArgumentException("--out DIR");
        var dataFolder = Cli.Arg(args, "--data") ?? throw new ArgumentException("--data DIR");
        var parent = int.Parse(Cli.Arg(args, "--parent") ?? "0", CultureInfo.InvariantCulture);
        var profile = args.Contains("--profile");

        await using var factory = new WebApplicationFactory<global::Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseContentRoot(AppContext.BaseDirectory);
            b.UseSetting("DataFolder:Path", dataFolder);
            b.UseSetting("RateLimits:Enabled", "false");
            // Production requires the checkpoint signing key; a throwaway one for the measurement.
            b.UseSetting("Audit:SigningKeyPem", System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem());
            b.UseSetting("Webhooks:SecretKey", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
            b.UseSetting("Logging:LogLevel:Default", "Warning");
            // The bench's sessions outlive the default 15 minutes of a long run; the write path is the same.
            b.UseSetting("Jwt:AccessTokenLifetime", "01:00:00");
            // Submitters queue hundreds of jobs for each owner and nothing drains them; the cap (100 by default) would
            // refuse all past the first hundred. Its count still runs on every submit, over the owner's queued jobs (at
            // most the cap's worth): a high cap costs nothing until a queue is that long, and leaves room for runs
            // longer or faster than the default (64 owners: 640,000 submits). The workers bench sets it to JOBS.
            b.UseSetting("Jobs:MaxQueuedPerUser", "10000");
            foreach (var (key, value) in Cli.Overrides(args))
            {
                b.UseSetting(key, value);
            }

            b.ConfigureServices(s =>
            {
                s.AddControllers().AddApplicationPart(typeof(ProfileController).Assembly);
                if (profile)
                {
                    Profiler.Register(s);
                }
            });
        });
        factory.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        factory.StartServer();

        await File.WriteAllTextAsync(Path.Combine(outDir, "host-info.json"), JsonSerializer.Serialize(await DescribeSqliteAsync(factory.Services)));
        await File.WriteAllTextAsync(Path.Combine(outDir, "ready"), "ready");

        while (parent == 0 || IsRunning(parent))
        {
            await Task.Delay(1000);
        }

        return 0;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>What the API's own connections run with: the settings the durability and lock behaviour depend on.</summary>
    private static async Task<Dictionary<string, string>> DescribeSqliteAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var info = new Dictionary<string, string>();
        var connection = db.Database.GetDbConnection();
        // Opened by EF Core, as a request's connection is: the interceptor sets its pragmas.
        await db.Database.OpenConnectionAsync();
        var database = scope.ServiceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        info["Database:SqliteDurability"] = database.SqliteDurability.ToString();
        info["Database:SqliteCheckpointInterval (0: SQLite checkpoints inside the writes)"] = database.SqliteCheckpointInterval.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms";
        foreach (var (name, sql) in new[]
        {
            ("sqlite_version", "SELECT sqlite_version()"),
            ("journal_mode", "PRAGMA journal_mode"),
            ("synchronous (0 off, 1 normal, 2 full, 3 extra)", "PRAGMA synchronous"),
            ("busy_timeout ms", "PRAGMA busy_timeout"),
            ("wal_autocheckpoint pages", "PRAGMA wal_autocheckpoint"),
        })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            info[name] = Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "null";
        }

        await using (var options = connection.CreateCommand())
        {
            options.CommandText = "PRAGMA compile_options";
            var found = new List<string>();
            await using var reader = await options.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var option = reader.GetString(0);
                if (option.Contains("SYNCHRONOUS", StringComparison.Ordinal) || option.Contains("THREADSAFE", StringComparison.Ordinal))
                {
                    found.Add(option);
                }
            }

            info["compile options"] = found.Count == 0 ? "(defaults)" : string.Join(' ', found);
        }

        await db.Database.CloseConnectionAsync();

        // Does the transaction EF Core opens for SaveChanges take the write lock at BEGIN (BEGIN IMMEDIATE)? Then a
        // second writer's BEGIN IMMEDIATE is refused while it is open.
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            using var other = new SqliteConnection(db.Database.GetConnectionString());
            other.Open();
            using var begin = other.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE;";
            begin.CommandTimeout = 1;
            try
            {
                begin.ExecuteNonQuery();
                using var rollback = other.CreateCommand();
                rollback.CommandText = "ROLLBACK;";
                rollback.ExecuteNonQuery();
                info["EF transaction takes the write lock at BEGIN"] = "no (deferred)";
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 5)
            {
                info["EF transaction takes the write lock at BEGIN"] = "yes (BEGIN IMMEDIATE): a second writer got SQLITE_BUSY";
            }

            await transaction.RollbackAsync();
        }

        return info;
    }
}
