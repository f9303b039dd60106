using Aiprod.Application.Abstractions;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence.Repositories;

internal sealed class UserRepository(AiprodDbContext db) : IUserRepository
{
    // Compiled: a claim asks it twice (before the write lock and under it), and a tracked lookup by key builds and
    // looks up its query expression on every call. A disabled admin is no admin (as for ActingAdmin): disabling revokes
    // the account's keys, but another instance may serve a cached key for up to its cache lifetime while Redis is down.
    private static readonly PerModelQuery<Func<AiprodDbContext, UserId, CancellationToken, Task<bool>>> IsAdmin = new(() => EF.CompileAsyncQuery(
        (AiprodDbContext db, UserId id, CancellationToken cancellationToken) => db.Users.Any(u => u.Id == id && u.Role == UserRole.Admin && u.DisabledAt == null)));

    // A user this scope already tracks is the one a query would return (a tracking query never overwrites it), so
    // it is answered from the change tracker without a round trip.
    public async Task<User?> FindByIdAsync(UserId id, CancellationToken cancellationToken) =>
        await db.Users.FindAsync([id], cancellationToken);

    public Task<bool> IsAdminAsync(UserId id, CancellationToken cancellationToken) => IsAdmin.For(db)(db, id, cancellationToken);

    public Task<User?> FindByEmailAsync(Email email, CancellationToken cancellationToken) =>
        db.Users.FirstOrDefaultAsync(u => u.Email == email, cancellationToken);

    public Task<bool> EmailExistsAsync(Email email, CancellationToken cancellationToken) =>
        db.Users.AnyAsync(u => u.Email == email, cancellationToken);

    public void Add(User user) => db.Users.Add(user);

    public async Task<FailedLoginRecorded> RecordFailedLoginAsync(UserId userId, DateTimeOffset now, LockoutPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);

        // Each statement is atomic on its row, so parallel failures each add one. Every SET reads the row as it was.
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(
            s => s
                .SetProperty(u => u.FailedLoginCount, u => u.LockoutEndsAt != null && u.LockoutEndsAt <= now ? 1 : u.FailedLoginCount + 1)
                .SetProperty(u => u.LockoutEndsAt, u => u.LockoutEndsAt != null && u.LockoutEndsAt <= now ? null : u.LockoutEndsAt)
                .SetProperty(u => u.Version, u => u.Version + 1),
            cancellationToken);

        // Of the failures at or past the threshold, the one whose statement finds the account unlocked locks it: one lock,
        // one lockout audit, however many ran at once. The lock moves the version too, so a login that read the account
        // before it cannot commit a reset count over it. Once counted, the lock decision runs to the end whatever the
        // client does.
        var until = now + policy.Duration;
        var locked = await db.Users
            .Where(u => u.Id == userId && u.FailedLoginCount >= policy.MaxFailedAttempts && (u.LockoutEndsAt == null || u.LockoutEndsAt <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEndsAt, until).SetProperty(u => u.Version, u => u.Version + 1), CancellationToken.None) == 1;
        var count = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.FailedLoginCount).FirstOrDefaultAsync(CancellationToken.None);
        return new FailedLoginRecorded(locked, count, locked ? until : null);
    }

    public void RequireUnchangedSinceRead(User user)
    {
        // A modified concurrency token puts the row in the UPDATE with its original value in the WHERE clause, even
        // when no other column changed (a login at the same instant as the last one writes no new LastLoginAt).
        var entry = db.Entry(user);
        if (entry.State is EntityState.Unchanged or EntityState.Modified)
        {
            entry.Property(u => u.Version).IsModified = true;
        }
    }
}
