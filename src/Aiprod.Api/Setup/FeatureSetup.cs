using Aiprod.Api.WebSockets;
using Aiprod.Application.Accounts;
using Aiprod.Application.ApiKeys;
using Aiprod.Application.Exports;
using Aiprod.Application.Jobs;
using Aiprod.Application.Sessions;

namespace Aiprod.Api.Setup;

/// <summary>Each feature's settings, bound from configuration and checked when the host starts, not on first use.</summary>
internal static class FeatureSetup
{
    public static IServiceCollection AddAiprodAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LockoutOptions>()
            .Bind(configuration.GetSection("Auth:Lockout"))
            .Validate(o => o.MaxFailedAttempts >= 1 && o.Duration > TimeSpan.Zero,
                "Auth:Lockout: at least one failed attempt before a lock, and a positive duration.")
            .ValidateOnStart();
        services.AddOptions<PasswordGrantOptions>().Bind(configuration.GetSection("Auth:PasswordGrant")).ValidateOnStart();
        return services;
    }

    public static IServiceCollection AddAiprodSessions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RefreshTokenOptions>()
            .Bind(configuration.GetSection("Auth:RefreshTokens"))
            .Validate(o => o.TokenLifetime > TimeSpan.Zero && o.FamilyLifetime >= o.TokenLifetime && o.ReuseLeeway >= TimeSpan.Zero && o.ReuseLeeway <= TimeSpan.FromMinutes(5),
                "Auth:RefreshTokens: lifetimes must be positive, the family at least as long as a token, the leeway 0 to 5 minutes.")
            .ValidateOnStart();
        return services;
    }

    public static IServiceCollection AddAiprodApiKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiKeyOptions>()
            .Bind(configuration.GetSection(ApiKeyOptions.SectionName))
            .Validate(o => o.DefaultLifetimeDays >= 1 && o.MaxLifetimeDays >= o.DefaultLifetimeDays && o.MaxActiveKeysPerUser >= 1,
                "ApiKeys: lifetimes must be at least a day, the maximum at least the default, the cap at least one key.")
            .ValidateOnStart();
        return services;
    }

    /// <summary>Jobs and the sockets that follow them live.</summary>
    public static IServiceCollection AddAiprodJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobOptions>()
            .Bind(configuration.GetSection(JobOptions.SectionName))
            .Validate(o => o.MaxRetries >= 0 && o.MaxLogLines >= 0 && o.DefaultLeaseSeconds >= 5 && o.MaxLeaseSeconds >= o.DefaultLeaseSeconds && o.MaxQueuedPerUser >= 1,
                "Jobs: retries and log lines cannot be negative; leases are at least 5 s, the maximum at least the default; MaxQueuedPerUser at least 1.")
            .ValidateOnStart();
        services.AddOptions<JobSocketOptions>()
            .Bind(configuration.GetSection(JobSocketOptions.SectionName))
            .Validate(o => o.MaxSocketsPerUser >= 1 && o.SendTimeout > TimeSpan.Zero && o.ExportPollInterval > TimeSpan.Zero,
                "WebSockets: MaxSocketsPerUser must be at least 1, SendTimeout and ExportPollInterval positive.")
            .ValidateOnStart();
        services.AddSingleton<WebSocketStats>();
        services.AddSingleton<JobEventJson>();
        services.AddSingleton<OpenSocketsPerUser>();
        return services;
    }

    /// <summary>
    /// Exports, direct and as jobs: the size limit of one export, the most jobs a direct export or a ZIP holds, how
    /// many direct exports a user may run at once, the queue's caps, retention and the runner's timing.
    /// </summary>
    public static IServiceCollection AddAiprodExports(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ExportOptions>()
            .Bind(configuration.GetSection(ExportOptions.SectionName))
            .Validate(
                o => o.MaxBytes >= 1 && o.MaxDirectJobs >= 1 && o.MaxZipJobs >= 1 && o.MaxConcurrentDirectPerUser >= 1,
                "Exports: MaxBytes, MaxDirectJobs, MaxZipJobs and MaxConcurrentDirectPerUser must be at least 1.")
            .Validate(o => o.Retention > TimeSpan.Zero && o.MaxRunningPerUser >= 1 && o.MaxQueuedPerUser >= 1 && o.MaxRunningPerInstance >= 1 && o.MaxAttempts >= 1 && o.MinFreeBytes >= 0,
                "Exports: Retention must be positive, MaxRunningPerUser, MaxQueuedPerUser, MaxRunningPerInstance and MaxAttempts at least 1, MinFreeBytes not negative.")
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.WatchInterval > TimeSpan.Zero && o.Lease >= 3 * o.WatchInterval,
                "Exports: PollInterval and WatchInterval must be positive, and the Lease at least three watch intervals (the runner renews it at each).")
            .ValidateOnStart();
        services.AddSingleton<Aiprod.Api.Exports.DirectExportGate>();
        return services;
    }
}
