namespace Aiprod.Domain.Jobs;

/// <param name="MaxRetries">How many lapsed leases a job survives before it fails.</param>
/// <param name="MaxLogLines">Log lines kept per job; later lines are dropped and counted.</param>
/// <param name="MaxLease">The longest lease a worker may ask for.</param>
public sealed record JobPolicy(int MaxRetries, int MaxLogLines, TimeSpan MaxLease)
{
    public static JobPolicy Default { get; } = new(3, 1000, TimeSpan.FromMinutes(10));
}
