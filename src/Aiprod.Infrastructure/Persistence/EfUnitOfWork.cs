using Aiprod.Application.Abstractions;
using Aiprod.Domain.Common;
using Aiprod.Domain.Jobs;
using Microsoft.EntityFrameworkCore;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.EntityFrameworkCore.Storage;

namespace Aiprod.Infrastructure.Persistence;

internal sealed class EfUnitOfWork(AiprodDbContext db, WebhookOutbox outbox, SqliteWriterConnection? writer = null) : IUnitOfWork
{
    private IDbContextTransaction? write;
    private int started;

    // SQLite only: each open of a pooled connection registers EF Core's dozen SQL functions on it and each close removes
    // them again, which a refresh paid twice and a claim three times. SQL Server keeps its own pool and its retrying
    // execution strategy, which reopens connections as it needs them.
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (db is SqliteAiprodDbContext && started++ == 0)
        {
            try
            {
                await db.Database.OpenConnectionAsync(cancellationToken);
            }
            catch
            {
                started = 0;
                throw;
            }
        }
    }

    public async Task EndAsync()
    {
        if (db is SqliteAiprodDbContext && started > 0 && --started == 0)
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    // A retrying execution strategy (SQL Server's EnableRetryOnFailure) refuses every statement inside a transaction
    // the application began. There the command keeps its optimistic check instead (the version); the early write
    // lock is the SQLite writer gate's business.
    public async Task BeginWriteAsync(CancellationToken cancellationToken)
    {
        if (write is null && !db.Database.CreateExecutionStrategy().RetriesOnFailure)
        {
            await AttachWriterAsync(cancellationToken);
            try
            {
                write = await db.Database.BeginTransactionAsync(cancellationToken);
            }
            catch
            {
                await AbandonQuietlyAsync();
                throw;
            }
        }
    }

    public async Task AbandonAsync()
    {
        try
        {
            if (write is { } open)
            {
                write = null;
                await open.DisposeAsync();
            }
        }
        finally
        {
            await DetachWriterAsync();
        }
    }

    // SQLite: the write runs on the one writer connection (SqliteWriterConnection), which holds the gate from here to
    // the detach. The pooled connection the unit of work opened goes back to the pool first: EF Core swaps only a
    // closed connection.
    private async Task AttachWriterAsync(CancellationToken cancellationToken)
    {
        if (writer is not null && db is SqliteAiprodDbContext sqlite && !sqlite.WriteHold.IsHeld)
        {
            if (started > 0)
            {
                await db.Database.CloseConnectionAsync();
            }

            var attached = false;
            try
            {
                attached = await writer.AttachAsync(sqlite, cancellationToken);
            }
            finally
            {
                // Not attached (refused, or it threw): the unit of work's connection is open again, as StartAsync left
                // it, for its EndAsync to close.
                if (!attached && started > 0)
                {
                    await db.Database.OpenConnectionAsync(CancellationToken.None);
                }
            }
        }
    }

    private Task DetachWriterAsync() =>
        writer is not null && db is SqliteAiprodDbContext sqlite ? writer.DetachAsync(sqlite) : Task.CompletedTask;

    // On a failure already on its way: the write is rolled back and the writer detached (the gate let go of) whatever
    // happens, and what that throws does not hide the failure (a conflict the retry behaviour answers, a unique
    // index's refusal).
    private async Task AbandonQuietlyAsync()
    {
        try
        {
            await AbandonAsync();
        }
        catch (Exception)
        {
        }
    }

    public async Task<IReadOnlyList<IDomainEvent>> SaveChangesAsync(CancellationToken cancellationToken)
    {
        // Changes are detected once, here: the outbox's walk over the entries, SaveChanges and the walk for the
        // raised events below each detected them again (a pass over every property of every tracked entity). Nothing
        // in between changes a tracked entity behind the tracker's back: the outbox only adds its deliveries.
        var tracker = db.ChangeTracker;
        tracker.DetectChanges();
        var autoDetect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            return await SaveDetectedChangesAsync(cancellationToken);
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    private async Task<IReadOnlyList<IDomainEvent>> SaveDetectedChangesAsync(CancellationToken cancellationToken)
    {
        var ownWrite = false;
        var saved = false;
        try
        {
            await outbox.StageAsync(db, cancellationToken);

            // A write the handler did not begin early begins here, after the outbox's reads, on the writer connection.
            if (write is null && writer is not null && db.ChangeTracker.HasChanges())
            {
                ownWrite = true;
                await BeginWriteAsync(cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            if (write is { } open)
            {
                write = null;
                await using (open)
                {
                    await open.CommitAsync(cancellationToken);
                }

                await DetachWriterAsync();
            }

            saved = true;
        }
        catch (DbUpdateConcurrencyException ex)
        {
            Discard();
            throw new ConcurrencyConflictException("A row changed while this request was updating it.", ex);
        }
        catch (DbUpdateException ex) when (db.IsUniqueConstraintViolation(ex) && ex.Entries.Any(e => e.Entity is JobEvent))
        {
            // A job's event number is taken only by a writer that changed the job first: the same lost race
            // as a version mismatch, whichever statement the database ran first.
            Discard();
            throw new ConcurrencyConflictException("The job changed while this request was updating it.", ex);
        }
        catch (DbUpdateException ex) when (db.IsUniqueConstraintViolation(ex))
        {
            Discard();
            throw new UniqueConstraintViolationException("A unique index refused the change.", ex);
        }
        catch (DbUpdateException ex) when (ex.InnerException is StoreBusyException busy)
        {
            // The writer gate refused inside SaveChanges, which wraps what its statements throw.
            Discard();
            throw new StoreBusyException(busy.Message, ex);
        }
        catch (Exception ex) when (db.IsBusy(ex))
        {
            Discard();
            throw new StoreBusyException("Another writer held the database's write lock for longer than the busy timeout.", ex);
        }
        finally
        {
            // A write begun here ends here: once saved it was committed and detached above; after a failure it is
            // rolled back if still open, and detached.
            if (ownWrite && !saved)
            {
                await AbandonQuietlyAsync();
            }
        }

        // Taken only now: what a failed commit discarded never raised anything. The aggregates stay tracked after
        // a successful save, so every one this unit of work changed is still here to ask.
        return db.ChangeTracker.Entries<IHasDomainEvents>()
            .SelectMany(e => e.Entity.TakeDomainEvents())
            .ToList();
    }

    // Nothing of a failed unit of work may be saved by a later one in the same scope (a retry, an audit event):
    // the caller starts again from the database. What it read before is detached from here on, so changing it
    // commits nothing; a command that may lose a race is run again on a fresh scope for that reason (IRetryOnConflict).
    private void Discard() => db.ChangeTracker.Clear();
}
