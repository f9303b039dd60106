using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Jobs;

/// <summary><c>POST /pipeline/batch</c> and <c>POST /pipeline/jobs/cancel</c> on real SQLite files.</summary>
public sealed class JobBatchTests
{
    private static readonly object Valid = new { content = "A teaser", preset = "quick_social" };

    /// <summary>Even actors send with the owner's token, odd ones with the owner's key.</summary>
    private static Task<HttpResponseMessage> AsActorAsync(HttpClient client, int actor, string token, string key, string path, object body) =>
        actor % 2 == 0 ? client.SendWithTokenAsync(HttpMethod.Post, path, token, body) : client.PostWithKeyAsync(path, key, body);

    private static async Task<JsonArray> ItemsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["items"]!.AsArray();
    }

    private static int[] Statuses(JsonArray items) => [.. items.Select(i => i!["status"]!.GetValue<int>())];

    private static string? ProblemCode(JsonNode? item) => item!["problem"]?["type"]?.GetValue<string>().Replace("urn:aiprod:problem:", "", StringComparison.Ordinal);

    private static async Task<int> QueuedAsync(HttpClient client, string token) =>
        (await (await client.GetWithTokenAsync("/pipeline/jobs?status=queued&limit=1", token)).ReadJsonAsync())["total"]!.GetValue<int>();

    [Fact]
    public async Task Batch_QueuesTheValidItems_RefusesTheOthers_InRequestOrder()
    {
        await using var factory = new AiprodApiFactory();
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", token, new
        {
            jobs = new object[]
            {
                new { content = "first", duration_sec = 20 },
                new { content = "too short", duration_sec = 1 },
                new { content = "third", preset = "premium_spot", priority = "high" },
                new { content = "", lang = "english!" },
                new { content = "fifth" },
            },
        });

        var items = await ItemsAsync(response);
        Assert.Equal([0, 1, 2, 3, 4], items.Select(i => i!["index"]!.GetValue<int>()));
        Assert.Equal([202, 400, 202, 400, 202], Statuses(items));
        Assert.Equal(["duration_sec"], items[1]!["problem"]!["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(["content", "lang"], items[3]!["problem"]!["errors"]!.AsObject().Select(e => e.Key).Order());
        Assert.Equal("validation_failed", ProblemCode(items[1]));
        Assert.Null(items[0]!["problem"]);
        Assert.Null(items[1]!["job"]);
        var body = await response.ReadJsonAsync();
        Assert.Equal((3, 2), (body["accepted"]!.GetValue<int>(), body["refused"]!.GetValue<int>()));
        foreach (var (index, content) in new[] { (0, "first"), (2, "third"), (4, "fifth") })
        {
            var job = items[index]!["job"]!.AsObject();
            Assert.Equal("queued", job.Str("status"));
            Assert.NotNull(job["check_status_at"]);
            var stored = await (await client.GetWithTokenAsync($"/pipeline/job/{job.Str("job_id")}", token)).ReadJsonAsync();
            Assert.Equal(content, stored.Str("content"));
        }

        Assert.Equal(3, await QueuedAsync(client, token));
    }

    /// <summary>
    /// The WAL's fsync fails at the third item's commit: the two before are queued and say so, the third is the
    /// single route's 503 write_not_durable (applied, not confirmed), the rest 503 not_attempted and not written; the
    /// batch is 200, so a client retries only the items it must, never the committed ones.
    /// </summary>
    [Fact]
    public async Task AWriteTheStoreRefuses_MidBatch_EndsTheBatchThere_TheEarlierItemsStayQueued_AndTheAnswerIs200()
    {
        var ct = TestContext.Current.CancellationToken;
        var sync = new FailingSync();
        await using var factory = new AiprodApiFactory(
            new Dictionary<string, string?> { ["Audit:SealerEnabled"] = "false" },
            replaceServices: s => s.AddSingleton<ISqliteWalSync>(sync));
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        sync.SucceedThenFail(2);
        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", token, new
        {
            jobs = new object[]
            {
                new { content = "first" },
                new { content = "second" },
                new { content = "third" },
                new { content = "fourth" },
                new { content = "fifth" },
            },
        });

        var items = await ItemsAsync(response);
        Assert.Equal([202, 202, 503, 503, 503], Statuses(items));
        Assert.Equal([null, null, "write_not_durable", "not_attempted", "not_attempted"], items.Select(ProblemCode));
        var body = await response.ReadJsonAsync();
        Assert.Equal((2, 3), (body["accepted"]!.GetValue<int>(), body["refused"]!.GetValue<int>()));
        // The third was applied (its fsync failed after the commit); the fourth and fifth were never written.
        var stored = (await factory.WithDbAsync(db => db.PipelineJobs.ToListAsync(ct))).ToDictionary(j => j.Id.ToString(), j => j.Content);
        Assert.Equal(["first", "second", "third"], stored.Values.Order());
        Assert.Equal("first", stored[items[0]!["job"]!["job_id"]!.GetValue<string>()]);
        Assert.Equal("second", stored[items[1]!["job"]!["job_id"]!.GetValue<string>()]);
    }

    [Fact]
    public async Task Batches_OfNoneOrMoreThan100_OrWithoutABody_Are400_AndQueueNothing()
    {
        await using var factory = new AiprodApiFactory();
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var none = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", token, new { jobs = Array.Empty<object>() });
        var tooMany = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", token, new { jobs = Enumerable.Repeat(Valid, 101).ToArray() });
        var noIds = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/jobs/cancel", token, new { job_ids = Array.Empty<Guid>() });
        var tooManyIds = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/jobs/cancel", token, new { job_ids = Enumerable.Range(0, 101).Select(_ => Guid.NewGuid()).ToArray() });
        var empty = new HttpRequestMessage(HttpMethod.Post, "/pipeline/batch") { Content = new StringContent("", Encoding.UTF8, "application/json") }.WithBearer(token);
        var noBody = await client.SendAsync(empty, TestContext.Current.CancellationToken);
        var missingList = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", token, new { });

        Assert.NotNull((await none.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!["jobs"]);
        Assert.Equal("jobs lists at most 100 jobs; split a longer list into several batches.",
            Assert.Single((await tooMany.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!["jobs"]!.AsArray())!.GetValue<string>());
        Assert.NotNull((await noIds.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!["job_ids"]);
        Assert.NotNull((await tooManyIds.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!["job_ids"]);
        await noBody.AssertProblemAsync(HttpStatusCode.BadRequest);
        await missingList.AssertProblemAsync(HttpStatusCode.BadRequest);
        var exactly100 = await ItemsAsync(await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", token, new { jobs = Enumerable.Repeat(Valid, 100).ToArray() }));
        Assert.Equal(100, exactly100.Count);
        Assert.Equal(100, await QueuedAsync(client, token));
    }

    [Fact]
    public async Task CancelBatch_AnswersEachIdAsTheSingleCancelWould_InRequestOrder()
    {
        await using var factory = new AiprodApiFactory();
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var queued = await client.SubmitAsync(ann);
        var ended = await client.SubmitAsync(ann);
        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{ended}/cancel", ann)).StatusCode);
        var bobs = await client.SubmitAsync(bob);
        var missing = Guid.NewGuid().ToString();
        var another = await client.SubmitAsync(ann);

        var items = await ItemsAsync(await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/jobs/cancel", ann, new { job_ids = new[] { bobs, queued, ended, missing, queued, another } }));

        Assert.Equal([bobs, queued, ended, missing, queued, another], items.Select(i => i!["job_id"]!.GetValue<string>()));
        Assert.Equal([0, 1, 2, 3, 4, 5], items.Select(i => i!["index"]!.GetValue<int>()));
        Assert.Equal([404, 204, 409, 404, 409, 204], Statuses(items));
        Assert.Equal(["job_not_found", null, "illegal_transition", "job_not_found", "illegal_transition", null], items.Select(ProblemCode));
        Assert.Equal("queued", (await (await client.GetWithTokenAsync($"/pipeline/job/{bobs}", bob)).ReadJsonAsync()).Str("status"));
        Assert.Equal("cancelled", (await (await client.GetWithTokenAsync($"/pipeline/job/{queued}", ann)).ReadJsonAsync()).Str("status"));
        Assert.Equal("cancelled", (await (await client.GetWithTokenAsync($"/pipeline/job/{another}", ann)).ReadJsonAsync()).Str("status"));
    }

    [Fact]
    public async Task TheQueueCap_ReachedMidBatch_RefusesTheRest_AndHoldsForSingleRuns()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Jobs:MaxQueuedPerUser"] = "3" });
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var first = await client.SubmitAsync(token);

        var items = await ItemsAsync(await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", token, new { jobs = new[] { Valid, Valid, Valid, Valid } }));

        Assert.Equal([202, 202, 409, 409], Statuses(items));
        Assert.Equal("too_many_queued_jobs", ProblemCode(items[2]));
        await (await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/run", token, Valid)).AssertProblemAsync(HttpStatusCode.Conflict, "too_many_queued_jobs");
        // The cap is the owner's: another user still has room.
        Assert.Equal(new[] { 202, 202, 202, 409 }, Statuses(await ItemsAsync(await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", bob, new { jobs = new[] { Valid, Valid, Valid, Valid } }))));
        // A cancelled job frees its place.
        Assert.Equal(new[] { 204 }, Statuses(await ItemsAsync(await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/jobs/cancel", token, new { job_ids = new[] { first } }))));
        Assert.Equal(new[] { 202, 409 }, Statuses(await ItemsAsync(await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", token, new { jobs = new[] { Valid, Valid } }))));
        Assert.Equal(3, await QueuedAsync(client, token));
    }

    [Fact]
    public async Task KeysWithJobsWrite_MayUseBoth_ReadOnlyKeysAndAnonymousCallersMayNot()
    {
        await using var factory = new AiprodApiFactory();
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var writer = (await client.CreateApiKeyAsync(token, new { name = "writer", scopes = new[] { "jobs:write", "jobs:read" } })).Str("key");
        var reader = (await client.CreateApiKeyAsync(token, new { name = "reader", scopes = new[] { "jobs:read" } })).Str("key");

        var byKey = await ItemsAsync(await client.PostWithKeyAsync("/pipeline/batch", writer, new { jobs = new[] { Valid, Valid } }));
        var jobId = byKey[0]!["job"]!["job_id"]!.GetValue<string>();
        var cancelByKey = await ItemsAsync(await client.PostWithKeyAsync("/pipeline/jobs/cancel", writer, new { job_ids = new[] { jobId } }));

        Assert.Equal([202, 202], Statuses(byKey));
        Assert.Equal([204], Statuses(cancelByKey));
        // The key's jobs are its owner's: the owner's token sees and cancels them.
        Assert.Equal("cancelled", (await (await client.GetWithTokenAsync($"/pipeline/job/{jobId}", token)).ReadJsonAsync()).Str("status"));
        var other = byKey[1]!["job"]!["job_id"]!.GetValue<string>();
        await (await client.PostWithKeyAsync("/pipeline/batch", reader, new { jobs = new[] { Valid } })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await client.PostWithKeyAsync("/pipeline/jobs/cancel", reader, new { job_ids = new[] { other } })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await client.PostAsJsonAsync("/pipeline/batch", new { jobs = new[] { Valid } }, TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.PostAsJsonAsync("/pipeline/jobs/cancel", new { job_ids = new[] { other } }, TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(new[] { 204 }, Statuses(await ItemsAsync(await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/jobs/cancel", token, new { job_ids = new[] { other } }))));
        Assert.Equal(0, await QueuedAsync(client, token));
    }

    /// <summary>
    /// Many batches of one owner at once, through tokens and keys, against a cap of 10: exactly 10 are queued, every
    /// other item is the cap's 409, and each batch's answer still lists its items in order. Then as many cancel batches
    /// at once, over the same ids: each job is cancelled by exactly one of them.
    /// </summary>
    [Fact]
    public async Task ConcurrentBatchesOfOneOwner_NeverPassTheQueueCap_AndEachJobIsCancelledOnce()
    {
        const int Cap = 10;
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Jobs:MaxQueuedPerUser"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var key = (await client.CreateApiKeyAsync(token, new { name = "writer", scopes = new[] { "jobs:write" } })).Str("key");

        for (var round = 0; round < 3; round++)
        {
            var batches = await Task.WhenAll(Enumerable.Range(0, 6).Select(async actor =>
                await ItemsAsync(await AsActorAsync(client, actor, token, key, "/pipeline/batch", new { jobs = Enumerable.Repeat(Valid, 5).ToArray() }))));

            var all = batches.SelectMany(b => b).ToList();
            Assert.All(batches, b => Assert.Equal([0, 1, 2, 3, 4], b.Select(i => i!["index"]!.GetValue<int>())));
            Assert.Equal(Cap, all.Count(i => i!["status"]!.GetValue<int>() == 202));
            Assert.All(all.Where(i => i!["status"]!.GetValue<int>() != 202), i => Assert.Equal("too_many_queued_jobs", ProblemCode(i)));
            Assert.Equal(Cap, await QueuedAsync(client, token));

            var ids = all.Where(i => i!["job"] is not null).Select(i => i!["job"]!["job_id"]!.GetValue<string>()).ToArray();
            var cancels = await Task.WhenAll(Enumerable.Range(0, 4).Select(async actor =>
                await ItemsAsync(await AsActorAsync(client, actor, token, key, "/pipeline/jobs/cancel", new { job_ids = ids }))));

            Assert.All(cancels, c => Assert.Equal(ids, c.Select(i => i!["job_id"]!.GetValue<string>())));
            foreach (var id in ids)
            {
                var answers = cancels.Select(c => c.Single(i => i!["job_id"]!.GetValue<string>() == id)!["status"]!.GetValue<int>()).Order().ToArray();
                Assert.Equal([204, 409, 409, 409], answers);
            }

            Assert.Equal(0, await QueuedAsync(client, token));
        }
    }

    [Fact]
    public async Task TheBatchPolicy_CountsRequests_NotJobs_AndIsNotThePipelineRunBudget()
    {
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?>
        {
            ["RateLimits:Policies:pipeline-batch"] = "2",
            ["RateLimits:Policies:pipeline-run"] = "1",
        });
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var first = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", token, new { jobs = Enumerable.Repeat(Valid, 5).ToArray() });
        var second = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/jobs/cancel", token, new { job_ids = new[] { Guid.NewGuid() } });
        var third = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/batch", token, new { jobs = new[] { Valid } });
        var single = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/run", token, Valid);

        Assert.Equal(new[] { 202, 202, 202, 202, 202 }, Statuses(await ItemsAsync(first)));
        Assert.Equal(new[] { 404 }, Statuses(await ItemsAsync(second)));
        await third.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
        Assert.Equal(6, await QueuedAsync(client, token));
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
