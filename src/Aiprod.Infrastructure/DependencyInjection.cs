using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys;
using Aiprod.Application.Webhooks;
using Aiprod.Infrastructure.ApiKeys;
using Aiprod.Infrastructure.Audit;
using Aiprod.Infrastructure.Exports;
using Aiprod.Infrastructure.Jobs;
using Aiprod.Infrastructure.Persistence;
using Aiprod.Infrastructure.Persistence.Repositories;
using Aiprod.Infrastructure.Security;
using Aiprod.Infrastructure.Sessions;
using Aiprod.Infrastructure.Tokens;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Aiprod.Infrastructure;

public static class DependencyInjection
{
    public const string ConnectionStringName = "Aiprod";

    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<DataFolderOptions>()
            .Bind(configuration.GetSection(DataFolderOptions.SectionName))
            .PostConfigure(o => o.Path = Path.GetFullPath(o.Path, contentRoot));
        services.AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection(DatabaseOptions.SectionName))
            .Validate(o => o.SqliteBusyTimeout >= TimeSpan.FromMilliseconds(1) && o.SqliteBusyTimeout <= DatabaseOptions.MaxSqliteBusyTimeout,
                $"Database:SqliteBusyTimeout must be between 1 ms and {DatabaseOptions.MaxSqliteBusyTimeout}.")
            .Validate(o => o.SqliteWriteQueueTimeout >= TimeSpan.FromMilliseconds(1) && o.SqliteWriteQueueTimeout <= DatabaseOptions.MaxSqliteBusyTimeout,
                $"Database:SqliteWriteQueueTimeout must be between 1 ms and {DatabaseOptions.MaxSqliteBusyTimeout}.")
            .Validate(o => o.SqliteWriterCacheMiB is >= 0 and <= DatabaseOptions.MaxSqliteWriterCacheMiB,
                $"Database:SqliteWriterCacheMiB must be between 0 (SQLite's default) and {DatabaseOptions.MaxSqliteWriterCacheMiB}.")
            .Validate(o => o.SqliteCheckpointInterval == TimeSpan.Zero || (o.SqliteCheckpointInterval >= DatabaseOptions.MinSqliteCheckpointInterval && o.SqliteCheckpointInterval <= DatabaseOptions.MaxSqliteCheckpointInterval),
                $"Database:SqliteCheckpointInterval must be 0 (SQLite checkpoints inside the writes) or between {DatabaseOptions.MinSqliteCheckpointInterval} and {DatabaseOptions.MaxSqliteCheckpointInterval}.")
            .ValidateOnStart();
        services.AddOptions<JwtOptions>()
            .Bind(configuration.GetSection(JwtOptions.SectionName))
            .Validate(o => o.ClockSkew >= TimeSpan.Zero && o.ClockSkew <= TimeSpan.FromSeconds(30), "Jwt:ClockSkew must be between 0 and 30 seconds.")
            .Validate(o => o.AccessTokenLifetime > TimeSpan.Zero && o.AccessTokenLifetime <= TimeSpan.FromHours(1), "Jwt:AccessTokenLifetime must be positive and at most one hour.")
            .ValidateOnStart();

        var provider = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        var connectionString = configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } configured ? configured : null;
        switch (provider)
        {
            case DatabaseProvider.SqlServer:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException($"Database:Provider is SqlServer but ConnectionStrings:{ConnectionStringName} is empty.");
                }

                services.AddDbContextPool<AiprodDbContext, SqlServerAiprodDbContext>(o =>
                    o.UseSqlServer(connectionString, sql => sql.EnableRetryOnFailure()));
                break;
            default:
                services.AddSingleton<SqliteWriteGate>();
                services.TryAddSingleton<ISqliteWalSync, FileSqliteWalSync>();
                services.AddSingleton<SqliteCommitFlusher>();
                services.AddHealthChecks().AddCheck<SqliteDurabilityHealthCheck>("durability", tags: ["ready"]);
                if (configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>()?.SqliteWriterConnection ?? true)
                {
                    services.AddSingleton(sp => new SqliteWriterConnection(
                        sp.GetRequiredService<SqliteWriteGate>(), sp.GetRequiredService<SqliteCommitFlusher>(), sp.GetRequiredService<IOptions<DatabaseOptions>>().Value));
                }

                services.TryAddSingleton(sp => new SqliteCheckpointer(
                    sp.GetRequiredService<SqliteWriteGate>(), sp.GetRequiredService<SqliteCommitFlusher>(), sp.GetRequiredService<IOptions<DatabaseOptions>>().Value,
                    sp.GetRequiredService<ILogger<SqliteCheckpointer>>()));
                services.AddSingleton(sp => new SqliteWriteGateInterceptor(
                    sp.GetRequiredService<SqliteWriteGate>(), sp.GetRequiredService<SqliteCommitFlusher>(), sp.GetRequiredService<SqliteCheckpointer>(),
                    sp.GetRequiredService<IOptions<DatabaseOptions>>().Value));
                // Pooled: a request rents a context whose internal services (change tracker, connection, the
                // model's caches) were built for an earlier one, instead of building them and the options anew
                // (about a third of what a refresh allocated). What the writer gate holds lives on the context
                // and is reset when the pool takes it back (SqliteWriteHold).
                services.AddDbContextPool<AiprodDbContext, SqliteAiprodDbContext>((sp, o) =>
                {
                    o.UseSqlite(WithBusyBound(
                            connectionString ?? SqliteConnectionString(sp.GetRequiredService<IOptions<DataFolderOptions>>().Value),
                            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.SqliteBusyTimeout))
                        .AddInterceptors(sp.GetRequiredService<SqliteWriteGateInterceptor>())
                        .ReplaceService<IRelationalTransactionFactory, SqliteGatedTransactionFactory>();
                    ((IDbContextOptionsBuilderInfrastructure)o).AddOrUpdateExtension(new SqliteWriteHoldExtension());
                });
                break;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PasswordHashingOptions>()
            .Bind(configuration.GetSection(PasswordHashingOptions.SectionName))
            .Validate(o => o.Iterations >= PasswordHashingOptions.MinimumIterations,
                $"{PasswordHashingOptions.SectionName}:Iterations must be at least {PasswordHashingOptions.MinimumIterations} (OWASP recommends {PasswordHashingOptions.RecommendedIterations} for PBKDF2-HMAC-SHA512).")
            .ValidateOnStart();
        services.AddSingleton<IPasswordHasher, IdentityPasswordHasher>();
        services.AddSingleton<SigningKeyStore>();
        services.AddSingleton<ISigningKeys>(sp => sp.GetRequiredService<SigningKeyStore>());
        services.AddSingleton<IAccessTokenIssuer, JwtAccessTokenIssuer>();
        services.AddScoped<IUnitOfWork, EfUnitOfWork>();
        services.AddScoped<IUserRepository, UserRepository>();
        services.AddScoped<IAdminReader, AdminReader>();
        services.AddScoped<IAuditLog, EfAuditLog>();
        services.AddOptions<AuditOptions>()
            .Bind(configuration.GetSection(AuditOptions.SectionName))
            .Validate(o => o.SealInterval >= TimeSpan.FromMilliseconds(10) && o.SealInterval <= TimeSpan.FromMinutes(1), "Audit:SealInterval must be between 10 ms and a minute.")
            .Validate(o => o.SealBatchSize is >= 1 and <= 10_000, "Audit:SealBatchSize must be between 1 and 10000.")
            .Validate(o => o.CheckpointEveryEvents is >= 1 and <= 1_000_000, "Audit:CheckpointEveryEvents must be between 1 and 1000000.")
            .Validate(o => o.CheckpointInterval >= TimeSpan.FromSeconds(1) && o.CheckpointInterval <= TimeSpan.FromDays(1), "Audit:CheckpointInterval must be between one second and a day.")
            .ValidateOnStart();
        services.AddSingleton<AuditSigningKey>();
        services.AddSingleton<AuditSealer>();
        services.AddHostedService<AuditSealerService>();
        services.AddScoped<IAuditChainVerifier, AuditChainVerifier>();
        services.AddScoped<IAuditLogReader, EfAuditLogReader>();
        services.AddScoped<DatabaseMigrator>();
        services.AddScoped<IRefreshTokenRepository, RefreshTokenRepository>();
        services.AddSingleton<IRefreshTokenGenerator, RefreshTokenGenerator>();
        services.AddScoped<IAccessTokenReader, JwtAccessTokenReader>();
        services.AddSingleton(sp => new CachingJsonWebTokenHandler(
            configuration.GetSection("Jwt:ValidationCache").Get<TokenValidationCacheOptions>() ?? new TokenValidationCacheOptions(),
            sp.GetRequiredService<TimeProvider>()));

        services.AddOptions<SessionRevocationOptions>().Bind(configuration.GetSection("Auth:Revocations"));
        services.AddSingleton<SessionRevocationRegistry>();
        services.AddSingleton<ISessionRevocations>(sp => sp.GetRequiredService<SessionRevocationRegistry>());
        services.AddHostedService<SessionRevocationSync>();

        services.AddScoped<IApiKeyRepository, ApiKeyRepository>();
        services.AddSingleton<IApiKeyGenerator, ApiKeyGenerator>();
        services.AddSingleton(configuration.GetSection("ApiKeys:Cache").Get<ApiKeyCacheOptions>() ?? new ApiKeyCacheOptions());
        services.AddSingleton(configuration.GetSection("ApiKeys:Usage").Get<ApiKeyUsageOptions>() ?? new ApiKeyUsageOptions());
        services.AddSingleton(configuration.GetSection("ApiKeys:FailedLookups").Get<ApiKeyFailureLimitOptions>() ?? new ApiKeyFailureLimitOptions());
        services.AddSingleton<ApiKeyUsageRecorder>();
        services.AddSingleton<ApiKeyFailureAudit>();
        services.AddSingleton<IApiKeyFailureAudit>(sp => sp.GetRequiredService<ApiKeyFailureAudit>());
        services.AddSingleton<IApiKeyStore, EfApiKeyStore>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<IApiKeyCache>(sp => sp.GetRequiredService<ApiKeyAuthenticator>());
        services.AddSingleton<IApiKeyAuthenticator>(sp => sp.GetRequiredService<ApiKeyAuthenticator>());
        services.AddSingleton<ApiKeyUsageFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiKeyUsageFlusher>());

        services.AddScoped<IJobRepository, JobRepository>();
        services.AddSingleton<LocalJobSubscribers>();
        services.AddHostedService<LeaseExpiryService>();

        services.AddScoped<IExportJobRepository, ExportJobRepository>();
        services.AddScoped<IIdempotencyRecordRepository, IdempotencyRecordRepository>();
        services.AddSingleton<Idempotency.IdempotencySweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<Idempotency.IdempotencySweeper>());
        services.AddOptions<ExportStorageOptions>().Bind(configuration.GetSection(ExportStorageOptions.SectionName))
            .Validate(o => o.AzureNetworkTimeout > TimeSpan.Zero && o.AzureMaxRetries is >= 0 and <= 10,
                $"{ExportStorageOptions.SectionName}: AzureNetworkTimeout must be positive and AzureMaxRetries between 0 and 10.")
            .ValidateOnStart();
        services.AddSingleton<IExportStorage>(sp => ExportStorage(sp.GetRequiredService<IOptions<ExportStorageOptions>>().Value, sp.GetRequiredService<IOptions<DataFolderOptions>>().Value));
        services.AddSingleton<ExportRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<ExportRunner>());
        services.AddScoped<ExportJobReader>();

        AddWebhooks(services, configuration);
        services.AddScoped<IJobExporter, JobExporter>();

        var redis = configuration.GetSection(RedisOptions.SectionName);
        services.AddOptions<RedisOptions>()
            .Bind(redis)
            // Polly's ranges (and StackExchange.Redis' int milliseconds), checked at start, not when a request first builds the pipeline.
            .Validate(o => o.OperationTimeout >= TimeSpan.FromMilliseconds(10) && o.OperationTimeout <= TimeSpan.FromDays(1)
                && o.ConnectTimeout >= TimeSpan.FromMilliseconds(10) && o.ConnectTimeout <= TimeSpan.FromDays(1),
                "Redis:OperationTimeout and Redis:ConnectTimeout must be between 10 ms and a day.")
            .Validate(o => o.BreakDuration >= TimeSpan.FromMilliseconds(500) && o.BreakDuration <= TimeSpan.FromDays(1),
                "Redis:BreakDuration must be between 500 ms and a day.")
            .ValidateOnStart();
        if (!string.IsNullOrWhiteSpace(redis[nameof(RedisOptions.Configuration)]))
        {
            services.AddRedisCircuit();
            services.AddSingleton<ISharedRateLimitCounter, RedisRateLimitCounter>();
            services.AddSingleton<IJobEventBus, RedisJobEventBus>();
            services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        }
        else
        {
            services.AddSingleton<IJobEventBus, InProcessJobEventBus>();
        }

        return services;
    }

    private static void AddWebhooks(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>()
            .Bind(configuration.GetSection(WebhookOptions.SectionName))
            .Validate(o => o.Timeout >= TimeSpan.FromSeconds(1) && o.Timeout <= TimeSpan.FromMinutes(1), "Webhooks:Timeout must be between 1 s and a minute.")
            .Validate(o => o.Lease > o.Timeout + TimeSpan.FromSeconds(5), "Webhooks:Lease must be more than Webhooks:Timeout plus 5 s, so an attempt ends before another instance may take it.")
            .Validate(o => o.PollInterval >= TimeSpan.FromMilliseconds(10) && o.PollInterval <= TimeSpan.FromMinutes(1), "Webhooks:PollInterval must be between 10 ms and a minute.")
            .Validate(o => o.BatchSize is >= 1 and <= 1000, "Webhooks:BatchSize must be between 1 and 1000.")
            .Validate(o => o.MaxInFlightPerSubscription is >= 1 and <= 1000, "Webhooks:MaxInFlightPerSubscription must be between 1 and 1000.")
            .Validate(o => o.DeliveryRetention >= TimeSpan.FromHours(1) && o.DeliveryRetention <= TimeSpan.FromDays(3650), "Webhooks:DeliveryRetention must be between an hour and 3650 days.")
            .Validate(o => o.SecretRotationOverlap >= TimeSpan.Zero && o.SecretRotationOverlap <= TimeSpan.FromDays(30), "Webhooks:SecretRotationOverlap must be between 0 and 30 days.")
            .Validate(o => o.DisableAfterFailingFor >= TimeSpan.FromMinutes(1), "Webhooks:DisableAfterFailingFor must be at least a minute.")
            .Validate(o => o.ApiKeyExpiringLeadTime > TimeSpan.Zero && o.ApiKeyExpiringLeadTime <= TimeSpan.FromDays(365), "Webhooks:ApiKeyExpiringLeadTime must be more than 0 and at most 365 days.")
            .Validate(o => o.ExpiryScanInterval >= TimeSpan.FromSeconds(1) && o.ExpiryScanInterval <= TimeSpan.FromHours(1), "Webhooks:ExpiryScanInterval must be between 1 s and an hour.")
            .ValidateOnStart();
        services.AddSingleton<WebhookSecretBox>();
        services.AddSingleton<IWebhookSecrets>(sp => sp.GetRequiredService<WebhookSecretBox>());
        services.AddSingleton<WebhookOutbox>();
        services.AddScoped<IWebhookRepository, WebhookRepository>();
        services.AddHttpClient(WebhookDispatcher.HttpClientName)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var allowLoopback = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowLoopback;
                return new SocketsHttpHandler
                {
                    // A redirect could lead anywhere the guard would refuse, and a receiver has no reason to send one.
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    UseProxy = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = (context, cancellationToken) => WebhookAddressGuard.ConnectAsync(context.DnsEndPoint, allowLoopback, cancellationToken),
                };
            })
            .AddResilienceHandler("webhook-attempt", (pipeline, context) =>
                pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout));
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddSingleton<ApiKeyExpiryNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiKeyExpiryNotifier>());
        services.AddSingleton<WebhookDeliverySweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDeliverySweeper>());
    }

    private static IExportStorage ExportStorage(ExportStorageOptions storage, DataFolderOptions dataFolder) => storage.Provider switch
    {
        ExportStorageProvider.AzureBlob when string.IsNullOrWhiteSpace(storage.AzureConnectionString) =>
            throw new InvalidOperationException($"{ExportStorageOptions.SectionName}:Provider is AzureBlob but {ExportStorageOptions.SectionName}:AzureConnectionString is empty."),
        ExportStorageProvider.AzureBlob => new AzureBlobExportStorage(new Azure.Storage.Blobs.BlobContainerClient(
            storage.AzureConnectionString, storage.AzureContainer, AzureBlobExportStorage.ClientOptions(storage))),
        _ => new LocalExportStorage(string.IsNullOrWhiteSpace(storage.Path)
            ? Path.Combine(dataFolder.Path, "exports")
            : Path.GetFullPath(storage.Path, dataFolder.Path)),
    };

    // After SQLite's own busy handler gives up, Microsoft.Data.Sqlite retries a busy statement (BEGIN included) in
    // 150 ms sleeps until the connection's default command timeout, 30 s unless set: set to the busy timeout, so a
    // write fails after that, not after 30 s.
    private static string WithBusyBound(string connectionString, TimeSpan busyTimeout) =>
        new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds) }.ToString();

    private static string SqliteConnectionString(DataFolderOptions dataFolder)
    {
        Directory.CreateDirectory(dataFolder.Path);
        return $"Data Source={Path.Combine(dataFolder.Path, "aiprod.db")}";
    }
}
