using Aiprod.Domain.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Aiprod.Infrastructure.Persistence.Configurations;

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> builder)
    {
        builder.ToTable("refresh_tokens");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.TokenHash).HasMaxLength(64).IsUnicode(false).IsRequired();
        builder.HasIndex(t => t.TokenHash).IsUnique();
        builder.HasOne(t => t.Family).WithMany().HasForeignKey(t => t.FamilyId).OnDelete(DeleteBehavior.Cascade);
        builder.Ignore(t => t.HashPrefix);

        // Redemption is "UPDATE … SET RedeemedAt = @now WHERE Id = @id AND RedeemedAt IS NULL": of many concurrent
        // redemptions exactly one writes; the others get a concurrency conflict and decide again on fresh state.
        builder.Property(t => t.RedeemedAt).IsConcurrencyToken();
    }
}
