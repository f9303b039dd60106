using Aiprod.Domain.Audit;
using Aiprod.Infrastructure.ApiKeys;

namespace Aiprod.Infrastructure.Tests;

public sealed class ApiKeyFailureAuditTests
{
    private static AuditEvent Failure(int i) => AuditEvent.Record(
        DateTimeOffset.UnixEpoch.AddSeconds(i), "api_key.authentication_failed", ActorKind.Anonymous, null, $"key_hash_prefix:{i:x8}", AuditOutcome.Failure, null, null, null, null);

    [Fact]
    public void Restore_PutsEventsBack_AsNewEntities_WithTheSameFacts()
    {
        var audit = new ApiKeyFailureAudit();
        audit.Record(Failure(1));
        var taken = audit.Drain();

        Assert.Equal(1, audit.Restore(taken));

        var again = Assert.Single(audit.Drain());
        Assert.NotSame(taken[0], again);
        Assert.Equal((taken[0].OccurredAt, taken[0].Target, taken[0].EventType), (again.OccurredAt, again.Target, again.EventType));
    }

    [Fact]
    public void Record_BeyondTheBound_CountsWhatIsDropped()
    {
        var audit = new ApiKeyFailureAudit();
        for (var i = 0; i < ApiKeyFailureAudit.Capacity + 5; i++)
        {
            audit.Record(Failure(i));
        }

        Assert.Equal(5, audit.Dropped);
    }

    [Fact]
    public void Restore_StaysWithinTheBound_AndCountsWhatDoesNotFitAsDropped()
    {
        var audit = new ApiKeyFailureAudit();
        for (var i = 0; i < ApiKeyFailureAudit.Capacity; i++)
        {
            audit.Record(Failure(i));
        }

        var taken = audit.Drain();
        for (var i = 0; i < taken.Count - 10; i++)
        {
            audit.Record(Failure(i));
        }

        Assert.Equal(10, audit.Restore(taken));
        Assert.Equal(taken.Count - 10, audit.Dropped);
    }
}
