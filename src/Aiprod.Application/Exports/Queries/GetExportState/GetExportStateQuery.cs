using Aiprod.Application.Abstractions;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Exports.Queries.GetExportState;

/// <summary>The owner's export's state, for its live socket, which reads it every poll interval.</summary>
public sealed record GetExportStateQuery(UserId OwnerId, ExportId ExportId) : IQuery<Result<ExportStateDto>>;

public sealed class GetExportStateQueryHandler(IExportJobRepository exports) : IQueryHandler<GetExportStateQuery, Result<ExportStateDto>>
{
    public async ValueTask<Result<ExportStateDto>> Handle(GetExportStateQuery query, CancellationToken cancellationToken) =>
        await exports.FindOwnedStateAsync(query.OwnerId, query.ExportId, cancellationToken) is { } state
            ? state
            : ExportJobErrors.NotFound;
}
