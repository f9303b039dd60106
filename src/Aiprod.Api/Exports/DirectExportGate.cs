using System.Collections.Concurrent;
using Aiprod.Application.Exports;
using Aiprod.Domain.Users;
using Microsoft.Extensions.Options;

namespace Aiprod.Api.Exports;

/// <summary>
/// Counts the direct exports each user has running on this instance and lets at most
/// <see cref="ExportOptions.MaxConcurrentDirectPerUser"/> of them run at once: each holds a database reader and a
/// drain buffer for as long as its client reads, so one caller opening many would take them from everyone else.
/// </summary>
internal sealed class DirectExportGate(IOptions<ExportOptions> options)
{
    private readonly ConcurrentDictionary<UserId, int> running = new();

    public int Max => options.Value.MaxConcurrentDirectPerUser;

    /// <summary>A slot for the user, given back when disposed; null when all of theirs are taken.</summary>
    public IDisposable? TryEnter(UserId user)
    {
        while (true)
        {
            if (running.TryGetValue(user, out var count))
            {
                if (count >= Max)
                {
                    return null;
                }

                if (running.TryUpdate(user, count + 1, count))
                {
                    return new Slot(this, user);
                }
            }
            else if (running.TryAdd(user, 1))
            {
                return new Slot(this, user);
            }
        }
    }

    /// <summary>Direct exports the user has running now.</summary>
    public int Running(UserId user) => running.TryGetValue(user, out var count) ? count : 0;

    private void Exit(UserId user)
    {
        while (true)
        {
            var count = running[user];
            // The last slot removes the entry, so the map holds only users with an export running.
            if (count == 1 ? running.TryRemove(KeyValuePair.Create(user, 1)) : running.TryUpdate(user, count - 1, count))
            {
                return;
            }
        }
    }

    private sealed class Slot(DirectExportGate gate, UserId user) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                gate.Exit(user);
            }
        }
    }
}
