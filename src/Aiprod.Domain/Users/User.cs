using Aiprod.Domain.Common;

namespace Aiprod.Domain.Users;

/// <summary>An account: identity, credentials (a password hash only) and the lockout state that guards them.</summary>
public sealed class User
{
    public const int DisplayNameMaxLength = 100;

    private User()
    {
        Email = null!;
        PasswordHash = string.Empty;
        DisplayName = string.Empty;
    }

    public Guid Id { get; private set; }

    public Email Email { get; private set; }

    public string DisplayName { get; private set; }

    public string PasswordHash { get; private set; }

    public UserRole Role { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? LastLoginAt { get; private set; }

    public int FailedLoginCount { get; private set; }

    public DateTimeOffset? LockoutEndsAt { get; private set; }

    public DateTimeOffset? DisabledAt { get; private set; }

    public DateTimeOffset PasswordChangedAt { get; private set; }

    public bool IsDisabled => DisabledAt is not null;

    public static User Register(Email email, string? displayName, string passwordHash, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(email);
        ArgumentException.ThrowIfNullOrEmpty(passwordHash);
        var name = string.IsNullOrWhiteSpace(displayName) ? email.Value.Split('@')[0] : displayName.Trim();
        return new User
        {
            Id = Guid.CreateVersion7(now),
            Email = email,
            DisplayName = name,
            PasswordHash = passwordHash,
            Role = UserRole.User,
            CreatedAt = now,
            PasswordChangedAt = now,
        };
    }

    public bool IsLockedOut(DateTimeOffset now) => LockoutEndsAt is { } end && end > now;

    /// <summary>Counts a failed login; returns true when this failure locks the account.</summary>
    public bool RecordFailedLogin(DateTimeOffset now, LockoutPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (LockoutEndsAt is { } end && end <= now)
        {
            // A lockout that has run out starts a fresh count, so one more miss does not relock at once.
            LockoutEndsAt = null;
            FailedLoginCount = 0;
        }

        FailedLoginCount++;
        if (FailedLoginCount < policy.MaxFailedAttempts)
        {
            return false;
        }

        LockoutEndsAt = now + policy.Duration;
        return true;
    }

    public void RecordSuccessfulLogin(DateTimeOffset now)
    {
        FailedLoginCount = 0;
        LockoutEndsAt = null;
        LastLoginAt = now;
    }

    /// <summary>Replaces the stored hash after the hasher upgraded its format; the password itself is unchanged.</summary>
    public void UpgradePasswordHash(string passwordHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(passwordHash);
        PasswordHash = passwordHash;
    }

    public void ChangePassword(string passwordHash, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(passwordHash);
        PasswordHash = passwordHash;
        PasswordChangedAt = now;
    }

    public Result<Done> PromoteToAdmin()
    {
        if (Role == UserRole.Admin)
        {
            return Error.Conflict("already_admin", "The user is already an admin.");
        }

        Role = UserRole.Admin;
        return Done.Value;
    }

    public Result<Done> Disable(DateTimeOffset now)
    {
        if (IsDisabled)
        {
            return Error.Conflict("already_disabled", "The user is already disabled.");
        }

        DisabledAt = now;
        return Done.Value;
    }
}
