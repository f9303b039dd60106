using Aiprod.Application.Abstractions;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Sessions.Queries.GetTokenInfo;

public sealed record GetTokenInfoQuery(UserId UserId, string RefreshToken) : IQuery<Result<TokenInfoDto>>;

public sealed class GetTokenInfoQueryValidator : AbstractValidator<GetTokenInfoQuery>
{
    public GetTokenInfoQueryValidator() =>
        RuleFor(q => q.RefreshToken).NotEmpty().WithMessage("Send the refresh token in the X-Refresh-Token header.")
            .MaximumLength(512).WithMessage("The refresh token is too long.");
}

public sealed class GetTokenInfoQueryHandler(IRefreshTokenRepository tokens, IRefreshTokenGenerator generator, TimeProvider clock)
    : IQueryHandler<GetTokenInfoQuery, Result<TokenInfoDto>>
{
    public async ValueTask<Result<TokenInfoDto>> Handle(GetTokenInfoQuery query, CancellationToken cancellationToken)
    {
        var token = await tokens.FindOwnedAsync(generator, query.UserId, query.RefreshToken, cancellationToken);
        if (token is null)
        {
            return RefreshErrors.NotFound;
        }

        var family = token.Family;
        return new TokenInfoDto(
            family.UserId,
            family.Id,
            token.CreatedAt,
            token.ExpiresAt,
            family.ExpiresAt,
            token.Generation,
            token.StatusAt(clock.GetUtcNow()),
            family.LastUsedAt);
    }
}
