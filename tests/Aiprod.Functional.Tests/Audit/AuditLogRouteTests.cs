using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Audit;

/// <summary>The audit-log routes over HTTP, and the host's verify-audit command run as a process.</summary>
public sealed class AuditLogRouteTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly AiprodApiFactory factory = new(new Dictionary<string, string?>
    {
        ["Audit:SealerEnabled"] = "false",
        ["Audit:CheckpointEveryEvents"] = "4",
        ["Auth:Passwords:Iterations"] = "100000",
    });

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task AUser_ReadsOnlyTheirOwnEvents_AnAdminEveryonesAndByActor()
    {
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var ann = await client.RegisterAsync("ann@example.com");
        var annToken = await client.LoginAsync("ann@example.com");
        var bobToken = await client.RegisterAndLoginAsync("bob@example.com");
        await client.GetWithTokenAsync("/api-keys", bobToken);
        await Sealer.SealPendingAsync(Ct);
        var annId = ann.Str("id");

        var own = await AllPagesAsync(client, "/security/audit-log?limit=100", annToken);
        var everyone = await AllPagesAsync(client, "/security/audit-log?limit=100", admin);
        var byActor = await AllPagesAsync(client, $"/security/audit-log?actor={annId}", admin);
        var refused = await client.GetWithTokenAsync($"/security/audit-log?actor={annId}", bobToken);

        Assert.NotEmpty(own);
        Assert.All(own, e => Assert.True(e["actor_id"]?.GetValue<string>() == annId || e["target"]?.GetValue<string>() == annId, e.ToJsonString()));
        Assert.Contains(own, e => e["event_type"]!.GetValue<string>() == "user.registered");
        Assert.Equal(await factory.WithDbAsync(db => db.AuditEvents.CountAsync(Ct)), everyone.Count);
        Assert.NotEmpty(byActor);
        Assert.All(byActor, e => Assert.Equal(annId, e["actor_id"]!.GetValue<string>()));
        await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "admin_only_filter");
        var first = everyone[^1];
        Assert.Equal(1, first["seq"]!.GetValue<long>());
        Assert.Equal(64, first["hash"]!.GetValue<string>().Length);
        Assert.NotNull(first["occurred_at"]);
        Assert.NotNull(first["actor_kind"]);
        Assert.NotNull(first["outcome"]);
    }

    [Fact]
    public async Task Pages_WalkEveryEventOnceNewestFirst_AndFiltersNarrowThem()
    {
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        for (var i = 0; i < 5; i++)
        {
            await client.PostAsync("/auth/login", new StringContent($"{{\"email\":\"nobody{i}@example.com\",\"password\":\"wrong password\"}}", Encoding.UTF8, "application/json"), Ct);
        }

        var all = await AllPagesAsync(client, "/security/audit-log?limit=2", admin);
        var ids = all.Select(e => e["event_id"]!.GetValue<long>()).ToList();
        var failed = await AllPagesAsync(client, "/security/audit-log?type=login.failed&outcome=failure&limit=3", admin);
        var logins = await AllPagesAsync(client, "/security/audit-log?type=login.*", admin);
        var one = await AllPagesAsync(client, "/security/audit-log?target=nobody3@example.com", admin);
        var middle = all[all.Count / 2]["occurred_at"]!.GetValue<DateTimeOffset>();
        var since = await AllPagesAsync(client, $"/security/audit-log?since={Uri.EscapeDataString(middle.ToString("O", CultureInfo.InvariantCulture))}", admin);
        var until = await AllPagesAsync(client, $"/security/audit-log?until={Uri.EscapeDataString(middle.ToString("O", CultureInfo.InvariantCulture))}", admin);

        Assert.Equal(ids.OrderByDescending(i => i), ids);
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Equal(await factory.WithDbAsync(db => db.AuditEvents.CountAsync(Ct)), ids.Count);
        Assert.Equal(5, failed.Count);
        Assert.Equal(6, logins.Count);
        Assert.Equal("nobody3@example.com", Assert.Single(one)["target"]!.GetValue<string>());
        Assert.All(since, e => Assert.True(e["occurred_at"]!.GetValue<DateTimeOffset>() >= middle));
        Assert.All(until, e => Assert.True(e["occurred_at"]!.GetValue<DateTimeOffset>() < middle));
        Assert.Equal(all.Count, since.Count + until.Count);
    }

    [Fact]
    public async Task Checkpoints_CarryTheirKey_AndVerifyOffTheMachine()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        for (var i = 0; i < 9; i++)
        {
            await client.GetWithTokenAsync("/api-keys", token);
        }

        await Sealer.SealPendingAsync(Ct);
        var checkpoints = new List<JsonObject>();
        JsonObject? key = null;
        string? after = null;
        do
        {
            var page = await (await client.GetWithTokenAsync($"/security/audit-log/checkpoints?limit=1{(after is null ? "" : "&after=" + after)}", token)).ReadJsonAsync();
            key = page["key"]!.AsObject();
            checkpoints.AddRange(page["items"]!.AsArray().Select(c => c!.AsObject()));
            after = page["next_after"]?.GetValue<string>();
        }
        while (after is not null);

        Assert.NotNull(key);

        // Only the public JWK, rebuilt here from its coordinates, and the payload rebuilt from the fields.
        using var publicKey = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64UrlDecode(key["x"]!.GetValue<string>()), Y = Base64UrlDecode(key["y"]!.GetValue<string>()) },
        });
        Assert.Equal(["EC", "P-256", "ES256"], new[] { key["kty"], key["crv"], key["alg"] }.Select(v => v!.GetValue<string>()));
        Assert.Null(key["d"]);
        var events = await factory.WithDbAsync(db => db.AuditEvents.CountAsync(Ct));
        Assert.True(events >= 12);
        Assert.Equal(Enumerable.Range(1, events / 4).Select(i => i * 4L), checkpoints.Select(c => c["seq"]!.GetValue<long>()));
        foreach (var c in checkpoints)
        {
            var at = c["at"]!.GetValue<DateTimeOffset>().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            var payload = $"{{\"at\":\"{at}\",\"count\":{c["count"]},\"head_hash\":\"{c["head_hash"]}\",\"kid\":\"{c["kid"]}\",\"seq\":{c["seq"]}}}";
            Assert.Equal(payload, c["payload"]!.GetValue<string>());
            Assert.True(publicKey.VerifyData(Encoding.UTF8.GetBytes(payload), Base64UrlDecode(c["signature"]!.GetValue<string>()), HashAlgorithmName.SHA256), payload);
        }
    }

    [Fact]
    public async Task Verify_IsForAdmins_AndReportsABreak()
    {
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var user = await client.RegisterAndLoginAsync("ann@example.com");
        await Sealer.SealPendingAsync(Ct);

        var intact = await (await client.GetWithTokenAsync("/security/audit-log/verify", admin)).ReadJsonAsync();
        await factory.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("UPDATE audit_events SET ClientAddress = '10.9.9.9' WHERE Seq = 2", Ct));
        var broken = await (await client.GetWithTokenAsync("/security/audit-log/verify", admin)).ReadJsonAsync();
        var refused = await client.GetWithTokenAsync("/security/audit-log/verify", user);

        Assert.True(intact["intact"]!.GetValue<bool>(), intact.ToJsonString());
        Assert.Equal(1, intact["first_seq"]!.GetValue<long>());
        Assert.False(broken["intact"]!.GetValue<bool>());
        Assert.Equal(2, broken["first_broken_seq"]!.GetValue<long>());
        Assert.Equal("hash_mismatch", broken["breaks"]![0]!["reason"]!.GetValue<string>());
        await refused.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task TheAuditLogRoute_IsLimitedToTwentyAMinute()
    {
        await using var limited = new AiprodApiFactory(new Dictionary<string, string?> { ["RateLimits:Policies:audit-log"] = "20", ["Auth:Passwords:Iterations"] = "100000" });
        var client = limited.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 21; i++)
        {
            last = await client.GetWithTokenAsync(i % 2 == 0 ? "/security/audit-log" : "/security/audit-log/checkpoints", token);
            statuses.Add(last.StatusCode);
        }

        Assert.All(statuses.Take(20), s => Assert.Equal(HttpStatusCode.OK, s));
        await last!.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(last!.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task TheSwaggerDocument_DescribesTheRoutes()
    {
        var client = factory.CreateClient();
        var document = await (await client.GetAsync("/swagger/v1/swagger.json", Ct)).ReadJsonAsync();
        var paths = document["paths"]!.AsObject();

        foreach (var path in new[] { "/security/audit-log", "/security/audit-log/checkpoints", "/security/audit-log/verify" })
        {
            var get = paths[path]!["get"]!.AsObject();
            Assert.NotNull(get["responses"]!["429"]);
            Assert.NotNull(get["responses"]!["401"]);
            Assert.NotEmpty(get["security"]!.AsArray());
        }

        var parameters = paths["/security/audit-log"]!["get"]!["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>());
        Assert.Equal(["actor", "type", "outcome", "target", "since", "until", "after", "limit"], parameters);
    }

    [Fact]
    public async Task VerifyAudit_AsAProcess_ExitsZeroWhenIntact_AndNonZeroOnABreak()
    {
        var client = factory.CreateClient();
        await client.RegisterAndLoginAsync("ann@example.com");
        await Sealer.SealPendingAsync(Ct);

        var (intactCode, intactOut) = await RunVerifyAuditAsync();
        await factory.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("DELETE FROM audit_events WHERE Seq = 1", Ct));
        var (brokenCode, brokenOut) = await RunVerifyAuditAsync();

        Assert.True(intactCode == 0, intactOut);
        Assert.Contains("\"intact\": true", intactOut, StringComparison.Ordinal);
        Assert.True(brokenCode != 0, brokenOut);
        Assert.Contains("\"first_broken_seq\": 1", brokenOut, StringComparison.Ordinal);
        Assert.Contains("BROKEN", brokenOut, StringComparison.Ordinal);
    }

    private AuditSealer Sealer => factory.Services.GetRequiredService<AuditSealer>();

    private async Task<(int ExitCode, string Output)> RunVerifyAuditAsync()
    {
        var api = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(api)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(api);
        start.ArgumentList.Add("verify-audit");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DataFolder__Path"] = factory.DataFolder;
        start.Environment["Jwt__SigningKeyPem"] = await File.ReadAllTextAsync(Path.Combine(factory.DataFolder, "jwt-signing-key.pem"), Ct);
        start.Environment["Audit__SigningKeyPem"] = await File.ReadAllTextAsync(Path.Combine(factory.DataFolder, AuditSigningKey.KeyFileName), Ct);
        start.Environment["Webhooks__SecretKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the API process.");
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<List<JsonObject>> AllPagesAsync(HttpClient client, string url, string token)
    {
        var items = new List<JsonObject>();
        string? after = null;
        for (var pages = 0; pages < 1000; pages++)
        {
            var response = await client.GetWithTokenAsync(after is null ? url : $"{url}{(url.Contains('?', StringComparison.Ordinal) ? "&" : "?")}after={after}", token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
            var page = await response.ReadJsonAsync();
            items.AddRange(page["items"]!.AsArray().Select(e => e!.AsObject()));
            after = page["next_after"]?.GetValue<string>();
            if (after is null)
            {
                return items;
            }
        }

        throw new InvalidOperationException("The pages never ended.");
    }

    private static byte[] Base64UrlDecode(string value) => System.Buffers.Text.Base64Url.DecodeFromChars(value);
}
