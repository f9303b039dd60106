namespace Aiprod.Domain.Webhooks;

/// <summary>
/// When a failed delivery is tried again, after the attempt numbered <c>n</c>: the first retry after seconds, then
/// minutes, then hours, about 27 hours in all (Svix's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). Each wait
/// is spread by up to ±20 % so that the deliveries a receiver's outage failed together do not all return at once.
/// </summary>
public static class WebhookRetrySchedule
{
    public static IReadOnlyList<TimeSpan> Waits { get; } =
    [
        TimeSpan.FromSeconds(5),
        TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2),
        TimeSpan.FromHours(5),
        TimeSpan.FromHours(10),
        TimeSpan.FromHours(10),
    ];

    public const double Jitter = 0.2;

    /// <summary>The most attempts one delivery gets: the first and one per wait.</summary>
    public static int MaxAttempts => Waits.Count + 1;

    /// <param name="attemptsMade">Attempts made so far, the failed one included.</param>
    /// <param name="failedAt">When the failed attempt was made.</param>
    /// <param name="spread">A number in [0, 1) that picks where in the jitter band the wait falls.</param>
    /// <returns>When to try again, or null when the schedule is over.</returns>
    public static DateTimeOffset? NextAttemptAt(int attemptsMade, DateTimeOffset failedAt, double spread)
    {
        if (attemptsMade < 1 || attemptsMade > Waits.Count)
        {
            return null;
        }

        var wait = Waits[attemptsMade - 1];
        return failedAt + wait * (1 - Jitter + 2 * Jitter * spread);
    }
}
