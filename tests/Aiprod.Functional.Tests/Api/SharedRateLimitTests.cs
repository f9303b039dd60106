using System.Net;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Api;

/// <summary>With Redis configured, a limit holds across instances: requests to A and to B spend one budget.</summary>
public sealed class SharedRateLimitTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task ALimitOfThree_IsSpentAcrossBothInstances()
    {
        redis.SkipIfUnavailable();
        var settings = new Dictionary<string, string?>
        {
            ["DataFolder:Path"] = Directory.CreateTempSubdirectory("aiprod-limits-two-").FullName,
            ["Redis:Configuration"] = redis.Configuration,
            ["RateLimits:Policies:auth"] = "3",
            // Redis windows are aligned to the clock; an hour makes a boundary between the four requests negligible.
            ["RateLimits:Window"] = "01:00:00",
        };
        await using var a = new AiprodApiFactory(settings);
        await using var b = new AiprodApiFactory(settings);
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await clientA.GetAsync("/auth/me", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await clientB.GetAsync("/auth/me", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await clientA.GetAsync("/auth/me", TestContext.Current.CancellationToken)).StatusCode);

        var limited = await clientB.GetAsync("/auth/me", TestContext.Current.CancellationToken);

        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 3600);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await clientA.GetAsync("/auth/me", TestContext.Current.CancellationToken)).StatusCode);
    }
}
