using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Aiprod.Infrastructure.Persistence.Configurations;

internal sealed class PipelineJobConfiguration : IEntityTypeConfiguration<PipelineJob>
{
    public void Configure(EntityTypeBuilder<PipelineJob> builder)
    {
        builder.ToTable("pipeline_jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Id).ValueGeneratedNever();
        builder.HasOne<User>().WithMany().HasForeignKey(j => j.OwnerId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(j => j.Content).HasMaxLength(PipelineJob.ContentMaxLength).IsRequired();
        builder.Property(j => j.Preset).HasConversion<string>().HasMaxLength(32);
        builder.Property(j => j.Priority).HasConversion<int>();
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.Lang).HasMaxLength(16).IsRequired();
        builder.Property(j => j.ErrorMessage).HasMaxLength(JobEvent.MessageMaxLength);
        builder.Ignore(j => j.IsTerminal);

        // Every change increments Version; the UPDATE carries the version read, so of two writers (two workers
        // claiming, a report racing a cancel) exactly one wins and the other reloads.
        builder.Property(j => j.Version).IsConcurrencyToken();

        builder.HasMany(j => j.Events).WithOne().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(j => j.Events).HasField("events").UsePropertyAccessMode(PropertyAccessMode.Field);

        // In the claim's own order (highest priority first, then oldest), so the head of the queue is the first
        // entries of the index: an ascending Priority would make the database sort every queued job of the top
        // priority on each claim.
        builder.HasIndex(j => new { j.Status, j.Priority, j.CreatedAt }).IsDescending(false, true, false);
        builder.HasIndex(j => new { j.OwnerId, j.CreatedAt });
        // A submit counts its owner's queued jobs under the write lock: with only the indexes above that count walks
        // every queued job of every owner (or every job the owner ever had); this one covers it.
        builder.HasIndex(j => new { j.OwnerId, j.Status });
        builder.HasIndex(j => new { j.Status, j.LeaseExpiresAt });
    }
}
