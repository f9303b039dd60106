using System.Net;
using System.Net.Http.Json;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Functional.Tests.Webhooks;
using Aiprod.Infrastructure.Idempotency;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Idempotency;

/// <summary>Idempotency-Key on POST /pipeline/run and POST /webhooks: replay, reuse, per caller, per route, expiry, races.</summary>
public sealed class IdempotencyKeyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly object Job = new { content = "A spot for a bakery.", preset = "brand_campaign" };

    private static object Hook(string description = "ci") => new { url = "https://hooks.example.com/x", events = new[] { "job.completed", "job.failed" }, description };

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string token, object body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) }.WithBearer(token);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return client.SendAsync(request, Ct);
    }

    private static bool IsReplay(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";

    [Fact]
    public async Task Run_SameKeyAndBody_ReplaysTheFirstAnswer_AnotherBodyIs422_AnotherCallerAndRouteAreTheirOwn()
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");

        var first = await PostAsync(client, "/pipeline/run", ann, Job, "key-1");
        // The same job with its defaults spelled out and its fields in another order.
        var again = await PostAsync(client, "/pipeline/run", ann,
            new { duration_sec = 30, lang = "en", priority = "normal", preset = "brand_campaign", content = "A spot for a bakery." }, "key-1");
        var other = await PostAsync(client, "/pipeline/run", ann, new { content = "Another spot." }, "key-1");
        var bobs = await PostAsync(client, "/pipeline/run", bob, Job, "key-1");
        var otherRoute = await PostAsync(client, "/webhooks", ann, Hook(), "key-1");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.False(IsReplay(first));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.True(IsReplay(again));
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await again.Content.ReadAsStringAsync(Ct));
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        await other.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(HttpStatusCode.Accepted, bobs.StatusCode);
        Assert.False(IsReplay(bobs));
        Assert.NotEqual((await first.ReadJsonAsync()).Str("job_id"), (await bobs.ReadJsonAsync()).Str("job_id"));
        Assert.Equal(HttpStatusCode.Created, otherRoute.StatusCode);
        Assert.False(IsReplay(otherRoute));
        Assert.Equal(2, await factory.WithDbAsync(db => db.PipelineJobs.CountAsync(Ct)));

        // Without a key nothing is kept and nothing replayed.
        var keyless = await PostAsync(client, "/pipeline/run", ann, Job, null);
        Assert.Equal(HttpStatusCode.Accepted, keyless.StatusCode);
        Assert.False(IsReplay(keyless));
        Assert.Equal(3, await factory.WithDbAsync(db => db.IdempotencyRecords.CountAsync(Ct)));
    }

    [Fact]
    public async Task Webhooks_Replay_ShowsTheFirstAnswerWithItsSecret_WhichIsNotStoredInClear()
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");

        var first = await PostAsync(client, "/webhooks", ann, Hook(), "hook-1");
        var again = await PostAsync(client, "/webhooks", ann,
            new { description = "ci", events = new[] { "job.failed", "job.completed" }, url = "https://hooks.example.com/x" }, "hook-1");
        var other = await PostAsync(client, "/webhooks", ann, Hook("another"), "hook-1");
        var bobs = await PostAsync(client, "/webhooks", bob, Hook(), "hook-1");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.True(IsReplay(again));
        var firstBody = await first.Content.ReadAsStringAsync(Ct);
        Assert.Equal(firstBody, await again.Content.ReadAsStringAsync(Ct));
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        await other.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(HttpStatusCode.Created, bobs.StatusCode);
        Assert.Equal(2, await factory.WithDbAsync(db => db.WebhookSubscriptions.CountAsync(Ct)));

        var secret = (await first.ReadJsonAsync()).Str("secret");
        var kept = await factory.WithDbAsync(db => db.IdempotencyRecords.Select(r => r.Response).ToListAsync(Ct));
        Assert.Equal(2, kept.Count);
        Assert.All(kept, response => Assert.DoesNotContain(secret["whsec_".Length..], response, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnExpiredKey_IsSwept_AndCanBeUsedAfresh_SweptOrNot()
    {
        var clock = WebhookTestKit.Clock();
        await using var factory = WebhookTestKit.Host(clock);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var sweeper = factory.Services.GetRequiredService<IdempotencySweeper>();

        // The host's own sweeps would run on the clock's steps; this test sweeps when it means to. Stopped before its
        // loop has begun, the service would end canceled and the host would stop the whole app (SignalledBackgroundService.Started).
        await sweeper.Started.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await sweeper.StopAsync(Ct);

        var swept = await PostAsync(client, "/pipeline/run", ann, Job, "swept");
        var unswept = await PostAsync(client, "/webhooks", ann, Hook(), "unswept");
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Created), (swept.StatusCode, unswept.StatusCode));

        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        ann = await client.LoginAsync("ann@example.com");
        Assert.Equal(0, await sweeper.SweepAsync(Ct));
        Assert.True(IsReplay(await PostAsync(client, "/pipeline/run", ann, Job, "swept")));

        clock.Advance(TimeSpan.FromSeconds(1));
        // A key not yet swept answers nothing once expired: the new request takes its row.
        var renewed = await PostAsync(client, "/webhooks", ann, Hook("another"), "unswept");
        Assert.Equal(HttpStatusCode.Created, renewed.StatusCode);
        Assert.False(IsReplay(renewed));
        Assert.NotEqual((await unswept.ReadJsonAsync())["webhook"]!["webhook_id"]!.GetValue<string>(), (await renewed.ReadJsonAsync())["webhook"]!["webhook_id"]!.GetValue<string>());

        Assert.Equal(1, await sweeper.SweepAsync(Ct));
        Assert.Equal(["unswept"], await factory.WithDbAsync(db => db.IdempotencyRecords.Select(r => r.Key).ToListAsync(Ct)));
        var afresh = await PostAsync(client, "/pipeline/run", ann, new { content = "Another spot." }, "swept");
        Assert.Equal(HttpStatusCode.Accepted, afresh.StatusCode);
        Assert.False(IsReplay(afresh));
        Assert.True(IsReplay(await PostAsync(client, "/webhooks", ann, Hook("another"), "unswept")));
        Assert.Equal(2, await factory.WithDbAsync(db => db.PipelineJobs.CountAsync(Ct)));
    }

    [Theory]
    [InlineData("/pipeline/run")]
    [InlineData("/webhooks")]
    public async Task BadKeys_Are400(string url)
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var body = url == "/webhooks" ? Hook() : Job;

        foreach (var key in new[] { new string('k', 256), "two words", "ключ", "tab\tkey" })
        {
            var response = await PostAsync(client, url, ann, body, key);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{key}: {response.StatusCode}");
            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains("Idempotency-Key", problem.ToJsonString(), StringComparison.Ordinal);
        }

        var longest = await PostAsync(client, url, ann, body, new string('k', 255));
        Assert.True(longest.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Created, await longest.Content.ReadAsStringAsync(Ct));
        Assert.Equal(0, await factory.WithDbAsync(db => db.IdempotencyRecords.CountAsync(r => r.Key != new string('k', 255), Ct)));
    }

    [Theory]
    [InlineData("/pipeline/run")]
    [InlineData("/webhooks")]
    public async Task ManyClientsWithOneKeyAtOnce_MakeExactlyOneEffect_AndEachGetsItOrInFlight(string url)
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");

        for (var round = 0; round < 4; round++)
        {
            var key = $"race-{round}";
            object body = url == "/webhooks" ? Hook($"round {round}") : new { content = $"Round {round}." };
            using var start = new ManualResetEventSlim();
            var racers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                start.Wait(Ct);
                var response = await PostAsync(client, url, ann, body, key);
                return (response.StatusCode, Json: await response.Content.ReadAsStringAsync(Ct));
            }, Ct)).ToList();
            start.Set();
            var answers = await Task.WhenAll(racers);

            var effects = url == "/webhooks"
                ? await factory.WithDbAsync(db => db.WebhookSubscriptions.Where(s => s.Description == $"round {round}").Select(s => s.Id.ToString()).ToListAsync(Ct))
                : await factory.WithDbAsync(db => db.PipelineJobs.Where(j => j.Content == $"Round {round}.").Select(j => j.Id.ToString()).ToListAsync(Ct));
            var effect = Assert.Single(effects);
            Assert.All(answers, a =>
            {
                if (a.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Created)
                {
                    Assert.Contains(effect, a.Json, StringComparison.Ordinal);
                }
                else
                {
                    Assert.True(a.StatusCode == HttpStatusCode.Conflict && a.Json.Contains("idempotency_key_in_flight", StringComparison.Ordinal), a.Json);
                }
            });
            Assert.Contains(answers, a => a.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Created);
        }
    }

    [Fact]
    public async Task OneKeyWithTwoBodiesAtOnce_QueuesOneJob_TheOtherBodyIs422OrInFlight()
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");

        for (var round = 0; round < 4; round++)
        {
            var key = $"two-{round}";
            using var start = new ManualResetEventSlim();
            var racers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                start.Wait(Ct);
                var content = $"Round {round} body {i % 2}.";
                var response = await PostAsync(client, "/pipeline/run", ann, new { content }, key);
                return (Content: content, response.StatusCode, Json: await response.Content.ReadAsStringAsync(Ct));
            }, Ct)).ToList();
            start.Set();
            var answers = await Task.WhenAll(racers);

            var job = Assert.Single(await factory.WithDbAsync(db => db.PipelineJobs.Where(j => j.Content.StartsWith($"Round {round} ")).ToListAsync(Ct)));
            Assert.All(answers, a =>
            {
                if (a.Content == job.Content && a.StatusCode == HttpStatusCode.Accepted)
                {
                    Assert.Contains(job.Id.ToString(), a.Json, StringComparison.Ordinal);
                }
                else
                {
                    Assert.True(a.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity, a.Json);
                    Assert.True(a.Content != job.Content || a.StatusCode == HttpStatusCode.Conflict, a.Json);
                }
            });
        }
    }
}
