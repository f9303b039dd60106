using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Common;
using Aiprod.Domain.Audit;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Sessions.Commands.Logout;

/// <summary>
/// Ends the session of a refresh token: possession of the token is the authority, as in RFC 7009. An unknown or
/// already ended token is not an error, so the answer never tells whether it existed.
/// </summary>
public sealed record LogoutCommand(string RefreshToken) : ICommand<Done>, IRetryOnConflict;

public sealed class LogoutCommandValidator : AbstractValidator<LogoutCommand>
{
    public LogoutCommandValidator() =>
        RuleFor(c => c.RefreshToken).MaximumLength(512).WithMessage("The refresh token is too long.");
}

public sealed class LogoutCommandHandler(IRefreshTokenRepository tokens, IRefreshTokenGenerator generator, SessionRevoker revoker)
    : ICommandHandler<LogoutCommand, Done>
{
    public async ValueTask<Done> Handle(LogoutCommand command, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(command.RefreshToken) || command.RefreshToken.Length > 512)
        {
            return Done.Value;
        }

        var token = await tokens.FindByHashAsync(generator.Hash(command.RefreshToken), cancellationToken);
        if (token is not null)
        {
            revoker.Revoke([token.Family], "logout", AuditEventTypes.SessionRevoked,
                new Dictionary<string, object?> { ["token_hash_prefix"] = token.HashPrefix });
        }

        return Done.Value;
    }
}
