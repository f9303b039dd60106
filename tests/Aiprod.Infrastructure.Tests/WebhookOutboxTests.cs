using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Aiprod.Infrastructure.Persistence;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Infrastructure.Tests;

public sealed class WebhookOutboxTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-outbox-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Staging_DetectsTheTrackedChangesOnce()
    {
        await using var db = NewContext();
        var detections = 0;
        db.ChangeTracker.DetectingAllChanges += (_, _) => detections++;

        await new WebhookOutbox(new FakeTimeProvider()).StageAsync(db, TestContext.Current.CancellationToken);

        Assert.Equal(1, detections);
    }

    // Events of one owner take a compiled query, of several the general one: both must find exactly the enabled
    // subscriptions of the events' owners that want the event. (A wrong owner in the SQL would still be filtered out by
    // the per-event owner match after it; this test holds the enabled filter and the event filter.)
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Staging_AddsOneDelivery_PerEnabledSubscriptionOfTheEventsOwners_ThatWantsTheEvent(int owners)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = NewContext();
        await db.Database.MigrateAsync(ct);
        var ann = await AUserAsync(db, "ann@example.com", ct);
        var bob = await AUserAsync(db, "bob@example.com", ct);
        var eve = await AUserAsync(db, "eve@example.com", ct);
        var annsHook = ASubscription(db, ann, WebhookEventTypes.JobCompleted);
        var annsOtherEvent = ASubscription(db, ann, WebhookEventTypes.ExportSucceeded);
        var annsDisabled = ASubscription(db, ann, WebhookEventTypes.JobCompleted);
        annsDisabled.Update(null, null, null, enabled: false, clock.GetUtcNow());
        var bobsHook = ASubscription(db, bob, WebhookEventTypes.JobCompleted);
        var evesHook = ASubscription(db, eve, WebhookEventTypes.JobCompleted);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();

        List<WebhookOutbox.Announcement> events = [new(ann, WebhookEventTypes.JobCompleted, new { job_id = 1 })];
        if (owners == 2)
        {
            events.Add(new(bob, WebhookEventTypes.JobCompleted, new { job_id = 2 }));
        }

        await new WebhookOutbox(clock).StageAsync(db, events, ct);

        var staged = db.ChangeTracker.Entries<WebhookDelivery>().Select(e => e.Entity.SubscriptionId).ToList();
        WebhookId[] expected = owners == 1 ? [annsHook.Id] : [annsHook.Id, bobsHook.Id];
        Assert.Equal(expected.Select(id => id.Value).Order(), staged.Select(id => id.Value).Order());
        Assert.DoesNotContain(annsOtherEvent.Id, staged);
        Assert.DoesNotContain(evesHook.Id, staged);
    }

    private SqliteAiprodDbContext NewContext() => new(new DbContextOptionsBuilder<SqliteAiprodDbContext>()
        .UseSqlite($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False").Options);

    private async Task<UserId> AUserAsync(AiprodDbContext db, string email, CancellationToken ct)
    {
        var user = User.Register(Email.FromTrusted(email), null, "not-a-hash", clock.GetUtcNow());
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        return user.Id;
    }

    private WebhookSubscription ASubscription(AiprodDbContext db, UserId owner, string eventType)
    {
        var subscription = WebhookSubscription.Create(owner, "https://hooks.example.com/in", [eventType], null, "ciphertext", clock.GetUtcNow());
        db.WebhookSubscriptions.Add(subscription);
        return subscription;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
