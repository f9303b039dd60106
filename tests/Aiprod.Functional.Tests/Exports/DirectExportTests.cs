using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Exports;

/// <summary>The direct export routes on every database provider: the formats, one job, many jobs, who may read what.</summary>
public abstract class DirectExportTests(IApiFixture fixture)
{
    private async Task<(HttpClient Client, string Token)> SignedInAsync(string email = "ann@example.com")
    {
        var client = await fixture.CreateClientAsync();
        return (client, await client.RegisterAndLoginAsync(email));
    }

    /// <summary>A job submitted, claimed, given two log lines and completed with a nested output, all over HTTP.</summary>
    private static async Task<string> CompletedJobAsync(HttpClient client, string token, string worker, object output, string content = "Launch video")
    {
        var job = await client.SubmitAsync(token, new { content, preset = "brand_campaign" });
        Assert.Equal(job, (await client.ClaimAsync(worker))!.Str("job_id"));
        var lines = new[] { new { level = "info", message = "weights loaded" }, new { level = "warning", message = "retrying scene 2" } };
        Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/logs", new { lines })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.WorkerPostAsync(worker, $"/pipeline/worker/jobs/{job}/complete", new { output, execution_time_ms = 9000 })).StatusCode);
        return job;
    }

    [DatabaseFact]
    public async Task Formats_ListEveryFormat_WithItsMediaTypeAndLimits_ToAnyone()
    {
        var client = await fixture.CreateClientAsync();

        var response = await client.GetAsync("/export/formats");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var formats = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray().Select(f => f!.AsObject()).ToList();
        Assert.Equal(["json", "jsonl", "csv", "zip"], formats.Select(f => f.Str("format")));
        Assert.Equal(["application/json", "application/jsonl", "text/csv", "application/zip"], formats.Select(f => f.Str("media_type")));
        Assert.Equal([".json", ".jsonl", ".csv", ".zip"], formats.Select(f => f.Str("extension")));
        Assert.All(formats, f =>
        {
            Assert.True(f["streamable"]!.GetValue<bool>());
            Assert.Equal(10_000_000_000L, f["max_bytes"]!.GetValue<long>());
            Assert.Equal(10_000, f["max_direct_jobs"]!.GetValue<int>());
            Assert.False(string.IsNullOrWhiteSpace(f.Str("description")));
        });
    }

    [DatabaseFact]
    public async Task OneJob_AsJson_IsItsDocument_WithHistoryLogsAndNestedOutput_AsAnAttachment()
    {
        var (client, token) = await SignedInAsync();
        var worker = await client.WorkerKeyAsync(token);
        var job = await CompletedJobAsync(client, token, worker, new { video = new { url = "s3://bucket/a.mp4", frames = 720 }, tags = new[] { "a", "b" } });

        var response = await client.GetWithTokenAsync($"/pipeline/{job}/export?format=json", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"job-{job}.json", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(1, document["schema_version"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(document.Str("api_version")));
        Assert.True(DateTimeOffset.TryParse(document.Str("exported_at"), out _));
        var exported = document["job"]!.AsObject();
        Assert.Equal(job, exported.Str("job_id"));
        Assert.Equal("completed", exported.Str("status"));
        Assert.Equal(["queued", "running", "completed"], exported["state_history"]!.AsArray().Select(s => s!["to"]!.GetValue<string>()));
        Assert.Equal(["weights loaded", "retrying scene 2"], exported["logs"]!.AsArray().Select(l => l!["message"]!.GetValue<string>()));
        Assert.Equal(["info", "warning"], exported["logs"]!.AsArray().Select(l => l!["level"]!.GetValue<string>()));
        var output = exported["result"]!["output"]!;
        Assert.Equal("s3://bucket/a.mp4", output["video"]!["url"]!.GetValue<string>());
        Assert.Equal(720, output["video"]!["frames"]!.GetValue<int>());
        Assert.Equal(["a", "b"], output["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.True(exported["result"]!["success"]!.GetValue<bool>());
    }

    [DatabaseFact]
    public async Task OneJob_OfAnotherUser_Is404_AndAKeyWithoutExportsRead_Is403_AndOneWithIt_Reads()
    {
        var (client, ann) = await SignedInAsync();
        var worker = await client.WorkerKeyAsync(ann);
        var job = await CompletedJobAsync(client, ann, worker, new { ok = true });
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var jobsKey = (await client.CreateApiKeyAsync(ann, new { name = "reader", scopes = new[] { "jobs:read", "jobs:write" } })).Str("key");
        var exportsKey = (await client.CreateApiKeyAsync(ann, new { name = "exporter", scopes = new[] { "exports:read" } })).Str("key");
        var bobsExportsKey = (await client.CreateApiKeyAsync(bob, new { name = "exporter", scopes = new[] { "exports:read" } })).Str("key");

        foreach (var format in new[] { "json", "csv", "zip", "jsonl" })
        {
            await (await client.GetWithTokenAsync($"/pipeline/{job}/export?format={format}", bob)).AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
            await (await client.GetWithKeyAsync($"/pipeline/{job}/export?format={format}", bobsExportsKey)).AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
            await (await client.GetWithKeyAsync($"/pipeline/{job}/export?format={format}", jobsKey)).AssertProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal(HttpStatusCode.OK, (await client.GetWithKeyAsync($"/pipeline/{job}/export?format={format}", exportsKey)).StatusCode);
        }

        await (await client.GetWithKeyAsync("/jobs/export?format=csv", jobsKey)).AssertProblemAsync(HttpStatusCode.Forbidden);
        var bobsCsv = await (await client.GetWithKeyAsync("/jobs/export?format=csv", bobsExportsKey)).Content.ReadAsStringAsync();
        Assert.DoesNotContain(job, bobsCsv, StringComparison.Ordinal);
        var annsCsv = await (await client.GetWithKeyAsync("/jobs/export?format=csv", exportsKey)).Content.ReadAsStringAsync();
        Assert.Contains(job, annsCsv, StringComparison.Ordinal);
    }

    [DatabaseFact]
    public async Task AnUnknownFormat_Is400_NamingTheAcceptedValues()
    {
        var (client, token) = await SignedInAsync();
        var job = await client.SubmitAsync(token);

        foreach (var url in new[] { $"/pipeline/{job}/export?format=xlsx", "/jobs/export?format=xlsx" })
        {
            var problem = await (await client.GetWithTokenAsync(url, token)).AssertProblemAsync(HttpStatusCode.BadRequest);
            var message = problem["errors"]!["format"]![0]!.GetValue<string>();
            Assert.Equal("'xlsx' is not one of: json, jsonl, csv, zip.", message);
        }
    }

    [DatabaseFact]
    public async Task ManyJobs_AsCsv_HoldOnlyTheCallersJobsThatPassTheFilters_WithABomOnRequest()
    {
        var (client, ann) = await SignedInAsync();
        var worker = await client.WorkerKeyAsync(ann);
        var completed = await CompletedJobAsync(client, ann, worker, new { video = new { url = "s3://bucket/a.mp4" } });
        var queued = await client.SubmitAsync(ann);
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var bobs = await client.SubmitAsync(bob);

        var all = await client.GetWithTokenAsync("/jobs/export?format=csv", ann);
        var onlyCompleted = await client.GetWithTokenAsync("/jobs/export?format=csv&status=completed&bom=true", ann);

        Assert.Equal("text/csv", all.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", all.Content.Headers.ContentType?.CharSet);
        Assert.EndsWith(".csv", all.Content.Headers.ContentDisposition?.FileName, StringComparison.Ordinal);
        var allBytes = await all.Content.ReadAsByteArrayAsync();
        Assert.False(allBytes.AsSpan().StartsWith(Encoding.UTF8.Preamble));
        var rows = Encoding.UTF8.GetString(allBytes).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, rows.Length);
        Assert.EndsWith(",result.output.video.url", rows[0], StringComparison.Ordinal);
        Assert.Contains(rows, r => r.StartsWith(completed, StringComparison.Ordinal) && r.EndsWith(",s3://bucket/a.mp4", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith(queued, StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Contains(bobs, StringComparison.Ordinal));

        var filteredBytes = await onlyCompleted.Content.ReadAsByteArrayAsync();
        Assert.True(filteredBytes.AsSpan().StartsWith(Encoding.UTF8.Preamble));
        var filtered = Encoding.UTF8.GetString(filteredBytes.AsSpan(Encoding.UTF8.Preamble.Length)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, filtered.Length);
        Assert.StartsWith(completed, filtered[1], StringComparison.Ordinal);
    }

    [DatabaseFact]
    public async Task ManyJobs_AsJson_AreOneDocument_WithAJobsArrayAndItsCount()
    {
        var (client, token) = await SignedInAsync();
        var first = await client.SubmitAsync(token);
        var second = await client.SubmitAsync(token);

        var response = await client.GetWithTokenAsync("/jobs/export", token);

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(1, document["schema_version"]!.GetValue<int>());
        Assert.Equal([first, second], document["jobs"]!.AsArray().Select(j => j!["job_id"]!.GetValue<string>()));
        Assert.Equal(2, document["job_count"]!.GetValue<int>());
        Assert.All(document["jobs"]!.AsArray(), j => Assert.Null(j!["result"]));
    }

    [DatabaseFact]
    public async Task OneJob_AsZip_HoldsItsFiles_AndTheManifestHashesMatchThem()
    {
        var (client, token) = await SignedInAsync();
        var worker = await client.WorkerKeyAsync(token);
        var job = await CompletedJobAsync(client, token, worker, new { video = new { url = "s3://bucket/a.mp4" } });

        var response = await client.GetWithTokenAsync($"/pipeline/{job}/export?format=zip", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"job-{job}.zip", response.Content.Headers.ContentDisposition?.FileName);
        using var archive = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        Assert.Equal(["job.csv", "logs.txt", "manifest.json", "metadata.json", "result.json"], archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        var manifest = JsonNode.Parse(Read(archive, "manifest.json"))!;
        var listed = manifest["entries"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => (Size: e!["size"]!.GetValue<long>(), Sha256: e["sha256"]!.GetValue<string>()));
        Assert.Equal(["job.csv", "logs.txt", "metadata.json", "result.json"], listed.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, (size, sha256)) in listed)
        {
            var bytes = ReadBytes(archive, name);
            Assert.Equal(size, bytes.Length);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), sha256);
        }

        Assert.Equal("s3://bucket/a.mp4", JsonNode.Parse(Read(archive, "result.json"))!["result"]!["output"]!["video"]!["url"]!.GetValue<string>());
        Assert.Contains("WARNING retrying scene 2", Read(archive, "logs.txt"), StringComparison.Ordinal);
        Assert.Equal(job, JsonNode.Parse(Read(archive, "metadata.json"))!["job"]!["job_id"]!.GetValue<string>());
        Assert.EndsWith(",s3://bucket/a.mp4\r\n", Read(archive, "job.csv"), StringComparison.Ordinal);
    }

    private static byte[] ReadBytes(ZipArchive archive, string name)
    {
        using var entry = archive.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        entry.CopyTo(copy);
        return copy.ToArray();
    }

    private static string Read(ZipArchive archive, string name) => Encoding.UTF8.GetString(ReadBytes(archive, name));
}

public sealed class SqliteDirectExportTests(SqliteApiFixture fixture) : DirectExportTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class SqlServerDirectExportTests(SqlServerApiFixture fixture) : DirectExportTests(fixture), IClassFixture<SqlServerApiFixture>;
