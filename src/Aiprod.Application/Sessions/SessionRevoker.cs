using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Sessions;

namespace Aiprod.Application.Sessions;

/// <summary>
/// Ends sessions and audits each one in the same transaction. The family itself decides (a revoked one stays as
/// it was and raises nothing); the commit and the announcement to every instance are the commit behaviour's.
/// </summary>
public sealed class SessionRevoker(IAuditLog audit, TimeProvider clock)
{
    public int Revoke(
        IEnumerable<RefreshTokenFamily> families,
        string reason,
        string eventType,
        IReadOnlyDictionary<string, object?>? extraDetails = null)
    {
        var now = clock.GetUtcNow();
        var revoked = 0;
        foreach (var family in families)
        {
            if (!family.Revoke(now, reason))
            {
                continue;
            }

            revoked++;
            var details = new Dictionary<string, object?> { ["family_id"] = family.Id, ["reason"] = reason };
            foreach (var (key, value) in extraDetails ?? new Dictionary<string, object?>())
            {
                details[key] = value;
            }

            audit.Record(new AuditEntry(eventType, AuditOutcome.Success, Target: family.Id.ToString(), Details: details));
        }

        return revoked;
    }
}
