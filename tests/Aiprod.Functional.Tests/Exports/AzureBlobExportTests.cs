using System.Net;
using System.Text;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;
using Aiprod.Functional.Tests.Infrastructure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.Exports;

/// <summary>The Azure Blob Storage adapter against a real Azurite: what a reader sees while a file is written, and exports end to end.</summary>
public sealed class AzureBlobExportTests(AzuriteServer azurite) : IClassFixture<AzuriteServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUpload_IsInvisibleUntilItCommits_AndGoneIfItNeverDoes()
    {
        azurite.SkipIfUnavailable();
        await using var factory = Host(new ScriptedExporter());
        var storage = factory.Services.GetRequiredService<IExportStorage>();
        var id = ExportId.New(DateTimeOffset.UtcNow);
        var bytes = Encoding.UTF8.GetBytes(new string('x', 9 * 1024 * 1024) + "end");

        await using (var upload = await storage.BeginUploadAsync($"{id}-1.csv", Ct))
        {
            await upload.Content.WriteAsync(bytes, Ct);
            Assert.Null(await storage.OpenReadAsync($"{id}-1.csv", Ct));
            await upload.CommitAsync(Ct);
        }

        var stored = await storage.OpenReadAsync($"{id}-1.csv", Ct);
        Assert.NotNull(stored);
        await using (stored.Content)
        {
            Assert.Equal(bytes.Length, stored.Length);
            stored.Content.Seek(bytes.Length - 3, SeekOrigin.Begin);
            var tail = new byte[3];
            await stored.Content.ReadExactlyAsync(tail, Ct);
            Assert.Equal("end", Encoding.UTF8.GetString(tail));
        }

        await using (var abandoned = await storage.BeginUploadAsync($"{id}-2.csv", Ct))
        {
            await abandoned.Content.WriteAsync(bytes, Ct);
        }

        Assert.Null(await storage.OpenReadAsync($"{id}-2.csv", Ct));

        await storage.DeleteAllOfAsync(id, Ct);
        Assert.Null(await storage.OpenReadAsync($"{id}-1.csv", Ct));
    }

    [Fact]
    public async Task AnExport_IsWrittenToBlobStorage_DownloadedInRanges_AndDeletedWithIt()
    {
        azurite.SkipIfUnavailable();
        var exporter = new ScriptedExporter { Chunks = 3, ChunkBytes = 4000 };
        await using var factory = Host(exporter);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var id = await client.CreateExportAsync(ann, new { format = "zip" });

        await factory.RunExportRoundAsync();
        var done = await client.WaitForExportAsync(ann, id, "succeeded", "failed");

        Assert.Equal("succeeded", done.Str("status"));
        var expected = exporter.Expected();
        var request = new HttpRequestMessage(HttpMethod.Get, $"/exports/{id}/download").WithBearer(ann);
        request.Headers.TryAddWithoutValidation("Range", "bytes=4000-7999");
        var part = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(expected[4000..8000], await part.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(expected, await (await client.GetWithTokenAsync($"/exports/{id}/download", ann)).Content.ReadAsByteArrayAsync(Ct));

        var container = new BlobContainerClient(azurite.ConnectionString, Container);
        Assert.True((await container.GetBlobClient($"{id}-1.zip").ExistsAsync(Ct)).Value);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/exports/{id}", ann)).StatusCode);
        Assert.False((await container.GetBlobClient($"{id}-1.zip").ExistsAsync(Ct)).Value);
    }

    private string Container { get; } = "exports-" + Guid.NewGuid().ToString("N")[..12];

    private AiprodApiFactory Host(ScriptedExporter exporter) => new(new Dictionary<string, string?>
    {
        ["Exports:Storage:Provider"] = "AzureBlob",
        ["Exports:Storage:AzureConnectionString"] = azurite.ConnectionString,
        ["Exports:Storage:AzureContainer"] = Container,
    }, replaceServices: ExportTestKit.WithExporter(exporter));
}
