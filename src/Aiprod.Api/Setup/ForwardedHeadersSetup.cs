using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Aiprod.Api.Setup;

/// <summary>
/// The client address (rate limits of anonymous callers, audit) is the connection's, unless the connection comes
/// from a configured trusted proxy: then it is the nearest address in <c>X-Forwarded-For</c> that is not itself a
/// trusted proxy. Anyone can send the header, so without a configured proxy it is ignored altogether.
/// </summary>
internal static class ForwardedHeadersSetup
{
    public static IServiceCollection AddAiprodForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TrustedProxyOptions>().Bind(configuration.GetSection(TrustedProxyOptions.SectionName)).ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((o, trusted) =>
        {
            var proxies = trusted.Value.TrustedProxies.Select(p => IPAddress.TryParse(p, out var address)
                ? address
                : throw new InvalidOperationException($"ForwardedHeaders:TrustedProxies: '{p}' is not an IP address.")).ToList();
            var networks = trusted.Value.TrustedNetworks.Select(n => System.Net.IPNetwork.TryParse(n, out var network)
                ? network
                : throw new InvalidOperationException($"ForwardedHeaders:TrustedNetworks: '{n}' is not a network in CIDR form (10.0.0.0/24).")).ToList();
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default; only what is configured is trusted here.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            proxies.ForEach(o.KnownProxies.Add);
            networks.ForEach(o.KnownIPNetworks.Add);
            // Walk back through every trusted hop (a CDN in front of a load balancer), stopping at the first untrusted one.
            o.ForwardLimit = null;
        });
        return services;
    }

    public static IApplicationBuilder UseAiprodForwardedHeaders(this IApplicationBuilder app)
    {
        // Read here, so an address that does not parse stops the start. With no proxy configured the middleware would
        // trust every sender (it checks proxies only when some are known).
        var forwarded = app.ApplicationServices.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        return forwarded.KnownProxies.Count + forwarded.KnownIPNetworks.Count > 0 ? app.UseForwardedHeaders() : app;
    }
}
