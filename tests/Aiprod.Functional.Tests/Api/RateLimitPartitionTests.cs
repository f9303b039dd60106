using System.Net;
using System.Net.Http.Json;
using System.Threading.RateLimiting;
using Aiprod.Api.Setup;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Api;

/// <summary>Who shares a budget: tokens and keys count per user, only anonymous callers per address.</summary>
public sealed class RateLimitPartitionTests
{
    private static readonly object Job = new { content = "A 30 second teaser for a coffee brand", preset = "quick_social" };

    [Fact]
    public async Task TwoUsersKeysAndTokens_FromOneAddress_HaveTheirOwnBudgets()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["RateLimits:Policies:pipeline-run"] = "3" });
        var client = factory.CreateClient();
        var annToken = await client.RegisterAndLoginAsync("ann@example.com");
        var bobToken = await client.RegisterAndLoginAsync("bob@example.com");
        var annKey = (await client.CreateApiKeyAsync(annToken)).Str("key");
        var bobKey = (await client.CreateApiKeyAsync(bobToken)).Str("key");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await RunWithKeyAsync(client, annKey)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await RunWithKeyAsync(client, annKey)).StatusCode);
        // Ann's key acts for Ann: her token shares its budget. Bob, behind the same address, has his own.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/run", annToken, Job)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await RunWithKeyAsync(client, bobKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/run", bobToken, Job)).StatusCode);
    }

    [Fact]
    public async Task KeyCallers_AreNotCountedInTheirAddressBudget()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["RateLimits:Policies:pipeline-run"] = "2" });
        var client = factory.CreateClient();
        var annToken = await client.RegisterAndLoginAsync("ann@example.com");
        var annKey = (await client.CreateApiKeyAsync(annToken)).Str("key");

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await RunWithKeyAsync(client, annKey)).StatusCode);
        }

        // The address's anonymous budget is untouched: an anonymous caller is refused for want of credentials, not limited.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/pipeline/run", Job, TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/pipeline/run", Job, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task OnAnonymousEndpoints_ATokenBuysNoFreshBudget_TheAddressIsCounted()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["RateLimits:Policies:auth"] = "4" });
        var client = factory.CreateClient();
        await client.RegisterAsync("ann@example.com");
        var tokens = await client.LoginForTokensAsync("ann@example.com");
        var token = tokens.Str("access_token");
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, null)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(client, null)).StatusCode);

        // The address's budget is spent; a token it holds moves none of its anonymous requests to a budget of its own.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(client, token)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(client, "/auth/register", token, new { email = "bob@example.com", password = ApiClientExtensions.DefaultPassword })).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(client, "/auth/refresh", token, new { refresh_token = tokens.Str("refresh_token") })).StatusCode);
        using var form = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.Str("refresh_token") }),
        };
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(form.WithBearer(token), TestContext.Current.CancellationToken)).StatusCode);

        // An endpoint that requires the token still counts per user.
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/auth/me", token)).StatusCode);
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string? token) =>
        SendAsync(client, "/auth/login", token, new { email = "ann@example.com", password = "a wrong password" });

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string url, string? token, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        return client.SendAsync(token is null ? request : request.WithBearer(token));
    }

    [Fact]
    public async Task BehindATrustedProxy_AnonymousCallersAreCountedByTheirForwardedAddress()
    {
        await using var factory = KestrelHost(new() { ["ForwardedHeaders:TrustedProxies:0"] = "127.0.0.1" });
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await AnonymousFromAsync(client, "203.0.113.1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AnonymousFromAsync(client, "203.0.113.1")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await AnonymousFromAsync(client, "203.0.113.1")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await AnonymousFromAsync(client, "203.0.113.2")).StatusCode);
        // The proxy appends the address it saw to what the client sent: the nearest untrusted address is the caller.
        Assert.Equal(HttpStatusCode.Unauthorized, (await AnonymousFromAsync(client, "203.0.113.1, 203.0.113.3")).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("10.9.9.9")]
    public async Task WithoutATrustedProxy_XForwardedForIsIgnored(string? someOtherProxy)
    {
        await using var factory = KestrelHost(someOtherProxy is null ? new() : new() { ["ForwardedHeaders:TrustedProxies:0"] = someOtherProxy });
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await AnonymousFromAsync(client, "203.0.113.1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AnonymousFromAsync(client, "203.0.113.2")).StatusCode);

        // Whatever the header claims, the caller is the connection's address, whose budget is spent.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await AnonymousFromAsync(client, "203.0.113.3")).StatusCode);
    }

    [Fact]
    public void ATrustedProxyThatIsNoAddress_StopsTheStart()
    {
        using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["ForwardedHeaders:TrustedProxies:0"] = "proxy.example" });

        var error = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());

        Assert.Contains("ForwardedHeaders:TrustedProxies", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARedisPartition_ReportsHowLongItWasIdle_SoItCanBeDropped()
    {
        await using var redis = await RedisServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration }, clock);
        _ = factory.CreateClient();
        using var limiter = PartitionLimiter(factory, "203.0.113.7");

        using (var lease = await limiter.AcquireAsync(1, TestContext.Current.CancellationToken))
        {
            Assert.True(lease.IsAcquired);
        }

        clock.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(30), limiter.IdleDuration);
    }

    [Fact]
    public async Task ARedisPartition_CountingInMemoryWhileRedisIsDown_IsNotDroppedWithItsCount()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var factory = new AiprodApiFactory(
            new Dictionary<string, string?> { ["Redis:Configuration"] = $"127.0.0.1:{RedisServer.FreePort()},abortConnect=false" },
            clock);
        _ = factory.CreateClient();
        using var limiter = PartitionLimiter(factory, "203.0.113.8");

        using (var lease = await limiter.AcquireAsync(1, TestContext.Current.CancellationToken))
        {
            Assert.True(lease.IsAcquired);
        }

        clock.Advance(TimeSpan.FromHours(1));

        Assert.Null(limiter.IdleDuration);
    }

    private static RateLimiter PartitionLimiter(AiprodApiFactory factory, string address)
    {
        var context = new DefaultHttpContext { RequestServices = factory.Services };
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        var partition = RateLimitingSetup.Partition(RateLimitPolicies.Auth, factory.Services.GetRequiredService<RateLimitOptions>(), context);
        return partition.Factory(partition.PartitionKey);
    }

    private static AiprodApiFactory KestrelHost(Dictionary<string, string?> settings)
    {
        settings["RateLimits:Policies:auth"] = "2";
        var factory = new AiprodApiFactory(settings);
        factory.UseKestrel(0);
        factory.StartServer();
        return factory;
    }

    private static Task<HttpResponseMessage> AnonymousFromAsync(HttpClient client, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> RunWithKeyAsync(HttpClient client, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/pipeline/run") { Content = JsonContent.Create(Job) };
        request.Headers.Add("X-API-Key", key);
        return client.SendAsync(request);
    }
}
