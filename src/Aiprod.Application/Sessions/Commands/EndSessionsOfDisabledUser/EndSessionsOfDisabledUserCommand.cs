using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Sessions.Commands.EndSessionsOfDisabledUser;

/// <summary>
/// The second look of a disable, sent once the disable committed. Logins do not conflict with each other, so one
/// that read the account before the disable and committed while it ran left a session the disable did not list.
/// None can commit from now on (the account version it read is gone), so this look finds every such session. Keys
/// need no second look: issuing one is a change of the account, which the disable would have conflicted with.
/// </summary>
public sealed record EndSessionsOfDisabledUserCommand(UserId UserId) : ICommand<int>, IRetryOnConflict
{
    public int MaxAttempts => 10;
}

public sealed class EndSessionsOfDisabledUserCommandHandler(IRefreshTokenRepository tokens, SessionRevoker revoker, TimeProvider clock)
    : ICommandHandler<EndSessionsOfDisabledUserCommand, int>
{
    public async ValueTask<int> Handle(EndSessionsOfDisabledUserCommand command, CancellationToken cancellationToken)
    {
        var families = await tokens.ListActiveFamiliesAsync(command.UserId, clock.GetUtcNow(), cancellationToken);
        return revoker.Revoke(families, "user_disabled", AuditEventTypes.TokenRevoked);
    }
}
