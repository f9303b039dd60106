using Aiprod.Application.Jobs;
using Aiprod.Application.Jobs.Commands.ExpireLeases;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Jobs;

/// <summary>Looks for lapsed worker leases every few seconds. Safe on several instances: the version check lets one win.</summary>
internal sealed class LeaseExpiryService(IServiceScopeFactory scopes, IOptions<JobOptions> options, TimeProvider clock, ILogger<LeaseExpiryService> logger)
    : PeriodicWorkService(clock)
{
    protected override TimeSpan Period => options.Value.LeaseCheckInterval;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ExpireLeasesCommand(), cancellationToken);
    }

    protected override void LogRunFailed(Exception exception, TimeSpan period) =>
        logger.LogWarning(exception, "Expiring worker leases failed; retrying in {Interval}", period);
}
