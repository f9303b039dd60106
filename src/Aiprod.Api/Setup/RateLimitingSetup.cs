using System.Globalization;
using System.Threading.RateLimiting;
using Aiprod.Api.Http;
using Aiprod.Api.RateLimiting;
using Aiprod.Application.Abstractions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Api.Setup;

internal static class RateLimitingSetup
{
    public static IServiceCollection AddAiprodRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>()
            .Bind(configuration.GetSection(RateLimitOptions.SectionName))
            .Validate(o => o.Window > TimeSpan.Zero && o.Policies.Values.All(p => p >= 1),
                "RateLimits: the window must be positive and every policy allow at least one request.")
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RateLimitOptions>>().Value);
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<RateLimitOptions>((o, settings) =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = WriteRejectionAsync;
            foreach (var policy in RateLimitPolicies.Defaults.Keys)
            {
                o.AddPolicy(policy, context => Partition(policy, settings, context));
            }
        });
        return services;
    }

    /// <summary>
    /// With Redis, one counter for all instances; without, this instance's own window. Either way a partition is
    /// dropped once idle (<see cref="RateLimiter.IdleDuration"/>), so callers that come and go do not pile up.
    /// </summary>
    internal static RateLimitPartition<string> Partition(string policy, RateLimitOptions settings, HttpContext context)
    {
        if (!settings.Enabled)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        var permits = settings.PermitsFor(policy);
        var key = PartitionKey(context);
        var shared = context.RequestServices.GetService<ISharedRateLimitCounter>();
        return shared is null
            ? RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits,
                Window = settings.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            })
            : RateLimitPartition.Get(key, k => new SharedFixedWindowRateLimiter(
                shared,
                policy + ":" + k,
                permits,
                settings.Window,
                context.RequestServices.GetRequiredService<TimeProvider>()));
    }

    /// <summary>
    /// Per caller: on an endpoint that requires authentication, the authenticated user (an access token, or an API key
    /// acting for its owner; the key scheme runs before the limiter for the endpoints that take keys); on every other
    /// endpoint (login, register, refresh, <c>/connect/*</c>…) the client address, whatever credential the request
    /// carries, or any token one holds would buy a fresh budget there. The address is the proxy's
    /// <c>X-Forwarded-For</c> only when the proxy is trusted (<see cref="ForwardedHeadersSetup"/>).
    /// </summary>
    internal static string PartitionKey(HttpContext context)
    {
        var subject = RequiresAuthentication(context) ? context.User.FindFirst(JwtRegisteredClaimNames.Sub)?.Value : null;
        return subject is not null
            ? "user:" + subject
            : "addr:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    private static bool RequiresAuthentication(HttpContext context) =>
        context.GetEndpoint()?.Metadata is { } metadata
        && metadata.GetMetadata<IAllowAnonymous>() is null
        && metadata.GetMetadata<IAuthorizeData>() is not null;

    private static async ValueTask WriteRejectionAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await http.WriteProblemAsync(PipelineProblems.RateLimited(seconds));
    }
}
