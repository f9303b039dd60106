using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Mediator;

namespace Aiprod.Application.Exports.Commands.ExpireExports;

/// <summary>
/// Deletes the files of succeeded exports whose retention ended and marks them expired; their metadata stays. Every
/// instance runs it: deleting a file twice is harmless, and the version check lets one instance record the expiry.
/// </summary>
public sealed record ExpireExportsCommand : ICommand<int>, IRetryOnConflict;

public sealed class ExpireExportsCommandHandler(IExportJobRepository exports, IExportStorage storage, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<ExpireExportsCommand, int>
{
    private const int Batch = 50;

    public async ValueTask<int> Handle(ExpireExportsCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var expired = 0;
        foreach (var export in await exports.PastRetentionAsync(now, Batch, cancellationToken))
        {
            var fileKey = export.FileKey;
            if (!export.Expire(now).IsSuccess)
            {
                continue;
            }

            // Before the commit: a failed commit leaves the export succeeded without its file, which a download answers
            // 410 and the next round expires again; the other order could leave a file nothing points to.
            if (fileKey is not null)
            {
                await storage.DeleteAsync(fileKey, cancellationToken);
            }

            expired++;
            audit.Record(new AuditEntry(AuditEventTypes.ExportExpired, AuditOutcome.Success, Target: export.Id.ToString(),
                Details: new Dictionary<string, object?> { ["sha256"] = export.Sha256, ["size_bytes"] = export.SizeBytes, ["owner_id"] = export.OwnerId.ToString() },
                ActorKind: ActorKind.System));
        }

        return expired;
    }
}
