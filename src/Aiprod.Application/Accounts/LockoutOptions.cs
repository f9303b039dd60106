using Aiprod.Domain.Users;

namespace Aiprod.Application.Accounts;

/// <summary>Lockout settings (configuration section <c>Auth:Lockout</c>).</summary>
public sealed class LockoutOptions
{
    public int MaxFailedAttempts { get; set; } = LockoutPolicy.Default.MaxFailedAttempts;

    public TimeSpan Duration { get; set; } = LockoutPolicy.Default.Duration;

    public LockoutPolicy ToPolicy() => new(MaxFailedAttempts, Duration);
}
