using Aiprod.Api.Filters;
using Aiprod.Api.Http;
using Aiprod.Api.OpenApi;
using Aiprod.Api.Setup;
using Aiprod.Application.Accounts.Commands.Login;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Common;
using Aiprod.Application.Sessions.Commands.RefreshTokens;
using Aiprod.Application.Sessions.Commands.RevokeToken;
using Aiprod.Application.Sessions.Dtos;
using Aiprod.Application.Sessions.Queries.IntrospectToken;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Aiprod.Api.Controllers;

/// <summary>
/// Standard OAuth 2.0 endpoints, form-encoded, so ordinary OAuth clients work. Clients are public (no client
/// secret): a `client_id` is accepted and ignored; the refresh token is the credential.
/// </summary>
[Route("connect")]
[EnableRateLimiting(RateLimitPolicies.Auth)]
public sealed class ConnectController(IOptions<PasswordGrantOptions> passwordGrant) : ApiControllerBase
{
    /// <summary>The token endpoint (RFC 6749 §3.2): `grant_type=refresh_token` (§6); `grant_type=password` only where an operator enabled it.</summary>
    /// <response code="200">The new tokens (RFC 6749 §5.1).</response>
    /// <response code="400">An OAuth error: `invalid_request`, `invalid_grant` or `unsupported_grant_type`.</response>
    [HttpPost("token")]
    [FormExample("grant_type", "refresh_token", "refresh_token", "Hh4aUcd0TNwKJ5-Z0mIHG8aYlb7gH8eVKQ2mFj3xW9c")]
    [NoStore]
    [AllowAnonymous]
    [Consumes("application/x-www-form-urlencoded")]
    [ProducesResponseType<TokenResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<OAuthError>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> Token(
        [FromForm(Name = "grant_type")] string? grantType,
        [FromForm(Name = "refresh_token")] string? refreshToken,
        [FromForm(Name = "username")] string? username,
        [FromForm(Name = "password")] string? password,
        CancellationToken cancellationToken)
    {
        // RFC 6749 §5.1 names both; NoStore sets Cache-Control.
        Response.Headers.Pragma = "no-cache";
        switch (grantType)
        {
            case null or "":
                return OAuth("invalid_request", "grant_type is required.");
            case "refresh_token" when string.IsNullOrEmpty(refreshToken):
                return OAuth("invalid_request", "refresh_token is required.");
            case "refresh_token":
                return await GrantAsync(new RefreshTokensCommand(refreshToken), cancellationToken);
            case "password" when !passwordGrant.Value.Enabled:
                return OAuth("unsupported_grant_type", "The password grant is disabled (RFC 9700 §2.4); log in with POST /auth/login.");
            case "password" when string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password):
                return OAuth("invalid_request", "username and password are required.");
            case "password":
                return await GrantAsync(new LoginCommand(username, password), cancellationToken);
            default:
                return OAuth("unsupported_grant_type", $"Supported grant types: refresh_token{(passwordGrant.Value.Enabled ? ", password" : string.Empty)}.");
        }
    }

    /// <summary>Token revocation (RFC 7009). Always 200 for a well-formed request, whether or not the token existed.</summary>
    /// <remarks>A refresh token or an access token ends its whole session. `token_type_hint` orders the look-ups.</remarks>
    /// <response code="200">The token no longer works (or never did).</response>
    /// <response code="400">`invalid_request`: no token.</response>
    [HttpPost("revocation")]
    [FormExample("token", "Hh4aUcd0TNwKJ5-Z0mIHG8aYlb7gH8eVKQ2mFj3xW9c", "token_type_hint", "refresh_token")]
    [AllowAnonymous]
    [Consumes("application/x-www-form-urlencoded")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ProducesResponseType<OAuthError>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> Revocation(
        [FromForm(Name = "token")] string? token,
        [FromForm(Name = "token_type_hint")] string? tokenTypeHint,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token))
        {
            return OAuth("invalid_request", "token is required.");
        }

        await Sender.Send(new RevokeTokenCommand(token, tokenTypeHint), cancellationToken);
        return Ok();
    }

    /// <summary>Token introspection (RFC 7662) for the token's owner or an admin; anything else is `{"active": false}`.</summary>
    /// <response code="200">The token's state; an inactive token carries only `active: false`.</response>
    /// <response code="400">`invalid_request`: no token.</response>
    [HttpPost("introspect")]
    [FormExample("token", "Hh4aUcd0TNwKJ5-Z0mIHG8aYlb7gH8eVKQ2mFj3xW9c", "token_type_hint", "refresh_token")]
    [NoStore]
    [Authorize]
    [Consumes("application/x-www-form-urlencoded")]
    [ProducesResponseType<IntrospectionResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<OAuthError>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> Introspect(
        [FromForm(Name = "token")] string? token,
        [FromForm(Name = "token_type_hint")] string? tokenTypeHint,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token))
        {
            return OAuth("invalid_request", "token is required.");
        }

        var answer = await Sender.Send(new IntrospectTokenQuery(User.RequireUserId(), User.IsInRole(RoleNames.Admin), token, tokenTypeHint), cancellationToken);
        return Ok(answer);
    }

    private async Task<IActionResult> GrantAsync(Mediator.ICommand<Result<TokenResponse>> command, CancellationToken cancellationToken)
    {
        Result<TokenResponse> result;
        try
        {
            result = await Sender.Send(command, cancellationToken);
        }
        catch (ValidationFailedException ex)
        {
            return OAuth("invalid_request", string.Join(" ", ex.Errors.SelectMany(e => e.Value)));
        }

        // RFC 6749 §5.2: a bad, expired, revoked or reused grant is invalid_grant, whatever our own code for it.
        return result.IsSuccess ? Ok(result.Value) : OAuth("invalid_grant", result.Error.Message);
    }

    private BadRequestObjectResult OAuth(string error, string description) => BadRequest(new OAuthError(error, description));
}
