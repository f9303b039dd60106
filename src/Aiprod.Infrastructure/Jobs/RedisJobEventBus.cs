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
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new EntityIdJsonConverter() } };

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
                if (e is not null)
                {
                    subscribers.Deliver(e);
                }
            }
            catch (JsonException ex)
            {
                logger.LogWarning(ex, "Ignoring a malformed job event from Redis");
            }
        });
    }

    public int JobsWithSubscribers => subscribers.JobCount;

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
