using System.Net;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Exports;

/// <summary>
/// The blob adapter when Azurite stalls (SIGSTOP: connections open, nothing answers) or dies (killed by its PID):
/// requests answer a 503 problem within the adapter's network timeout instead of hanging or failing with a 500,
/// the storage is used again once it is back, and an export whose storage died under it fails cleanly. Each test
/// has an emulator of its own, since these tests break it.
/// </summary>
public sealed class AzureBlobFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStalledStore_AnswersDownloadsAndDeletesWith503_AndServesAgainOnceItGoesOn()
    {
        await using var azurite = await StartAsync();
        var exporter = new ScriptedExporter { Chunks = 3, ChunkBytes = 4000 };
        await using var factory = Host(azurite, exporter);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(ann, new { format = "zip" });
        await factory.RunExportRoundAsync();
        Assert.Equal("succeeded", (await client.WaitForExportAsync(ann, id, "succeeded", "failed")).Str("status"));

        azurite.Stall();
        await AssertStorageUnavailableAsync(await client.GetWithTokenAsync($"/exports/{id}/download", ann));
        azurite.Resume();
        Assert.Equal("succeeded", (await client.GetExportAsync(ann, id)).Str("status"));
        var served = await client.GetWithTokenAsync($"/exports/{id}/download", ann);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(exporter.Expected(), await served.Content.ReadAsByteArrayAsync(Ct));

        // A delete the storage did not answer keeps the export (its file may be gone already: the stalled service
        // still holds the request); sent again once the storage answers, it removes both.
        azurite.Stall();
        await AssertStorageUnavailableAsync(await client.SendWithTokenAsync(HttpMethod.Delete, $"/exports/{id}", ann));
        azurite.Resume();
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync($"/exports/{id}", ann)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/exports/{id}", ann)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetWithTokenAsync($"/exports/{id}", ann)).StatusCode);
    }

    [Fact]
    public async Task AStoreThatStalledAtItsFirstUse_IsUsedAgainOnceItGoesOn()
    {
        await using var azurite = await StartAsync();
        var exporter = new ScriptedExporter { Chunks = 2, ChunkBytes = 1000 };
        await using var factory = Host(azurite, exporter);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");

        azurite.Stall();
        var first = await client.CreateExportAsync(ann, new { format = "csv" });
        await factory.RunExportRoundAsync();
        var failed = await client.WaitForExportAsync(ann, first, "succeeded", "failed");
        Assert.Equal("failed", failed.Str("status"));
        Assert.Equal("write_failed", failed.Str("error_code"));

        azurite.Resume();
        var second = await client.CreateExportAsync(ann, new { format = "csv" });
        await factory.RunExportRoundAsync();
        Assert.Equal("succeeded", (await client.WaitForExportAsync(ann, second, "succeeded", "failed")).Str("status"));
        var served = await client.GetWithTokenAsync($"/exports/{second}/download", ann);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(exporter.Expected(), await served.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task AContainerDeletedFromOutside_IsMadeAgainByTheNextExport()
    {
        await using var azurite = await StartAsync();
        var exporter = new ScriptedExporter { Chunks = 2, ChunkBytes = 1000 };
        var container = "exports-" + Guid.NewGuid().ToString("N")[..12];
        await using var factory = Host(azurite, exporter, container);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var first = await client.CreateExportAsync(ann, new { format = "csv" });
        await factory.RunExportRoundAsync();
        Assert.Equal("succeeded", (await client.WaitForExportAsync(ann, first, "succeeded", "failed")).Str("status"));

        await new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, container).DeleteAsync(cancellationToken: Ct);
        // Azurite, like the service, refuses to make a container again at once while it is being deleted: wait it out.
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        Assert.Equal(HttpStatusCode.Gone, (await client.GetWithTokenAsync($"/exports/{first}/download", ann)).StatusCode);
        var second = await client.CreateExportAsync(ann, new { format = "csv" });
        await factory.RunExportRoundAsync();
        Assert.Equal("succeeded", (await client.WaitForExportAsync(ann, second, "succeeded", "failed")).Str("status"));
        Assert.Equal(exporter.Expected(), await (await client.GetWithTokenAsync($"/exports/{second}/download", ann)).Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task AnExportWhoseStoreDiesMidWrite_FailsCleanly_AndNothingIsServed()
    {
        await using var azurite = await StartAsync();
        var gate = new SemaphoreSlim(0);
        var exporter = new ScriptedExporter { Chunks = 3, ChunkBytes = 4000, Gate = gate };
        await using var factory = Host(azurite, exporter);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(ann, new { format = "json" });

        await factory.RunExportRoundAsync();
        await exporter.FirstChunkWritten.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        azurite.Kill();
        gate.Release(2);

        var failed = await client.WaitForExportAsync(ann, id, "succeeded", "failed");
        Assert.Equal("failed", failed.Str("status"));
        Assert.Equal("write_failed", failed.Str("error_code"));
        var download = await client.GetWithTokenAsync($"/exports/{id}/download", ann);
        Assert.Equal(HttpStatusCode.Conflict, download.StatusCode);
        Assert.Equal("urn:aiprod:problem:export_not_ready", (await download.ReadJsonAsync()).Str("type"));
    }

    private static async Task AssertStorageUnavailableAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:aiprod:problem:storage_unavailable", (await response.ReadJsonAsync()).Str("type"));
        Assert.NotNull(response.Headers.RetryAfter);
    }

    private static async Task<AzuriteServer> StartAsync()
    {
        var azurite = new AzuriteServer();
        await azurite.InitializeAsync();
        azurite.SkipIfUnavailable();
        return azurite;
    }

    private static AiprodApiFactory Host(AzuriteServer azurite, ScriptedExporter exporter, string? container = null) => new(new Dictionary<string, string?>
    {
        ["Exports:Storage:Provider"] = "AzureBlob",
        ["Exports:Storage:AzureConnectionString"] = azurite.ConnectionString,
        ["Exports:Storage:AzureContainer"] = container ?? "exports-" + Guid.NewGuid().ToString("N")[..12],
        // A stalled request is given up after a second, tried once more: the test waits seconds, not minutes.
        ["Exports:Storage:AzureNetworkTimeout"] = "00:00:01",
        ["Exports:Storage:AzureMaxRetries"] = "1",
        ["Exports:PollInterval"] = "1.00:00:00",
    }, replaceServices: ExportTestKit.WithExporter(exporter));
}
