using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Aiprod.Infrastructure.Exports;

/// <summary>
/// Enumerates a source on a task of its own, up to <c>capacity</c> items ahead of the caller, so that reading (the
/// database) and what the caller does with each item (layout, encoding) use two cores. The bound keeps memory flat: a
/// reader that gets ahead waits. The reading task never outlives the enumeration: when the caller stops early or fails,
/// the reading is cancelled and awaited before the caller's exception goes on, so a database context it reads through
/// is free again; a reading that fails ends the enumeration with its own exception, after the items read before it.
/// </summary>
internal static class ReadAhead
{
    public static async IAsyncEnumerable<T> Of<T>(Func<CancellationToken, IAsyncEnumerable<T>> source, int capacity, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(() => ReadAsync(source, channel.Writer, stop.Token), CancellationToken.None);
        var drained = false;
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken))
            {
                while (channel.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }

            drained = true;
        }
        finally
        {
            if (!drained)
            {
                await stop.CancelAsync();
                await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        // The channel ends when the reading does, failed or not: a failed reading is thrown here.
        await reading;
    }

    private static async Task ReadAsync<T>(Func<CancellationToken, IAsyncEnumerable<T>> source, ChannelWriter<T> items, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in source(cancellationToken).WithCancellation(cancellationToken))
            {
                await items.WriteAsync(item, cancellationToken);
            }
        }
        finally
        {
            items.Complete();
        }
    }
}
