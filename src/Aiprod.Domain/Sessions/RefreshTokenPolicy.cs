namespace Aiprod.Domain.Sessions;

/// <param name="TokenLifetime">How long one refresh token lives after it is issued.</param>
/// <param name="FamilyLifetime">The absolute cap of a session; rotation never extends it.</param>
/// <param name="ReuseLeeway">
/// How long after a redemption the same token may be presented again without being taken for a replay: two
/// tabs or a retried request refreshing at once. Past it, a second presentation is a reuse (RFC 9700 §4.14.2).
/// </param>
public sealed record RefreshTokenPolicy(TimeSpan TokenLifetime, TimeSpan FamilyLifetime, TimeSpan ReuseLeeway)
{
    public static RefreshTokenPolicy Default { get; } = new(TimeSpan.FromDays(7), TimeSpan.FromDays(30), TimeSpan.FromSeconds(30));
}
