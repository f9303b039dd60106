using System.Text.Json;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Aiprod.Infrastructure.Persistence.Configurations;

internal sealed class ExportJobConfiguration : IEntityTypeConfiguration<ExportJob>
{
    public void Configure(EntityTypeBuilder<ExportJob> builder)
    {
        builder.ToTable("export_jobs");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.OwnerId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(e => e.Format).HasConversion(new EnumNameConverter<ExportFormat>()).HasMaxLength(16);
        builder.Property(e => e.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.StatusFilter).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.PresetFilter).HasConversion<string>().HasMaxLength(32);
        builder.Property(e => e.Failure).HasConversion<string>().HasMaxLength(32);
        builder.Property(e => e.ErrorMessage).HasMaxLength(ExportJob.ErrorMessageMaxLength);
        builder.Property(e => e.IdempotencyKey).HasMaxLength(ExportJob.IdempotencyKeyMaxLength);
        builder.Property(e => e.RequestHash).HasMaxLength(64);
        builder.Property(e => e.Sha256).HasMaxLength(64);
        builder.Property(e => e.FileKey).HasMaxLength(128);
        builder.Ignore(e => e.IsTerminal);

        // The selection as the caller gave it, one JSON array each: read back whole, never queried into.
        builder.Property(e => e.JobIds).HasConversion(
            v => JsonSerializer.Serialize(v!.Select(id => id.Value), JsonSerializerOptions.Default),
            v => JsonSerializer.Deserialize<List<Guid>>(v, JsonSerializerOptions.Default)!.Select(g => new JobId(g)).ToList(),
            new ValueComparer<IReadOnlyList<JobId>?>((a, b) => a == null ? b == null : b != null && a.SequenceEqual(b), v => v == null ? 0 : v.Count, v => v));
        builder.Property(e => e.Columns).HasConversion(
            v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
            v => JsonSerializer.Deserialize<List<string>>(v, JsonSerializerOptions.Default)!,
            new ValueComparer<IReadOnlyList<string>?>((a, b) => a == null ? b == null : b != null && a.SequenceEqual(b), v => v == null ? 0 : v.Count, v => v));

        // Every change increments Version; the UPDATE carries the version read, so of two writers (two instances
        // claiming, a runner's report and a cancel) exactly one wins and the other reads again.
        builder.Property(e => e.Version).IsConcurrencyToken();

        // One export per owner and key: the backstop that makes racing duplicates create one export.
        builder.HasIndex(e => new { e.OwnerId, e.IdempotencyKey }).IsUnique();
        builder.HasIndex(e => new { e.OwnerId, e.CreatedAt });
        builder.HasIndex(e => new { e.Status, e.CreatedAt });
        builder.HasIndex(e => new { e.Status, e.ExpiresAt });
    }
}
