using System.Runtime.CompilerServices;
using Aiprod.Infrastructure.Exports;

namespace Aiprod.Infrastructure.Tests.Exports;

/// <summary>
/// <see cref="ReadAhead"/> with stalled and failing parts: a reading that fails while the caller has already stopped
/// leaves no unobserved task behind, and many enumerations stopped at every point each end with their reading done.
/// </summary>
public sealed class ReadAheadTests
{
    [Fact]
    public async Task AReadingThatFailsAfterTheCallerStopped_LeavesNoUnobservedException()
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = $"reading failed {Guid.NewGuid():N}";
        var unobserved = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            if (e.Exception.Flatten().InnerExceptions.Any(x => x.Message == marker))
            {
                Interlocked.Increment(ref unobserved);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            for (var round = 0; round < 20; round++)
            {
                await StopEarlyAsync(marker, ct);
            }

            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        Assert.Equal(0, Volatile.Read(ref unobserved));
    }

    [Fact]
    public async Task ManyEnumerations_StoppedAtEveryPoint_EndWithTheirReadingDone_AndTheCallersErrorThrown()
    {
        var ct = TestContext.Current.CancellationToken;
        const int Actors = 6;
        const int Rounds = 40;
        await Task.WhenAll(Enumerable.Range(0, Actors).Select(a => Task.Run(async () =>
        {
            for (var round = 0; round < Rounds; round++)
            {
                var source = new Source(items: 50, failAt: round % 3 == 0 ? 25 + (a % 10) : -1);
                var stopAt = (round * 7 + a) % 60;
                var taken = 0;
                try
                {
                    await foreach (var item in ReadAhead.Of(source.ReadAsync, 2, ct))
                    {
                        Assert.Equal(taken, item);
                        if (++taken == stopAt)
                        {
                            throw new InvalidOperationException("caller stopped");
                        }

                        if (taken % 4 == 0)
                        {
                            await Task.Yield();
                        }
                    }

                    // The enumeration ended: every item read, or the reading failed (which must then have been thrown).
                    Assert.Equal(-1, source.FailAt);
                    Assert.Equal(50, taken);
                }
                catch (InvalidOperationException ex) when (ex.Message == "caller stopped")
                {
                    Assert.Equal(stopAt, taken);
                }
                catch (IOException)
                {
                    Assert.NotEqual(-1, source.FailAt);
                    Assert.Equal(source.FailAt, taken);
                }

                // Whatever ended it, the reading has ended by the time the enumeration has.
                Assert.False(source.Running, "The reading outlived its enumeration.");
            }
        }, ct))).WaitAsync(TimeSpan.FromMinutes(2), ct);
    }

    private static async Task StopEarlyAsync(string marker, CancellationToken ct)
    {
        await foreach (var item in ReadAhead.Of(c => FailsOnCancelAsync(marker, c), 1, ct))
        {
            Assert.Equal(0, item);
            break;
        }
    }

    // Turns its cancellation into a failure of its own, as a driver that wraps it would.
    private static async IAsyncEnumerable<int> FailsOnCancelAsync(string marker, [EnumeratorCancellation] CancellationToken ct)
    {
        yield return 0;
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
        }

        throw new InvalidOperationException(marker);
    }

    private sealed class Source(int items, int failAt)
    {
        private int running;

        public int FailAt => failAt;

        public bool Running => Volatile.Read(ref running) != 0;

        public async IAsyncEnumerable<int> ReadAsync([EnumeratorCancellation] CancellationToken ct)
        {
            Interlocked.Increment(ref running);
            try
            {
                for (var i = 0; i < items; i++)
                {
                    if (i == failAt)
                    {
                        throw new IOException("read failed");
                    }

                    if (i % 5 == 0)
                    {
                        await Task.Yield();
                    }

                    ct.ThrowIfCancellationRequested();
                    yield return i;
                }
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }
    }
}
