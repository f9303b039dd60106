using Aiprod.Application.Abstractions;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Admin;

/// <summary>
/// The admin behind a change that could take an active admin out (a demotion, a disable), read again: the token's role
/// claim may be minutes old. The handler then carries the actor's version into its commit
/// (<see cref="IUserRepository.RequireUnchangedSinceRead"/>), so the change commits only while its actor still is one.
/// </summary>
public static class ActingAdmin
{
    public static async Task<Result<User>> ReadAsync(IUserRepository users, UserId actorId, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(actorId, cancellationToken) is { Role: UserRole.Admin, IsDisabled: false } actor
            ? actor
            : AdminErrors.NotAnAdmin;
}
