using System.Net;
using System.Text.Json.Nodes;
using Aiprod.Domain.Audit;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Webhooks;

/// <summary>
/// Webhooks end to end: the real host on a real SQLite file, its dispatcher's rounds run by the test on the host's fake
/// clock, deliveries to a Kestrel receiver on loopback that verifies each one with the StandardWebhooks package.
/// </summary>
public sealed class WebhookDeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateWebhook_AnswersTheSecretOnce_AndStoresItEncrypted()
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var (id, secret) = await client.CreateWebhookAsync(token, "https://hooks.example.com/aiprod", "job.completed", "job.failed");

        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(24, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        var listed = await (await client.GetWithTokenAsync("/webhooks", token)).Content.ReadAsStringAsync(Ct);
        var got = await (await client.GetWithTokenAsync($"/webhooks/{id}", token)).Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, got, StringComparison.Ordinal);
        Assert.Contains("job.failed", got, StringComparison.Ordinal);
        var stored = await factory.WithDbAsync(db => db.WebhookSubscriptions.AsNoTracking().SingleAsync(Ct));
        Assert.DoesNotContain(secret, stored.SecretCiphertext, StringComparison.Ordinal);
        Assert.DoesNotContain(secret["whsec_".Length..], stored.SecretCiphertext, StringComparison.Ordinal);
        var audited = await factory.WithDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.EventType == AuditEventTypes.WebhookCreated).ToListAsync(Ct));
        Assert.Single(audited);
        Assert.DoesNotContain(secret, audited[0].Details ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://hooks.example.com/aiprod", "https")]
    [InlineData("ftp://hooks.example.com/aiprod", "https")]
    [InlineData("https://user:pass@hooks.example.com/aiprod", "user name")]
    [InlineData("/relative", "https")]
    public async Task CreateWebhook_RefusesUrlsOutsideTheRules(string url, string said)
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock(), allowHttp: false);
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/webhooks", token, new { url, events = new[] { "job.completed" } });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(said, problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(0, await factory.WithDbAsync(db => db.WebhookSubscriptions.CountAsync(Ct)));
    }

    [Fact]
    public async Task CreateWebhook_RefusesUnknownEvents()
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/webhooks", token, new { url = "https://hooks.example.com/", events = new[] { "job.exploded" } });

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task JobCompleted_IsDeliveredSigned_ToItsOwnersSubscriptionOnly()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var (annHook, annSecret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        var (bobHook, _) = await client.CreateWebhookAsync(bob, receiver.HookUrl + "?bob", "job.completed");
        var worker = await client.WorkerKeyAsync(ann);

        var jobId = await client.CompleteJobAsync(ann, worker);
        Assert.Equal(1, await factory.DispatchAsync());

        var received = Assert.Single(receiver.Requests);
        received.Verify(annSecret);
        var body = JsonNode.Parse(received.Body)!.AsObject();
        Assert.Equal("job.completed", body.Str("type"));
        Assert.Equal(jobId, body["data"]!["job_id"]!.GetValue<string>());
        Assert.Equal("completed", body["data"]!["status"]!.GetValue<string>());
        Assert.True(DateTimeOffset.TryParse(body.Str("timestamp"), out _));
        Assert.StartsWith("msg_", received.Headers["webhook-id"], StringComparison.Ordinal);

        var delivery = Assert.Single(await client.DeliveriesAsync(ann, annHook))!.AsObject();
        Assert.Equal("succeeded", delivery.Str("status"));
        Assert.Equal(received.Headers["webhook-id"], delivery.Str("message_id"));
        var attempt = Assert.Single(delivery["attempts"]!.AsArray())!;
        Assert.Equal(200, attempt["status_code"]!.GetValue<int>());
        Assert.True(attempt["latency_ms"]!.GetValue<long>() >= 0);
        Assert.Null(attempt["error"]);
        Assert.Empty(await client.DeliveriesAsync(bob, bobHook));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetWithTokenAsync($"/webhooks/{annHook}/deliveries", bob)).StatusCode);
    }

    [Fact]
    public async Task JobFailedAndCancelled_GoOnlyToSubscriptionsThatAskedForThem()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (cancelledHook, secret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.cancelled");
        var (completedHook, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        var worker = await client.WorkerKeyAsync(ann);

        var failing = await client.SubmitAsync(ann);
        await client.ClaimAsync(worker);
        Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{failing}/fail", new { error_message = "GPU fell over" })).StatusCode);
        var cancelled = await client.SubmitAsync(ann);
        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{cancelled}/cancel", ann)).StatusCode);
        await factory.DispatchAsync();

        var received = Assert.Single(receiver.Requests);
        received.Verify(secret);
        Assert.Equal("job.cancelled", JsonNode.Parse(received.Body)!["type"]!.GetValue<string>());
        Assert.Equal(cancelled, JsonNode.Parse(received.Body)!["data"]!["job_id"]!.GetValue<string>());
        Assert.Single(await client.DeliveriesAsync(ann, cancelledHook));
        Assert.Empty(await client.DeliveriesAsync(ann, completedHook));
    }

    [Fact]
    public async Task AnEventCommittedBeforeACrash_IsDeliveredAfterTheRestart()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var data = Directory.CreateTempSubdirectory("aiprod-webhook-restart-").FullName;
        var clock = WebhookTestKit.Clock();
        var settings = new Dictionary<string, string?> { ["DataFolder:Path"] = data };
        string secret;
        string jobId;
        await using (var first = WebhookTestKit.Host(clock, more: settings))
        {
            var client = first.CreateClient();
            var ann = await client.RegisterAndLoginAsync("ann@example.com");
            (_, secret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
            jobId = await client.CompleteJobAsync(ann, await client.WorkerKeyAsync(ann));

            // The host goes away with the event committed and nothing sent.
        }

        Assert.Empty(receiver.Requests);
        await using (var second = WebhookTestKit.Host(clock, more: settings))
        {
            Assert.Equal(1, await second.DispatchAsync());
        }

        var received = Assert.Single(receiver.Requests);
        received.Verify(secret);
        Assert.Equal(jobId, JsonNode.Parse(received.Body)!["data"]!["job_id"]!.GetValue<string>());
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task ASecretKeyThatCannotDecrypt_IsNotCountedAgainstTheSubscription_AndTheDeliveryWaitsForTheRightKey()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var data = Directory.CreateTempSubdirectory("aiprod-webhook-wrong-key-").FullName;
        var clock = WebhookTestKit.Clock();
        var rightKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var wrongKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Dictionary<string, string?> Settings(string key) => new() { ["DataFolder:Path"] = data, ["Webhooks:SecretKey"] = key, ["Webhooks:DisableAfterFailingFor"] = "00:01:00" };
        string hook;
        string secret;
        await using (var first = WebhookTestKit.Host(clock, more: Settings(rightKey)))
        {
            var client = first.CreateClient();
            var ann = await client.RegisterAndLoginAsync("ann@example.com");
            (hook, secret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
            await client.PingAsync(ann, hook);
        }

        // Restarted with another key, for longer than it takes a failing subscription to be disabled.
        await using (var changed = WebhookTestKit.Host(clock, more: Settings(wrongKey)))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(0, await changed.DispatchAsync());
                clock.Advance(TimeSpan.FromSeconds(61));
            }

            var delivery = await changed.WithDbAsync(db => db.WebhookDeliveries.AsNoTracking().Include(d => d.Attempts).SingleAsync(Ct));
            Assert.Equal(0, delivery.AttemptCount);
            Assert.Empty(delivery.Attempts);
            Assert.Equal(Aiprod.Domain.Webhooks.WebhookDeliveryStatus.Pending, delivery.Status);
            var subscription = await changed.WithDbAsync(db => db.WebhookSubscriptions.AsNoTracking().SingleAsync(Ct));
            Assert.True(subscription.Enabled);
            Assert.Null(subscription.FailingSince);
            Assert.Empty(await changed.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == AuditEventTypes.WebhookDisabled).ToListAsync(Ct)));
        }

        Assert.Empty(receiver.Requests);
        await using (var mended = WebhookTestKit.Host(clock, more: Settings(rightKey)))
        {
            clock.Advance(TimeSpan.FromSeconds(61));
            Assert.Equal(1, await mended.DispatchAsync());
            var attempt = Assert.Single(await mended.WithDbAsync(db => db.WebhookAttempts.AsNoTracking().ToListAsync(Ct)));
            Assert.Equal(200, attempt.StatusCode);
        }

        Assert.Single(receiver.Requests).Verify(secret);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task AFailingReceiver_IsRetriedAlongTheSchedule_OnTheFakeClock()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 500;
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        await client.PingAsync(ann, hook);

        var sentAt = new List<DateTimeOffset>();
        var waits = Aiprod.Domain.Webhooks.WebhookRetrySchedule.Waits;
        Assert.Equal(1, await factory.DispatchAsync());
        sentAt.Add(clock.GetUtcNow());
        for (var i = 0; i < 3; i++)
        {
            // Just before the earliest the jitter allows: nothing is due.
            clock.Advance(waits[i] * 0.79);
            Assert.Equal(0, await factory.DispatchAsync());
            clock.Advance(waits[i] * 0.42);
            Assert.Equal(1, await factory.DispatchAsync());
            sentAt.Add(clock.GetUtcNow());
        }

        receiver.Status = 204;
        clock.Advance(waits[3] * 1.21);
        Assert.Equal(1, await factory.DispatchAsync());
        ann = await client.LoginAsync("ann@example.com");

        Assert.Equal(5, receiver.Requests.Count);
        Assert.Single(receiver.Requests.Select(r => r.Headers["webhook-id"]).Distinct());
        var delivery = Assert.Single(await client.DeliveriesAsync(ann, hook))!.AsObject();
        Assert.Equal("succeeded", delivery.Str("status"));
        var attempts = delivery["attempts"]!.AsArray().Select(a => a!.AsObject()).ToList();
        Assert.Equal([1, 2, 3, 4, 5], attempts.Select(a => a["number"]!.GetValue<int>()));
        Assert.Equal([500, 500, 500, 500, 204], attempts.Select(a => a["status_code"]!.GetValue<int>()));
        Assert.All(attempts.Take(4), a => Assert.Contains("500", a.Str("error"), StringComparison.Ordinal));
        var times = attempts.Select(a => DateTimeOffset.Parse(a.Str("attempted_at"), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        for (var i = 1; i < times.Count; i++)
        {
            var wait = times[i] - times[i - 1];
            Assert.InRange(wait, waits[i - 1] * 0.79, waits[i - 1] * 1.22);
        }
    }

    [Fact]
    public async Task FourDispatchersAtOnce_SendEachAttemptOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, secret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 20; i++)
            {
                await client.PingAsync(ann, hook);
            }

            var dispatchers = Enumerable.Range(0, 4)
                .Select(_ => Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<Aiprod.Infrastructure.Webhooks.WebhookDispatcher>(factory.Services))
                .ToList();
            var sent = await Task.WhenAll(dispatchers.Select(d => Task.Run(() => d.RunRoundAsync(CancellationToken.None), Ct)));
            Assert.Equal(20, sent.Sum());
        }

        Assert.Equal(60, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => r.Verify(secret));

        // Every one of the 60 deliveries, each sent exactly once: its message received once, one attempt, succeeded.
        var deliveries = (await client.DeliveriesAsync(ann, hook, limit: 100)).Select(d => d!.AsObject()).ToList();
        Assert.Equal(60, deliveries.Count);
        Assert.All(deliveries, d =>
        {
            Assert.Equal("succeeded", d.Str("status"));
            Assert.Equal(1, d["attempt_count"]!.GetValue<int>());
            Assert.Single(d["attempts"]!.AsArray());
        });
        Assert.Equal(
            deliveries.Select(d => d.Str("message_id")).Order(StringComparer.Ordinal),
            receiver.Requests.Select(r => r.Headers["webhook-id"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ManyDeliveriesOfOneFailingSubscription_RecordedAtOnce_EachRecordTheirAttempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 500;
        var clock = WebhookTestKit.Clock();

        // All thirty in flight at once: the subscription's share of the slots is raised to the whole batch.
        await using var factory = WebhookTestKit.Host(clock, more: new Dictionary<string, string?> { ["Webhooks:MaxInFlightPerSubscription"] = "32" });
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        for (var i = 0; i < 30; i++)
        {
            await client.PingAsync(ann, hook);
        }

        // The first round starts the subscription's run of failures, the second continues it: in both, 30 attempts
        // of one subscription are recorded at once, and each must be recorded (else it is sent again on lease lapse).
        Assert.Equal(30, await factory.DispatchAsync());
        await AssertEveryDeliveryHasAsync(1);
        clock.Advance(Aiprod.Domain.Webhooks.WebhookRetrySchedule.Waits[0] * 1.25);
        Assert.Equal(30, await factory.DispatchAsync());
        await AssertEveryDeliveryHasAsync(2);

        // Nothing is left leased and unrecorded: once a lease would have lapsed, nothing is due before its retry.
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(0, await factory.DispatchAsync());
        Assert.Equal(60, receiver.Requests.Count);

        async Task AssertEveryDeliveryHasAsync(int attempts)
        {
            var counts = await factory.WithDbAsync(db => db.WebhookDeliveries.Select(d => new { d.AttemptCount, Rows = d.Attempts.Count }).ToListAsync(Ct));
            Assert.Equal(30, counts.Count);
            Assert.All(counts, c => Assert.Equal((attempts, attempts), (c.AttemptCount, c.Rows)));
        }
    }

    [Fact]
    public async Task TheAuditLog_KeepsOnlySchemeHostAndPort_OfAWebhookUrl()
    {
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, "https://hooks.example.com:8443/services/T000/B000/pathtoken1?key=querytoken1", "job.completed");
        var updated = await client.SendWithTokenAsync(new HttpMethod("PATCH"), $"/webhooks/{hook}", ann,
            new { url = "https://hooks.example.com/services/T000/B000/pathtoken2?key=querytoken2" });
        Assert.True(updated.IsSuccessStatusCode, await updated.Content.ReadAsStringAsync(Ct));

        var details = await factory.WithDbAsync(db => db.AuditEvents
            .Where(e => e.EventType == AuditEventTypes.WebhookCreated || e.EventType == AuditEventTypes.WebhookUpdated)
            .OrderBy(e => e.Id).Select(e => e.Details!).ToListAsync(Ct));
        Assert.Equal(2, details.Count);
        Assert.Equal("https://hooks.example.com:8443", JsonNode.Parse(details[0])!.AsObject().Str("url"));
        Assert.Equal("https://hooks.example.com:443", JsonNode.Parse(details[1])!.AsObject().Str("url"));
        Assert.All(details, d => Assert.DoesNotContain("token", d, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ManyCreatesAtOnce_KeepThePerUserCap()
    {
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock, more: new Dictionary<string, string?> { ["RateLimits:Policies:webhooks-change"] = "100000" });
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        for (var i = 0; i < Aiprod.Domain.Webhooks.WebhookSubscription.MaxPerOwner - 3; i++)
        {
            await client.CreateWebhookAsync(ann, $"https://hooks.example.com/{i}", "job.completed");
        }

        // Three rooms left, twelve creates at once, three times over (the first round fills the cap; the next must all be refused).
        for (var round = 0; round < 3; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => factory.CreateClient().SendWithTokenAsync(
                HttpMethod.Post, "/webhooks", ann, new { url = $"https://hooks.example.com/r{round}/{i}", events = new[] { "job.completed" } }), Ct)));
            Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, a.StatusCode.ToString()));
            Assert.Equal(round == 0 ? 3 : 0, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        }

        Assert.Equal(Aiprod.Domain.Webhooks.WebhookSubscription.MaxPerOwner, await factory.WithDbAsync(db => db.WebhookSubscriptions.CountAsync(Ct)));
    }

    [Fact]
    public async Task RedeliversAtOnce_OfOneDelivery_MakeOneNewDelivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock, more: new Dictionary<string, string?> { ["RateLimits:Policies:webhooks-change"] = "100000" });
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        await client.PingAsync(ann, hook);
        var original = Assert.Single(await client.DeliveriesAsync(ann, hook))!.AsObject().Str("delivery_id");
        await factory.DispatchAsync();

        for (var round = 1; round <= 3; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => factory.CreateClient().SendWithTokenAsync(
                HttpMethod.Post, $"/webhooks/{hook}/deliveries/{original}/redeliver", ann), Ct)));
            Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, a.StatusCode.ToString()));
            Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Accepted);
            Assert.Equal(1 + round, (await client.DeliveriesAsync(ann, hook)).Count);
            await factory.DispatchAsync();
        }
    }

    [Fact]
    public async Task RotateSecret_SignsWithBoth_ForTheOverlap_ThenWithTheNewOnly()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock, more: new Dictionary<string, string?> { ["Webhooks:SecretRotationOverlap"] = "00:02:00" });
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, oldSecret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");

        var rotated = await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{hook}/rotate-secret", ann);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newSecret = (await rotated.ReadJsonAsync()).Str("secret");
        Assert.NotEqual(oldSecret, newSecret);
        await client.PingAsync(ann, hook);
        await factory.DispatchAsync();
        var during = Assert.Single(receiver.Requests);
        var signatures = during.Headers["webhook-signature"].Split(' ');
        Assert.Equal(2, signatures.Length);
        Assert.Equal(Hmac(newSecret, during), signatures[0]);
        Assert.Equal(Hmac(oldSecret, during), signatures[1]);
        during.Verify(newSecret);

        // StandardWebhooks 1.1.2 compares only the first signature of the header (a receiver holding the old secret
        // fails on the full header although its signature is there), so each signature is also verified alone.
        during.WithSignature(signatures[0]).Verify(newSecret);
        during.WithSignature(signatures[1]).Verify(oldSecret);
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() => during.WithSignature(signatures[1]).Verify(newSecret));

        clock.Advance(TimeSpan.FromMinutes(3));
        await client.PingAsync(ann, hook);
        await factory.DispatchAsync();
        var after = receiver.Requests.Last();
        after.Verify(newSecret);
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() => after.Verify(oldSecret));
        Assert.Single(await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == AuditEventTypes.WebhookSecretRotated).ToListAsync(Ct)));
    }

    /// <summary>A misspelt member of the rotation's body is a 400, never a rotation that quietly keeps the old secret.</summary>
    [Fact]
    public async Task RotateSecret_WithAnUnknownMember_Is400_AndRotatesNothing()
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, "https://hooks.example.com/x", "job.completed");

        var refused = await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{hook}/rotate-secret", ann, new { revokePrevious = true });
        var problem = await refused.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Single(problem["errors"]!.AsObject());
        Assert.Empty(await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == AuditEventTypes.WebhookSecretRotated).ToListAsync(Ct)));
    }

    [Fact]
    public async Task RotateSecret_WithRevokePrevious_StopsTheOldSecretsSigningAtOnce_RetriesIncluded()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, first) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");

        // An ordinary rotation first: the first secret signs beside the second for the overlap.
        var rotated = await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{hook}/rotate-secret", ann, new { revoke_previous = false });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = (await rotated.ReadJsonAsync()).Str("secret");

        // A delivery whose first attempt fails while both sign; it is retried after the revoking rotation.
        receiver.Status = 500;
        await client.PingAsync(ann, hook);
        Assert.Equal(1, await factory.DispatchAsync());
        var before = Assert.Single(receiver.Requests);
        Assert.Equal(2, before.Headers["webhook-signature"].Split(' ').Length);
        before.WithSignature(before.Headers["webhook-signature"].Split(' ')[1]).Verify(first);

        // The second secret leaked: it and the first stop signing at once, well inside the 24 h overlap.
        var revoked = await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{hook}/rotate-secret", ann, new { revoke_previous = true });
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var answer = await revoked.ReadJsonAsync();
        var third = answer.Str("secret");
        Assert.Null(answer["webhook"]!["previous_secret_expires_at"]);

        receiver.Status = 200;
        await client.PingAsync(ann, hook);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, await factory.DispatchAsync());
        var after = receiver.Requests.Skip(1).ToList();
        Assert.Equal(2, after.Count);
        Assert.All(after, r =>
        {
            Assert.Single(r.Headers["webhook-signature"].Split(' '));
            r.Verify(third);
            Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() => r.Verify(second));
            Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() => r.Verify(first));
        });

        var audited = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == AuditEventTypes.WebhookSecretRotated).Select(e => e.Details).ToListAsync(Ct));
        Assert.Equal(2, audited.Count);
        Assert.Single(audited, d => d != null && d.Contains("\"revoke_previous\":true", StringComparison.Ordinal));
    }

    private static string Hmac(string secret, WebhookReceiver.Received received) =>
        "v1," + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
            Convert.FromBase64String(secret["whsec_".Length..]),
            System.Text.Encoding.UTF8.GetBytes($"{received.Headers["webhook-id"]}.{received.Headers["webhook-timestamp"]}.{received.Body}")));

    [Fact]
    public async Task Redeliver_SendsTheSameMessageAgain_AndRefusesAPendingOne()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, secret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        await client.PingAsync(ann, hook);
        var pending = Assert.Single(await client.DeliveriesAsync(ann, hook))!.AsObject().Str("delivery_id");
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{hook}/deliveries/{pending}/redeliver", ann))
            .AssertProblemAsync(HttpStatusCode.Conflict, "webhook_delivery_pending");
        await factory.DispatchAsync();

        var again = await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{hook}/deliveries/{pending}/redeliver", ann);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        await factory.DispatchAsync();

        Assert.Equal(2, receiver.Requests.Count);
        Assert.Single(receiver.Requests.Select(r => r.Headers["webhook-id"]).Distinct());
        Assert.Single(receiver.Requests.Select(r => r.Body).Distinct());
        Assert.All(receiver.Requests, r => r.Verify(secret));
        Assert.Equal(2, (await client.DeliveriesAsync(ann, hook)).Count);
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{hook}/deliveries/{pending}/redeliver", bob)).StatusCode);
    }

    [Fact]
    public async Task ASubscriptionFailingLongerThanAllowed_IsDisabled_Audited_AndSaysWhy()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 503;
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock, more: new Dictionary<string, string?> { ["Webhooks:DisableAfterFailingFor"] = "00:30:00" });
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        await client.PingAsync(ann, hook);

        await factory.DispatchAsync();
        clock.Advance(TimeSpan.FromSeconds(7));
        await factory.DispatchAsync();
        clock.Advance(TimeSpan.FromMinutes(7));
        await factory.DispatchAsync();
        ann = await client.LoginAsync("ann@example.com");
        var still = await (await client.GetWithTokenAsync($"/webhooks/{hook}", ann)).ReadJsonAsync();
        Assert.True(still["enabled"]!.GetValue<bool>());
        Assert.NotNull(still["failing_since"]);
        clock.Advance(TimeSpan.FromMinutes(40));
        await factory.DispatchAsync();
        ann = await client.LoginAsync("ann@example.com");

        var disabled = await (await client.GetWithTokenAsync($"/webhooks/{hook}", ann)).ReadJsonAsync();
        Assert.False(disabled["enabled"]!.GetValue<bool>());
        Assert.Contains("503", disabled.Str("disabled_reason"), StringComparison.Ordinal);
        Assert.Single(await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == AuditEventTypes.WebhookDisabled).ToListAsync(Ct)));
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{hook}/test", ann)).AssertProblemAsync(HttpStatusCode.Conflict, "webhook_disabled");

        // The pending retry is dropped, not sent to a disabled subscription.
        var before = receiver.Requests.Count;
        clock.Advance(TimeSpan.FromHours(3));
        await factory.DispatchAsync();
        Assert.Equal(before, receiver.Requests.Count);

        ann = await client.LoginAsync("ann@example.com");
        var enabled = await client.SendWithTokenAsync(new HttpMethod("PATCH"), $"/webhooks/{hook}", ann, new { enabled = true });
        var json = await enabled.ReadJsonAsync();
        Assert.True(json["enabled"]!.GetValue<bool>());
        Assert.Null(json["disabled_reason"]);
    }

    [Fact]
    public async Task DeleteWebhook_RemovesItAndItsDeliveries()
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, "https://hooks.example.com/x", "job.completed");
        await client.PingAsync(ann, hook);

        Assert.Equal(HttpStatusCode.NotFound, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/webhooks/{hook}", bob)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/webhooks/{hook}", ann)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetWithTokenAsync($"/webhooks/{hook}", ann)).StatusCode);
        Assert.Equal(0, await factory.WithDbAsync(db => db.WebhookDeliveries.CountAsync(Ct)));
    }
}
