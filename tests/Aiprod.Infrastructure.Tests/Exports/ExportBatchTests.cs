using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Infrastructure.Exports;

namespace Aiprod.Infrastructure.Tests.Exports;

/// <summary>The exporter reads its selection in keyset batches: every selected job exactly once, in creation order, nobody else's.</summary>
public sealed class ExportBatchTests
{
    [Fact]
    public async Task JsonLines_HoldEverySelectedJobOnce_InCreationOrder_AcrossBatchesAndTiedCreationTimes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await ExportDatabase.CreateAsync(ct);
        var ann = await database.AddUserAsync("ann@example.com", ct);
        var bob = await database.AddUserAsync("bob@example.com", ct);
        // More than two batches, and a run of jobs created in the same instant that straddles a batch boundary.
        var count = (ExportJobReader.BatchSize * 2) + 50;
        var annJobs = Enumerable.Range(0, count)
            .Select(i => ExportDatabase.Job(ann.Id, ExportDatabase.Start.AddSeconds(i is >= 150 and < 260 ? 150 : i), $"ann {i}", database.WorkerKey.Id))
            .ToList();
        await database.AddAsync(annJobs, ct);
        await database.AddAsync(Enumerable.Range(0, 30).Select(i => ExportDatabase.Job(bob.Id, ExportDatabase.Start.AddSeconds(i), $"bob {i}", database.WorkerKey.Id)), ct);

        using var file = new MemoryStream();
        var result = await database.Exporter().WriteAsync(ExportDatabase.All(ann.Id), ExportFormat.JsonLines, new ExportWriteOptions(), file, null, ct);

        var lines = System.Text.Encoding.UTF8.GetString(file.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var exported = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("job")).ToList();
        var ids = exported.Select(j => new JobId(j.GetProperty("job_id").GetGuid())).ToList();
        Assert.Equal(count, result.JobsWritten);
        Assert.Equal(file.Length, result.BytesWritten);
        Assert.Equal(count, ids.Distinct().Count());
        Assert.Equal(annJobs.Select(j => j.Id).ToHashSet(), ids.ToHashSet());
        var created = exported.Select(j => j.GetProperty("created_at").GetDateTimeOffset()).ToList();
        Assert.Equal(created.Order(), created);
    }
}
