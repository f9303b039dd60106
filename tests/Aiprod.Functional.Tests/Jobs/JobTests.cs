using System.Net;
using Aiprod.Domain.Jobs;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Jobs;

/// <summary>Owner endpoints and the worker protocol, on every database provider.</summary>
public abstract class JobTests(IApiFixture fixture)
{
    private async Task<(HttpClient Client, string Token)> SignedInAsync(string email = "ann@example.com")
    {
        var client = await fixture.CreateClientAsync();
        return (client, await client.RegisterAndLoginAsync(email));
    }

    [DatabaseFact]
    public async Task Run_Is202Queued_WithWhereToLook()
    {
        var (client, token) = await SignedInAsync();

        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/run", token,
            new { content = "Launch video", preset = "brand_campaign", priority = "high", lang = "fr", duration_sec = 45 });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("queued", body.Str("status"));
        Assert.NotNull(body["check_status_at"]);
        Assert.Equal($"/pipeline/job/{body.Str("job_id")}", response.Headers.Location?.ToString());
        var job = await (await client.GetWithTokenAsync($"/pipeline/job/{body.Str("job_id")}", token)).ReadJsonAsync();
        Assert.Equal("brand_campaign", job.Str("preset"));
        Assert.Equal("high", job.Str("priority"));
        Assert.Equal(45, job["duration_sec"]!.GetValue<int>());
        Assert.Equal("queued", job["state_history"]![0]!["to"]!.GetValue<string>());
    }

    /// <summary>
    /// Keys compare byte for byte on every provider: on SQL Server the key columns carry a binary collation, without
    /// which its default (case-insensitive) collation made "Key-A" and "key-a" one key, and the second request got the
    /// first's job (or a 422 for the export).
    /// </summary>
    [DatabaseFact]
    public async Task IdempotencyKeys_ThatDifferOnlyInCase_AreTwoKeys()
    {
        var (client, token) = await SignedInAsync();

        async Task<HttpResponseMessage> RunAsync(string content, string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/pipeline/run") { Content = System.Net.Http.Json.JsonContent.Create(new { content }) }.WithBearer(token);
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request);
        }

        var upper = await RunAsync("upper", "Key-A");
        var lower = await RunAsync("lower", "key-a");
        var upperExport = await client.PostExportAsync(token, new { format = "json" }, "Key-A");
        var lowerExport = await client.PostExportAsync(token, new { format = "csv" }, "key-a");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (upper.StatusCode, lower.StatusCode));
        Assert.False(lower.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual((await upper.ReadJsonAsync()).Str("job_id"), (await lower.ReadJsonAsync()).Str("job_id"));
        Assert.True(lowerExport.StatusCode == HttpStatusCode.Accepted, await lowerExport.Content.ReadAsStringAsync());
        Assert.NotEqual((await upperExport.ReadJsonAsync()).Str("export_id"), (await lowerExport.ReadJsonAsync()).Str("export_id"));
    }

    [DatabaseFact]
    public async Task Run_WithBadFields_Is400NamingEach()
    {
        var (client, token) = await SignedInAsync();

        var enumError = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/run", token, new { content = "x", preset = "cinema" });
        var rules = await client.SendWithTokenAsync(HttpMethod.Post, "/pipeline/run", token, new { content = "", lang = "english!", duration_sec = 3 });

        Assert.NotNull((await enumError.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!["preset"]);
        var errors = (await rules.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!.AsObject();
        Assert.Equal(["content", "duration_sec", "lang"], errors.Select(e => e.Key).Order());
    }

    [DatabaseFact]
    public async Task List_FiltersSortsAndPages_OwnJobsOnly()
    {
        var (client, ann) = await SignedInAsync();
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        for (var i = 0; i < 5; i++)
        {
            await client.SubmitAsync(ann, new { content = $"job {i}", preset = i % 2 == 0 ? "quick_social" : "premium_spot" });
        }

        var bobsJob = await client.SubmitAsync(bob);

        var page = await (await client.GetWithTokenAsync("/pipeline/jobs?preset=quick_social&limit=2&offset=0&sort=created_at", ann)).ReadJsonAsync();
        Assert.Equal(3, page["total"]!.GetValue<int>());
        Assert.Equal(2, page["items"]!.AsArray().Count);
        var all = await (await client.GetWithTokenAsync("/pipeline/jobs?limit=100", ann)).ReadJsonAsync();
        Assert.Equal(5, all["total"]!.GetValue<int>());
        Assert.DoesNotContain(all["items"]!.AsArray(), j => j!["job_id"]!.GetValue<string>() == bobsJob);
        await (await client.GetWithTokenAsync($"/pipeline/job/{bobsJob}", ann)).AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{bobsJob}/cancel", ann)).AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
        await (await client.GetWithTokenAsync("/pipeline/jobs?limit=1000", ann)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [DatabaseFact]
    public async Task Cancel_EndsAQueuedJob_AndASecondCancelIsAConflict()
    {
        var (client, token) = await SignedInAsync();
        var job = await client.SubmitAsync(token);

        var cancelled = await (await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{job}/cancel", token)).ReadJsonAsync();

        Assert.Equal("cancelled", cancelled.Str("status"));
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{job}/cancel", token)).AssertProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
    }

    [DatabaseFact]
    public async Task Worker_ClaimsReportsAndCompletes_AndTheOwnerSeesEverything()
    {
        var (client, token) = await SignedInAsync();
        var worker = await client.WorkerKeyAsync(token);
        var job = await client.SubmitAsync(token);

        var claimed = await client.ClaimAsync(worker, leaseSeconds: 120);
        Assert.Equal(job, claimed!.Str("job_id"));
        Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 40, message = "scene 2" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/logs", new { lines = new[] { new { level = "info", message = "weights loaded" } } })).StatusCode);
        var done = await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/complete", new { output = new { video_url = "s3://bucket/a.mp4", frames = 720 }, execution_time_ms = 9000 });
        Assert.Equal("completed", (await done.ReadJsonAsync()).Str("status"));

        var details = await (await client.GetWithTokenAsync($"/pipeline/job/{job}", token)).ReadJsonAsync();
        Assert.Equal(["queued", "running", "completed"], details["state_history"]!.AsArray().Select(s => s!["to"]!.GetValue<string>()));
        Assert.Equal(100, details["progress"]!.GetValue<int>());
        Assert.Equal("weights loaded", details["logs"]![0]!["message"]!.GetValue<string>());
        Assert.True(details["result"]!["success"]!.GetValue<bool>());
        Assert.Equal(720, details["result"]!["output"]!["frames"]!.GetValue<int>());
        Assert.Equal(9000, details["result"]!["execution_time_ms"]!.GetValue<long>());
        Assert.Null(await client.ClaimAsync(worker));
    }

    [DatabaseFact]
    public async Task Worker_ClaimsHighestPriorityFirst_ThenOldest()
    {
        var (client, token) = await SignedInAsync();
        var worker = await client.WorkerKeyAsync(token);
        var low = await client.SubmitAsync(token, new { content = "low", priority = "low" });
        var normal1 = await client.SubmitAsync(token, new { content = "normal 1" });
        var high = await client.SubmitAsync(token, new { content = "high", priority = "high" });
        var normal2 = await client.SubmitAsync(token, new { content = "normal 2" });

        var order = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            order.Add((await client.ClaimAsync(worker))!.Str("job_id"));
        }

        Assert.Equal([high, normal1, normal2, low], order);
    }

    [DatabaseFact]
    public async Task TwoWorkersRacingForOneJob_OnlyOneGetsIt()
    {
        var (client, token) = await SignedInAsync();
        var workers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.WorkerKeyAsync(token)));
        var job = await client.SubmitAsync(token);

        var claims = await Task.WhenAll(workers.Select(w => client.WorkerPostAsync(w, "/pipeline/worker/claim", new { })));

        Assert.All(claims, c => Assert.True((int)c.StatusCode < 500, $"got {(int)c.StatusCode}"));
        Assert.Single(claims, c => c.StatusCode == HttpStatusCode.OK);
        Assert.Equal(1, await fixture.Factory.WithDbAsync(db => db.JobEvents.CountAsync(e => e.JobId == new JobId(Guid.Parse(job)) && e.ToStatus == Aiprod.Domain.Jobs.JobStatus.Running)));
    }

    [DatabaseFact]
    public async Task TwelveWorkersDrainingFiveHundredJobs_EachJobIsClaimedAndCompletedExactlyOnce_AndNoClaimLosesARace()
    {
        const int Jobs = 500;
        const int Workers = 12;
        var (client, token) = await SignedInAsync();
        var key = await client.WorkerKeyAsync(token);
        var submitted = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Jobs), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            submitted.Add(await client.SubmitAsync(token, new { content = $"job {i}", priority = (i % 3) switch { 0 => "low", 1 => "normal", _ => "high" } })));

        // One key shared by every worker, as a pool of GPU processes does: the lease check cannot tell them apart,
        // so only the claim can keep two of them off one job.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(() => DrainAsync(client, key))));

        var claims = outcomes.SelectMany(o => o.Claimed).ToList();
        Assert.Empty(outcomes.SelectMany(o => o.Unexpected));
        Assert.Equal(Jobs, claims.Count);
        Assert.Equal(submitted.Order(), claims.Order());
        var stored = await fixture.Factory.WithDbAsync(async db => new
        {
            Completed = await db.PipelineJobs.CountAsync(j => j.Status == Aiprod.Domain.Jobs.JobStatus.Completed),
            Starts = await db.JobEvents.CountAsync(e => e.ToStatus == Aiprod.Domain.Jobs.JobStatus.Running),
        });
        Assert.Equal(Jobs, stored.Completed);
        Assert.Equal(Jobs, stored.Starts);
    }

    /// <summary>Claims and completes until the queue is empty; anything but a 200 claim followed by a 200 complete is reported.</summary>
    private static async Task<(List<string> Claimed, List<string> Unexpected)> DrainAsync(HttpClient client, string key)
    {
        var claimed = new List<string>();
        var unexpected = new List<string>();
        while (true)
        {
            var claim = await client.WorkerPostAsync(key, "/pipeline/worker/claim", new { lease_seconds = 600 });
            if (claim.StatusCode == HttpStatusCode.NoContent)
            {
                return (claimed, unexpected);
            }

            // A claim reads the queue inside its write transaction (locking on SQL Server, the writer gate on SQLite),
            // so it never loses a race: not even a 409 the server gave up retrying is expected.
            if (claim.StatusCode != HttpStatusCode.OK)
            {
                unexpected.Add($"claim {(int)claim.StatusCode}: {await claim.Content.ReadAsStringAsync()}");
                return (claimed, unexpected);
            }

            var job = (await claim.ReadJsonAsync()).Str("job_id");
            claimed.Add(job);
            var complete = await client.WorkerPostAsync(key, $"/pipeline/worker/jobs/{job}/complete", new { output = new { ok = true } });
            if (complete.StatusCode != HttpStatusCode.OK)
            {
                unexpected.Add($"complete of {job} after a 200 claim: {(int)complete.StatusCode} {await complete.Content.ReadAsStringAsync()}");
            }
        }
    }

    [DatabaseFact]
    public async Task AnotherUsersWorker_CannotTakeMyJobs_ButAnAdminsWorkerCan()
    {
        var (client, ann) = await SignedInAsync();
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var ops = await JobTestKit.RegisterAdminAsync(fixture.Factory, client);
        var job = await client.SubmitAsync(ann);

        Assert.Null(await client.ClaimAsync(await client.WorkerKeyAsync(bob)));
        Assert.Equal(job, (await client.ClaimAsync(await client.WorkerKeyAsync(ops)))!.Str("job_id"));
    }

    [DatabaseFact]
    public async Task AnAdminsWorker_DemotedWhileHoldingAnotherUsersJob_CanNoLongerReportOnIt()
    {
        var (client, ann) = await SignedInAsync();
        var ops = await JobTestKit.RegisterAdminAsync(fixture.Factory, client);
        var lead = await JobTestKit.RegisterAdminAsync(fixture.Factory, client, "lead@example.com");
        var opsId = (await (await client.GetWithTokenAsync("/auth/me", ops)).ReadJsonAsync()).Str("id");
        var worker = await client.WorkerKeyAsync(ops);
        var job = await client.SubmitAsync(ann);
        Assert.Equal(job, (await client.ClaimAsync(worker))!.Str("job_id"));
        Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 10 })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/users/{opsId}/role", lead, new { role = "user", reason = "left ops" })).StatusCode);

        await (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 50 })).AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
        await (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/complete", new { output = new { video_url = "https://evil.example/x.mp4" } }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
        var seen = await (await client.GetWithTokenAsync($"/pipeline/job/{job}", ann)).ReadJsonAsync();
        Assert.Equal("running", seen.Str("status"));
        Assert.Equal(10, seen["progress"]!.GetValue<int>());
    }

    [DatabaseFact]
    public async Task Worker_WithoutTheWorkerScope_IsRefused_AndOwnersKeysCannotReport()
    {
        var (client, token) = await SignedInAsync();
        var reader = (await client.CreateApiKeyAsync(token, new { name = "reader", scopes = new[] { "jobs:read" } })).Str("key");

        var response = await client.WorkerPostAsync(reader, "/pipeline/worker/claim", new { });

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [DatabaseFact]
    public async Task Worker_ReportingOnACancelledJob_IsToldToStop_AndFailIsAudited()
    {
        var (client, token) = await SignedInAsync();
        var worker = await client.WorkerKeyAsync(token);
        var first = await client.SubmitAsync(token);
        await client.ClaimAsync(worker);
        await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{first}/cancel", token);

        var late = await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{first}/progress", new { progress = 50 });
        await late.AssertProblemAsync(HttpStatusCode.Conflict, "job_not_running");

        var second = await client.SubmitAsync(token);
        await client.ClaimAsync(worker);
        var failed = await (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{second}/fail", new { error_message = "CUDA out of memory" })).ReadJsonAsync();
        Assert.Equal("failed", failed.Str("status"));
        var audit = await fixture.Factory.WithDbAsync(db => db.AuditEvents.Where(e => e.EventType == "job.failure_reported" || e.EventType == "job.submitted" || e.EventType == "job.cancelled").Select(e => e.EventType).ToListAsync());
        Assert.Equal(2, audit.Count(e => e == "job.submitted"));
        Assert.Contains("job.cancelled", audit);
        Assert.Contains("job.failure_reported", audit);
    }

    [DatabaseFact]
    public async Task AJobsWorker_KeysAndOwnerTokens_AreIsolated()
    {
        var (client, ann) = await SignedInAsync();
        var annWorker = await client.WorkerKeyAsync(ann);
        var job = await client.SubmitAsync(ann);
        await client.ClaimAsync(annWorker);
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var bobWorker = await client.WorkerKeyAsync(bob);

        var foreign = await client.WorkerPostAsync(bobWorker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 10 });

        await foreign.AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
        await client.WorkerPostAsync(annWorker, $"/pipeline/worker/jobs/{job}/complete", new { output = new { ok = true } });
        var afterEnd = await client.WorkerPostAsync(bobWorker, $"/pipeline/worker/jobs/{job}/fail", new { error_message = "x" });
        await afterEnd.AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
    }
}

public sealed class SqliteJobTests(SqliteApiFixture fixture) : JobTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class SqlServerJobTests(SqlServerApiFixture fixture) : JobTests(fixture), IClassFixture<SqlServerApiFixture>;
