using Aiprod.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Aiprod.Infrastructure.Persistence.Configurations;

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> builder)
    {
        builder.ToTable("audit_checkpoints");
        builder.HasKey(c => c.Seq);
        builder.Property(c => c.Seq).ValueGeneratedNever();
        builder.Property(c => c.HeadHash).HasMaxLength(AuditCheckpoint.HashLength).IsRequired();
        builder.Property(c => c.KeyId).HasMaxLength(64).IsRequired();
        builder.Property(c => c.Signature).HasMaxLength(128).IsRequired();
    }
}
