using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Domain.Audit;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Exports.Commands.ClaimExport;

/// <summary>
/// An instance's runner takes the oldest export it may start: queued, or running under a lapsed lease (its instance
/// died; it starts again from the beginning), of an owner with fewer than <see cref="ExportOptions.MaxRunningPerUser"/>
/// running. Decided under the write lock, so two instances never both count an owner under the cap.
/// </summary>
public sealed record ClaimExportCommand : ICommand<ClaimedExport?>, IRetryOnConflict, IDecidesUnderWriteLock
{
    public int MaxAttempts => 8;
}

/// <summary>
/// A claim takes the write lock only when an export is claimable, so that an idle instance does not take the
/// database's write lock every poll interval only to find an empty queue.
/// </summary>
public sealed class ClaimExportPrecheck(IExportJobRepository exports, IOptions<ExportOptions> options, TimeProvider clock) : IWriteLockPrecheck<ClaimExportCommand>
{
    /// <summary>
    /// This scope's precheck found nothing, so the claim runs without the write lock: it then claims nothing, since
    /// an export that became claimable just after could be claimed by two such unlocked runs past the owner's cap.
    /// </summary>
    public bool FoundNothing { get; private set; }

    public async ValueTask<bool> IsWorthLockingAsync(ClaimExportCommand message, CancellationToken cancellationToken)
    {
        FoundNothing = !await exports.AnyClaimableAsync(clock.GetUtcNow(), options.Value.MaxRunningPerUser, cancellationToken);
        return !FoundNothing;
    }
}

public sealed class ClaimExportCommandHandler(IExportJobRepository exports, IAuditLog audit, ClaimExportPrecheck precheck, IOptions<ExportOptions> options, TimeProvider clock)
    : ICommandHandler<ClaimExportCommand, ClaimedExport?>
{
    private const int Candidates = 32;

    public async ValueTask<ClaimedExport?> Handle(ClaimExportCommand command, CancellationToken cancellationToken)
    {
        if (precheck.FoundNothing)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var settings = options.Value;
        // The oldest claimable exports (the query leaves out owners at the running cap). One whose attempts ran out is
        // failed on the way and the next one tried, so that a poison export does not end the runner's round.
        var candidates = await exports.ClaimableAsync(now, settings.MaxRunningPerUser, Candidates, cancellationToken);
        foreach (var export in candidates)
        {
            var claimed = export.Claim(now, settings.Lease, settings.MaxAttempts);
            if (!claimed.IsSuccess)
            {
                throw new InvalidOperationException($"An export read as claimable refused the claim: {claimed.Error.Message}");
            }

            if (!claimed.Value)
            {
                audit.Record(new AuditEntry(AuditEventTypes.ExportFailed, AuditOutcome.Failure, Target: export.Id.ToString(),
                    Details: new Dictionary<string, object?> { ["error_code"] = export.Failure is { } failure ? EnumNames.Of(failure) : null, ["attempt"] = export.Attempt },
                    ActorKind: ActorKind.System));
                continue;
            }

            var selection = new ExportSelection(export.OwnerId, export.JobIds, export.StatusFilter, export.PresetFilter, export.CreatedFrom, export.CreatedTo);
            return new ClaimedExport(export.Id, export.Attempt, export.Format, selection, new ExportWriteOptions(export.Bom, export.Columns, settings.MaxBytes));
        }

        return null;
    }
}
