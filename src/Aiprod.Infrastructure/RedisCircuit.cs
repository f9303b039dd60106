using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using StackExchange.Redis;

namespace Aiprod.Infrastructure;

/// <summary>What a command through <see cref="RedisCircuit"/> came back with: its value, or nothing because Redis did not answer.</summary>
public readonly record struct RedisAnswer<T>(bool Answered, T? Value)
{
    public static RedisAnswer<T> None => default;
}

/// <summary>
/// The way to Redis for everything on a request path (rate-limit counts, publishes after a commit, the readiness
/// ping). Each command gets <see cref="RedisOptions.OperationTimeout"/>; when Redis fails repeatedly the circuit
/// opens and, for <see cref="RedisOptions.BreakDuration"/>, every caller is answered "no answer" at once instead of
/// waiting on it, then one call probes it. A failure is never an exception to the caller: rate limits fall back
/// to counting per instance, and what a publish announced is already committed and reaches the other instances
/// through the backstops (the periodic revocation reload, the key cache's time to live, replay of job events).
/// </summary>
public sealed class RedisCircuit
{
    public const string PipelineName = "aiprod-redis";

    private const double FailureRatio = 0.5;
    private const int MinimumThroughput = 3;
    private static readonly TimeSpan SamplingDuration = TimeSpan.FromSeconds(2);

    private readonly ResiliencePipeline pipeline;
    private readonly RedisCircuitState state;
    private readonly ILogger<RedisCircuit> logger;
    private long attempts;

    public RedisCircuit(
        IConnectionMultiplexer connection,
        ResiliencePipelineProvider<string> pipelines,
        RedisCircuitState state,
        ILogger<RedisCircuit> logger)
    {
        Connection = connection;
        pipeline = pipelines.GetPipeline(PipelineName);
        this.state = state;
        this.logger = logger;
        connection.ConnectionRestored += (_, _) => state.Restore();
    }

    /// <summary>
    /// Raised when Redis is back: the connection was restored, or the circuit closed. Whatever other instances
    /// published meanwhile did not reach this one, and a publish never waits for Redis to come back; so each
    /// instance makes up for what it missed on its own reconnect (drops its key cache, reloads revocations).
    /// </summary>
    public event Action Restored
    {
        add => state.Restored += value;
        remove => state.Restored -= value;
    }

    /// <summary>Commands sent to Redis through the circuit since start (a circuit that is open sends none).</summary>
    public long Attempts => Interlocked.Read(ref attempts);

    public IConnectionMultiplexer Connection { get; }

    /// <summary>
    /// True while Redis is skipped: callers decide on their own without asking it. False again once the break is
    /// over, so that the next call goes through the pipeline and probes Redis (the circuit leaves "open" only then).
    /// </summary>
    public bool IsOpen => state.IsOpen;

    /// <summary>The circuit breaker in front of a per-command timeout; timeouts count as failures.</summary>
    public static void Configure(ResiliencePipelineBuilder builder, RedisOptions options, RedisCircuitState state, ILogger logger)
    {
        // Network timeouts are real time, whatever clock the host runs on (tests step a fake one for business time).
        builder.TimeProvider = TimeProvider.System;
        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = FailureRatio,
                MinimumThroughput = MinimumThroughput,
                SamplingDuration = SamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsRedisFailure),
                OnOpened = args =>
                {
                    state.Opened(args.BreakDuration);
                    logger.LogWarning(
                        "Redis is failing; skipping it for {BreakDuration}: rate limits count per instance, publishes are left to the backstops",
                        args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    state.Closed();
                    logger.LogInformation("Redis answers again");
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.OperationTimeout);
    }

    /// <summary>Runs one command, or answers <see cref="RedisAnswer{T}.None"/> when Redis fails, is too slow, or is being skipped.</summary>
    public async ValueTask<RedisAnswer<T>> TryAsync<T>(Func<IConnectionMultiplexer, Task<T>> command, string what)
    {
        if (IsOpen)
        {
            logger.LogDebug("Redis is being skipped; not sending {What}", what);
            return RedisAnswer<T>.None;
        }

        try
        {
            var value = await pipeline.ExecuteAsync(
                static async (s, cancellationToken) =>
                {
                    Interlocked.Increment(ref s.Circuit.attempts);
                    return await WithinAsync(s.command(s.Circuit.Connection), cancellationToken);
                },
                (command, Circuit: this),
                CancellationToken.None);
            return new RedisAnswer<T>(true, value);
        }
        catch (BrokenCircuitException)
        {
            // Opened meanwhile, or half-open with its one probe under way.
            logger.LogDebug("Redis is being skipped; not sending {What}", what);
            return RedisAnswer<T>.None;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            logger.LogWarning(ex, "Redis did not answer {What}", what);
            return RedisAnswer<T>.None;
        }
    }

    /// <summary>Publishes each message on the channel, pipelined (so in order) as one command to the circuit.</summary>
    public async Task<bool> TryPublishAsync(RedisChannel channel, IEnumerable<RedisValue> messages, string what)
    {
        var batch = messages.ToArray();
        if (batch.Length == 0)
        {
            return true;
        }

        var answer = await TryAsync(
            async redis =>
            {
                var subscriber = redis.GetSubscriber();
                await Task.WhenAll(batch.Select(m => subscriber.PublishAsync(channel, m)));
                return true;
            },
            what);
        return answer.Answered;
    }

    /// <summary>
    /// StackExchange.Redis notices its own timeouts only on a heartbeat about once a second, and its commands take
    /// no cancellation token: the command is awaited only until the pipeline's timeout cancels, then abandoned.
    /// </summary>
    private static async Task<T> WithinAsync<T>(Task<T> command, CancellationToken cancellationToken)
    {
        try
        {
            return await command.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (!command.IsCompleted)
        {
            command.ObserveFailure();
            throw;
        }
    }

    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException or TimeoutRejectedException;
}
