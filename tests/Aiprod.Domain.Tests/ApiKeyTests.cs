using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Domain.Tests;

public sealed class ApiKeyTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero));

    private ApiKey NewKey(IReadOnlyCollection<string>? scopes = null, TimeSpan? lifetime = null) =>
        ApiKey.Issue(new UserId(Guid.NewGuid()), " ci runner ", scopes ?? [ApiKeyScopes.JobsRead], Guid.NewGuid().ToString("N"), "aip_prefix01", clock.GetUtcNow(), lifetime ?? Lifetime);

    [Fact]
    public void Issue_IsActiveUntilItsExpiry()
    {
        var key = NewKey([ApiKeyScopes.JobsWrite, ApiKeyScopes.JobsRead, ApiKeyScopes.JobsRead]);

        Assert.Equal("ci runner", key.Name);
        Assert.Equal([ApiKeyScopes.JobsRead, ApiKeyScopes.JobsWrite], key.Scopes);
        Assert.Equal(ApiKeyStatus.Active, key.StatusAt(clock.GetUtcNow()));
        Assert.True(key.CanAuthenticate(clock.GetUtcNow()));
        clock.Advance(Lifetime);
        Assert.Equal(ApiKeyStatus.Expired, key.StatusAt(clock.GetUtcNow()));
        Assert.Equal(ApiKeyStatus.Expired, key.AuthenticationRefusal(clock.GetUtcNow()));
    }

    [Fact]
    public void Issue_WithAnUnknownScope_Throws()
    {
        Assert.Throws<ArgumentException>(() => NewKey(["admin:everything"]));
    }

    [Fact]
    public void Rotate_IssuesAChildWithTheSameNameAndScopesAndAFreshExpiry()
    {
        var key = NewKey([ApiKeyScopes.ExportsRead]);
        clock.Advance(TimeSpan.FromDays(10));

        var child = key.Rotate("new-hash", "aip_prefix02", clock.GetUtcNow(), TimeSpan.Zero, Lifetime).Value!;

        Assert.Equal(key.Id, child.ParentKeyId);
        Assert.Equal(key.Name, child.Name);
        Assert.Equal(key.Scopes, child.Scopes);
        Assert.Equal(key.OwnerId, child.OwnerId);
        Assert.Equal(clock.GetUtcNow() + Lifetime, child.ExpiresAt);
        Assert.Equal(ApiKeyStatus.Rotated, key.StatusAt(clock.GetUtcNow()));
        Assert.Equal(clock.GetUtcNow(), key.RotatedAt);
    }

    [Fact]
    public void Rotate_WithoutGrace_StopsTheOldKeyAtOnce()
    {
        var key = NewKey();
        key.Rotate("new-hash", "aip_prefix02", clock.GetUtcNow(), TimeSpan.Zero, Lifetime);

        Assert.Equal(ApiKeyStatus.Rotated, key.AuthenticationRefusal(clock.GetUtcNow()));
    }

    [Fact]
    public void Rotate_WithGrace_KeepsTheOldKeyUntilTheGraceEnds()
    {
        var key = NewKey();
        key.Rotate("new-hash", "aip_prefix02", clock.GetUtcNow(), TimeSpan.FromMinutes(10), Lifetime);

        clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.True(key.CanAuthenticate(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(ApiKeyStatus.Rotated, key.AuthenticationRefusal(clock.GetUtcNow()));
    }

    [Fact]
    public void Rotate_GraceNeverOutlivesTheOldKey()
    {
        var key = NewKey(lifetime: TimeSpan.FromHours(1));
        clock.Advance(TimeSpan.FromMinutes(50));

        key.Rotate("new-hash", "aip_prefix02", clock.GetUtcNow(), TimeSpan.FromDays(1), Lifetime);

        Assert.Equal(key.ExpiresAt, key.GraceEndsAt);
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.False(key.CanAuthenticate(clock.GetUtcNow()));
    }

    [Theory]
    [InlineData("rotated")]
    [InlineData("revoked")]
    [InlineData("expired")]
    public void Rotate_OfAKeyThatIsNotActive_IsRefused(string state)
    {
        var key = NewKey();
        switch (state)
        {
            case "rotated": key.Rotate("h2", "aip_prefix02", clock.GetUtcNow(), TimeSpan.FromHours(1), Lifetime); break;
            case "revoked": key.Revoke(clock.GetUtcNow(), null); break;
            default: clock.Advance(Lifetime); break;
        }

        var again = key.Rotate("h3", "aip_prefix03", clock.GetUtcNow(), TimeSpan.Zero, Lifetime);

        Assert.Equal(ErrorKind.Conflict, again.Error?.Kind);
    }

    [Fact]
    public void Revoke_StopsAKeyInItsGracePeriod_AndRefusesASecondRevocation()
    {
        var key = NewKey();
        key.Rotate("new-hash", "aip_prefix02", clock.GetUtcNow(), TimeSpan.FromHours(1), Lifetime);

        Assert.True(key.Revoke(clock.GetUtcNow(), "  leaked in a log  ").IsSuccess);

        Assert.Equal(ApiKeyStatus.Revoked, key.AuthenticationRefusal(clock.GetUtcNow()));
        Assert.Equal("leaked in a log", key.RevocationReason);
        Assert.Equal("api_key_already_revoked", key.Revoke(clock.GetUtcNow(), null).Error?.Code);
    }

    [Fact]
    public void IsBroad_FlagsWorkerKeysWithOtherScopesAndKeysWithThreeOrMore()
    {
        Assert.False(ApiKeyScopes.IsBroad([ApiKeyScopes.PipelineWorker]));
        Assert.False(ApiKeyScopes.IsBroad([ApiKeyScopes.JobsRead, ApiKeyScopes.JobsWrite]));
        Assert.True(ApiKeyScopes.IsBroad([ApiKeyScopes.PipelineWorker, ApiKeyScopes.JobsRead]));
        Assert.True(ApiKeyScopes.IsBroad(ApiKeyScopes.Default.ToList()));
    }

    [Fact]
    public void RotateAndRevoke_MoveTheVersion()
    {
        var key = NewKey();
        var before = key.Version;

        Assert.True(key.Rotate("b".PadLeft(32, 'b'), "aip_prefix02", clock.GetUtcNow(), TimeSpan.FromHours(1), Lifetime).IsSuccess);
        var rotated = key.Version;
        Assert.True(key.Revoke(clock.GetUtcNow(), "leaked").IsSuccess);

        Assert.True(before < rotated && rotated < key.Version);
    }
}
