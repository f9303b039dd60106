using Aiprod.Application.Abstractions;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Exports.Queries.AnyClaimableExport;

/// <summary>
/// Whether a claim could find anything. Asked first, without the write lock, so that an idle instance does not take
/// the database's write lock every poll interval only to find an empty queue.
/// </summary>
public sealed record AnyClaimableExportQuery : IQuery<bool>;

public sealed class AnyClaimableExportQueryHandler(IExportJobRepository exports, IOptions<ExportOptions> options, TimeProvider clock) : IQueryHandler<AnyClaimableExportQuery, bool>
{
    public async ValueTask<bool> Handle(AnyClaimableExportQuery query, CancellationToken cancellationToken) =>
        await exports.AnyClaimableAsync(clock.GetUtcNow(), options.Value.MaxRunningPerUser, cancellationToken);
}
