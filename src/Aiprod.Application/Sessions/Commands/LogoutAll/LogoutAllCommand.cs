using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions.Dtos;
using Mediator;

namespace Aiprod.Application.Sessions.Commands.LogoutAll;

public sealed record LogoutAllCommand(Guid UserId) : ICommand<LogoutAllResponse>;

public sealed class LogoutAllCommandHandler(IRefreshTokenRepository tokens, SessionRevoker revoker, TimeProvider clock)
    : ICommandHandler<LogoutAllCommand, LogoutAllResponse>
{
    public ValueTask<LogoutAllResponse> Handle(LogoutAllCommand command, CancellationToken cancellationToken) =>
        ConflictRetry.RunAsync(_ => LogoutAllAsync(command, cancellationToken));

    private async ValueTask<LogoutAllResponse> LogoutAllAsync(LogoutAllCommand command, CancellationToken cancellationToken)
    {
        var families = await tokens.ListActiveFamiliesAsync(command.UserId, clock.GetUtcNow(), cancellationToken);
        var count = await revoker.RevokeAsync(families, "logout_all", AuditEventTypes.LogoutAll, cancellationToken);
        return new LogoutAllResponse(count);
    }
}
