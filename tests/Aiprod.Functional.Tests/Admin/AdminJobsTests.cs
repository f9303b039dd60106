using System.Net;
using Aiprod.Domain.Jobs;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Admin;

public sealed class AdminJobsTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    private async Task<(HttpClient Client, string Admin, string AdminId, string Ann, string Worker)> WorldAsync()
    {
        var client = await fixture.CreateClientAsync();
        var admin = await JobTestKit.RegisterAdminAsync(fixture.Factory, client);
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        return (client, admin, await client.IdOfAsync(admin), ann, await client.WorkerKeyAsync(ann));
    }

    private static async Task<string> FailedJobAsync(HttpClient client, string owner, string worker)
    {
        var job = await client.SubmitAsync(owner);
        Assert.Equal(job, (await client.ClaimAsync(worker))!.Str("job_id"));
        Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/fail", new { error_message = "CUDA out of memory" })).StatusCode);
        return job;
    }

    [Fact]
    public async Task Overview_CountsByStatus_TheOldestWait_AndTheRunningJobsWithTheirWorkerAndLease()
    {
        var (client, admin, _, ann, worker) = await WorldAsync();
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var failed = await FailedJobAsync(client, ann, worker);
        var running = await client.SubmitAsync(ann);
        Assert.Equal(running, (await client.ClaimAsync(worker))!.Str("job_id"));
        await client.SubmitAsync(bob);
        await client.SubmitAsync(bob);
        Assert.Equal(HttpStatusCode.OK, (await client.AdminPostAsync($"/admin/jobs/{failed}/requeue", admin)).StatusCode);

        var overview = await client.GetOkAsync("/admin/jobs/overview", admin);

        Assert.Equal(3, overview["counts"]!["queued"]!.GetValue<int>());
        Assert.Equal(1, overview["counts"]!["running"]!.GetValue<int>());
        Assert.Equal(0, overview["counts"]!["failed"]!.GetValue<int>());
        // The age is the wait of the oldest queued job, measured from the time the overview gives for it.
        var oldestAt = DateTimeOffset.Parse(overview.Str("oldest_queued_at"), System.Globalization.CultureInfo.InvariantCulture);
        var expectedAge = (DateTimeOffset.UtcNow - oldestAt).TotalSeconds;
        Assert.InRange(overview["oldest_queued_age_seconds"]!.GetValue<long>(), expectedAge - 10, expectedAge + 1);
        var held = Assert.Single(overview["running"]!.AsArray())!.AsObject();
        Assert.Equal(running, held.Str("job_id"));
        var workerKeyId = (await (await client.GetWithKeyAsync("/api-keys/current", worker)).ReadJsonAsync()).Str("key_id");
        Assert.Equal(workerKeyId, held.Str("worker_key_id"));
        Assert.NotNull(held["lease_expires_at"]);
        Assert.Equal(1, overview["requeued_last_hour"]!.GetValue<int>());
        Assert.Equal(0, overview["lapsed_leases_last_hour"]!.GetValue<int>());
    }

    [Fact]
    public async Task ListJobs_ShowsEveryUsersJobs_FilteredByOwnerIdOrEmailAndStatus()
    {
        var (client, admin, _, ann, _) = await WorldAsync();
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var bobId = await client.IdOfAsync(bob);
        var annJob = await client.SubmitAsync(ann);
        var bobJob = await client.SubmitAsync(bob);
        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/pipeline/job/{bobJob}/cancel", bob)).StatusCode);

        var all = await client.GetOkAsync("/admin/jobs", admin);
        Assert.Equal(2, all["total"]!.GetValue<int>());
        var byId = await client.GetOkAsync($"/admin/jobs?owner_id={bobId}", admin);
        Assert.Equal(bobJob, Assert.Single(byId["items"]!.AsArray())!.AsObject().Str("job_id"));
        Assert.Equal(bobId, byId["items"]![0]!.AsObject().Str("owner_id"));
        var byEmail = await client.GetOkAsync("/admin/jobs?owner_email=ANN@example.com", admin);
        Assert.Equal(annJob, Assert.Single(byEmail["items"]!.AsArray())!.AsObject().Str("job_id"));
        Assert.Equal(0, (await client.GetOkAsync("/admin/jobs?owner_email=nobody@example.com", admin))["total"]!.GetValue<int>());
        Assert.Equal(bobJob, Assert.Single((await client.GetOkAsync("/admin/jobs?status=cancelled", admin))["items"]!.AsArray())!.AsObject().Str("job_id"));
        await (await client.GetWithTokenAsync($"/admin/jobs?owner_id={bobId}&owner_email=bob@example.com", admin)).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CancelJob_ByAnAdmin_EndsItLikeTheOwner_TheSocketHearsIt_TheWorkerIsStopped_AndItIsAudited()
    {
        var (client, admin, adminId, ann, worker) = await WorldAsync();
        var job = await client.SubmitAsync(ann);
        Assert.Equal(job, (await client.ClaimAsync(worker))!.Str("job_id"));
        using var socket = await JobTestKit.ConnectAsync(fixture.Factory, job, accessToken: ann);
        await socket.ReceiveTypeAsync("connected");

        var response = await client.AdminPostAsync($"/admin/jobs/{job}/cancel", admin, "runaway render");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cancelled", (await response.ReadJsonAsync()).Str("status"));
        var changed = await socket.ReceiveTypeAsync("state_changed");
        Assert.Contains("cancelled", changed.ToJsonString(), StringComparison.Ordinal);
        await (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 50 })).AssertProblemAsync(HttpStatusCode.Conflict, "job_not_running");
        await AdminTestKit.AssertAuditedAsync(fixture.Factory, "job.cancelled", job, adminId, "runaway render");
        await (await client.AdminPostAsync($"/admin/jobs/{job}/cancel", admin)).AssertProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        await (await client.AdminPostAsync($"/admin/jobs/{Guid.NewGuid()}/cancel", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
    }

    [Fact]
    // The retry count's reset is the domain's (PipelineJobTests.Requeue_AFailedJob_…): this job failed on its first attempt.
    public async Task RequeueJob_PutsAFailedJobBack_RecordsAnEvent_AndIsAudited()
    {
        var (client, admin, adminId, ann, worker) = await WorldAsync();
        var job = await FailedJobAsync(client, ann, worker);

        var response = await client.AdminPostAsync($"/admin/jobs/{job}/requeue", admin, "GPU node fixed");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = await response.ReadJsonAsync();
        Assert.Equal("queued", summary.Str("status"));
        Assert.Equal(0, summary["retry_count"]!.GetValue<int>());
        var details = await client.GetOkAsync($"/pipeline/job/{job}", ann);
        Assert.Equal("queued", details.Str("status"));
        Assert.Contains(details["state_history"]!.AsArray(), e => e!["from"]?.GetValue<string>() == "failed" && e["to"]!.GetValue<string>() == "queued");
        var audit = await AdminTestKit.AssertAuditedAsync(fixture.Factory, "job.requeued", job, adminId, "GPU node fixed");
        Assert.Equal(0, audit.GetProperty("previous_retry_count").GetInt32());
        Assert.Equal(job, (await client.ClaimAsync(worker))!.Str("job_id"));
        await (await client.AdminPostAsync($"/admin/jobs/{job}/requeue", admin)).AssertProblemAsync(HttpStatusCode.Conflict, "job_not_failed");
        await (await client.AdminPostAsync($"/admin/jobs/{Guid.NewGuid()}/requeue", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
        var problem = await (await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/jobs/{job}/requeue", admin, new { reason = "" })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?["reason"]);
    }

    /// <summary>Several admins requeue, and several cancel, the same job at once: one of each applies, the rest are refused.</summary>
    [Fact]
    public async Task AdminsRequeueingOrCancellingOneJobAtOnce_GetOneOutcome()
    {
        var (client, _, _, ann, worker) = await WorldAsync();
        var admins = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            admins.Add(await JobTestKit.RegisterAdminAsync(fixture.Factory, client, $"admin{i}@example.com"));
        }

        for (var round = 0; round < 6; round++)
        {
            var job = await FailedJobAsync(client, ann, worker);
            var requeues = await Task.WhenAll(admins.Select(a => client.AdminPostAsync($"/admin/jobs/{job}/requeue", a, $"round {round}")));
            Assert.Equal(1, requeues.Count(r => r.StatusCode == HttpStatusCode.OK));
            foreach (var refused in requeues.Where(r => r.StatusCode != HttpStatusCode.OK))
            {
                await refused.AssertProblemAsync(HttpStatusCode.Conflict, "job_not_failed");
            }

            var cancels = await Task.WhenAll(admins.Select(a => client.AdminPostAsync($"/admin/jobs/{job}/cancel", a, $"round {round}")));
            Assert.Equal(1, cancels.Count(r => r.StatusCode == HttpStatusCode.OK));
            foreach (var refused in cancels.Where(r => r.StatusCode != HttpStatusCode.OK))
            {
                await refused.AssertProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
            }

            Assert.Equal(1, await fixture.Factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType == "job.requeued" && e.Target == job)));
            var transitions = await fixture.Factory.WithDbAsync(db => db.JobEvents.Where(e => e.JobId == new JobId(Guid.Parse(job)) && e.ToStatus != null).CountAsync());
            Assert.Equal(5, transitions); // submitted, claimed, failed, requeued once, cancelled once
        }
    }

    /// <summary>
    /// A requeue races the worker's failure report and the worker's next claim, round after round: the job is requeued
    /// only if it had failed first, claimed at most once after that, and every answer agrees with what the job went through.
    /// </summary>
    [Fact]
    public async Task RequeueRacingTheWorker_HasOneOutcome()
    {
        var (client, admin, _, ann, worker) = await WorldAsync();
        var second = await JobTestKit.RegisterAdminAsync(fixture.Factory, client, "second@example.com");
        for (var round = 0; round < 10; round++)
        {
            var job = await client.SubmitAsync(ann);
            Assert.Equal(job, (await client.ClaimAsync(worker))!.Str("job_id"));

            var fail = client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/fail", new { error_message = "out of memory" });
            var requeueA = client.AdminPostAsync($"/admin/jobs/{job}/requeue", admin, "retry");
            var requeueB = client.AdminPostAsync($"/admin/jobs/{job}/requeue", second, "retry");
            var claim = client.WorkerPostAsync(worker, "/pipeline/worker/claim", new { });
            await Task.WhenAll(fail, requeueA, requeueB, claim);

            Assert.Equal(HttpStatusCode.OK, (await fail).StatusCode);
            var requeued = new[] { await requeueA, await requeueB }.Count(r => r.StatusCode == HttpStatusCode.OK);
            Assert.True(requeued <= 1, $"round {round}: the job was requeued {requeued} times");
            var claimed = (await claim).StatusCode == HttpStatusCode.OK;
            var status = (await client.GetOkAsync($"/pipeline/job/{job}", ann)).Str("status");
            var expected = requeued == 0 ? "failed" : claimed ? "running" : "queued";
            Assert.True(expected == status, $"round {round}: requeued {requeued}, claimed {claimed}, status {status}");
            if (status != "failed")
            {
                // Leave nothing queued or running for the next round's claim.
                Assert.Equal(HttpStatusCode.OK, (await client.AdminPostAsync($"/admin/jobs/{job}/cancel", admin, "cleanup")).StatusCode);
            }
        }
    }
}
