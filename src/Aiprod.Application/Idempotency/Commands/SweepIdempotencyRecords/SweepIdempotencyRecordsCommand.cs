using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Mediator;

namespace Aiprod.Application.Idempotency.Commands.SweepIdempotencyRecords;

/// <summary>
/// Deletes up to <see cref="Batch"/> idempotency records past their expiry. Expired records already answer nothing (a
/// lookup treats one as gone); the sweep only keeps the table small. Every instance may run it: a record renewed under
/// it by a request using its key afresh is a conflict, and the retry no longer finds it expired.
/// </summary>
public sealed record SweepIdempotencyRecordsCommand : ICommand<int>, IRetryOnConflict
{
    public const int Batch = 500;
}

public sealed class SweepIdempotencyRecordsCommandHandler(IIdempotencyRecordRepository records, TimeProvider clock)
    : ICommandHandler<SweepIdempotencyRecordsCommand, int>
{
    public async ValueTask<int> Handle(SweepIdempotencyRecordsCommand command, CancellationToken cancellationToken) =>
        await records.DeleteExpiredAsync(clock.GetUtcNow(), SweepIdempotencyRecordsCommand.Batch, cancellationToken);
}
