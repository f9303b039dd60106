using Aiprod.Domain.Webhooks;

namespace Aiprod.Domain.Tests;

public sealed class WebhookRetryScheduleTests
{
    private static readonly DateTimeOffset FailedAt = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Waits_GrowFromSecondsToHours_OverAboutADay()
    {
        var waits = WebhookRetrySchedule.Waits;
        Assert.True(waits.Zip(waits.Skip(1)).All(p => p.First <= p.Second));
        Assert.True(waits[0] < TimeSpan.FromMinutes(1));
        Assert.InRange(waits.Aggregate(TimeSpan.Zero, (a, b) => a + b), TimeSpan.FromHours(20), TimeSpan.FromHours(30));
    }

    [Theory]
    [InlineData(0.0, 0.8)]
    [InlineData(0.5, 1.0)]
    [InlineData(0.999999, 1.2)]
    public void TheJitter_SpreadsEachWaitByTwentyPercent(double spread, double factor)
    {
        for (var attempt = 1; attempt <= WebhookRetrySchedule.Waits.Count; attempt++)
        {
            var next = WebhookRetrySchedule.NextAttemptAt(attempt, FailedAt, spread)!.Value;
            var expected = WebhookRetrySchedule.Waits[attempt - 1] * factor;
            Assert.InRange((next - FailedAt - expected).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1) + expected * 1e-5);
        }
    }

    [Fact]
    public void AfterTheLastWait_TheScheduleIsOver() =>
        Assert.Null(WebhookRetrySchedule.NextAttemptAt(WebhookRetrySchedule.MaxAttempts, FailedAt, 0.5));
}
