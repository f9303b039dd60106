using System.Net;
using Aiprod.Domain.Exports;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Exports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Exports;

/// <summary>Who may see an export, Idempotency-Key, the size limit, the free-space floor and cancel, on one instance.</summary>
public sealed class ExportJobControlTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnotherUsersExport_Is404Everywhere_AndNotListed()
    {
        var exporter = new ScriptedExporter();
        await using var factory = new AiprodApiFactory(replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var id = await client.CreateExportAsync(ann);
        await factory.RunExportRoundAsync();
        await client.WaitForExportAsync(ann, id, "succeeded");

        await (await client.GetWithTokenAsync($"/exports/{id}", bob)).AssertProblemAsync(HttpStatusCode.NotFound, "export_not_found");
        await (await client.GetWithTokenAsync($"/exports/{id}/download", bob)).AssertProblemAsync(HttpStatusCode.NotFound, "export_not_found");
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/exports/{id}/cancel", bob)).AssertProblemAsync(HttpStatusCode.NotFound, "export_not_found");
        await (await client.SendWithTokenAsync(HttpMethod.Delete, $"/exports/{id}", bob)).AssertProblemAsync(HttpStatusCode.NotFound, "export_not_found");
        Assert.Equal(0, (await (await client.GetWithTokenAsync("/exports", bob)).ReadJsonAsync())["total"]!.GetValue<int>());

        // Still there for its owner after all of that.
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync($"/exports/{id}/download", ann)).StatusCode);
    }

    [Fact]
    public async Task AKeyWithExportsRead_CreatesAndDownloads_AKeyWithoutIt_IsRefused()
    {
        var exporter = new ScriptedExporter();
        await using var factory = new AiprodApiFactory(replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var exportsKey = (await client.CreateApiKeyAsync(ann, new { name = "exports", scopes = new[] { "exports:read" } })).Str("key");
        var jobsKey = (await client.CreateApiKeyAsync(ann, new { name = "jobs", scopes = new[] { "jobs:read", "jobs:write" } })).Str("key");

        var created = await SendWithKeyAsync(client, HttpMethod.Post, "/exports", exportsKey, new { format = "jsonl" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = (await created.ReadJsonAsync()).Str("export_id");
        await factory.RunExportRoundAsync();
        await client.WaitForExportAsync(ann, id, "succeeded");
        Assert.Equal(exporter.Expected(), await (await client.GetWithKeyAsync($"/exports/{id}/download", exportsKey)).Content.ReadAsByteArrayAsync(Ct));

        Assert.Equal(HttpStatusCode.Forbidden, (await SendWithKeyAsync(client, HttpMethod.Post, "/exports", jobsKey, new { format = "jsonl" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetWithKeyAsync($"/exports/{id}/download", jobsKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/exports/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task IdempotencyKey_SameBodyAnswersTheFirstExport_AnotherBodyIs422()
    {
        await using var factory = new AiprodApiFactory(replaceServices: ExportTestKit.WithExporter(new ScriptedExporter()));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var body = new { format = "csv", filters = new { status = "completed", preset = "quick_social" }, bom = true, columns = new[] { "job_id", "status" } };

        var first = await client.PostExportAsync(ann, body, "key-1");
        var again = await client.PostExportAsync(ann, new { columns = new[] { "job_id", "status" }, bom = true, filters = new { preset = "quick_social", status = "completed" }, format = "csv" }, "key-1");
        var other = await client.PostExportAsync(ann, body with { bom = false }, "key-1");
        var bobs = await client.PostExportAsync(bob, body, "key-1");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var id = (await first.ReadJsonAsync()).Str("export_id");
        Assert.Equal(id, (await again.ReadJsonAsync()).Str("export_id"));
        Assert.Equal($"/exports/{id}", again.Headers.Location?.OriginalString);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        await other.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(HttpStatusCode.Accepted, bobs.StatusCode);
        Assert.NotEqual(id, (await bobs.ReadJsonAsync()).Str("export_id"));
        Assert.Equal(2, await factory.WithDbAsync(db => db.ExportJobs.CountAsync(Ct)));

        await (await client.PostExportAsync(ann, body, new string('k', 256))).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task RacingRequestsWithOneKey_CreateExactlyOneExport()
    {
        await using var factory = new AiprodApiFactory(replaceServices: ExportTestKit.WithExporter(new ScriptedExporter()));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var csv = new { format = "csv", bom = false };
        var json = new { format = "json", bom = false };

        for (var round = 0; round < 5; round++)
        {
            var key = $"race-{round}";
            using var start = new ManualResetEventSlim();
            var racers = Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
            {
                start.Wait(Ct);
                var response = await client.PostExportAsync(ann, i % 3 == 2 ? json : csv, key);
                return (Body: i % 3 == 2 ? "json" : "csv", response.StatusCode, Json: await response.Content.ReadAsStringAsync(Ct));
            }, Ct)).ToList();
            start.Set();
            var answers = await Task.WhenAll(racers);

            var exports = await factory.WithDbAsync(db => db.ExportJobs.Where(e => e.IdempotencyKey == key).ToListAsync(Ct));
            var export = Assert.Single(exports);
            var winner = export.Format.ToString() == "Csv" ? "csv" : "json";
            Assert.All(answers, a =>
            {
                if (a.Body == winner)
                {
                    Assert.True(a.StatusCode == HttpStatusCode.Accepted, a.Json);
                    Assert.Contains(export.Id.ToString(), a.Json, StringComparison.Ordinal);
                }
                else
                {
                    Assert.True(a.StatusCode == HttpStatusCode.UnprocessableEntity, a.Json);
                }
            });
        }
    }

    [Fact]
    public async Task AnExportPastMaxBytes_Fails_AndLeavesNoFile()
    {
        var exporter = new ScriptedExporter { Chunks = 4, ChunkBytes = 1000 };
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Exports:MaxBytes"] = "2500" }, replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(ann);

        await factory.RunExportRoundAsync();
        var failed = await client.WaitForExportAsync(ann, id, "failed", "succeeded");

        Assert.Equal("failed", failed.Str("status"));
        Assert.Equal("size_limit_exceeded", failed.Str("error_code"));
        Assert.Null(failed["sha256"]);
        await (await client.GetWithTokenAsync($"/exports/{id}/download", ann)).AssertProblemAsync(HttpStatusCode.Conflict, "export_not_ready");
        Assert.Empty(ExportTestKit.ExportFiles(Path.Combine(factory.DataFolder, "exports")));
    }

    [Fact]
    public async Task BelowTheFreeSpaceFloor_AnExportFailsBeforeWriting()
    {
        var exporter = new ScriptedExporter();
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Exports:MinFreeBytes"] = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(ann);

        await factory.RunExportRoundAsync();
        var failed = await client.WaitForExportAsync(ann, id, "failed", "succeeded");

        Assert.Equal("insufficient_storage", failed.Str("error_code"));
        Assert.Equal(0, exporter.Started);
        Assert.Empty(ExportTestKit.ExportFiles(Path.Combine(factory.DataFolder, "exports")));
    }

    [Fact]
    public async Task CancellingARunningExport_StopsItAtTheNextWatch_AndRemovesThePartialFile()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var gate = new SemaphoreSlim(0);
        var exporter = new ScriptedExporter { Gate = gate };
        await using var factory = new AiprodApiFactory(clock: clock, replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(ann);
        await factory.RunExportRoundAsync();
        await exporter.FirstChunkWritten.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var folder = Path.Combine(factory.DataFolder, "exports");
        Assert.Single(ExportTestKit.ExportFiles(folder), f => f.StartsWith(".partial", StringComparison.Ordinal));

        var cancelled = await client.SendWithTokenAsync(HttpMethod.Post, $"/exports/{id}/cancel", ann);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (await cancelled.ReadJsonAsync()).Str("status"));
        Assert.False(exporter.Cancelled.Task.IsCompleted, "the writer stopped before its watch looked");

        clock.Advance(TimeSpan.FromMilliseconds(500));

        await exporter.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.True(await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(factory.RunningExports() == 0 && ExportTestKit.ExportFiles(folder).Count == 0)),
            string.Join(", ", ExportTestKit.ExportFiles(folder)));
        Assert.Equal("cancelled", (await client.GetExportAsync(ann, id)).Str("status"));
        await (await client.SendWithTokenAsync(HttpMethod.Post, $"/exports/{id}/cancel", ann)).AssertProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
    }

    [Fact]
    public async Task StoppingTheHost_StopsARunningExport_EvenOneARoundStartedWithItsOwnToken()
    {
        using var gate = new SemaphoreSlim(0);
        var exporter = new ScriptedExporter { Gate = gate };
        var factory = new AiprodApiFactory(replaceServices: ExportTestKit.WithExporter(exporter));
        try
        {
            var client = factory.CreateClient();
            var ann = await client.RegisterAndLoginAsync("ann@example.com");
            await client.CreateExportAsync(ann);
            // The round runs under the test's token, which never fires: only the host's stop can end the run.
            await factory.RunExportRoundAsync();
            await exporter.FirstChunkWritten.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            var runner = factory.Services.GetRequiredService<ExportRunner>();

            await factory.DisposeAsync();

            await exporter.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            Assert.True(await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(runner.Running == 0)));
        }
        finally
        {
            await factory.DisposeAsync();
        }
    }

    [Fact]
    public async Task ARoundStartedWhileTheRunnerStops_ClaimsNothing_SoNoAttemptIsSpent()
    {
        var exporter = new ScriptedExporter();
        // No background rounds after the first (at start, before any export exists): under load the one-second poll
        // claimed an export between its creation and the runner's stop, which is not the round this test is about.
        await using var factory = new AiprodApiFactory(
            new Dictionary<string, string?> { ["Exports:PollInterval"] = "1.00:00:00" }, replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var ids = new[] { await client.CreateExportAsync(ann), await client.CreateExportAsync(ann) };
        var runner = factory.Services.GetRequiredService<ExportRunner>();
        await runner.Started.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await runner.StopAsync(Ct);

        // Under the test's own token, which never fires: only the runner's stop can hold the round back.
        await factory.RunExportRoundAsync();

        foreach (var id in ids)
        {
            var export = await client.GetExportAsync(ann, id);
            Assert.Equal(("queued", 0), (export.Str("status"), export["attempt"]!.GetValue<int>()));
        }

        Assert.Equal(0, exporter.Started);
    }

    [Fact]
    public async Task AnExportOutOfAttempts_FailsWhenClaimed_AndTheRoundGoesOnToTheNextExport()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var exporter = new ScriptedExporter();
        await using var factory = new AiprodApiFactory(new Dictionary<string, string?> { ["Exports:MaxAttempts"] = "2" }, clock, ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var poison = await client.CreateExportAsync(ann);
        var next = await client.CreateExportAsync(ann);
        // The oldest export was interrupted as often as it may be (its runners died); it is queued again.
        var poisonId = new ExportId(Guid.Parse(poison));
        Assert.Equal(1, await factory.WithDbAsync(db => db.ExportJobs.Where(e => e.Id == poisonId).ExecuteUpdateAsync(s => s.SetProperty(e => e.Attempt, 2), Ct)));

        await factory.RunExportRoundAsync();

        var failed = await client.GetExportAsync(ann, poison);
        Assert.Equal("failed", failed.Str("status"));
        Assert.Equal("attempts_exhausted", failed.Str("error_code"));
        var done = await client.WaitForExportAsync(ann, next, "succeeded", "failed");
        Assert.Equal("succeeded", done.Str("status"));
        Assert.Equal(1, exporter.Started);
        var audited = await factory.WithDbAsync(db => db.AuditEvents.Where(a => a.EventType == "export.failed" && a.Target == poison).Select(a => a.Details).ToListAsync(Ct));
        Assert.Contains("\"error_code\":\"attempts_exhausted\"", Assert.Single(audited), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> SendWithKeyAsync(HttpClient client, HttpMethod method, string url, string key, object body)
    {
        var request = new HttpRequestMessage(method, url) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Add("X-API-Key", key);
        return client.SendAsync(request, Ct);
    }
}
