using Aiprod.Application.Abstractions;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence;

internal sealed class EfUnitOfWork(AiprodDbContext db) : IUnitOfWork
{
    public async Task SaveChangesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException ex)
        {
            DetachFailed(ex);
            throw new ConcurrencyConflictException("A row changed while this request was updating it.", ex);
        }
        catch (DbUpdateException ex) when (db.IsUniqueConstraintViolation(ex))
        {
            DetachFailed(ex);
            throw new UniqueConstraintViolationException("A unique index refused the change.", ex);
        }
    }

    // Leave the context usable for a retry or a follow-up write (such as an audit event) in the same scope.
    private static void DetachFailed(DbUpdateException ex)
    {
        foreach (var entry in ex.Entries)
        {
            entry.State = EntityState.Detached;
        }
    }
}
