namespace Aiprod.Domain.Audit;

public enum AuditOutcome
{
    /// <summary>The action was done.</summary>
    Success = 0,
    /// <summary>The action was refused or failed.</summary>
    Failure = 1,
}
