namespace Aiprod.Domain.Jobs;

public enum JobPriority
{
    /// <summary>Claimed after every queued job of higher priority.</summary>
    Low = 0,
    /// <summary>The default.</summary>
    Normal = 1,
    /// <summary>Claimed first; among jobs of one priority the oldest goes first.</summary>
    High = 2,
}
