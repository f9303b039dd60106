using Aiprod.Application.Common;
using Aiprod.Application.Idempotency;
using Aiprod.Application.Jobs.Commands.SubmitJob;
using Aiprod.Domain.Common;
using Aiprod.Domain.Idempotency;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Jobs.Commands.StartJobBatch;

/// <summary>
/// Takes a batch's <c>Idempotency-Key</c> before its items are sent: the key and the hash of the whole batch are kept
/// in a commit of their own, with a random prefix the items' keys are derived from. The items still commit one by one,
/// each keeping its own answer under its derived key (<see cref="JobBatchStart.Item"/>), so a retry with the same key
/// and body replays the items that were queued and runs the ones that were not: a batch cut short by a crash or a
/// refused write is completed by its retry, never doubled. Another body with the same key is 422.
/// </summary>
public sealed record StartJobBatchCommand(UserId OwnerId, string IdempotencyKey, IReadOnlyList<SubmitJobCommand> Jobs)
    : ICommand<Result<JobBatchStart>>, IDecidesUnderWriteLock, IRetryOnConflict, IRefusedByUniqueIndex<Result<JobBatchStart>>
{
    public Result<JobBatchStart> WhenUniqueIndexRefuses() => IdempotencyErrors.KeyInFlight;
}

/// <summary>Where a batch's items keep their answers, and whether the key had started this batch before.</summary>
public sealed record JobBatchStart(string ItemKeyPrefix, bool Replayed)
{
    /// <summary>
    /// The item at <paramref name="index"/> as sent under the batch's key: its key is the prefix and its index, in the
    /// items' own scope. The prefix is renewed when an expired batch key is used afresh, so an item never meets the
    /// answer of an earlier batch that used the same key.
    /// </summary>
    public SubmitJobCommand Item(SubmitJobCommand job, int index) =>
        job with { IdempotencyKey = $"{ItemKeyPrefix}:{index}", IdempotencyScope = IdempotencyScopes.PipelineBatchItem };
}

public sealed class StartJobBatchCommandValidator : AbstractValidator<StartJobBatchCommand>
{
    public StartJobBatchCommandValidator()
    {
        RuleFor(c => c.IdempotencyKey).MustBeIdempotencyKey();
    }
}

public sealed class StartJobBatchCommandHandler(IdempotencyLedger ledger) : ICommandHandler<StartJobBatchCommand, Result<JobBatchStart>>
{
    public async ValueTask<Result<JobBatchStart>> Handle(StartJobBatchCommand command, CancellationToken cancellationToken)
    {
        var first = await ledger.LookUpAsync<KeptBatch>(command.OwnerId, IdempotencyScopes.PipelineBatch, command.IdempotencyKey, RequestHash(command), cancellationToken);
        if (!first.IsSuccess)
        {
            return first.Error!;
        }

        if (first.Value is { } kept)
        {
            return new JobBatchStart(kept.ItemKeyPrefix, Replayed: true);
        }

        var prefix = Guid.NewGuid().ToString("N");
        ledger.Keep(new KeptBatch(prefix));
        return new JobBatchStart(prefix, Replayed: false);
    }

    /// <summary>The batch as its items will be queued, in order: each item's own normalised hash, length-prefixed.</summary>
    internal static string RequestHash(StartJobBatchCommand command) =>
        IdempotencyLedger.Hash(command.Jobs.Select(SubmitJobCommandHandler.RequestHash).ToArray());

    internal sealed record KeptBatch(string ItemKeyPrefix);
}
