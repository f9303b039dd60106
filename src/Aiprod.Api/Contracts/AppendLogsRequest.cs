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
[ValidatedAs(typeof(Aiprod.Application.Jobs.Commands.AppendLogs.AppendLogsCommand))]
public sealed record AppendLogsRequest(IReadOnlyList<LogLine> Lines) : IRequestExample<AppendLogsRequest>
{
    public static AppendLogsRequest Example => new([new LogLine(JobLogLevel.Info, "Loaded model weights in 4.2 s")]);
}
