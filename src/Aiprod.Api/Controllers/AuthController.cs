using Aiprod.Api.Contracts;
using Aiprod.Api.Http;
using Aiprod.Api.Setup;
using Aiprod.Application.Accounts.Commands.Login;
using Aiprod.Application.Accounts.Commands.RegisterUser;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Accounts.Queries.GetCurrentUser;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Aiprod.Api.Controllers;

/// <summary>Accounts and access tokens.</summary>
[Route("auth")]
[EnableRateLimiting(RateLimitPolicies.Auth)]
public sealed class AuthController : ApiControllerBase
{
    /// <summary>Registers an account.</summary>
    /// <response code="201">The account was created.</response>
    /// <response code="400">A field is missing or invalid (see `errors`).</response>
    /// <response code="409">An account with this email already exists.</response>
    [HttpPost("register")]
    [AllowAnonymous]
    [Consumes("application/json")]
    [ProducesResponseType<UserDto>(StatusCodes.Status201Created)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> Register(RegisterRequest request, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new RegisterUserCommand(request.Email, request.Password, request.DisplayName), cancellationToken);
        return ToActionResult(result, user => Created("/auth/me", user));
    }

    /// <summary>Logs in with email and password and returns an access token.</summary>
    /// <remarks>
    /// A wrong password, an unknown email, a locked and a disabled account all get the same 401, in the same time.
    /// After repeated failures the account is locked for a while (`Auth:Lockout`).
    /// </remarks>
    /// <response code="200">The tokens.</response>
    /// <response code="401">The credentials were not accepted.</response>
    [HttpPost("login")]
    [AllowAnonymous]
    [Consumes("application/json")]
    [ProducesResponseType<TokenResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    public async Task<IActionResult> Login(LoginRequest request, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new LoginCommand(request.Email, request.Password), cancellationToken);
        return ToActionResult(result, tokens =>
        {
            Response.Headers.CacheControl = "no-store";
            return Ok(tokens);
        });
    }

    /// <summary>Returns the caller's account.</summary>
    /// <response code="200">The account the access token was issued to.</response>
    /// <response code="401">No valid access token.</response>
    [HttpGet("me")]
    [Authorize]
    [ProducesResponseType<UserDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
    public async Task<IActionResult> Me(CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new GetCurrentUserQuery(User.RequireUserId()), cancellationToken);
        return ToActionResult(result, Ok);
    }
}
