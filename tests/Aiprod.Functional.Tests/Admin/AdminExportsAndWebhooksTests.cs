using System.Net;
using System.Text.Json.Nodes;
using Aiprod.Domain.Audit;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Functional.Tests.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Admin;

/// <summary>An admin lists any user's exports and webhook subscriptions, cancels an export and disables a subscription.</summary>
public sealed class AdminExportsAndWebhooksTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListUserExports_IsTheOwnersList_PagedTheSameWay_404ForAnUnknownUser()
    {
        // No runner round comes within the test: every export stays queued, so two reads of a page agree.
        await using var factory = new AiprodApiFactory(
            new Dictionary<string, string?> { ["Exports:PollInterval"] = "01:00:00" }, replaceServices: ExportTestKit.WithExporter(new ScriptedExporter()));
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        for (var i = 0; i < 3; i++)
        {
            await client.CreateExportAsync(ann);
        }

        await client.CreateExportAsync(bob);
        var annId = await client.IdOfAsync(ann);

        var page = await client.GetOkAsync($"/admin/users/{annId}/exports?limit=2&offset=1", admin);
        var owners = await client.GetOkAsync("/exports?limit=2&offset=1", ann);

        Assert.Equal(owners.ToJsonString(), page.ToJsonString());
        Assert.Equal(3, page["total"]!.GetValue<int>());
        Assert.Equal(2, page["items"]!.AsArray().Count);
        Assert.Equal(3, (await client.GetOkAsync($"/admin/users/{annId}/exports?status=queued", admin))["total"]!.GetValue<int>());
        await (await client.GetWithTokenAsync($"/admin/users/{Guid.NewGuid()}/exports", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        var problem = await (await client.GetWithTokenAsync($"/admin/users/{annId}/exports?limit=0", admin)).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?["limit"]);
    }

    [Fact]
    public async Task CancelExport_CancelsAnyUsersExport_AuditedWithTheAdminAndReason_AsTheOwnersCancelWould()
    {
        // No background rounds (the one-second poll would start the exports this test expects to stay queued).
        await using var factory = new AiprodApiFactory(
            new Dictionary<string, string?> { ["Exports:PollInterval"] = "1.00:00:00" }, replaceServices: ExportTestKit.WithExporter(new ScriptedExporter()));
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var adminId = await client.IdOfAsync(admin);
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var annId = await client.IdOfAsync(ann);
        var export = await client.CreateExportAsync(ann);
        var kept = await client.CreateExportAsync(ann);

        var noReason = await (await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/exports/{kept}/cancel", admin, new { reason = "  " })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(noReason["errors"]?["reason"]);
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/exports/{kept}/cancel", admin, new { })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("queued", (await client.GetExportAsync(ann, kept)).Str("status"));

        var response = await client.AdminPostAsync($"/admin/exports/{export}/cancel", admin, "exports the whole archive every minute");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cancelled", (await response.ReadJsonAsync()).Str("status"));
        Assert.Equal("cancelled", (await client.GetExportAsync(ann, export)).Str("status"));
        var details = await AdminTestKit.AssertAuditedAsync(factory, AuditEventTypes.ExportCancelled, export, adminId, "exports the whole archive every minute");
        Assert.Equal(annId, details.GetProperty("owner_id").GetString());
        Assert.True(details.GetProperty("by_admin").GetBoolean());

        // An ended export: the conflict its owner gets.
        var again = await (await client.AdminPostAsync($"/admin/exports/{export}/cancel", admin)).AssertProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        var owners = await (await client.SendWithTokenAsync(HttpMethod.Post, $"/exports/{export}/cancel", ann)).AssertProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        Assert.Equal(owners["detail"]!.GetValue<string>(), again["detail"]!.GetValue<string>());
        await (await client.AdminPostAsync($"/admin/exports/{Guid.NewGuid()}/cancel", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "export_not_found");
        Assert.Equal("queued", (await client.GetExportAsync(ann, kept)).Str("status"));
    }

    /// <summary>
    /// Three admins and the owner cancel a running export the moment its writer is let finish: it ends either
    /// cancelled, with exactly one cancel answered 200 and audited, or succeeded, with every cancel answered 409.
    /// </summary>
    [Fact]
    public async Task CancelsRacingTheExportsCompletion_EndInExactlyOneFinalState_AndNever500()
    {
        var exporter = new ScriptedExporter { Chunks = 3, Gate = new SemaphoreSlim(0) };
        await using var factory = new AiprodApiFactory(replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var admins = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            admins.Add(await JobTestKit.RegisterAdminAsync(factory, client, $"ops{i}@example.com"));
        }

        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var outcomes = new HashSet<string>();
        for (var round = 0; round < 6; round++)
        {
            var export = await client.CreateExportAsync(ann);
            await factory.RunExportRoundAsync();
            await client.WaitForExportAsync(ann, export, "running");
            for (var i = 0; i < 200 && exporter.Started <= round; i++)
            {
                await Task.Delay(10, Ct);
            }

            Assert.Equal(round + 1, exporter.Started);
            var cancels = admins.Select(a => Task.Run(() => client.AdminPostAsync($"/admin/exports/{export}/cancel", a, $"round {round}"), Ct))
                .Append(Task.Run(() => client.SendWithTokenAsync(HttpMethod.Post, $"/exports/{export}/cancel", ann), Ct))
                .ToList();
            exporter.Gate.Release(exporter.Chunks - 1);
            var answers = await Task.WhenAll(cancels);

            Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"round {round}: {a.StatusCode}"));
            for (var i = 0; i < 500 && factory.RunningExports() > 0; i++)
            {
                await Task.Delay(10, Ct);
            }

            Assert.Equal(0, factory.RunningExports());
            var status = (await client.GetExportAsync(ann, export)).Str("status");
            var applied = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
            var audited = await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.EventType == AuditEventTypes.ExportCancelled && e.Target == export, Ct));
            if (status == "cancelled")
            {
                Assert.Equal(1, applied);
                Assert.Equal(1, audited);
            }
            else
            {
                Assert.Equal("succeeded", status);
                Assert.Equal(0, applied);
                Assert.Equal(0, audited);
            }

            outcomes.Add(status);
        }

        Assert.Contains("cancelled", outcomes);
    }

    [Fact]
    public async Task ListUserWebhooks_IsTheOwnersList_WithoutSecrets_404ForAnUnknownUser()
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var (_, firstSecret) = await client.CreateWebhookAsync(ann, "https://hooks.example.com/one", "job.completed");
        var (_, secondSecret) = await client.CreateWebhookAsync(ann, "https://hooks.example.com/two", "job.failed");
        await client.CreateWebhookAsync(bob, "https://hooks.example.com/bob");

        var response = await client.GetWithTokenAsync($"/admin/users/{await client.IdOfAsync(ann)}/webhooks", admin);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal((await client.GetOkAsync("/webhooks", ann)).ToJsonString(), JsonNode.Parse(body)!.ToJsonString());
        Assert.Equal(2, JsonNode.Parse(body)!["items"]!.AsArray().Count);
        Assert.DoesNotContain(firstSecret, body, StringComparison.Ordinal);
        Assert.DoesNotContain(secondSecret, body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret\"", body, StringComparison.Ordinal);
        await (await client.GetWithTokenAsync($"/admin/users/{Guid.NewGuid()}/webhooks", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }

    [Fact]
    public async Task DisableWebhook_StopsEveryFurtherDelivery_AuditedWithTheAdminAndReason()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var admin = await JobTestKit.RegisterAdminAsync(factory, client);
        var adminId = await client.IdOfAsync(admin);
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var annId = await client.IdOfAsync(ann);
        var worker = await client.WorkerKeyAsync(ann);
        var (hook, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "job.completed");
        await client.CompleteJobAsync(ann, worker);
        await factory.DispatchAsync();
        Assert.Single(receiver.Requests);

        // Written before the disable, not yet sent.
        await client.PingAsync(ann, hook);
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/admin/webhooks/{hook}/disable", admin, new { reason = "" })).AssertProblemAsync(HttpStatusCode.BadRequest);
        var response = await client.AdminPostAsync($"/admin/webhooks/{hook}/disable", admin, "floods a third party");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var disabled = await response.ReadJsonAsync();
        Assert.False(disabled["enabled"]!.GetValue<bool>());
        Assert.Contains("floods a third party", disabled.Str("disabled_reason"), StringComparison.Ordinal);
        Assert.NotNull(disabled["disabled_at"]);
        Assert.Null(disabled["secret"]);
        Assert.False((await client.GetOkAsync($"/webhooks/{hook}", ann))["enabled"]!.GetValue<bool>());
        var details = await AdminTestKit.AssertAuditedAsync(factory, AuditEventTypes.WebhookDisabled, hook, adminId, "floods a third party");
        Assert.Equal(annId, details.GetProperty("owner_id").GetString());

        await client.CompleteJobAsync(ann, worker);
        await factory.DispatchAsync();
        await factory.DispatchAsync();
        Assert.Single(receiver.Requests);
        Assert.Equal(2, (await client.DeliveriesAsync(ann, hook)).Count);

        await (await client.AdminPostAsync($"/admin/webhooks/{hook}/disable", admin)).AssertProblemAsync(HttpStatusCode.Conflict, "webhook_already_disabled");
        await (await client.AdminPostAsync($"/admin/webhooks/{Guid.NewGuid()}/disable", admin)).AssertProblemAsync(HttpStatusCode.NotFound, "webhook_not_found");

        // The owner can enable it again, as after failing too long.
        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Patch, $"/webhooks/{hook}", ann, new { enabled = true })).StatusCode);
        await client.PingAsync(ann, hook);
        await factory.DispatchAsync();
        Assert.Equal(2, receiver.Requests.Count);
    }
}
