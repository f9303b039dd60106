using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// The model, shared by both providers. Each provider has its own derived context, so that each keeps its
/// own migrations folder and its own conventions (see <see cref="SqliteAiprodDbContext"/>, <see cref="SqlServerAiprodDbContext"/>).
/// </summary>
public abstract class AiprodDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();

    public DbSet<RefreshTokenFamily> RefreshTokenFamilies => Set<RefreshTokenFamily>();

    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<PipelineJob> PipelineJobs => Set<PipelineJob>();

    public DbSet<JobEvent> JobEvents => Set<JobEvent>();

    public DbSet<ExportJob> ExportJobs => Set<ExportJob>();

    public DbSet<WebhookSubscription> WebhookSubscriptions => Set<WebhookSubscription>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    /// <summary>True when the provider reports that a unique index refused the write.</summary>
    public abstract bool IsUniqueConstraintViolation(DbUpdateException exception);

    /// <summary>Whether a write failed because another writer held the database's lock for longer than it waits.</summary>
    public abstract bool IsBusy(Exception exception);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AiprodDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Typed ids in the columns GUIDs had (TEXT on SQLite, uniqueidentifier on SQL Server): the schema does not change.
        // EF applies a type's conversion to its nullable form too (ParentKeyId, WorkerKeyId).
        foreach (var id in EntityIds.All)
        {
            var converter = typeof(EntityIdValueConverter<>).MakeGenericType(id);
            configurationBuilder.Properties(id).HaveConversion(converter);
        }
    }
}
