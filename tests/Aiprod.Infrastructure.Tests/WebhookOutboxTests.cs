using Aiprod.Infrastructure.Persistence;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Infrastructure.Tests;

public sealed class WebhookOutboxTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-outbox-").FullName;

    [Fact]
    public async Task Staging_DetectsTheTrackedChangesOnce()
    {
        await using var db = new SqliteAiprodDbContext(new DbContextOptionsBuilder<SqliteAiprodDbContext>()
            .UseSqlite($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False").Options);
        var detections = 0;
        db.ChangeTracker.DetectingAllChanges += (_, _) => detections++;

        await new WebhookOutbox(new FakeTimeProvider()).StageAsync(db, TestContext.Current.CancellationToken);

        Assert.Equal(1, detections);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
