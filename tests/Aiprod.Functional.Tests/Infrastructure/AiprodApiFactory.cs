using Aiprod.Infrastructure.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Infrastructure;

/// <summary>The real API host over TestServer, on a real database (a SQLite file in a temp folder unless told otherwise).</summary>
public sealed class AiprodApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;

    private readonly TimeProvider? clock;

    private readonly Action<IServiceCollection>? replaceServices;

    /// <param name="overrides">Configuration settings.</param>
    /// <param name="clock">The host's clock, for tests that move it.</param>
    /// <param name="replaceServices">Applied after the host's own registrations, for tests that must force an interleaving.</param>
    public AiprodApiFactory(IReadOnlyDictionary<string, string?>? overrides = null, TimeProvider? clock = null, Action<IServiceCollection>? replaceServices = null)
    {
        this.clock = clock;
        this.replaceServices = replaceServices;
        DataFolder = Directory.CreateTempSubdirectory("aiprod-functional-").FullName;
        settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["DataFolder:Path"] = DataFolder,
            ["Auth:Lockout:MaxFailedAttempts"] = "3",
            ["Auth:Lockout:Duration"] = "00:10:00",
            // Functional tests share one caller address; the limits themselves are tested with a dedicated host.
            ["RateLimits:Policies:auth"] = "100000",
            ["RateLimits:Policies:api-keys-create"] = "100000",
            ["RateLimits:Policies:api-keys-read"] = "100000",
            ["RateLimits:Policies:api-keys-change"] = "100000",
            ["RateLimits:Policies:api-keys-revoke-all"] = "100000",
            ["RateLimits:Policies:api-keys-health"] = "100000",
            ["RateLimits:Policies:pipeline-run"] = "100000",
            ["RateLimits:Policies:pipeline-batch"] = "100000",
            ["RateLimits:Policies:ws-connect"] = "100000",
            ["RateLimits:Policies:export-jobs-create"] = "100000",
            ["RateLimits:Policies:export-jobs"] = "100000",
            ["RateLimits:Policies:public-read"] = "100000",
            ["RateLimits:Policies:audit-log"] = "100000",
            ["RateLimits:Policies:admin"] = "100000",
            ["RateLimits:Policies:webhooks-change"] = "100000",
            ["RateLimits:Policies:webhooks-read"] = "100000",
            // Suites that queue many jobs are not about the queue cap; it is tested with its own host (JobBatchTests).
            ["Jobs:MaxQueuedPerUser"] = "100000",
            // The free space of a test machine is not the test's business; the floor is tested with its own host.
            ["Exports:MinFreeBytes"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            // Expected unique-index refusals (the registration race) are logged by EF as errors; they are asserted on, not read.
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Critical",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
    }

    public string DataFolder { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (clock is not null)
        {
            builder.ConfigureTestServices(s => s.AddSingleton(clock));
        }

        if (replaceServices is not null)
        {
            builder.ConfigureTestServices(replaceServices);
        }
    }

    /// <summary>Empties every table, so each test starts from a clean database without paying for a new host.</summary>
    public async Task ResetAsync()
    {
        // What earlier tests left in memory (usage counts, failure audits) is written first, then deleted with the rest.
        await Services.GetRequiredService<Aiprod.Infrastructure.ApiKeys.ApiKeyUsageFlusher>().FlushAsync(CancellationToken.None);
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        await db.AuditEvents.ExecuteDeleteAsync();
        await db.AuditCheckpoints.ExecuteDeleteAsync();
        await db.WebhookAttempts.ExecuteDeleteAsync();
        await db.WebhookDeliveries.ExecuteDeleteAsync();
        await db.WebhookSubscriptions.ExecuteDeleteAsync();
        await db.ApiKeys.ExecuteDeleteAsync();
        await db.ExportJobs.ExecuteDeleteAsync();
        await db.JobEvents.ExecuteDeleteAsync();
        await db.PipelineJobs.ExecuteDeleteAsync();
        await db.RefreshTokens.ExecuteDeleteAsync();
        await db.RefreshTokenFamilies.ExecuteDeleteAsync();
        await db.Users.ExecuteDeleteAsync();
    }

    public async Task<T> WithDbAsync<T>(Func<AiprodDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<AiprodDbContext>());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataFolder, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a closing connection; the temp folder is cleaned by the OS.
            }
        }
    }
}
