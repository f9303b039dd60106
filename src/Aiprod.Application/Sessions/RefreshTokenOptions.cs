using Aiprod.Domain.Sessions;

namespace Aiprod.Application.Sessions;

/// <summary>Configuration section <c>Auth:RefreshTokens</c>.</summary>
public sealed class RefreshTokenOptions
{
    public TimeSpan TokenLifetime { get; set; } = RefreshTokenPolicy.Default.TokenLifetime;

    public TimeSpan FamilyLifetime { get; set; } = RefreshTokenPolicy.Default.FamilyLifetime;

    public TimeSpan ReuseLeeway { get; set; } = RefreshTokenPolicy.Default.ReuseLeeway;

    public RefreshTokenPolicy ToPolicy() => new(TokenLifetime, FamilyLifetime, ReuseLeeway);
}
