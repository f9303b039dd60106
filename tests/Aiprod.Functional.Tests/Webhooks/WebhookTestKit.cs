using System.Net;
using System.Text.Json.Nodes;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Webhooks;

public static class WebhookTestKit
{
    /// <summary>A host whose dispatcher runs only when a test runs a round, on a clock the test moves.</summary>
    public static AiprodApiFactory Host(
        FakeTimeProvider clock, bool allowLoopback = true, bool allowHttp = true, IReadOnlyDictionary<string, string?>? more = null, Action<IServiceCollection>? replaceServices = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:AllowHttp"] = allowHttp ? "true" : "false",
            ["Webhooks:AllowLoopback"] = allowLoopback ? "true" : "false",
            ["Webhooks:DispatcherEnabled"] = "false",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new AiprodApiFactory(settings, clock, replaceServices);
    }

    public static FakeTimeProvider Clock() => new(DateTimeOffset.UtcNow);

    public static Task<int> DispatchAsync(this AiprodApiFactory factory) =>
        factory.Services.GetRequiredService<WebhookDispatcher>().RunRoundAsync(CancellationToken.None);

    /// <summary>Creates a subscription and answers its id and secret.</summary>
    public static async Task<(string Id, string Secret)> CreateWebhookAsync(this HttpClient client, string token, string url, params string[] events)
    {
        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/webhooks", token,
            new { url, events = events.Length == 0 ? ["job.completed"] : events, description = "test receiver" });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var json = await response.ReadJsonAsync();
        return (json["webhook"]!["webhook_id"]!.GetValue<string>(), json.Str("secret"));
    }

    public static async Task<JsonArray> DeliveriesAsync(this HttpClient client, string token, string webhookId, int? limit = null)
    {
        var response = await client.GetWithTokenAsync($"/webhooks/{webhookId}/deliveries{(limit is null ? "" : $"?limit={limit}")}", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync())["items"]!.AsArray();
    }

    public static async Task PingAsync(this HttpClient client, string token, string webhookId)
    {
        var response = await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{webhookId}/test", token);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Submits a job and has a worker of the same user complete it.</summary>
    public static async Task<string> CompleteJobAsync(this HttpClient client, string token, string workerKey)
    {
        var jobId = await client.SubmitAsync(token);
        var claimed = await client.ClaimAsync(workerKey);
        Assert.Equal(jobId, claimed!.Str("job_id"));
        var done = await client.WorkerPostAsync(workerKey, $"/pipeline/worker/jobs/{jobId}/complete", new { output = new { video_url = "s3://bucket/out.mp4" } });
        Assert.True(done.StatusCode == HttpStatusCode.OK, await done.Content.ReadAsStringAsync());
        return jobId;
    }
}
