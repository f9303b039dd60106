using Aiprod.Api.OpenApi;
using System.ComponentModel.DataAnnotations;

using Aiprod.Domain.Jobs;

namespace Aiprod.Api.Contracts;

/// <summary>A progress report; renews the lease.</summary>
/// <param name="Progress">Percent done, 0 to 100. <example>40</example></param>
/// <param name="Message">What is happening now. <example>Rendering scene 2 of 5</example></param>
/// <param name="ClaimId">The `claim_id` of the claim answer this report belongs to. Send it: a job put back in the queue and claimed again by the same key is told apart from the earlier run only by it, and a report with an earlier claim's id gets 409 `claim_superseded` and changes nothing. Left out, the report is judged by the key alone. <example>0f8d7c3a-5b2e-4e61-9a4d-2c7b1e9f6a10</example></param>
[ValidatedAs(typeof(Aiprod.Application.Jobs.Commands.ReportProgress.ReportProgressCommand))]
public sealed record ProgressRequest([Required] int? Progress, string? Message, JobClaimId? ClaimId = null) : IRequestExample<ProgressRequest>
{
    public static ProgressRequest Example => new(40, "Rendering scene 2 of 5", new JobClaimId(Guid.Parse("0f8d7c3a-5b2e-4e61-9a4d-2c7b1e9f6a10")));
}
