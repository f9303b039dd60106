using Aiprod.Application.Abstractions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Sessions;

namespace Aiprod.Application.Sessions;

/// <summary>
/// Ends sessions: revokes the families, audits each in the same transaction, commits, then tells every API
/// instance so the families' live access tokens stop working at once. A family changed since the caller read it
/// (ended by another request) fails the commit with <see cref="ConcurrencyConflictException"/>: callers read the
/// families inside a <see cref="Common.ConflictRetry"/> attempt, so they are read again.
/// </summary>
public sealed class SessionRevoker(IAuditLog audit, IUnitOfWork unitOfWork, ISessionRevocations revocations, TimeProvider clock)
{
    public async Task<int> RevokeAsync(
        IEnumerable<RefreshTokenFamily> families,
        string reason,
        string eventType,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, object?>? extraDetails = null)
    {
        var now = clock.GetUtcNow();
        var revoked = new List<Guid>();
        foreach (var family in families)
        {
            if (!family.Revoke(now, reason))
            {
                continue;
            }

            revoked.Add(family.Id);
            var details = new Dictionary<string, object?> { ["family_id"] = family.Id, ["reason"] = reason };
            foreach (var (key, value) in extraDetails ?? new Dictionary<string, object?>())
            {
                details[key] = value;
            }

            audit.Record(new AuditEntry(eventType, AuditOutcome.Success, Target: family.Id.ToString(), Details: details));
        }

        await unitOfWork.SaveChangesAsync(cancellationToken);
        if (revoked.Count > 0)
        {
            await revocations.PublishAsync(revoked, cancellationToken);
        }

        return revoked.Count;
    }
}
