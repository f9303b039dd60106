using Aiprod.Application.Abstractions;

namespace Aiprod.Application.Common;

/// <summary>
/// Runs a use case again, from its first read, when its commit lost an optimistic-concurrency race. The unit of
/// work forgets everything it tracked when it throws <see cref="ConcurrencyConflictException"/>, so an entity read
/// before the conflict is detached: changing it and committing would write nothing and still look like success.
/// Hence the shape: the attempt is the whole use case, reads included, and nothing read outside it may be changed
/// inside it. Bounded, because under contention another writer may win every time; past the bound the conflict
/// goes to the caller (409 <c>concurrent_update</c>: nothing was written, ask again).
/// </summary>
public static class ConflictRetry
{
    public const int DefaultAttempts = 3;

    /// <param name="attempt">The use case; receives the attempt number, from 1.</param>
    /// <param name="maxAttempts">How many times it may run in all.</param>
    public static async ValueTask<T> RunAsync<T>(Func<int, ValueTask<T>> attempt, int maxAttempts = DefaultAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt(number);
            }
            catch (ConcurrencyConflictException) when (number < maxAttempts)
            {
                // Another writer committed first; the next attempt reads what it wrote and decides again.
            }
        }
    }
}
