namespace Aiprod.Domain.Jobs;

/// <param name="MaxRetries">How many lapsed leases a job survives before it fails.</param>
/// <param name="MaxLogLines">Log lines kept per job; later lines are dropped and counted.</param>
public sealed record JobPolicy(int MaxRetries, int MaxLogLines)
{
    public static JobPolicy Default { get; } = new(3, 1000);
}
