using Aiprod.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Aiprod.Infrastructure.Persistence.Configurations;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("audit_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedOnAdd();
        builder.Property(e => e.EventType).HasMaxLength(AuditEvent.EventTypeMaxLength).IsRequired();
        builder.Property(e => e.ActorKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.Outcome).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.ActorId).HasMaxLength(64);
        builder.Property(e => e.Target).HasMaxLength(256);
        builder.Property(e => e.ClientAddress).HasMaxLength(64);
        builder.Property(e => e.UserAgent).HasMaxLength(512);
        builder.Property(e => e.TraceId).HasMaxLength(64);
        builder.Property(e => e.Hash).HasMaxLength(AuditCheckpoint.HashLength);

        // The chain's own guard: two sealers that read the same head both try to write its successor's number, and
        // the second is refused, so the chain cannot fork (SQL Server's unique index leaves NULLs out by a filter).
        builder.HasIndex(e => e.Seq).IsUnique();

        // The sealer's look-up of unsealed events in insertion order (rows with a NULL Seq are in this index on both providers).
        builder.HasIndex(e => new { e.Seq, e.Id }).HasDatabaseName("IX_audit_events_unsealed");
        builder.HasIndex(e => e.OccurredAt);

        // The audit-log reader: a user's own events (as actor or as target), newest first.
        builder.HasIndex(e => new { e.ActorId, e.Id });
        builder.HasIndex(e => new { e.Target, e.Id });
        builder.HasIndex(e => new { e.EventType, e.OccurredAt });
    }
}
