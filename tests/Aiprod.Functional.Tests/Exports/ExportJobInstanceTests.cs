using System.Net;
using Aiprod.Domain.Exports;
using Aiprod.Functional.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Functional.Tests.Exports;

/// <summary>
/// Several API instances on one SQLite file and one export folder (a shared volume), with one clock the test moves:
/// the runner on one, the download or the cancel on another; an instance that dies mid-export; the per-user cap
/// under instances claiming at once.
/// </summary>
public sealed class ExportJobInstanceTests : IAsyncDisposable
{
    private readonly string shared = Directory.CreateTempSubdirectory("aiprod-export-instances-").FullName;
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string ExportFolder => Path.Combine(shared, "exports");

    [Fact]
    public async Task OneInstanceRunsTheExport_TheOtherServesItsDownload()
    {
        var exporter = new ScriptedExporter();
        await using var a = Instance(exporter);
        await using var b = Instance(new ScriptedExporter());
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();
        var ann = await clientA.RegisterAndLoginAsync("ann@example.com");
        _ = b.Server; // B is up (its first round found nothing) before the export exists; its timer waits on the test's clock.

        var id = await clientB.CreateExportAsync(ann);
        await a.RunExportRoundAsync();
        var done = await clientB.WaitForExportAsync(ann, id, "succeeded");

        var download = await clientB.GetWithTokenAsync($"/exports/{id}/download", ann);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(exporter.Expected(), await download.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal($"\"{done.Str("sha256")}\"", download.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task ACancelOnAnotherInstance_StopsTheRunnerAtItsNextWatch()
    {
        using var gate = new SemaphoreSlim(0);
        var exporter = new ScriptedExporter { Gate = gate };
        await using var a = Instance(exporter);
        await using var b = Instance(new ScriptedExporter());
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();
        var ann = await clientA.RegisterAndLoginAsync("ann@example.com");
        _ = b.Server;
        var id = await clientA.CreateExportAsync(ann);
        await a.RunExportRoundAsync();
        await exporter.FirstChunkWritten.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(HttpStatusCode.OK, (await clientB.SendWithTokenAsync(HttpMethod.Post, $"/exports/{id}/cancel", ann)).StatusCode);
        clock.Advance(TimeSpan.FromMilliseconds(500));

        await exporter.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.True(await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(a.RunningExports() == 0 && ExportTestKit.ExportFiles(ExportFolder).Count == 0)));
        Assert.Equal("cancelled", (await clientA.GetExportAsync(ann, id)).Str("status"));
    }

    [Fact]
    public async Task AnInstanceThatDiesMidExport_LeavesALeaseThatLapses_AndAnotherStartsItAgain()
    {
        using var gate = new SemaphoreSlim(0);
        var dying = new ScriptedExporter { Gate = gate };
        var survivor = new ScriptedExporter();
        var a = Instance(dying);
        await using var b = Instance(survivor);
        var clientB = b.CreateClient();
        var ann = await clientB.RegisterAndLoginAsync("ann@example.com");
        var id = await clientB.CreateExportAsync(ann);
        await a.RunExportRoundAsync();
        await dying.FirstChunkWritten.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(1, (await clientB.GetExportAsync(ann, id))["attempt"]!.GetValue<int>());

        await a.DisposeAsync();

        // While A's lease holds, nobody else may take the export.
        await b.RunExportRoundAsync();
        Assert.Equal(0, survivor.Started);
        await (await clientB.GetWithTokenAsync($"/exports/{id}/download", ann)).AssertProblemAsync(HttpStatusCode.Conflict, "export_not_ready");

        clock.Advance(TimeSpan.FromSeconds(30));
        ann = await clientB.LoginAsync("ann@example.com");
        await b.RunExportRoundAsync();
        var done = await clientB.WaitForExportAsync(ann, id, "succeeded", "failed");

        Assert.Equal("succeeded", done.Str("status"));
        Assert.Equal(2, done["attempt"]!.GetValue<int>());
        Assert.Equal(survivor.Expected(), await (await clientB.GetWithTokenAsync($"/exports/{id}/download", ann)).Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal([$"{id}-2.json"], ExportTestKit.ExportFiles(ExportFolder));
    }

    [Fact]
    public async Task InstancesClaimingAtOnce_RunAtMostTwoExportsOfOneUser()
    {
        using var gate = new SemaphoreSlim(0);
        var exporters = Enumerable.Range(0, 3).Select(_ => new ScriptedExporter { Gate = gate }).ToList();
        var settings = new Dictionary<string, string?> { ["Exports:MaxRunningPerInstance"] = "5" };
        var instances = exporters.Select(e => Instance(e, settings)).ToList();
        try
        {
            var client = instances[0].CreateClient();
            var ann = await client.RegisterAndLoginAsync("ann@example.com");
            var bob = await client.RegisterAndLoginAsync("bob@example.com");
            foreach (var instance in instances)
            {
                _ = instance.Server;
            }

            var annExports = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                annExports.Add(await client.CreateExportAsync(ann));
            }

            var bobExport = await client.CreateExportAsync(bob);

            using var start = new ManualResetEventSlim();
            var rounds = instances.SelectMany(i => Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                start.Wait(Ct);
                await i.RunExportRoundAsync();
            }, Ct))).ToList();
            start.Set();
            await Task.WhenAll(rounds);

            var running = await instances[0].WithDbAsync(db => db.ExportJobs.Where(e => e.Status == ExportStatus.Running).ToListAsync(Ct));
            Assert.Equal(2, running.Count(e => annExports.Contains(e.Id.ToString())));
            Assert.Contains(running, e => e.Id.ToString() == bobExport);
            Assert.Equal(3, instances.Sum(i => i.RunningExports()));

            // One of Ann's ends: the next round starts one more of hers, never a third at once.
            var finishing = running.First(e => annExports.Contains(e.Id.ToString()));
            Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, $"/exports/{finishing.Id}/cancel", ann)).StatusCode);
            await Task.WhenAll(instances.Select(i => i.RunExportRoundAsync()));
            var runningNow = await instances[0].WithDbAsync(db => db.ExportJobs.Where(e => e.Status == ExportStatus.Running).ToListAsync(Ct));
            Assert.Equal(2, runningNow.Count(e => annExports.Contains(e.Id.ToString())));
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }
    }

    private AiprodApiFactory Instance(ScriptedExporter exporter, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?> { ["DataFolder:Path"] = shared };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return new AiprodApiFactory(settings, clock, ExportTestKit.WithExporter(exporter));
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(shared, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans its temp folder.
        }

        return ValueTask.CompletedTask;
    }
}
