using Aiprod.Domain.Sessions;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Aiprod.Infrastructure.Sessions;

/// <summary>Fills the registry at start, listens to other instances, reloads periodically and forgets what expired.</summary>
internal sealed class SessionRevocationSync(
    SessionRevocationRegistry registry,
    IServiceScopeFactory scopes,
    IOptions<SessionRevocationOptions> options,
    IOptions<RedisOptions> redisOptions,
    TimeProvider clock,
    ILogger<SessionRevocationSync> logger,
    RedisCircuit? redis = null) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Listen first, then load: a revocation published between the two is caught by one or the other.
        if (redis is not null)
        {
            redis.Restored += ReloadOnRestore;
            await SubscribeAsync(redis, cancellationToken);
        }

        // Before the first request: a restart must not forget a revocation whose access tokens still live.
        await ReloadAsync(cancellationToken);

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReloadInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                registry.ForgetExpired();
                await ReloadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Reloading session revocations failed; retrying in {Interval}", options.Value.ReloadInterval);
            }
        }
    }

    public override void Dispose()
    {
        if (redis is not null)
        {
            redis.Restored -= ReloadOnRestore;
        }

        base.Dispose();
    }

    /// <summary>Redis is back: revocations published while it was out never came, so they are read now, not at the next reload.</summary>
    private void ReloadOnRestore() => _ = Task.Run(async () =>
    {
        try
        {
            await ReloadAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Reloading session revocations after Redis came back failed; the reload every {Interval} covers it", options.Value.ReloadInterval);
        }
    });

    /// <summary>
    /// A stalled or dead Redis must not stop the start: the wait is bounded, and the handler stays registered, so
    /// the multiplexer subscribes it once Redis answers; until then the periodic reload covers other instances.
    /// </summary>
    private async Task SubscribeAsync(RedisCircuit redis, CancellationToken cancellationToken)
    {
        var subscribing = redis.Connection.GetSubscriber().SubscribeAsync(SessionRevocationRegistry.Channel, (_, message) =>
        {
            if (Guid.TryParseExact(message.ToString(), "N", out var id))
            {
                registry.Remember(new SessionId(id), clock.GetUtcNow());
            }
        });
        try
        {
            await subscribing.WaitAsync(redisOptions.Value.OperationTimeout, TimeProvider.System, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            subscribing.ObserveFailure();
            logger.LogWarning(ex, "Could not subscribe to session revocations on Redis yet; relying on the reload every {Interval} until it answers", options.Value.ReloadInterval);
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var since = clock.GetUtcNow() - registry.Retention;
        var recent = await db.RefreshTokenFamilies.AsNoTracking()
            .Where(f => f.RevokedAt != null && f.RevokedAt > since)
            .Select(f => new { f.Id, f.RevokedAt })
            .ToListAsync(cancellationToken);
        foreach (var family in recent)
        {
            registry.Remember(family.Id, family.RevokedAt!.Value);
        }
    }
}
