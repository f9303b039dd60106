using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Sessions.Commands.RevokeRefreshToken;

/// <summary>The caller ends the session of one of their refresh tokens.</summary>
public sealed record RevokeRefreshTokenCommand(Guid UserId, string RefreshToken) : ICommand<Result<Done>>, IRetryOnConflict;

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
        var token = await tokens.FindByHashAsync(generator.Hash(command.RefreshToken), cancellationToken);
        if (token is null || token.Family.UserId != command.UserId)
        {
            return RefreshErrors.NotFound;
        }

        revoker.Revoke([token.Family], "user_revoked", AuditEventTypes.SessionRevoked,
            new Dictionary<string, object?> { ["token_hash_prefix"] = token.HashPrefix });
        return Done.Value;
    }
}
