using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Exports;

/// <summary>
/// An export job from request to download and expiry, on a real SQLite file and the local export folder, with the
/// host's clock in the test's hands and the runner driven round by round.
/// </summary>
public sealed class ExportJobLifecycleTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly ScriptedExporter exporter = new() { Chunks = 4, ChunkBytes = 1000 };
    private readonly AiprodApiFactory factory;

    // Rounds are driven by the test. The hosted loop's timer would otherwise wake once per poll interval of every
    // stretch the clock is moved (a week of retention is 600,000 one-second rounds, run on the moving thread).
    public ExportJobLifecycleTests() => factory = new AiprodApiFactory(
        new Dictionary<string, string?> { ["Exports:PollInterval"] = "1.00:00:00" }, clock, ExportTestKit.WithExporter(exporter));

    private string ExportFolder => Path.Combine(factory.DataFolder, "exports");

    [Fact]
    public async Task Export_IsQueuedRunAndDownloadedWhole_WithItsHashAsETag()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");

        var created = await client.PostExportAsync(token, new { format = "csv", filters = new { status = "completed" }, bom = true });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var body = await created.ReadJsonAsync();
        var id = body.Str("export_id");
        Assert.Equal($"/exports/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("queued", body.Str("status"));
        Assert.Equal("csv", body.Str("format"));
        Assert.Equal("completed", body.Str("filter_status"));

        await (await client.GetWithTokenAsync($"/exports/{id}/download", token)).AssertProblemAsync(HttpStatusCode.Conflict, "export_not_ready");

        await factory.RunExportRoundAsync();
        var done = await client.WaitForExportAsync(token, id, "succeeded");

        var expected = exporter.Expected();
        var sha = Convert.ToHexStringLower(SHA256.HashData(expected));
        Assert.Equal(sha, done.Str("sha256"));
        Assert.Equal(expected.Length, done["size_bytes"]!.GetValue<long>());
        Assert.Equal(4, done["progress"]!["jobs_written"]!.GetValue<int>());
        Assert.Equal(clock.GetUtcNow().AddDays(7), done["expires_at"]!.GetValue<DateTimeOffset>(), TimeSpan.FromMilliseconds(1));
        Assert.Equal($"/exports/{id}/download", done.Str("download_url"));

        var download = await client.GetWithTokenAsync($"/exports/{id}/download", token);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(expected, await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal($"\"{sha}\"", download.Headers.ETag?.Tag);
        Assert.Contains("bytes", download.Headers.AcceptRanges);
        Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"aiprod-export-{id}.csv", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));

        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/exports/{id}/download").WithBearer(token), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(expected.Length, head.Content.Headers.ContentLength);
        Assert.Equal($"\"{sha}\"", head.Headers.ETag?.Tag);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));

        var audit = await AuditAsync(id);
        Assert.Equal(["export.requested", "export.created", "export.downloaded"], audit.Select(a => a.Type));
        Assert.All(audit.Skip(1), a => Assert.Equal(sha, JsonNode.Parse(a.Details!)!["sha256"]!.GetValue<string>()));
        Assert.All(audit.Skip(1), a => Assert.Equal(expected.Length, JsonNode.Parse(a.Details!)!["size_bytes"]!.GetValue<long>()));
        Assert.Equal([$"{id}-1.csv"], ExportTestKit.ExportFiles(ExportFolder));
    }

    [Fact]
    public async Task Download_AnswersRangesAndIfRange_And416OutsideTheFile()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(token);
        await factory.RunExportRoundAsync();
        var sha = (await client.WaitForExportAsync(token, id, "succeeded")).Str("sha256");
        var expected = exporter.Expected();

        var first = await RangeAsync(client, token, id, "bytes=0-999");
        Assert.Equal(HttpStatusCode.PartialContent, first.StatusCode);
        Assert.Equal($"bytes 0-999/{expected.Length}", first.Content.Headers.ContentRange?.ToString());
        var rest = await RangeAsync(client, token, id, "bytes=1000-", ifRange: $"\"{sha}\"");
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        byte[] resumed = [.. await first.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken), .. await rest.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)];
        Assert.Equal(expected, resumed);

        var suffix = await RangeAsync(client, token, id, "bytes=-10");
        Assert.Equal(expected[^10..], await suffix.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));

        // A resumed download of a file that changed since must get the whole new file, not a splice.
        var stale = await RangeAsync(client, token, id, "bytes=1000-", ifRange: "\"0000\"");
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(expected, await stale.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));

        var outside = await RangeAsync(client, token, id, $"bytes={expected.Length}-");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outside.StatusCode);
        Assert.Equal($"bytes */{expected.Length}", outside.Content.Headers.ContentRange?.ToString());

        var notModified = new HttpRequestMessage(HttpMethod.Get, $"/exports/{id}/download").WithBearer(token);
        notModified.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{sha}\""));
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(notModified, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task ExportPastItsRetention_Expires_FileDeleted_MetadataKept_DownloadIs410()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(token);
        await factory.RunExportRoundAsync();
        var done = await client.WaitForExportAsync(token, id, "succeeded");

        clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        token = await client.LoginAsync("ann@example.com");
        await factory.RunExportRoundAsync();
        Assert.Equal("succeeded", (await client.GetExportAsync(token, id)).Str("status"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync($"/exports/{id}/download", token)).StatusCode);

        clock.Advance(TimeSpan.FromSeconds(1));
        await factory.RunExportRoundAsync();

        var expired = await client.GetExportAsync(token, id);
        Assert.Equal("expired", expired.Str("status"));
        Assert.Equal(done.Str("sha256"), expired.Str("sha256"));
        Assert.Equal(done["size_bytes"]!.GetValue<long>(), expired["size_bytes"]!.GetValue<long>());
        Assert.Null(expired["download_url"]);
        await (await client.GetWithTokenAsync($"/exports/{id}/download", token)).AssertProblemAsync(HttpStatusCode.Gone, "export_expired");
        Assert.Empty(ExportTestKit.ExportFiles(ExportFolder));

        var audit = await AuditAsync(id);
        var expiry = Assert.Single(audit, a => a.Type == "export.expired");
        Assert.Equal(done.Str("sha256"), JsonNode.Parse(expiry.Details!)!["sha256"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_RemovesTheFileAndTheExport_AndIsAudited()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(token);
        await factory.RunExportRoundAsync();
        var sha = (await client.WaitForExportAsync(token, id, "succeeded")).Str("sha256");
        Assert.NotEmpty(ExportTestKit.ExportFiles(ExportFolder));

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/exports/{id}", token)).StatusCode);

        Assert.Empty(ExportTestKit.ExportFiles(ExportFolder));
        await (await client.GetWithTokenAsync($"/exports/{id}", token)).AssertProblemAsync(HttpStatusCode.NotFound, "export_not_found");
        await (await client.GetWithTokenAsync($"/exports/{id}/download", token)).AssertProblemAsync(HttpStatusCode.NotFound, "export_not_found");
        var deleted = Assert.Single(await AuditAsync(id), a => a.Type == "export.deleted");
        Assert.Equal(sha, JsonNode.Parse(deleted.Details!)!["sha256"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_ShowsTheCallersExportsNewestFirst_Paged()
    {
        var client = factory.CreateClient();
        var token = await client.RegisterAndLoginAsync("ann@example.com");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await client.CreateExportAsync(token));
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var page = await (await client.GetWithTokenAsync("/exports?limit=2", token)).ReadJsonAsync();
        Assert.Equal(3, page["total"]!.GetValue<int>());
        Assert.Equal([ids[2], ids[1]], page["items"]!.AsArray().Select(e => e!["export_id"]!.GetValue<string>()));
        var second = await (await client.GetWithTokenAsync("/exports?limit=2&offset=2", token)).ReadJsonAsync();
        Assert.Equal([ids[0]], second["items"]!.AsArray().Select(e => e!["export_id"]!.GetValue<string>()));
        // The instance writes two exports at once: the round starts the oldest two, and the third waits for a round
        // that finds a slot free (one round started all three only when the first export ended before it looked).
        await factory.RunExportRoundAsync();
        await client.WaitForExportAsync(token, ids[0], "succeeded");
        await client.WaitForExportAsync(token, ids[1], "succeeded");
        Assert.True(await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(factory.RunningExports() == 0)));
        await factory.RunExportRoundAsync();
        await client.WaitForExportAsync(token, ids[2], "succeeded");

        Assert.Equal(3, (await (await client.GetWithTokenAsync("/exports?status=succeeded", token)).ReadJsonAsync())["total"]!.GetValue<int>());
        Assert.Equal(0, (await (await client.GetWithTokenAsync("/exports?status=failed", token)).ReadJsonAsync())["total"]!.GetValue<int>());
    }

    private static Task<HttpResponseMessage> RangeAsync(HttpClient client, string token, string id, string range, string? ifRange = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/exports/{id}/download").WithBearer(token);
        request.Headers.TryAddWithoutValidation("Range", range);
        if (ifRange is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Range", ifRange);
        }

        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private Task<List<(string Type, string? Details)>> AuditAsync(string exportId) =>
        factory.WithDbAsync(async db => (await db.AuditEvents.Where(a => a.Target == exportId).OrderBy(a => a.Id).ToListAsync())
            .Select(a => (a.EventType, a.Details)).ToList());

    public async ValueTask DisposeAsync() => await factory.DisposeAsync();
}
