using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Sessions.Commands.LogoutAll;

public sealed record LogoutAllCommand(UserId UserId) : ICommand<LogoutAllResponse>, IRetryOnConflict;

public sealed class LogoutAllCommandHandler(IRefreshTokenRepository tokens, SessionRevoker revoker, TimeProvider clock)
    : ICommandHandler<LogoutAllCommand, LogoutAllResponse>
{
    public async ValueTask<LogoutAllResponse> Handle(LogoutAllCommand command, CancellationToken cancellationToken)
    {
        var families = await tokens.ListActiveFamiliesAsync(command.UserId, clock.GetUtcNow(), cancellationToken);
        var count = revoker.Revoke(families, "logout_all", AuditEventTypes.LogoutAll);
        return new LogoutAllResponse(count);
    }
}
