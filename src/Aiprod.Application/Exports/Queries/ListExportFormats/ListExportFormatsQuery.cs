using Aiprod.Domain.Exports;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Exports.Queries.ListExportFormats;

/// <summary>A format as <c>GET /export/formats</c> lists it.</summary>
/// <param name="Format">The value of the <c>format</c> parameter.</param>
/// <param name="MediaType">The <c>Content-Type</c> of the file.</param>
/// <param name="Extension">The extension of the file name, with its dot.</param>
/// <param name="Description">What the file holds.</param>
/// <param name="Streamable">Whether the direct routes send the first bytes before the whole file exists.</param>
/// <param name="MaxBytes">The size limit of one export, in bytes.</param>
/// <param name="MaxDirectJobs">The most jobs <c>GET /jobs/export</c> answers directly.</param>
public sealed record ExportFormatDto(ExportFormat Format, string MediaType, string Extension, string Description, bool Streamable, long MaxBytes, int MaxDirectJobs);

public sealed record ListExportFormatsQuery : IQuery<IReadOnlyList<ExportFormatDto>>;

public sealed class ListExportFormatsQueryHandler(IOptions<ExportOptions> options) : IQueryHandler<ListExportFormatsQuery, IReadOnlyList<ExportFormatDto>>
{
    public ValueTask<IReadOnlyList<ExportFormatDto>> Handle(ListExportFormatsQuery query, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        IReadOnlyList<ExportFormatDto> formats = ExportFormats.All
            .Select(f => new ExportFormatDto(f.Format, f.MediaType, f.Extension, f.Description, f.Streamable, limits.MaxBytes, limits.MaxDirectJobs))
            .ToList();
        return ValueTask.FromResult(formats);
    }
}
