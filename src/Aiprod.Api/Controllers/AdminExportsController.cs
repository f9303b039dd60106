using Aiprod.Api.Contracts;
using Aiprod.Api.Setup;
using Aiprod.Application.Admin.Commands.CancelUserExport;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Exports;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Aiprod.Api.OpenApi;
using Aiprod.Application.Admin;

namespace Aiprod.Api.Controllers;

/// <summary>Any user's export jobs, for an admin (access tokens only; 60 requests a minute per admin, policy `admin`).</summary>
[Route("admin/exports")]
[Authorize(Policy = AuthenticationSetup.AdminPolicy)]
[EnableRateLimiting(RateLimitPolicies.Admin)]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
public sealed class AdminExportsController : ApiControllerBase
{
    /// <summary>Stops any user's queued or running export, as its owner's cancel would, on whichever instance it runs.</summary>
    /// <remarks>The runner notices at its next look and removes its partial file. Of cancels racing each other or the export's end, one applies; the others get the 409.</remarks>
    /// <response code="200">The cancelled export.</response>
    /// <response code="400">The reason is missing or longer than 500 characters.</response>
    /// <response code="404">No export has this id.</response>
    /// <response code="409">The export has already ended (`illegal_transition`).</response>
    [HttpPost("{export_id:guid}/cancel")]
    [Answers(typeof(AdminErrors), nameof(AdminErrors.ExportNotFound))]
    [Answers(typeof(ExportJobErrors), nameof(ExportJobErrors.IllegalTransition), ExportStatus.Succeeded, ExportStatus.Cancelled)]
    [Consumes("application/json")]
    [ProducesResponseType<ExportDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public async Task<IActionResult> CancelExport([FromRoute(Name = "export_id")] ExportId exportId, AdminReasonRequest request, CancellationToken cancellationToken) =>
        ToActionResult(await Sender.Send(new CancelUserExportCommand(exportId, request.Reason), cancellationToken), Ok);
}
