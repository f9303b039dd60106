using System.Net;
using System.Text.Json.Nodes;
using Aiprod.Application.Jobs.Commands.ExpireLeases;
using Aiprod.Functional.Tests.Infrastructure;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Admin;

/// <summary>The overview's "last hour" figures on a host whose clock the test moves (the lease check is run by hand).</summary>
public sealed class AdminOverviewClockTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private readonly AiprodApiFactory factory;

    public AdminOverviewClockTests() =>
        factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Jobs:MaxRetries"] = "3", ["Jobs:LeaseCheckInterval"] = "01:00:00" }, clock);

    [Fact]
    public async Task Overview_CountsALapseAndARequeueForAnHour_ThenNoMore()
    {
        var client = factory.CreateClient();
        await JobTestKit.RegisterAdminAsync(factory, client);
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var worker = await client.WorkerKeyAsync(ann);

        // At the start: one lease lapses (the job goes back for a retry) and an admin requeues a failed job.
        var first = await client.SubmitAsync(ann);
        Assert.Equal(first, (await client.ClaimAsync(worker, leaseSeconds: 30))!.Str("job_id"));
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await ExpireAsync());
        var failed = await client.SubmitAsync(ann, new { content = "second", preset = "quick_social", priority = "low" });
        Assert.Equal(first, (await client.ClaimAsync(worker))!.Str("job_id"));
        Assert.Equal(failed, (await client.ClaimAsync(worker))!.Str("job_id"));
        Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{failed}/fail", new { error_message = "CUDA out of memory" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.AdminPostAsync($"/admin/jobs/{failed}/requeue", await client.LoginAsync("ops@example.com"))).StatusCode);
        Assert.Equal((1, 1, 1), await LastHourAsync(client));

        // 30 min later the first job's second lease (the default, renewed by no report) lapses too; the requeued job waits.
        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, await ExpireAsync());
        Assert.Equal((2, 2, 1), await LastHourAsync(client));

        // Just short of an hour after the first lapse and the requeue they still count; just past, only the second lapse does.
        clock.Advance(TimeSpan.FromMinutes(29) + TimeSpan.FromSeconds(58));
        Assert.Equal((2, 2, 1), await LastHourAsync(client));
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((1, 1, 0), await LastHourAsync(client));

        // Past an hour after the second lapse: nothing.
        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal((0, 0, 0), await LastHourAsync(client));
    }

    private async Task<(int Lapsed, int Retries, int Requeued)> LastHourAsync(HttpClient client)
    {
        // A fresh login each time: the clock moves past the access token's lifetime.
        var overview = await client.GetOkAsync("/admin/jobs/overview", await client.LoginAsync("ops@example.com"));
        return (Int(overview, "lapsed_leases_last_hour"), Int(overview, "retries_last_hour"), Int(overview, "requeued_last_hour"));
    }

    private static int Int(JsonObject json, string name) => json[name]!.GetValue<int>();

    private async Task<int> ExpireAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ExpireLeasesCommand());
    }

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}
