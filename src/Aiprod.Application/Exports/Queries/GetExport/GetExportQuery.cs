using Aiprod.Application.Abstractions;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Exports.Queries.GetExport;

public sealed record GetExportQuery(UserId OwnerId, ExportId ExportId) : IQuery<Result<ExportDto>>;

public sealed class GetExportQueryHandler(IExportJobRepository exports) : IQueryHandler<GetExportQuery, Result<ExportDto>>
{
    public async ValueTask<Result<ExportDto>> Handle(GetExportQuery query, CancellationToken cancellationToken) =>
        await exports.FindOwnedAsync(query.OwnerId, query.ExportId, cancellationToken) is { } export
            ? ExportDto.Of(export)
            : ExportJobErrors.NotFound;
}
