using Aiprod.Domain.Common;

namespace Aiprod.Domain.Users;

/// <summary>
/// An account lost access its live sessions carry (disabled, or no longer an admin): every session it has must end,
/// also one a login committed while the change ran, which the change itself could not see. The change ends those it
/// read in its own transaction; this event asks for a second look once it committed.
/// </summary>
public interface IUserAccessWithdrawn : IDomainEvent
{
    UserId UserId { get; }

    /// <summary>The reason the ended sessions are audited with.</summary>
    string SessionEndReason { get; }
}
