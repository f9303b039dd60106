using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Aiprod.Infrastructure.Persistence.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).ValueGeneratedNever();
        builder.HasOne<User>().WithMany().HasForeignKey(k => k.OwnerId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(k => k.Name).HasMaxLength(ApiKey.NameMaxLength).IsRequired();
        builder.Property(k => k.KeyHash).HasMaxLength(64).IsUnicode(false).IsRequired();
        builder.HasIndex(k => k.KeyHash).IsUnique();
        builder.Property(k => k.Prefix).HasMaxLength(16).IsUnicode(false).IsRequired();
        builder.Property(k => k.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(k => k.RevocationReason).HasMaxLength(ApiKey.ReasonMaxLength);
        builder.HasIndex(k => new { k.OwnerId, k.Status });

        // Rotation and revocation increment Version and update with the version read: of two concurrent changes
        // to one key exactly one applies, so a rotation can never write "rotated" over a revocation.
        builder.Property(k => k.Version).IsConcurrencyToken();

        // Scopes are a handful of fixed words: one space-separated column of their names, as OAuth writes them.
        builder.Property<List<ApiKeyScope>>("scopes")
            .HasField("scopes")
            .UsePropertyAccessMode(PropertyAccessMode.Field)
            .HasColumnName("Scopes")
            .HasMaxLength(200)
            .HasConversion(
                v => string.Join(' ', v.Select(EnumNames.Of)),
                v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(EnumNames.Parse<ApiKeyScope>).ToList(),
                new ValueComparer<List<ApiKeyScope>>((a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s)), v => v.ToList()));
        builder.Ignore(k => k.Scopes);
    }
}
