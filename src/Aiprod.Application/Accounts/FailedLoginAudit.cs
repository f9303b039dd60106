using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Accounts;

/// <summary>The audit of a wrong password, a login's or a password change's: the failure, and the lockout it caused.</summary>
public static class FailedLoginAudit
{
    public static void Record(IAuditLog audit, string eventType, string reason, UserId userId, FailedLoginRecorded failure)
    {
        audit.Record(new AuditEntry(eventType, AuditOutcome.Failure, Target: userId.ToString(), Details: new Dictionary<string, object?> { ["reason"] = reason }));
        if (failure.LockedNow)
        {
            audit.Record(new AuditEntry(
                AuditEventTypes.Lockout,
                AuditOutcome.Success,
                Target: userId.ToString(),
                Details: new Dictionary<string, object?> { ["locked_until"] = failure.LockedUntil, ["failed_attempts"] = failure.FailedAttempts },
                ActorKind: ActorKind.System));
        }
    }
}
