using System.Text.Json;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Aiprod.Infrastructure.Jobs;

/// <summary>
/// Several instances: every event is published on one Redis channel, and every instance, this one included,
/// delivers what it receives to its own subscribers. One channel keeps each publisher's events in order.
/// </summary>
public sealed class RedisJobEventBus : IJobEventBus
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("aiprod:jobs:events");
    // Log levels travel by their wire names ("info"), as they did while the level was text: instances of either kind
    // read each other's events during a rolling deploy. An unknown name is refused by the reader (JsonException).
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new EntityIdJsonConverter(), new WireNameEnumConverterFactory() },
    };

    private readonly LocalJobSubscribers subscribers;
    private readonly RedisCircuit redis;

    public RedisJobEventBus(LocalJobSubscribers subscribers, RedisCircuit redis, ILogger<RedisJobEventBus> logger)
    {
        this.subscribers = subscribers;
        this.redis = redis;
        // Built on a request path (the first publish or socket): fire-and-forget registers the queue at once without
        // waiting on Redis; the multiplexer subscribes whenever it is (re)connected. The queue keeps the order.
        redis.Connection.GetSubscriber().Subscribe(Channel, CommandFlags.FireAndForget).OnMessage(message =>
        {
            try
            {
                var e = JsonSerializer.Deserialize<JobEventDto>((string)message.Message!, Json);
                if (e is not null && HasKnownValues(e))
                {
                    subscribers.Deliver(e);
                }
                else
                {
                    logger.LogWarning("Ignoring a job event from Redis that is empty or has an unknown status");
                }
            }
            catch (JsonException ex)
            {
                logger.LogWarning(ex, "Ignoring a malformed job event from Redis");
            }
        });
    }

    public int JobsWithSubscribers => subscribers.JobCount;

    // Statuses travel as numbers, which the reader accepts whatever their value: one no member has would reach a
    // socket and fail there, closing it, so it is refused here where it comes in.
    private static bool HasKnownValues(JobEventDto e) =>
        (e.From is not { } from || Enum.IsDefined(from))
        && (e.Status is not { } status || Enum.IsDefined(status));

    public async Task PublishAsync(IReadOnlyList<JobEventDto> events, CancellationToken cancellationToken)
    {
        if (await redis.TryPublishAsync(Channel, events.Select(e => (RedisValue)JsonSerializer.Serialize(e, Json)), "job events"))
        {
            return;
        }

        // Redis skipped or failed: this instance's own sockets would otherwise hear nothing until Redis is back.
        // Delivered here instead; should Redis deliver them after all, a socket skips them by event id. Sockets on
        // other instances notice the gap at their next event, or replay from the database when they reconnect.
        foreach (var e in events)
        {
            subscribers.Deliver(e);
        }
    }

    public IDisposable Subscribe(JobId jobId, Action<JobEventDto> handler) => subscribers.Add(jobId, handler);
}
