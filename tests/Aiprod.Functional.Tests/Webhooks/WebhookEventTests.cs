using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Functional.Tests.Webhooks;

/// <summary>The events besides a job's end, each delivered signed to a subscribed receiver on loopback; secrets at rest.</summary>
public sealed class WebhookEventTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExportSucceededAndFailed_AreDeliveredSigned_ToTheSubscriptionThatAskedForThem()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var exporter = new FailingOnDemandExporter();
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock(), replaceServices: ExportTestKit.WithExporter(exporter));
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (exportsHook, secret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "export.succeeded", "export.failed");
        var (jobsHook, _) = await client.CreateWebhookAsync(ann, receiver.HookUrl + "?jobs", "job.completed");

        var succeeded = await client.CreateExportAsync(ann);
        await factory.RunExportRoundAsync();
        await client.WaitForExportAsync(ann, succeeded, "succeeded");
        exporter.Fail = true;
        var failed = await client.CreateExportAsync(ann);
        await factory.RunExportRoundAsync();
        await client.WaitForExportAsync(ann, failed, "failed");
        Assert.Equal(2, await factory.DispatchAsync());

        Assert.Equal(2, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => r.Verify(secret));
        var bodies = receiver.Requests.Select(r => JsonNode.Parse(r.Body)!.AsObject()).ToDictionary(b => b.Str("type"));
        var ok = bodies["export.succeeded"]["data"]!.AsObject();
        Assert.Equal(succeeded, ok.Str("export_id"));
        Assert.Equal("succeeded", ok.Str("status"));
        Assert.Equal(exporter.Inner.Expected().Length, ok["size_bytes"]!.GetValue<long>());
        Assert.Equal(64, ok.Str("sha256").Length);
        var bad = bodies["export.failed"]["data"]!.AsObject();
        Assert.Equal(failed, bad.Str("export_id"));
        Assert.Equal("failed", bad.Str("status"));
        Assert.Equal("write_failed", bad.Str("failure"));
        Assert.Equal(2, (await client.DeliveriesAsync(ann, exportsHook)).Count);
        Assert.Empty(await client.DeliveriesAsync(ann, jobsHook));
    }

    [Fact]
    public async Task ApiKeyRevoked_IsDeliveredSigned_WithoutTheKey()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, secret) = await client.CreateWebhookAsync(ann, receiver.HookUrl, "api_key.revoked");
        var created = await client.CreateApiKeyAsync(ann, new { name = "ci runner", scopes = new[] { "jobs:read" } });
        var keyId = created["api_key"]!["key_id"]!.GetValue<string>();
        var key = created.Str("key");

        var revoked = await client.SendWithTokenAsync(HttpMethod.Post, $"/api-keys/{keyId}/revoke", ann, new { reason = "leaked in a log" });
        Assert.True(revoked.IsSuccessStatusCode, await revoked.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, await factory.DispatchAsync());

        var received = Assert.Single(receiver.Requests);
        received.Verify(secret);
        var body = JsonNode.Parse(received.Body)!.AsObject();
        Assert.Equal("api_key.revoked", body.Str("type"));
        Assert.Equal(keyId, body["data"]!.AsObject().Str("key_id"));
        Assert.Equal("ci runner", body["data"]!.AsObject().Str("name"));
        Assert.Equal("leaked in a log", body["data"]!.AsObject().Str("reason"));
        Assert.DoesNotContain(key, received.Body, StringComparison.Ordinal);
        Assert.Equal("succeeded", Assert.Single(await client.DeliveriesAsync(ann, hook))!.AsObject().Str("status"));
    }

    [Fact]
    public async Task Secrets_AreNotInTheSqliteFile_AndEachSubscriptionsCiphertextHasItsOwnNonce()
    {
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock());
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var created = new List<(string Id, string Secret)>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await client.CreateWebhookAsync(ann, $"https://hooks.example.com/{i}", "job.completed"));
        }

        var rotated = await client.SendWithTokenAsync(HttpMethod.Post, $"/webhooks/{created[0].Id}/rotate-secret", ann);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var secrets = created.Select(c => c.Secret).Append((await rotated.ReadJsonAsync()).Str("secret")).ToList();

        var stored = await factory.WithDbAsync(db => db.WebhookSubscriptions.AsNoTracking().ToListAsync(Ct));
        var ciphertexts = stored.Select(s => s.SecretCiphertext).Concat(stored.Select(s => s.PreviousSecretCiphertext).OfType<string>()).ToList();
        Assert.Equal(4, ciphertexts.Count);
        Assert.Equal(4, ciphertexts.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(4, ciphertexts.Select(c => Convert.ToHexString(Convert.FromBase64String(c).AsSpan(0, 12))).Distinct(StringComparer.Ordinal).Count());

        // The database file with its write-ahead log, as a copy of the data folder would have them.
        var files = Directory.EnumerateFiles(factory.DataFolder, "aiprod.db*").ToList();
        var onDisk = string.Concat(files.Select(f => Encoding.Latin1.GetString(ReadShared(f))));
        Assert.All(ciphertexts, c => Assert.Contains(c, onDisk, StringComparison.Ordinal));
        Assert.All(secrets, s =>
        {
            Assert.DoesNotContain(s, onDisk, StringComparison.Ordinal);
            Assert.DoesNotContain(s["whsec_".Length..], onDisk, StringComparison.Ordinal);
            Assert.DoesNotContain(Encoding.Latin1.GetString(Convert.FromBase64String(s["whsec_".Length..])), onDisk, StringComparison.Ordinal);
        });
    }

    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The scripted writer, or a write that throws once <see cref="Fail"/> is set.</summary>
    private sealed class FailingOnDemandExporter : IJobExporter
    {
        public ScriptedExporter Inner { get; } = new();

        public bool Fail { get; set; }

        public Task<int> CountAsync(ExportSelection selection, CancellationToken cancellationToken) => Inner.CountAsync(selection, cancellationToken);

        public Task<ExportWriteResult> WriteAsync(
            ExportSelection selection, ExportFormat format, ExportWriteOptions options, Stream destination, IProgress<ExportProgress>? progress, CancellationToken cancellationToken) =>
            Fail ? throw new IOException("The disk went away.") : Inner.WriteAsync(selection, format, options, destination, progress, cancellationToken);
    }
}
