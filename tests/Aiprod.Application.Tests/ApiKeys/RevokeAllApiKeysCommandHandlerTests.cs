using Aiprod.Application.Abstractions;
using Aiprod.Application.ApiKeys.Commands.RevokeAllApiKeys;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Aiprod.Application.Tests.ApiKeys;

public sealed class RevokeAllApiKeysCommandHandlerTests
{
    private readonly IApiKeyRepository keys = Substitute.For<IApiKeyRepository>();
    private readonly IAuditLog audit = Substitute.For<IAuditLog>();
    private readonly FakeTimeProvider clock = Given.AClock();
    private readonly User ann;

    public RevokeAllApiKeysCommandHandlerTests() => ann = Given.AUser(clock);

    private RevokeAllApiKeysCommandHandler Handler() => new(keys, audit, clock);

    private void Usable(params ApiKey[] read) =>
        keys.ListUsableOwnedAsync(ann.Id, Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>()).Returns(read);

    [Fact]
    public async Task Handle_RevokesEveryKeyThatStillWorks_AndAuditsWhichOnes()
    {
        var active = Given.AKey(ann, clock);
        var inGrace = Given.ARotatedKey(ann, clock, TimeSpan.FromHours(1));
        // Revoked by a request that committed after this one read the list: left as it was, not counted.
        var revoked = Given.ARevokedKey(ann, clock);
        Usable(active, inGrace, revoked);

        var result = await Handler().Handle(new RevokeAllApiKeysCommand(ann.Id, true, "laptop stolen"), TestContext.Current.CancellationToken);

        Assert.Equal((2, clock.GetUtcNow()), (result.RevokedCount, result.Timestamp));
        Assert.All([active, inGrace], k => Assert.Equal((ApiKeyStatus.Revoked, "laptop stolen"), (k.Status, k.RevocationReason)));
        Assert.Equal(new ApiKeyInvalidated(active.KeyHash), Assert.Single(active.TakeDomainEvents()));
        Assert.Equal(new ApiKeyInvalidated(inGrace.KeyHash), Assert.Single(inGrace.TakeDomainEvents()));
        Assert.Equal("leaked", revoked.RevocationReason);
        Assert.Empty(revoked.TakeDomainEvents());
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.ApiKeyRevokedAll, AuditOutcome.Success, ann.Id.ToString()), (entry.EventType, entry.Outcome, entry.Target));
        Assert.Equal(2, entry.Details!["revoked_count"]);
        Assert.Equal([active.Id, inGrace.Id], Recorded.Items(entry.Details["key_ids"]));
        Assert.Equal("laptop stolen", entry.Details["reason"]);
    }

    [Fact]
    public async Task Handle_WithNothingToRevoke_SaysSo_AndStillAuditsTheRequest()
    {
        Usable();

        var result = await Handler().Handle(new RevokeAllApiKeysCommand(ann.Id, true, null), TestContext.Current.CancellationToken);

        Assert.Equal(0, result.RevokedCount);
        var entry = Assert.Single(audit.Entries());
        Assert.Equal((AuditEventTypes.ApiKeyRevokedAll, 0), (entry.EventType, entry.Details!["revoked_count"]));
    }
}
