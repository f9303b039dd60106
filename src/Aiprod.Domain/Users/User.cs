using Aiprod.Domain.Common;

namespace Aiprod.Domain.Users;

/// <summary>An account: identity, credentials (a password hash only) and the lockout state that guards them.</summary>
public sealed class User : AggregateRoot
{
    public const int DisplayNameMaxLength = 100;

    private User()
    {
        Email = null!;
        PasswordHash = string.Empty;
        DisplayName = string.Empty;
    }

    public UserId Id { get; private set; }

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

    /// <summary>
    /// Optimistic concurrency: incremented by every change of what decides a login or a credential (password, role,
    /// disabled, failed-login count, lockout) and by every API key issued. An update carries the version it read, so
    /// a disable and a key creation racing on one account cannot both commit: the loser decides again and sees the
    /// other's work. A successful login that only records its time leaves it, so parallel logins of one account do
    /// not conflict; its update still carries the version read, so it fails if a disable committed since.
    /// </summary>
    public int Version { get; private set; }

    public bool IsDisabled => DisabledAt is not null;

    public static User Register(Email email, string? displayName, string passwordHash, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(email);
        ArgumentException.ThrowIfNullOrEmpty(passwordHash);
        var name = string.IsNullOrWhiteSpace(displayName) ? LocalPartAsDisplayName(email) : displayName.Trim();
        return new User
        {
            Id = UserId.New(now),
            Email = email,
            DisplayName = name,
            PasswordHash = passwordHash,
            Role = UserRole.User,
            CreatedAt = now,
            PasswordChangedAt = now,
        };
    }

    public bool IsLockedOut(DateTimeOffset now) => LockoutEndsAt is { } end && end > now;

    /// <summary>
    /// Counts a failed login; returns true when this failure locks the account. The stored count is kept by the
    /// repository's atomic update, which applies this same rule so that parallel failures add up.
    /// </summary>
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
        Version++;
        if (FailedLoginCount < policy.MaxFailedAttempts)
        {
            return false;
        }

        LockoutEndsAt = now + policy.Duration;
        return true;
    }

    public void RecordSuccessfulLogin(DateTimeOffset now)
    {
        if (FailedLoginCount != 0 || LockoutEndsAt is not null)
        {
            // Resetting the count is a change a parallel failure must not write over.
            FailedLoginCount = 0;
            LockoutEndsAt = null;
            Version++;
        }

        LastLoginAt = now;
    }

    /// <summary>
    /// Refuses a new API key for a disabled account, and otherwise counts as a change of the account, so that a key
    /// created while an admin disables the account either sees it disabled or is seen (and revoked) by the disable.
    /// </summary>
    public Result<Done> RecordApiKeyIssued()
    {
        if (IsDisabled)
        {
            return UserErrors.Disabled;
        }

        Version++;
        return Done.Value;
    }

    /// <summary>Replaces the stored hash after the hasher upgraded its format; the password itself is unchanged.</summary>
    public void UpgradePasswordHash(string passwordHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(passwordHash);
        PasswordHash = passwordHash;
        Version++;
    }

    public void ChangePassword(string passwordHash, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(passwordHash);
        PasswordHash = passwordHash;
        PasswordChangedAt = now;

        // Whoever changes the password proved they know it: earlier wrong guesses no longer count toward a lockout.
        FailedLoginCount = 0;
        LockoutEndsAt = null;
        Version++;
    }

    public Result<Done> PromoteToAdmin()
    {
        if (Role == UserRole.Admin)
        {
            return UserErrors.AlreadyAdmin;
        }

        Role = UserRole.Admin;
        Version++;
        return Done.Value;
    }

    public Result<Done> Disable(DateTimeOffset now)
    {
        if (IsDisabled)
        {
            return UserErrors.AlreadyDisabled;
        }

        DisabledAt = now;
        Version++;
        Raise(new UserDisabled(Id));
        return Done.Value;
    }

    /// <summary>An admin lets a disabled account log in again; its sessions and keys ended by the disable stay ended.</summary>
    public Result<Done> Enable()
    {
        if (!IsDisabled)
        {
            return UserErrors.NotDisabled;
        }

        DisabledAt = null;
        Version++;
        return Done.Value;
    }

    /// <summary>An admin clears a lockout and the failed-login count that led to it (or would have).</summary>
    public Result<Done> Unlock()
    {
        if (FailedLoginCount == 0 && LockoutEndsAt is null)
        {
            return UserErrors.NotLocked;
        }

        FailedLoginCount = 0;
        LockoutEndsAt = null;
        Version++;
        return Done.Value;
    }

    /// <summary>
    /// An admin (<paramref name="actorId"/>) gives this account <paramref name="role"/>. An admin cannot demote
    /// themself; that the actor is still an admin when the change commits, and so that one admin always remains, is
    /// the use case's to hold (it reads the actor's row and carries its version). A demotion raises
    /// <see cref="UserDemoted"/>: sessions opened while it ran still carry the admin role.
    /// </summary>
    public Result<Done> ChangeRole(UserRole role, UserId actorId)
    {
        if (!Enum.IsDefined(role))
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, "Not a member of UserRole.");
        }

        if (role == Role)
        {
            return UserErrors.RoleUnchanged(role);
        }

        if (actorId == Id && Role == UserRole.Admin)
        {
            return UserErrors.CannotDemoteSelf;
        }

        var demoted = Role == UserRole.Admin;
        Role = role;
        Version++;
        if (demoted)
        {
            Raise(new UserDemoted(Id));
        }

        return Done.Value;
    }

    /// <summary>The address's local part, cut to fit the display name (never between the two halves of a surrogate pair).</summary>
    private static string LocalPartAsDisplayName(Email email)
    {
        var local = email.Value[..email.Value.LastIndexOf('@')];
        if (local.Length <= DisplayNameMaxLength)
        {
            return local;
        }

        var cut = char.IsHighSurrogate(local[DisplayNameMaxLength - 1]) ? DisplayNameMaxLength - 1 : DisplayNameMaxLength;
        return local[..cut];
    }
}
