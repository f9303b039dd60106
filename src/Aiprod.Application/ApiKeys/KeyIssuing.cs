using Aiprod.Application.Abstractions;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;

namespace Aiprod.Application.ApiKeys;

/// <summary>The owner side of issuing a key, shared by creation and rotation.</summary>
public static class KeyIssuing
{
    /// <summary>
    /// Loads the owner and records the issue: refused for a disabled owner; otherwise a change of the owner, so issues
    /// of one owner's keys are serialised (the cap holds under concurrency) and none slips past a concurrent disable.
    /// </summary>
    public static async Task<Result<User>> StartIssuingKeyAsync(this IUserRepository users, UserId ownerId, CancellationToken cancellationToken)
    {
        var owner = await users.FindByIdAsync(ownerId, cancellationToken);
        if (owner is null)
        {
            return UserErrors.NotFound;
        }

        var issuing = owner.RecordApiKeyIssued();
        return issuing.IsSuccess ? owner : issuing.Error;
    }
}
