using Aiprod.Api.Setup;
using Aiprod.Application.Accounts.Commands.DisableUser;
using Aiprod.Domain.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Aiprod.Api.Controllers;

/// <summary>Administration of accounts (admin role).</summary>
[Route("admin")]
[Authorize(Policy = AuthenticationSetup.AdminPolicy)]
[EnableRateLimiting(RateLimitPolicies.Auth)]
public sealed class AdminController : ApiControllerBase
{
    /// <summary>Disables an account: it can no longer log in, and every session it has ends at once.</summary>
    /// <response code="204">Disabled.</response>
    /// <response code="404">No account has this id.</response>
    /// <response code="409">The account is already disabled.</response>
    [HttpPost("users/{user_id:guid}/disable")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> DisableUser([FromRoute(Name = "user_id")] UserId userId, CancellationToken cancellationToken)
    {
        var result = await Sender.Send(new DisableUserCommand(userId), cancellationToken);
        return ToActionResult(result, _ => NoContent());
    }
}
