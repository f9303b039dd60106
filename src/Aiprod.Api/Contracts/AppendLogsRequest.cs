using Aiprod.Api.OpenApi;
using System.ComponentModel.DataAnnotations;
using Aiprod.Domain.Jobs;

namespace Aiprod.Api.Contracts;

/// <summary>One log line.</summary>
/// <param name="Level">`debug`, `info`, `warning` or `error`. <example>info</example></param>
/// <param name="Message">The line. <example>Loaded model weights in 4.2 s</example></param>
public sealed record LogLine([Required] JobLogLevel? Level, string Message);

/// <summary>Log lines to append (at most 100 per call; at most 1000 kept per job).</summary>
/// <param name="Lines">The lines, in order.</param>
/// <param name="ClaimId">The `claim_id` of the claim answer this report belongs to. Send it: a job put back in the queue and claimed again by the same key is told apart from the earlier run only by it, and a report with an earlier claim's id gets 409 `claim_superseded` and changes nothing. Left out, the report is judged by the key alone. <example>0f8d7c3a-5b2e-4e61-9a4d-2c7b1e9f6a10</example></param>
[ValidatedAs(typeof(Aiprod.Application.Jobs.Commands.AppendLogs.AppendLogsCommand))]
public sealed record AppendLogsRequest(IReadOnlyList<LogLine> Lines, JobClaimId? ClaimId = null) : IRequestExample<AppendLogsRequest>
{
    public static AppendLogsRequest Example => new([new LogLine(JobLogLevel.Info, "Loaded model weights in 4.2 s")], new JobClaimId(Guid.Parse("0f8d7c3a-5b2e-4e61-9a4d-2c7b1e9f6a10")));
}
