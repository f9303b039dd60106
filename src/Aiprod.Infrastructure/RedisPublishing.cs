using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Aiprod.Infrastructure;

internal static class RedisPublishing
{
    /// <summary>
    /// Publishes each message on the channel. When Redis does not answer, logs a warning and returns false: what
    /// the messages announce is already committed, and every caller has a slower backstop for other instances.
    /// </summary>
    public static async Task<bool> TryPublishAsync(this IConnectionMultiplexer redis, RedisChannel channel, IEnumerable<RedisValue> messages, ILogger logger, string what)
    {
        try
        {
            var subscriber = redis.GetSubscriber();
            foreach (var message in messages)
            {
                await subscriber.PublishAsync(channel, message);
            }

            return true;
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Could not publish {What} to Redis", what);
            return false;
        }
    }
}
