using Aiprod.Application.Admin;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

/// <summary>What an admin's user list asks for.</summary>
/// <param name="EmailContains">Part of the address, already normalised as addresses are (lower case, NFC).</param>
/// <param name="Role">Only this role.</param>
/// <param name="Status">Only accounts in this state at <paramref name="Now"/>.</param>
/// <param name="After">The last id of the previous page.</param>
/// <param name="Take">How many rows at most.</param>
/// <param name="Now">The time that decides whether a lockout still holds.</param>
public sealed record UserListFilter(string? EmailContains, UserRole? Role, AdminUserStatus? Status, UserId? After, int Take, DateTimeOffset Now);

/// <summary>The queue's overview figures the database counts.</summary>
public sealed record QueueFigures(
    IReadOnlyDictionary<JobStatus, int> Counts,
    DateTimeOffset? OldestQueuedAt,
    IReadOnlyList<PipelineJob> Running,
    int LapsedLeases,
    int LapsedLeasesRequeued,
    int AdminRequeues);

/// <summary>Read-only views across every user, for the admin routes; nothing read here is tracked.</summary>
public interface IAdminReader
{
    /// <summary>Accounts in id order (creation order: ids are version 7 GUIDs), after <see cref="UserListFilter.After"/>.</summary>
    Task<IReadOnlyList<User>> ListUsersAsync(UserListFilter filter, CancellationToken cancellationToken);

    /// <summary>Jobs by status, of one owner or of everyone.</summary>
    Task<IReadOnlyDictionary<JobStatus, int>> CountJobsAsync(UserId? ownerId, CancellationToken cancellationToken);

    /// <summary>The queue now; lapses and requeues counted from the audit log since <paramref name="since"/>.</summary>
    Task<QueueFigures> QueueFiguresAsync(DateTimeOffset since, int runningTake, CancellationToken cancellationToken);
}
