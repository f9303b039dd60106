using System.Security.Cryptography;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Time.Testing;

namespace Aiprod.Application.Tests;

/// <summary>
/// Aggregates as a repository hands them to a handler: made by their own factories and rules, with nothing left
/// to publish, so that what a test finds raised is what the handler did.
/// </summary>
internal static class Given
{
    public static FakeTimeProvider AClock() => new(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));

    public static User AUser(TimeProvider clock, string email = "ann@example.com")
    {
        Email.TryCreate(email, out var address);
        return Stored(User.Register(address, null, "stored-hash", clock.GetUtcNow()));
    }

    public static User AnAdmin(TimeProvider clock, string email = "ops@example.com")
    {
        var admin = AUser(clock, email);
        _ = admin.PromoteToAdmin();
        return admin;
    }

    public static ApiKey AKey(User owner, TimeProvider clock, params ApiKeyScope[] scopes) =>
        Stored(ApiKey.Issue(owner.Id, "build server", scopes.Length == 0 ? ApiKeyScopes.Default : scopes, AHash(), "aip_" + AHash()[..8], clock.GetUtcNow(), TimeSpan.FromDays(90)));

    public static ApiKey AWorkerKey(User owner, TimeProvider clock) => AKey(owner, clock, ApiKeyScope.PipelineWorker);

    /// <summary>A key rotated now, still working for <paramref name="grace"/>; its successor is dropped.</summary>
    public static ApiKey ARotatedKey(User owner, TimeProvider clock, TimeSpan grace)
    {
        var key = AKey(owner, clock);
        _ = key.Rotate(AHash(), "aip_next", clock.GetUtcNow(), grace, TimeSpan.FromDays(90));
        return Stored(key);
    }

    public static ApiKey ARevokedKey(User owner, TimeProvider clock)
    {
        var key = AKey(owner, clock);
        _ = key.Revoke(clock.GetUtcNow(), "leaked");
        return Stored(key);
    }

    public static PipelineJob AJob(User owner, TimeProvider clock, JobPriority priority = JobPriority.Normal) =>
        Stored(PipelineJob.Submit(owner.Id, "A thirty-second spot for a bakery.", JobPreset.QuickSocial, priority, "en", 30, clock.GetUtcNow()));

    public static PipelineJob ARunningJob(User owner, ApiKey worker, TimeProvider clock, TimeSpan lease)
    {
        var job = AJob(owner, clock);
        _ = job.Claim(worker.Id, clock.GetUtcNow(), lease);
        return Stored(job);
    }

    public static RefreshTokenFamily ASession(User user, TimeProvider clock) =>
        Stored(RefreshTokenFamily.Start(user.Id, clock.GetUtcNow(), RefreshTokenPolicy.Default, "203.0.113.7", "curl/8"));

    public static RefreshToken ATokenIn(RefreshTokenFamily family, string hash, TimeProvider clock) =>
        family.Issue(hash, null, clock.GetUtcNow(), RefreshTokenPolicy.Default).Value!;

    /// <summary>A lower-case hex SHA-256-sized hash, different each time.</summary>
    public static string AHash() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static T Stored<T>(T aggregate)
        where T : IHasDomainEvents
    {
        _ = aggregate.TakeDomainEvents();
        return aggregate;
    }
}
