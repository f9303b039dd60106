using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Audit;

/// <summary>Runs the <see cref="AuditSealer"/> every <see cref="AuditOptions.SealInterval"/> on this instance.</summary>
internal sealed class AuditSealerService(AuditSealer sealer, IOptions<AuditOptions> options, TimeProvider clock, ILogger<AuditSealerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SealerEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.SealInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await sealer.SealPendingAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Sealing audit events failed; retrying in {Interval}", options.Value.SealInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; what is unsealed is sealed by the next round of any instance.
        }
    }
}
