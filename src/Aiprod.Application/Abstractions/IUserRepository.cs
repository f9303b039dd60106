using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

public interface IUserRepository
{
    Task<User?> FindByIdAsync(UserId id, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the account holds the admin role as stored and is not disabled (false for an unknown one): one row read, nothing tracked,
    /// for the paths that ask only that (every worker claim asks it, twice).
    /// </summary>
    Task<bool> IsAdminAsync(UserId id, CancellationToken cancellationToken);

    Task<User?> FindByEmailAsync(Email email, CancellationToken cancellationToken);

    Task<bool> EmailExistsAsync(Email email, CancellationToken cancellationToken);

    void Add(User user);

    /// <summary>
    /// Counts one failed password check at once, with an atomic update outside the optimistic version check, so that
    /// parallel failures add up instead of conflicting (a failure lost to a race would be a free guess). The rule is
    /// <see cref="User.RecordFailedLogin"/>'s: an expired lockout starts a fresh count, and the failure that reaches
    /// the policy's threshold locks the account. The version still moves, so a login or change that read the account
    /// before this failure does not write over it. Tracked instances of the account are left stale: do not change them.
    /// </summary>
    Task<FailedLoginRecorded> RecordFailedLoginAsync(UserId userId, DateTimeOffset now, LockoutPolicy policy, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the next save of <paramref name="user"/> carry the version it was read with (<c>… WHERE Version = @read</c>)
    /// even when nothing else of it changed, so the save fails with a conflict if the account changed since.
    /// </summary>
    void RequireUnchangedSinceRead(User user);
}

/// <param name="LockedNow">This failure locked the account.</param>
/// <param name="FailedAttempts">The count after this failure.</param>
/// <param name="LockedUntil">The end of the lockout this failure started.</param>
public readonly record struct FailedLoginRecorded(bool LockedNow, int FailedAttempts, DateTimeOffset? LockedUntil);
