using Aiprod.Application.Abstractions;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Exports.Queries.ExportJobs;

/// <summary>
/// The owner's jobs that pass the filters of <c>GET /pipeline/jobs</c>, as a file to stream: up to
/// <see cref="ExportOptions.MaxDirectJobs"/> of them; more are refused with a pointer to <c>POST /exports</c>.
/// </summary>
public sealed record ExportJobsQuery(
    UserId OwnerId,
    ExportFormat Format,
    JobStatus? Status,
    JobPreset? Preset,
    DateTimeOffset? CreatedFrom,
    DateTimeOffset? CreatedTo,
    bool Bom) : IQuery<Result<DirectExport>>;

public sealed class ExportJobsQueryValidator : AbstractValidator<ExportJobsQuery>
{
    public ExportJobsQueryValidator()
    {
        RuleFor(q => q).Must(q => q.CreatedFrom is null || q.CreatedTo is null || q.CreatedFrom <= q.CreatedTo)
            .WithName("created_from").WithMessage("created_from must not be after created_to.");
    }
}

public sealed class ExportJobsQueryHandler(IJobExporter exporter, IOptions<ExportOptions> options, TimeProvider clock)
    : IQueryHandler<ExportJobsQuery, Result<DirectExport>>
{
    public async ValueTask<Result<DirectExport>> Handle(ExportJobsQuery query, CancellationToken cancellationToken)
    {
        var selection = new ExportSelection(query.OwnerId, null, query.Status, query.Preset, query.CreatedFrom, query.CreatedTo);
        var limits = options.Value;
        var count = await exporter.CountAsync(selection, cancellationToken);
        if (count > limits.MaxDirectJobs)
        {
            return ExportErrors.TooManyJobsForDirectExport(count, limits.MaxDirectJobs);
        }

        var info = ExportFormats.Of(query.Format);
        var writeOptions = new ExportWriteOptions(query.Bom, MaxBytes: limits.MaxBytes);
        return new DirectExport(
            ExportFormats.FileName($"jobs-{clock.GetUtcNow():yyyyMMdd-HHmmss}", query.Format),
            info.MediaType,
            (destination, ct) => exporter.WriteAsync(selection, query.Format, writeOptions, destination, null, ct));
    }
}
