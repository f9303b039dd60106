using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Commands.RevokeUserSession;

/// <summary>
/// An admin ends one of a user's sessions. The same path as the user's own logout: the family is revoked and audited
/// here, and after the commit its <see cref="SessionRevoked"/> reaches every instance.
/// </summary>
public sealed record RevokeUserSessionCommand(UserId UserId, SessionId SessionId, string Reason) : ICommand<Result<Done>>, IRetryOnConflict;

public sealed class RevokeUserSessionCommandValidator : AbstractValidator<RevokeUserSessionCommand>
{
    public RevokeUserSessionCommandValidator() => RuleFor(c => c.Reason).MustBeAnAdminReason();
}

public sealed class RevokeUserSessionCommandHandler(IUserRepository users, IRefreshTokenRepository tokens, SessionRevoker revoker, TimeProvider clock)
    : ICommandHandler<RevokeUserSessionCommand, Result<Done>>
{
    public async ValueTask<Result<Done>> Handle(RevokeUserSessionCommand command, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(command.UserId, cancellationToken) is null)
        {
            return UserErrors.NotFound;
        }

        // An ended session is not one of the user's sessions any more, as in their own list: not found.
        var family = await tokens.FindFamilyAsync(command.SessionId, cancellationToken);
        if (family is null || family.UserId != command.UserId || !family.IsActive(clock.GetUtcNow()))
        {
            return AdminErrors.SessionNotFound;
        }

        revoker.Revoke([family], "admin_revoked", AuditEventTypes.SessionRevoked,
            new Dictionary<string, object?> { ["admin_reason"] = AdminReason.Clean(command.Reason), ["user_id"] = command.UserId });
        return Done.Value;
    }
}
