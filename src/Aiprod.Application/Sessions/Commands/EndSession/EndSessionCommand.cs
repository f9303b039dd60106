using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Sessions.Commands.EndSession;

public sealed record EndSessionCommand(UserId UserId, SessionId SessionId) : ICommand<Result<Done>>, IRetryOnConflict;

public sealed class EndSessionCommandHandler(IRefreshTokenRepository tokens, SessionRevoker revoker) : ICommandHandler<EndSessionCommand, Result<Done>>
{
    public async ValueTask<Result<Done>> Handle(EndSessionCommand command, CancellationToken cancellationToken)
    {
        var family = await tokens.FindFamilyAsync(command.SessionId, cancellationToken);
        if (family is null || family.UserId != command.UserId)
        {
            return RefreshErrors.SessionNotFound;
        }

        revoker.Revoke([family], "session_ended", AuditEventTypes.TokenRevoked);
        return Done.Value;
    }
}
