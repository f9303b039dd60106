using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Aiprod.Infrastructure.Persistence.Configurations;

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> builder)
    {
        builder.ToTable("webhook_subscriptions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.HasOne<User>().WithMany().HasForeignKey(s => s.OwnerId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(s => s.Url).HasMaxLength(WebhookSubscription.UrlMaxLength);
        builder.Property(s => s.Events).HasMaxLength(400);
        builder.Property(s => s.Description).HasMaxLength(WebhookSubscription.DescriptionMaxLength);
        builder.Property(s => s.SecretCiphertext).HasMaxLength(200);
        builder.Property(s => s.PreviousSecretCiphertext).HasMaxLength(200);
        builder.Property(s => s.DisabledReason).HasMaxLength(WebhookSubscription.DisabledReasonMaxLength);
        builder.Property(s => s.Version).IsConcurrencyToken();
        builder.Ignore(s => s.EventList);
        builder.HasIndex(s => new { s.OwnerId, s.CreatedAt });
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("webhook_deliveries");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(d => d.EventType).HasMaxLength(32);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.Version).IsConcurrencyToken();
        builder.HasMany(d => d.Attempts).WithOne().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(d => d.Attempts).UsePropertyAccessMode(PropertyAccessMode.Field);

        // The dispatcher's look-up: due pending deliveries in the order they fell due.
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt });
        builder.HasIndex(d => new { d.SubscriptionId, d.CreatedAt });
        // The retention sweep's range: ended deliveries older than the cutoff (a pending one has none).
        builder.HasIndex(d => d.EndedAt);
    }
}

internal sealed class WebhookAttemptConfiguration : IEntityTypeConfiguration<WebhookAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookAttempt> builder)
    {
        builder.ToTable("webhook_attempts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedOnAdd();
        builder.Property(a => a.Error).HasMaxLength(WebhookDelivery.ErrorMaxLength);
        builder.HasIndex(a => new { a.DeliveryId, a.Number }).IsUnique();
    }
}
