using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Exports;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Exports.Commands.ReportExportProgress;

/// <summary>
/// The runner of <paramref name="Attempt"/> saves its progress and renews its lease. The answer is whether to go on:
/// false once the export was cancelled or deleted, or another runner took it over.
/// </summary>
public sealed record ReportExportProgressCommand(ExportId ExportId, int Attempt, int JobsWritten, int JobsTotal, long BytesWritten)
    : ICommand<bool>, IRetryOnConflict;

public sealed class ReportExportProgressCommandHandler(IExportJobRepository exports, IOptions<ExportOptions> options, TimeProvider clock)
    : ICommandHandler<ReportExportProgressCommand, bool>
{
    // A report racing a cancel is judged again on what the cancel left, and then answers "stop".
    public async ValueTask<bool> Handle(ReportExportProgressCommand command, CancellationToken cancellationToken)
    {
        var export = await exports.FindAsync(command.ExportId, cancellationToken);
        return export is not null
            && export.ReportProgress(command.Attempt, command.JobsWritten, command.JobsTotal, command.BytesWritten, clock.GetUtcNow(), options.Value.Lease).IsSuccess;
    }
}
