using Aiprod.Application.Abstractions;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Exports.Queries.ExportJob;

/// <summary>One of the owner's jobs, as a file to stream; another owner's job is "not found".</summary>
public sealed record ExportJobQuery(UserId OwnerId, JobId JobId, ExportFormat Format, bool Bom) : IQuery<Result<DirectExport>>;

public sealed class ExportJobQueryHandler(IJobExporter exporter, IOptions<ExportOptions> options) : IQueryHandler<ExportJobQuery, Result<DirectExport>>
{
    public async ValueTask<Result<DirectExport>> Handle(ExportJobQuery query, CancellationToken cancellationToken)
    {
        var selection = new ExportSelection(query.OwnerId, [query.JobId], null, null, null, null);
        if (await exporter.CountAsync(selection, cancellationToken) == 0)
        {
            return JobErrors.NotFound;
        }

        var info = ExportFormats.Of(query.Format);
        var writeOptions = new ExportWriteOptions(query.Bom, MaxBytes: options.Value.MaxBytes);
        return new DirectExport(
            ExportFormats.FileName($"job-{query.JobId}", query.Format),
            info.MediaType,
            (destination, ct) => exporter.WriteAsync(selection, query.Format, writeOptions, destination, null, ct));
    }
}
