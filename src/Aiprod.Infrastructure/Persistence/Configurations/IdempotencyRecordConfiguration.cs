using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Aiprod.Infrastructure.Persistence.Configurations;

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_records");

        // The key is the backstop: of two requests with one key that race past the lookup, one commits its effect
        // with its record and the other's whole commit is refused.
        builder.HasKey(r => new { r.OwnerId, r.Scope, r.Key });
        builder.HasOne<User>().WithMany().HasForeignKey(r => r.OwnerId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(r => r.Scope).HasMaxLength(IdempotencyRecord.ScopeMaxLength);
        builder.Property(r => r.Key).HasMaxLength(IdempotencyRecord.KeyMaxLength);
        builder.Property(r => r.RequestHash).HasMaxLength(IdempotencyRecord.RequestHashLength);

        // An expired key used afresh rewrites its row: of two doing so at once, one wins.
        builder.Property(r => r.CreatedAt).IsConcurrencyToken();
        builder.HasIndex(r => r.ExpiresAt);
    }
}
