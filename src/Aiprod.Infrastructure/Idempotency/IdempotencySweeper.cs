using Aiprod.Application.Idempotency.Commands.SweepIdempotencyRecords;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aiprod.Infrastructure.Idempotency;

/// <summary>Deletes expired idempotency records every <see cref="Interval"/>, on the host's clock.</summary>
internal sealed partial class IdempotencySweeper(IServiceScopeFactory scopes, TimeProvider clock, ILogger<IdempotencySweeper> logger) : PeriodicWorkService(clock)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override TimeSpan Period => Interval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => SweepAsync(cancellationToken);

    protected override void LogRunFailed(Exception exception, TimeSpan period) => LogSweepFailed(exception, period);

    /// <summary>Sweeps until no expired record is left; how many it deleted. Public for tests that step the clock.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            deleted = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new SweepIdempotencyRecordsCommand(), cancellationToken);
            total += deleted;
        }
        while (deleted == SweepIdempotencyRecordsCommand.Batch);

        return total;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired idempotency records failed; retrying in {Interval}")]
    private partial void LogSweepFailed(Exception exception, TimeSpan interval);
}
