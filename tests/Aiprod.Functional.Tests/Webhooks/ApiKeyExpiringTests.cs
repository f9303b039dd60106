using System.Net;
using System.Text.Json.Nodes;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Webhooks;

/// <summary>
/// <c>api_key.expiring</c>: written once per key when the host's fake clock crosses the lead time before its expiry,
/// delivered signed; never for revoked or rotated keys; once across restarts and with several hosts scanning at once.
/// </summary>
public sealed class ApiKeyExpiringTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The fake clock is stepped by days: background loops polling every second or few would each run tens of
    // thousands of times per step.
    private static Dictionary<string, string?> Quiet(string? dataFolder = null, int? keyLifetimeDays = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Exports:PollInterval"] = "1.00:00:00",
            ["Audit:SealInterval"] = "00:01:00",
            ["Jobs:LeaseCheckInterval"] = "01:00:00",
            ["ApiKeys:Usage:FlushInterval"] = "01:00:00",
        };
        if (dataFolder is not null)
        {
            settings["DataFolder:Path"] = dataFolder;
        }

        if (keyLifetimeDays is { } days)
        {
            settings["ApiKeys:DefaultLifetimeDays"] = days.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return settings;
    }

    /// <summary>
    /// A fake clock that starts <paramref name="before"/> in the past, so that after the test steps it that far the
    /// signed timestamps are near the real time again: the StandardWebhooks package checks them against the real clock.
    /// </summary>
    private static Microsoft.Extensions.Time.Testing.FakeTimeProvider ClockBefore(TimeSpan before) => new(DateTimeOffset.UtcNow - before);

    [Fact]
    public async Task TheNotice_ArrivesWhenTheClockCrossesSevenDaysBeforeExpiry_NotBefore_AndOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = ClockBefore(TimeSpan.FromDays(1));
        await using var factory = WebhookTestKit.Host(clock, more: Quiet());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var (hook, secret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "api_key.expiring");
        var (otherHook, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl + "?jobs", "job.completed", "api_key.revoked");
        var (bobsHook, _) = await client.CreateWebhookAsync(bob, receiver.HookUrl + "?bob", "job.completed");
        var created = await client.CreateApiKeyAsync(ann, new { name = "nightly render", expires_in_days = 8 });
        var keyId = created["api_key"]!["key_id"]!.GetValue<string>();
        await client.CreateApiKeyAsync(bob, new { name = "bob's", expires_in_days = 8 });
        var notifier = factory.Services.GetRequiredService<ApiKeyExpiryNotifier>();

        Assert.Equal(0, await notifier.ScanAsync(Ct));
        clock.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await notifier.ScanAsync(Ct));
        Assert.Equal(0, await factory.DispatchAsync());
        Assert.Empty(receiver.Requests);

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(2, await notifier.ScanAsync(Ct));
        Assert.Equal(1, await factory.DispatchAsync());
        var received = Assert.Single(receiver.Requests);
        received.Verify(secret);
        var body = JsonNode.Parse(received.Body)!.AsObject();
        Assert.Equal("api_key.expiring", body.Str("type"));
        Assert.Equal(keyId, body["data"]!.AsObject().Str("key_id"));
        Assert.Equal("nightly render", body["data"]!.AsObject().Str("name"));
        Assert.Equal(
            created["api_key"]!["expires_at"]!.GetValue<DateTimeOffset>(),
            body["data"]!["expires_at"]!.GetValue<DateTimeOffset>(),
            TimeSpan.FromMilliseconds(1));

        // Later scans write nothing more.
        foreach (var step in new[] { TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1) })
        {
            clock.Advance(step);
            Assert.Equal(0, await notifier.ScanAsync(Ct));
            Assert.Equal(0, await factory.DispatchAsync());
        }

        Assert.Single(receiver.Requests);
        ann = await client.LoginAsync("ann@example.com");
        bob = await client.LoginAsync("bob@example.com");
        Assert.Single(await client.DeliveriesAsync(ann, hook));
        Assert.Empty(await client.DeliveriesAsync(ann, otherHook));
        Assert.Empty(await client.DeliveriesAsync(bob, bobsHook));
    }

    [Fact]
    public async Task RevokedAndRotatedKeys_GetNone_TheRotationsSuccessorGetsItsOwn()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = ClockBefore(TimeSpan.FromDays(2));
        // A rotation's successor lives the default lifetime from the rotation: nine days here.
        await using var factory = WebhookTestKit.Host(clock, more: Quiet(keyLifetimeDays: 9));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, secret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "api_key.expiring");
        var revokedId = (await client.CreateApiKeyAsync(ann, new { name = "revoked", expires_in_days = 8 }))["api_key"]!["key_id"]!.GetValue<string>();
        var rotatedId = (await client.CreateApiKeyAsync(ann, new { name = "rotated", expires_in_days = 8 }))["api_key"]!["key_id"]!.GetValue<string>();
        var revoked = await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{revokedId}/revoke", ann, new { reason = "not needed" });
        Assert.True(revoked.IsSuccessStatusCode, await revoked.Content.ReadAsStringAsync(Ct));
        var rotated = await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{rotatedId}/rotate", ann, new { grace_period_seconds = 86400 });
        Assert.True(rotated.StatusCode == HttpStatusCode.Created || rotated.StatusCode == HttpStatusCode.OK, await rotated.Content.ReadAsStringAsync(Ct));
        var successor = (await rotated.ReadJsonAsync())["api_key"]!.AsObject();
        var successorExpires = successor["expires_at"]!.GetValue<DateTimeOffset>();
        var notifier = factory.Services.GetRequiredService<ApiKeyExpiryNotifier>();

        // Both old keys are inside the seven days now (the rotated one still in its grace period): neither is announced.
        clock.Advance(TimeSpan.FromHours(12));
        Assert.Equal(0, await notifier.ScanAsync(Ct));
        clock.Advance(TimeSpan.FromHours(13));
        Assert.Equal(0, await notifier.ScanAsync(Ct));
        Assert.Equal(0, await factory.DispatchAsync());
        Assert.Empty(receiver.Requests);

        clock.Advance(successorExpires - clock.GetUtcNow() - TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await notifier.ScanAsync(Ct));
        Assert.Equal(1, await factory.DispatchAsync());
        var received = Assert.Single(receiver.Requests);
        received.Verify(secret);
        Assert.Equal(successor.Str("key_id"), JsonNode.Parse(received.Body)!["data"]!["key_id"]!.GetValue<string>());
        ann = await client.LoginAsync("ann@example.com");
        Assert.Single(await client.DeliveriesAsync(ann, hook));
    }

    [Fact]
    public async Task AKeyNoticedBeforeARestart_IsNotNoticedAgainAfterIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var data = Directory.CreateTempSubdirectory("aiprod-expiring-restart-").FullName;
        var clock = ClockBefore(TimeSpan.FromDays(1) + TimeSpan.FromHours(1));
        var settings = Quiet(data);
        await using (var first = WebhookTestKit.Host(clock, more: settings))
        {
            var client = first.CreateClient();
            var ann = await client.RegisterAndLoginAsync("ann@example.com");
            await client.CreateWebhookAsync(ann, receiver.HookUrl, "api_key.expiring");
            await client.CreateApiKeyAsync(ann, new { name = "soon", expires_in_days = 8 });
            clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
            Assert.Equal(1, await first.Services.GetRequiredService<ApiKeyExpiryNotifier>().ScanAsync(Ct));
        }

        await using (var second = WebhookTestKit.Host(clock, more: settings))
        {
            clock.Advance(TimeSpan.FromHours(1));
            Assert.Equal(0, await second.Services.GetRequiredService<ApiKeyExpiryNotifier>().ScanAsync(Ct));
            Assert.Equal(1, await second.DispatchAsync());
            Assert.Equal(0, await second.DispatchAsync());
        }

        Assert.Single(receiver.Requests);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task TwoHostsWithTwoScannersEach_RacingOverOneDatabase_WriteEachNoticeOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = ClockBefore(TimeSpan.FromDays(4));
        await using var first = WebhookTestKit.Host(clock, more: Quiet());
        var client = first.CreateClient();
        await using var second = WebhookTestKit.Host(clock, more: Quiet(first.DataFolder));
        _ = second.CreateClient();

        // Three owners with twenty keys each, expiring over three days: each day's round finds a new set of keys due.
        var owners = new List<(string Token, string Hook, string Secret)>();
        var keyIds = new HashSet<string>(StringComparer.Ordinal);
        for (var o = 0; o < 3; o++)
        {
            var token = await client.RegisterAndLoginAsync($"owner{o}@example.com");
            var (hook, secret) = await client.CreateWebhookAsync(token, receiver.HookUrl + $"?owner={o}", "api_key.expiring");
            owners.Add((token, hook, secret));
            for (var k = 0; k < 20; k++)
            {
                var created = await client.CreateApiKeyAsync(token, new { name = $"key {k}", expires_in_days = 8 + (k % 3) });
                keyIds.Add(created["api_key"]!["key_id"]!.GetValue<string>());
            }
        }

        var scanners = new[] { first, second }
            .SelectMany(h => new[] { h.Services.GetRequiredService<ApiKeyExpiryNotifier>(), ActivatorUtilities.CreateInstance<ApiKeyExpiryNotifier>(h.Services) })
            .ToList();
        var total = 0;
        var duePerDay = new[] { 3 * 7, 3 * 7, 3 * 6, 0 };
        for (var day = 0; day < duePerDay.Length; day++)
        {
            clock.Advance(TimeSpan.FromDays(1));
            var marked = await Task.WhenAll(scanners.Select(s => Task.Run(() => s.ScanAsync(Ct), Ct)));
            Assert.Equal(duePerDay[day], marked.Sum());
            total += marked.Sum();
        }

        Assert.Equal(60, total);
        while (await first.DispatchAsync() > 0)
        {
        }

        Assert.Equal(60, receiver.Requests.Count);
        var announced = receiver.Requests.Select(r => JsonNode.Parse(r.Body)!["data"]!["key_id"]!.GetValue<string>()).ToList();
        Assert.Equal(keyIds.Order(StringComparer.Ordinal), announced.Order(StringComparer.Ordinal));
        Assert.All(receiver.Requests, r => Assert.Single(owners, o => Verifies(r, o.Secret)));
        for (var o = 0; o < owners.Count; o++)
        {
            var token = await client.LoginAsync($"owner{o}@example.com");
            Assert.Equal(20, (await client.DeliveriesAsync(token, owners[o].Hook, limit: 100)).Count);
        }
    }

    private static bool Verifies(WebhookReceiver.Received received, string secret)
    {
        try
        {
            received.Verify(secret);
            return true;
        }
        catch (StandardWebhooks.Diagnostics.WebhookVerificationException)
        {
            return false;
        }
    }
}
