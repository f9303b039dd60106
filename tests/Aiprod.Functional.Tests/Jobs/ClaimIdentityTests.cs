using System.Net;
using Aiprod.Application.Jobs.Commands.ExpireLeases;
using Aiprod.Domain.Jobs;
using Aiprod.Functional.Tests.Admin;
using Aiprod.Functional.Tests.Infrastructure;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Jobs;

/// <summary>
/// A job claimed again by the same worker key (after an admin's requeue or a lapsed lease): the earlier claim's reports
/// are refused by their <c>claim_id</c>, the current claim's go through. On a host whose clock the test moves.
/// </summary>
public sealed class ClaimIdentityTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private readonly AiprodApiFactory factory;

    public ClaimIdentityTests() =>
        factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Jobs:MaxRetries"] = "100", ["Jobs:LeaseCheckInterval"] = "01:00:00" }, clock);

    private sealed record World(HttpClient Client, string Ann, string Worker);

    private async Task<World> WorldAsync()
    {
        var client = factory.CreateClient();
        await JobTestKit.RegisterAdminAsync(factory, client);
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        return new World(client, ann, await client.WorkerKeyAsync(ann));
    }

    /// <summary>Claims the job, puts it back in the queue (an admin's requeue after a failure, or a lapsed lease) and claims it again with the same key.</summary>
    private async Task<(string Stale, string Current)> ClaimTwiceAsync(World world, string job, bool byAdmin)
    {
        var first = (await world.Client.ClaimAsync(world.Worker, leaseSeconds: 30))!;
        Assert.Equal(job, first.Str("job_id"));
        var stale = first.Str("claim_id");
        if (byAdmin)
        {
            Assert.Equal(HttpStatusCode.OK, (await world.Client.WorkerPostAsync(world.Worker, $"/pipeline/worker/jobs/{job}/fail", new { error_message = "CUDA out of memory", claim_id = stale })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await world.Client.AdminPostAsync($"/admin/jobs/{job}/requeue", await world.Client.LoginAsync("ops@example.com"))).StatusCode);
        }
        else
        {
            clock.Advance(TimeSpan.FromSeconds(31));
            Assert.Equal(1, await ExpireAsync());
        }

        var second = (await world.Client.ClaimAsync(world.Worker, leaseSeconds: 600))!;
        Assert.Equal(job, second.Str("job_id"));
        Assert.NotEqual(stale, second.Str("claim_id"));
        return (stale, second.Str("claim_id"));
    }

    private static Task<HttpResponseMessage> ReportAsync(World world, string job, string kind, string? claimId, string text) => kind switch
    {
        "progress" => world.Client.WorkerPostAsync(world.Worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 50, message = text, claim_id = claimId }),
        "logs" => world.Client.WorkerPostAsync(world.Worker, $"/pipeline/worker/jobs/{job}/logs", new { lines = new[] { new { level = "info", message = text } }, claim_id = claimId }),
        "complete" => world.Client.WorkerPostAsync(world.Worker, $"/pipeline/worker/jobs/{job}/complete", new { output = new { url = text }, claim_id = claimId }),
        "fail" => world.Client.WorkerPostAsync(world.Worker, $"/pipeline/worker/jobs/{job}/fail", new { error_message = text, claim_id = claimId }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheEarlierClaimsReports_Are409ClaimSuperseded_TheCurrentClaimsAreAccepted(bool byAdmin)
    {
        var world = await WorldAsync();
        var job = await world.Client.SubmitAsync(world.Ann);
        var (stale, current) = await ClaimTwiceAsync(world, job, byAdmin);
        var events = await EventCountAsync(job);

        foreach (var kind in new[] { "progress", "logs", "complete", "fail" })
        {
            var refused = await (await ReportAsync(world, job, kind, stale, "old run")).AssertProblemAsync(HttpStatusCode.Conflict, "claim_superseded");
            Assert.Contains("claimed again", refused.Str("detail"), StringComparison.Ordinal);
        }

        Assert.Equal(events, await EventCountAsync(job));
        Assert.Equal(HttpStatusCode.OK, (await ReportAsync(world, job, "progress", current, "new run")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ReportAsync(world, job, "logs", current, "new run")).StatusCode);
        // A report without a claim id is judged by its key alone, as before claim ids.
        Assert.Equal(HttpStatusCode.OK, (await world.Client.WorkerPostAsync(world.Worker, $"/pipeline/worker/jobs/{job}/progress", new { progress = 60 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ReportAsync(world, job, "complete", current, "s3://new.mp4")).StatusCode);

        var done = await factory.WithDbAsync(db => db.PipelineJobs.SingleAsync(j => j.Id == new JobId(Guid.Parse(job))));
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Contains("s3://new.mp4", done.ResultOutput, StringComparison.Ordinal);
        Assert.Equal(0, await factory.WithDbAsync(db => db.JobEvents.CountAsync(e => e.JobId == done.Id && e.Message == "old run")));
    }

    /// <summary>
    /// Stale reports of every kind and the current claim's reports arrive at once, round after round: every stale one is
    /// refused and leaves no trace, every current one is applied, and the job is still the current claim's to end.
    /// </summary>
    [Fact]
    public async Task StaleAndCurrentReportsAtOnce_OnlyTheCurrentClaimsApply()
    {
        var world = await WorldAsync();
        for (var round = 0; round < 8; round++)
        {
            var job = await world.Client.SubmitAsync(world.Ann);
            var (stale, current) = await ClaimTwiceAsync(world, job, byAdmin: round % 2 == 0);
            var events = await EventCountAsync(job);

            using var start = new SemaphoreSlim(0);
            async Task<(bool Stale, HttpResponseMessage Response)> AtOnce(bool isStale, string kind)
            {
                await start.WaitAsync(TestContext.Current.CancellationToken);
                return (isStale, await ReportUntilDecidedAsync(world, job, kind, isStale ? stale : current, isStale ? "old run" : "new run"));
            }

            var sends = new[] { "progress", "progress", "logs", "complete", "fail" }.Select(k => AtOnce(true, k))
                .Concat(new[] { "progress", "progress", "logs", "logs" }.Select(k => AtOnce(false, k)))
                .ToList();
            start.Release(sends.Count);
            var answers = await Task.WhenAll(sends);

            foreach (var (isStale, response) in answers)
            {
                if (isStale)
                {
                    await response.AssertProblemAsync(HttpStatusCode.Conflict, "claim_superseded");
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"round {round}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
                }
            }

            Assert.Equal(events + 4, await EventCountAsync(job));
            var id = new JobId(Guid.Parse(job));
            Assert.Equal(0, await factory.WithDbAsync(db => db.JobEvents.CountAsync(e => e.JobId == id && e.Message == "old run")));
            Assert.Equal(JobStatus.Running, await factory.WithDbAsync(db => db.PipelineJobs.Where(j => j.Id == id).Select(j => j.Status).SingleAsync()));
            Assert.Equal(HttpStatusCode.OK, (await ReportAsync(world, job, "complete", current, "s3://new.mp4")).StatusCode);
        }
    }

    /// <summary>
    /// Sends a report again while it is answered 409 <c>concurrent_update</c>, as the contract tells a worker to: nine
    /// reports on one job at once may make one lose every retry the server allows, and such an answer wrote nothing.
    /// </summary>
    private static async Task<HttpResponseMessage> ReportUntilDecidedAsync(World world, string job, string kind, string? claimId, string text)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await ReportAsync(world, job, kind, claimId, text);
            if (attempt == 5 || response.StatusCode != HttpStatusCode.Conflict
                || !(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Contains("concurrent_update", StringComparison.Ordinal))
            {
                return response;
            }
        }
    }

    private Task<int> EventCountAsync(string job) =>
        factory.WithDbAsync(db => db.JobEvents.CountAsync(e => e.JobId == new JobId(Guid.Parse(job))));

    private async Task<int> ExpireAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ExpireLeasesCommand());
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}
