using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aiprod.Domain.Idempotency;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Functional.Tests.Webhooks;
using Aiprod.Infrastructure.Persistence;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Idempotency;

/// <summary>
/// Idempotency-Key on POST /pipeline/batch (replay, reuse, refused items sent again, a batch cut short and completed by
/// its retry, identical batches at once), a repeated key header on every route that takes one, and a webhook replay
/// whose secret can no longer be decrypted.
/// </summary>
public sealed class BatchIdempotencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string token, object body, params string[] keys)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) }.WithBearer(token);
        foreach (var key in keys)
        {
            // One header line per key: two keys are two lines, as a client that adds the header twice sends them.
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return client.SendAsync(request, Ct);
    }

    private static object Batch(params object[] jobs) => new { jobs };

    private static bool IsReplay(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";

    private static async Task<JsonArray> ItemsAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return (await response.ReadJsonAsync())["items"]!.AsArray();
    }

    private static int[] Statuses(JsonArray items) => items.Select(i => i!["status"]!.GetValue<int>()).ToArray();

    private static string?[] JobIds(JsonArray items) => items.Select(i => i!["job"]?["job_id"]?.GetValue<string>()).ToArray();

    [Fact]
    public async Task SameKeyAndBody_ReplaysTheQueuedJobs_AnotherBodyIs422_AnotherCallerAndRouteAreTheirOwn()
    {
        await using var factory = new AiprodApiFactory();
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var batch = Batch(new { content = "first" }, new { content = "too short", duration_sec = 1 }, new { content = "third", preset = "premium_spot" });

        var first = await PostAsync(client, "/pipeline/batch", ann, batch, "batch-1");
        // The same batch with its defaults spelled out and its fields in another order.
        var again = await PostAsync(client, "/pipeline/batch", ann, Batch(
            new { lang = "en", duration_sec = 30, priority = "normal", preset = "quick_social", content = "first" },
            new { duration_sec = 1, content = "too short" },
            new { preset = "premium_spot", content = "third" }), "batch-1");
        var reordered = await PostAsync(client, "/pipeline/batch", ann, Batch(new { content = "third", preset = "premium_spot" }, new { content = "first" }), "batch-1");
        var bobs = await PostAsync(client, "/pipeline/batch", bob, batch, "batch-1");
        var single = await PostAsync(client, "/pipeline/run", ann, new { content = "first" }, "batch-1");

        var firstItems = await ItemsAsync(first);
        Assert.False(IsReplay(first));
        Assert.Equal([202, 400, 202], Statuses(firstItems));
        var againItems = await ItemsAsync(again);
        Assert.True(IsReplay(again));
        Assert.Equal([202, 400, 202], Statuses(againItems));
        Assert.Equal(JobIds(firstItems), JobIds(againItems));
        Assert.Equal(firstItems[0]!["job"]!.ToJsonString(), againItems[0]!["job"]!.ToJsonString());
        await reordered.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        var bobsItems = await ItemsAsync(bobs);
        Assert.False(IsReplay(bobs));
        Assert.Empty(JobIds(bobsItems).Where(id => id is not null).Intersect(JobIds(firstItems)));
        Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
        Assert.False(IsReplay(single));
        Assert.Equal(5, await factory.WithDbAsync(db => db.PipelineJobs.CountAsync(Ct)));
    }

    /// <summary>
    /// Only queued jobs are kept: an item refused for want of room is sent again by the retry, and queued once there is
    /// room, while the items queued the first time are replayed, not queued again.
    /// </summary>
    [Fact]
    public async Task ARefusedItem_IsSentAgainByTheRetry_TheQueuedOnesAreReplayed()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Jobs:MaxQueuedPerUser"] = "2" });
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var batch = Batch(new { content = "one" }, new { content = "two" }, new { content = "three" });

        var firstItems = await ItemsAsync(await PostAsync(client, "/pipeline/batch", ann, batch, "capped"));
        Assert.Equal([202, 202, 409], Statuses(firstItems));
        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{JobIds(firstItems)[0]}/cancel", ann)).StatusCode);

        var retry = await PostAsync(client, "/pipeline/batch", ann, batch, "capped");
        var retryItems = await ItemsAsync(retry);
        Assert.True(IsReplay(retry));
        Assert.Equal([202, 202, 202], Statuses(retryItems));
        Assert.Equal(JobIds(firstItems)[..2], JobIds(retryItems)[..2]);
        var contents = await factory.WithDbAsync(db => db.PipelineJobs.Select(j => j.Content).ToListAsync(Ct));
        Assert.Equal(["one", "three", "two"], contents.Order());
    }

    /// <summary>
    /// The disk fails at the third item's fsync (the batch key's own commit and two items pass): this instance
    /// suspends writes, as it does after any failed fsync. A new instance on the same database stands for the restart;
    /// the retry there replays the three items that were written (the third applied, not confirmed) and queues the two
    /// that were not attempted: five jobs, none twice.
    /// </summary>
    [Fact]
    public async Task ABatchCutShortMidway_IsCompletedByItsRetry_NoItemTwice()
    {
        var sync = new FailingSync();
        await using var crashed = new AiprodApiFactory(
            new Dictionary<string, string?> { ["Audit:SealerEnabled"] = "false" },
            replaceServices: s => s.AddSingleton<ISqliteWalSync>(sync));
        var client = crashed.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var batch = Batch(Enumerable.Range(1, 5).Select(i => (object)new { content = $"item {i}" }).ToArray());

        sync.SucceedThenFail(3);
        var cut = await ItemsAsync(await PostAsync(client, "/pipeline/batch", ann, batch, "cut-short"));
        Assert.Equal([202, 202, 503, 503, 503], Statuses(cut));
        Assert.Equal(3, await crashed.WithDbAsync(db => db.PipelineJobs.CountAsync(Ct)));

        await using var restarted = new AiprodApiFactory(new Dictionary<string, string?> { ["DataFolder:Path"] = crashed.DataFolder, ["Audit:SealerEnabled"] = "false" });
        var again = restarted.CreateClient();
        ann = await again.LoginAsync("ann@example.com");
        var retry = await PostAsync(again, "/pipeline/batch", ann, batch, "cut-short");
        var retryItems = await ItemsAsync(retry);
        Assert.True(IsReplay(retry));
        Assert.Equal([202, 202, 202, 202, 202], Statuses(retryItems));
        Assert.Equal(JobIds(cut)[..2], JobIds(retryItems)[..2]);

        var stored = await restarted.WithDbAsync(db => db.PipelineJobs.ToListAsync(Ct));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"item {i}"), stored.Select(j => j.Content).Order());
        Assert.Equal(stored.Select(j => j.Id.ToString()).Order(), JobIds(retryItems).Order());
        Assert.Equal(JobIds(retryItems), JobIds(await ItemsAsync(await PostAsync(again, "/pipeline/batch", ann, batch, "cut-short"))));
    }

    [Fact]
    public async Task IdenticalBatchesAtOnce_QueueEachItemOnce_AndEveryAnswerListsTheSameJobs()
    {
        await using var factory = new AiprodApiFactory();
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");

        for (var round = 0; round < 4; round++)
        {
            var batch = Batch(Enumerable.Range(0, 5).Select(i => (object)new { content = $"Round {round} item {i}." }).ToArray());
            using var start = new ManualResetEventSlim();
            var racers = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
            {
                start.Wait(Ct);
                return await PostAsync(client, "/pipeline/batch", ann, batch, $"race-{round}");
            }, Ct)).ToList();
            start.Set();
            var answers = await Task.WhenAll(racers);

            var jobs = await factory.WithDbAsync(db => db.PipelineJobs.Where(j => j.Content.StartsWith($"Round {round} ")).ToListAsync(Ct));
            Assert.Equal(5, jobs.Count);
            var expected = Enumerable.Range(0, 5).Select(i => jobs.Single(j => j.Content == $"Round {round} item {i}.").Id.ToString()).ToArray();
            foreach (var answer in answers)
            {
                Assert.Equal(expected, JobIds(await ItemsAsync(answer)));
            }

            Assert.Single(answers, a => !IsReplay(a));
        }
    }

    [Theory]
    [InlineData("/pipeline/run")]
    [InlineData("/pipeline/batch")]
    [InlineData("/webhooks")]
    [InlineData("/exports")]
    public async Task ARepeatedKeyHeader_OrAKeyList_Is400SayingSo_AndChangesNothing(string url)
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        object body = url switch
        {
            "/pipeline/run" => new { content = "A spot." },
            "/pipeline/batch" => Batch(new { content = "A spot." }),
            "/webhooks" => new { url = "https://hooks.example.com/x", events = new[] { "job.completed" } },
            _ => new { format = "json" },
        };

        foreach (var keys in new[] { new[] { "k1", "k2" }, ["k1", "k1"], ["k1, k2"], ["k1,k2"] })
        {
            var response = await PostAsync(client, url, ann, body, keys);
            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains("the header was repeated or holds a comma-separated list", problem.ToJsonString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, await factory.WithDbAsync(async db =>
            await db.PipelineJobs.CountAsync(Ct) + await db.WebhookSubscriptions.CountAsync(Ct) + await db.ExportJobs.CountAsync(Ct) + await db.IdempotencyRecords.CountAsync(Ct)));
        var once = await PostAsync(client, url, ann, body, "k1");
        Assert.True((int)once.StatusCode is 200 or 201 or 202, await once.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>
    /// A retry that finds the batch's key live a second before it expires, and reaches its items two seconds later:
    /// the items' answers outlive their batch's key, so no item is queued twice. The records are aged by hand (as if
    /// 24 hours less a second had passed), since stepping the host's clock by a day runs every background timer.
    /// </summary>
    [Fact]
    public async Task ABatchRetryStraddlingItsKeysExpiry_QueuesNoItemTwice()
    {
        var clock = WebhookTestKit.Clock();
        var jump = new ClockJumpOnSecondIdempotencyRead(clock, TimeSpan.FromSeconds(2));
        await using var factory = new AiprodApiFactory(null, clock, s =>
            s.ConfigureDbContext<SqliteAiprodDbContext>((_, o) => o.AddInterceptors(jump)));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var batch = Batch(new { content = "one" }, new { content = "two" });
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "/pipeline/batch", ann, batch, "straddle")).StatusCode);
        Assert.Equal(2, await factory.WithDbAsync(db => db.PipelineJobs.CountAsync(Ct)));

        var age = IdempotencyRecord.Lifetime - TimeSpan.FromSeconds(1);
        await factory.WithDbAsync(async db =>
        {
            foreach (var record in await db.IdempotencyRecords.ToListAsync(Ct))
            {
                db.Entry(record).Property(r => r.CreatedAt).CurrentValue = record.CreatedAt - age;
                db.Entry(record).Property(r => r.ExpiresAt).CurrentValue = record.ExpiresAt - age;
            }

            return await db.SaveChangesAsync(Ct);
        });

        jump.Armed = true;
        var retry = await PostAsync(client, "/pipeline/batch", ann, batch, "straddle");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.True(IsReplay(retry));
        Assert.Equal(2, await factory.WithDbAsync(db => db.PipelineJobs.CountAsync(Ct)));
    }

    /// <summary>Steps the clock when the second idempotency record is read (the first item's, after the batch's).</summary>
    private sealed class ClockJumpOnSecondIdempotencyRead(FakeTimeProvider clock, TimeSpan by) : DbCommandInterceptor
    {
        private int seen;

        public volatile bool Armed;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (Armed && command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)
                && command.CommandText.Contains("idempotency_records", StringComparison.Ordinal)
                && Interlocked.Increment(ref seen) == 2)
            {
                clock.Advance(by);
            }

            return ValueTask.FromResult(result);
        }
    }

    /// <summary>An empty key is a 400 on every route that takes one, not a request run without a key.</summary>
    [Theory]
    [InlineData("/pipeline/run")]
    [InlineData("/pipeline/batch")]
    [InlineData("/webhooks")]
    [InlineData("/exports")]
    public async Task AnEmptyKeyHeader_Is400_AndChangesNothing(string url)
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        object body = url switch
        {
            "/pipeline/run" => new { content = "A spot." },
            "/pipeline/batch" => Batch(new { content = "A spot." }),
            "/webhooks" => new { url = "https://hooks.example.com/x", events = new[] { "job.completed" } },
            _ => new { format = "json" },
        };

        // HttpClient drops a header without a value, so the request is made on the test server directly.
        var sent = await factory.Server.SendAsync(context =>
        {
            context.Request.Method = "POST";
            context.Request.Path = url;
            context.Request.Headers.Authorization = $"Bearer {ann}";
            context.Request.Headers["Idempotency-Key"] = "";
            context.Request.ContentType = "application/json";
            context.Request.Body = new MemoryStream(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body));
        }, Ct);
        Assert.Equal(StatusCodes.Status400BadRequest, sent.Response.StatusCode);
        Assert.StartsWith("application/problem+json", sent.Response.ContentType, StringComparison.Ordinal);
        Assert.Equal(0, await factory.WithDbAsync(async db =>
            await db.PipelineJobs.CountAsync(Ct) + await db.WebhookSubscriptions.CountAsync(Ct) + await db.ExportJobs.CountAsync(Ct) + await db.IdempotencyRecords.CountAsync(Ct)));
    }

    /// <summary>
    /// The operator replaced Webhooks:SecretKey (a new instance on the same database with another key): the kept first
    /// answer's secret cannot be decrypted. The replay is a 409 naming the subscription and the way to a new secret,
    /// not a 500, and no second subscription is made.
    /// </summary>
    [Fact]
    public async Task AWebhookReplay_WhoseSecretCanNoLongerBeDecrypted_Is409_AndMakesNoSecondSubscription()
    {
        var hook = new { url = "https://hooks.example.com/x", events = new[] { "job.completed" } };
        await using var before = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = before.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var created = await PostAsync(client, "/webhooks", ann, hook, "hook-key");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var webhookId = (await created.ReadJsonAsync())["webhook"]!["webhook_id"]!.GetValue<string>();

        await using var after = WebhookTestKit.Host(WebhookTestKit.Clock(), more: new Dictionary<string, string?>
        {
            ["DataFolder:Path"] = before.DataFolder,
            ["Webhooks:SecretKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        });
        var again = after.CreateClient();
        ann = await again.LoginAsync("ann@example.com");
        var replay = await PostAsync(again, "/webhooks", ann, hook, "hook-key");

        var problem = await replay.AssertProblemAsync(HttpStatusCode.Conflict, "idempotency_replay_unavailable");
        Assert.Contains($"/webhooks/{webhookId}/rotate-secret", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(1, await after.WithDbAsync(db => db.WebhookSubscriptions.CountAsync(Ct)));
    }

    /// <summary>
    /// A replay shows the first secret only while it still signs: after a plain rotation (its 24 h overlap) it does,
    /// after a rotation with revoke_previous (a leak) the replay is 409 and the revoked secret is not shown again.
    /// </summary>
    [Fact]
    public async Task AWebhookReplay_AfterARevokingRotation_Is409_AndNeverShowsTheRevokedSecret()
    {
        var hook = new { url = "https://hooks.example.com/x", events = new[] { "job.completed" } };
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var created = await (await PostAsync(client, "/webhooks", ann, hook, "hook-key")).ReadJsonAsync();
        var webhookId = created["webhook"]!["webhook_id"]!.GetValue<string>();
        var first = created.Str("secret");

        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{webhookId}/rotate-secret", ann)).StatusCode);
        var duringOverlap = await PostAsync(client, "/webhooks", ann, hook, "hook-key");
        Assert.Equal(HttpStatusCode.Created, duringOverlap.StatusCode);
        Assert.Equal(first, (await duringOverlap.ReadJsonAsync()).Str("secret"));

        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{webhookId}/rotate-secret", ann, new { revoke_previous = true })).StatusCode);
        var replay = await PostAsync(client, "/webhooks", ann, hook, "hook-key");
        var body = await replay.Content.ReadAsStringAsync(Ct);
        await replay.AssertProblemAsync(HttpStatusCode.Conflict, "idempotency_replay_unavailable");
        Assert.DoesNotContain(first, body, StringComparison.Ordinal);
        Assert.Equal(1, await factory.WithDbAsync(db => db.WebhookSubscriptions.CountAsync(Ct)));
    }

    private sealed class FailingSync : ISqliteWalSync
    {
        private int remaining = -1;

        /// <summary>The next <paramref name="successes"/> syncs succeed, every later one fails (a disk going bad).</summary>
        public void SucceedThenFail(int successes) => Volatile.Write(ref remaining, successes);

        public void Sync(string walPath)
        {
            if (Volatile.Read(ref remaining) >= 0 && Interlocked.Decrement(ref remaining) < 0)
            {
                throw new IOException("Input/output error");
            }
        }
    }
}
