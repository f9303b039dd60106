using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Sessions.Commands.RevokeRefreshToken;

/// <summary>The caller ends the session of one of their refresh tokens.</summary>
public sealed record RevokeRefreshTokenCommand(UserId UserId, string RefreshToken) : ICommand<Result<Done>>, IRetryOnConflict;

public sealed class RevokeRefreshTokenCommandValidator : AbstractValidator<RevokeRefreshTokenCommand>
{
    public RevokeRefreshTokenCommandValidator() =>
        RuleFor(c => c.RefreshToken).NotEmpty().WithMessage("A refresh token is required.")
            .MaximumLength(512).WithMessage("The refresh token is too long.");
}

public sealed class RevokeRefreshTokenCommandHandler(IRefreshTokenRepository tokens, IRefreshTokenGenerator generator, SessionRevoker revoker)
    : ICommandHandler<RevokeRefreshTokenCommand, Result<Done>>
{
    public async ValueTask<Result<Done>> Handle(RevokeRefreshTokenCommand command, CancellationToken cancellationToken)
    {
        var token = await tokens.FindOwnedAsync(generator, command.UserId, command.RefreshToken, cancellationToken);
        if (token is null)
        {
            return RefreshErrors.NotFound;
        }

        revoker.Revoke([token.Family], "user_revoked", AuditEventTypes.TokenRevoked,
            new Dictionary<string, object?> { ["token_hash_prefix"] = token.HashPrefix });
        return Done.Value;
    }
}
