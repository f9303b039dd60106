using Aiprod.Application.Jobs;
using Aiprod.Application.Jobs.Commands.ExpireLeases;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Jobs;

/// <summary>Looks for lapsed worker leases every few seconds. Safe on several instances: the version check lets one win.</summary>
internal sealed class LeaseExpiryService(IServiceScopeFactory scopes, IOptions<JobOptions> options, TimeProvider clock, ILogger<LeaseExpiryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LeaseCheckInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ExpireLeasesCommand(), stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Expiring worker leases failed; retrying in {Interval}", options.Value.LeaseCheckInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
