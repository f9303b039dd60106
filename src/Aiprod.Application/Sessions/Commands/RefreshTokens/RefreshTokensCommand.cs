using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Sessions;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Sessions.Commands.RefreshTokens;

/// <summary>Redeems a refresh token for a new access token and the next refresh token of its family.</summary>
/// <remarks>
/// Another request may redeem the token, or end the session, between the read and the write: the conditional
/// update refuses this one, and it is decided again on the committed state (within the leeway, a reuse, or an
/// ended session).
/// </remarks>
public sealed record RefreshTokensCommand(string RefreshToken) : ICommand<Result<TokenResponse>>, IRetryOnConflict;

public sealed class RefreshTokensCommandValidator : AbstractValidator<RefreshTokensCommand>
{
    public RefreshTokensCommandValidator() =>
        RuleFor(c => c.RefreshToken).NotEmpty().WithMessage("A refresh token is required.")
            .MaximumLength(512).WithMessage("The refresh token is too long.");
}

public sealed class RefreshTokensCommandHandler(
    IRefreshTokenRepository tokens,
    IRefreshTokenGenerator generator,
    IUserRepository users,
    TokenIssuance issuance,
    SessionRevoker revoker,
    IAuditLog audit,
    IRequestContext request,
    TimeProvider clock) : ICommandHandler<RefreshTokensCommand, Result<TokenResponse>>
{
    public async ValueTask<Result<TokenResponse>> Handle(RefreshTokensCommand command, CancellationToken cancellationToken)
    {
        var presented = command.RefreshToken;
        var now = clock.GetUtcNow();
        var token = await tokens.FindByHashAsync(generator.Hash(presented), cancellationToken);
        if (token is null || !token.Family.IsActive(now))
        {
            return RefreshErrors.InvalidRefreshToken;
        }

        var family = token.Family;
        var user = await users.FindByIdAsync(family.UserId, cancellationToken);
        if (user is null || user.IsDisabled)
        {
            return RefreshErrors.InvalidRefreshToken;
        }

        switch (token.Redeem(now, issuance.Policy.ReuseLeeway))
        {
            case RedemptionOutcome.Expired:
                return RefreshErrors.InvalidRefreshToken;
            case RedemptionOutcome.Reused:
                // RFC 9700 §4.14.2: a replayed refresh token means it leaked; end the whole line, access tokens included.
                revoker.Revoke(
                    [family],
                    "token_reuse",
                    AuditEventTypes.TokenReuseDetected,
                    new Dictionary<string, object?> { ["token_hash_prefix"] = token.HashPrefix, ["generation"] = token.Generation });
                return RefreshErrors.TokenReused;
        }

        var issued = issuance.Issue(user, family, token);
        if (!issued.IsSuccess)
        {
            return issued.Error;
        }

        family.Touch(now, request.ClientAddress, request.UserAgent);
        audit.Record(TokenIssuance.Audit(AuditEventTypes.TokenRefreshed, AuditOutcome.Success, user, family.Id, issued.Value.Refresh.HashPrefix, token.Generation + 1));
        return issued.Value.Response;
    }
}
