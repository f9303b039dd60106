using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Aiprod.Infrastructure.Persistence.Configurations;

internal sealed class RefreshTokenFamilyConfiguration : IEntityTypeConfiguration<RefreshTokenFamily>
{
    public void Configure(EntityTypeBuilder<RefreshTokenFamily> builder)
    {
        builder.ToTable("refresh_token_families");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.Id).ValueGeneratedNever();
        builder.HasOne<User>().WithMany().HasForeignKey(f => f.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(f => f.ClientAddress).HasMaxLength(RefreshTokenFamily.ClientAddressMaxLength);
        builder.Property(f => f.UserAgent).HasMaxLength(RefreshTokenFamily.UserAgentMaxLength);
        builder.Property(f => f.RevocationReason).HasMaxLength(64);
        builder.Ignore(f => f.IsRevoked);

        // Revocation increments Version; a refresh updates the family with the version it read, so it cannot
        // issue a token into a session that ended meanwhile.
        builder.Property(f => f.Version).IsConcurrencyToken();
        builder.HasIndex(f => new { f.UserId, f.RevokedAt });
        // The revocation registry reloads recent revocations by time.
        builder.HasIndex(f => f.RevokedAt);
    }
}
