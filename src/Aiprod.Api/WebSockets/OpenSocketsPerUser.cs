using Aiprod.Domain.Users;

namespace Aiprod.Api.WebSockets;

/// <summary>
/// Open job sockets per user on this instance, for <see cref="JobSocketOptions.MaxSocketsPerUser"/>. Counted here,
/// not in Redis: a count shared between instances would leak the sockets of an instance that dies, and a user
/// spread over N instances holds at most N times the cap, which is still bounded.
/// </summary>
public sealed class OpenSocketsPerUser
{
    private readonly Dictionary<UserId, int> open = [];
    private readonly Lock gate = new();
    private long total;

    /// <summary>A slot released when disposed, or null when the user already holds <paramref name="cap"/> sockets.</summary>
    public IDisposable? TryOpen(UserId userId, int cap) => TryOpen(userId, cap, long.MaxValue, out _);

    /// <summary>
    /// As <see cref="TryOpen(UserId, int)"/>, and also null when this instance holds <paramref name="instanceCap"/>
    /// sockets of all users together (<paramref name="instanceFull"/> then true).
    /// </summary>
    public IDisposable? TryOpen(UserId userId, int cap, long instanceCap, out bool instanceFull)
    {
        lock (gate)
        {
            instanceFull = total >= instanceCap;
            var count = open.GetValueOrDefault(userId);
            if (instanceFull || count >= cap)
            {
                return null;
            }

            open[userId] = count + 1;
            total++;
        }

        return new Slot(this, userId);
    }

    public int OpenBy(UserId userId)
    {
        lock (gate)
        {
            return open.GetValueOrDefault(userId);
        }
    }

    private void Release(UserId userId)
    {
        lock (gate)
        {
            total--;
            var count = open[userId] - 1;
            if (count == 0)
            {
                open.Remove(userId);
            }
            else
            {
                open[userId] = count;
            }
        }
    }

    private sealed class Slot(OpenSocketsPerUser owner, UserId userId) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                owner.Release(userId);
            }
        }
    }
}
