using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Sessions.Commands.EndRemainingSessions;

/// <summary>
/// The second look of a change that withdrew an account's access (<see cref="IUserAccessWithdrawn"/>: a disable, a
/// demotion), sent once that change committed. Logins do not conflict with each other, so one that read the account
/// before the change and committed while it ran left a session the change did not list, with an access token minted
/// from the old state (still enabled, still admin). None can commit from now on (the account version it read is
/// gone), so this look finds every such session. A refresh needs no account version: its new access token belongs to
/// a session that either existed when this look ran (and is ended by it) or was already ended. Keys need no second
/// look: issuing one is a change of the account, which the disable would have conflicted with. It reads the sessions
/// under the write lock (<see cref="IDecidesUnderWriteLock"/>): on SQLite a refresh of a session it is ending cannot
/// commit between its read and its commit, so a client refreshing in a loop cannot make it lose every attempt.
/// </summary>
public sealed record EndRemainingSessionsCommand(UserId UserId, string Reason) : ICommand<int>, IRetryOnConflict, IDecidesUnderWriteLock
{
    public int MaxAttempts => 10;
}

public sealed class EndRemainingSessionsCommandHandler(IRefreshTokenRepository tokens, SessionRevoker revoker, TimeProvider clock)
    : ICommandHandler<EndRemainingSessionsCommand, int>
{
    public async ValueTask<int> Handle(EndRemainingSessionsCommand command, CancellationToken cancellationToken)
    {
        var families = await tokens.ListActiveFamiliesAsync(command.UserId, clock.GetUtcNow(), cancellationToken);
        return revoker.Revoke(families, command.Reason, AuditEventTypes.SessionRevoked);
    }
}
