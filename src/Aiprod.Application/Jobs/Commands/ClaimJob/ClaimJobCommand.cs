using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Jobs;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace Aiprod.Application.Jobs.Commands.ClaimJob;

/// <summary>
/// A worker (an API key with <c>pipeline:worker</c>) takes the next queued job: highest priority, then oldest.
/// A key owned by an admin serves every user's jobs (the platform's workers); any other key serves only its
/// owner's, so nobody's content reaches a stranger's worker.
/// </summary>
public sealed record ClaimJobCommand(ApiKeyId WorkerKeyId, UserId WorkerOwnerId, int? LeaseSeconds) : ICommand<ClaimedJobDto?>, IRetryOnConflict, IDecidesUnderWriteLock
{
    // A lost race costs one read and one refused update; many workers polling one queue lose often, so a claim
    // tries more often than a use case where a conflict means two people changed one thing at once.
    public int MaxAttempts => 8;
}

public sealed class ClaimJobCommandValidator : AbstractValidator<ClaimJobCommand>
{
    public ClaimJobCommandValidator(IOptions<JobOptions> options) =>
        RuleFor(c => c.LeaseSeconds).InclusiveBetween(5, options.Value.MaxLeaseSeconds).When(c => c.LeaseSeconds is not null)
            .WithMessage($"lease_seconds must be between 5 and {options.Value.MaxLeaseSeconds}.");
}

/// <summary>A claim takes the write lock only when the queue it may take from holds a job.</summary>
public sealed class ClaimJobPrecheck(IJobRepository jobs, IUserRepository users) : IWriteLockPrecheck<ClaimJobCommand>
{
    public async ValueTask<bool> IsWorthLockingAsync(ClaimJobCommand message, CancellationToken cancellationToken) =>
        await jobs.AnyQueuedAsync(await ClaimJobCommandHandler.QueueOfAsync(users, message, cancellationToken), cancellationToken);
}

public sealed class ClaimJobCommandHandler(
    IJobRepository jobs,
    IUserRepository users,
    IOptions<JobOptions> options,
    ConflictAttempt attempt,
    TimeProvider clock) : ICommandHandler<ClaimJobCommand, ClaimedJobDto?>
{
    private const int Candidates = 16;

    /// <summary>
    /// One attempt, on fresh state: the version check refuses the update if another worker claimed the job since
    /// it was read, so a 200 always means this worker holds the lease in the database.
    /// </summary>
    public async ValueTask<ClaimedJobDto?> Handle(ClaimJobCommand command, CancellationToken cancellationToken)
    {
        var onlyOwner = await QueueOfAsync(users, command, cancellationToken);
        // The first attempt takes the head of the queue, so it reads only that row (content included, the worker
        // gets it); only a run after a lost race needs the others to spread over.
        var queued = await jobs.NextQueuedAsync(onlyOwner, attempt.Number == 1 ? 1 : Candidates, cancellationToken);
        if (queued.Count == 0)
        {
            return null;
        }

        // The last point where a client that went away costs nothing: from here the claim is committed whatever the
        // client does, and a claim nobody receives holds its job until the lease lapses (and counts as a retry).
        cancellationToken.ThrowIfCancellationRequested();
        var job = attempt.Number == 1 ? queued[0] : AnyOfTheFirstPriority(queued);
        var claimed = job.Claim(command.WorkerKeyId, clock.GetUtcNow(), TimeSpan.FromSeconds(command.LeaseSeconds ?? options.Value.DefaultLeaseSeconds));
        if (!claimed.IsSuccess)
        {
            throw new InvalidOperationException($"A job read as queued refused the claim: {claimed.Error.Message}");
        }
        return new ClaimedJobDto(job.Id, job.Content, job.Preset, job.Priority, job.Lang, job.DurationSec, job.RetryCount, job.LeaseExpiresAt!.Value, job.ClaimId!.Value);
    }

    /// <summary>Whose jobs a worker key may take: every user's for an admin's key, otherwise only its owner's.</summary>
    internal static async Task<UserId?> QueueOfAsync(IUserRepository users, ClaimJobCommand command, CancellationToken cancellationToken) =>
        await users.IsAdminAsync(command.WorkerOwnerId, cancellationToken) ? null : command.WorkerOwnerId;

    /// <summary>
    /// After a lost race every loser would otherwise go for the same next job and all but one lose again; spread over
    /// the oldest jobs of the highest priority waiting, most of them win at once, and priority still comes first.
    /// </summary>
    private static PipelineJob AnyOfTheFirstPriority(IReadOnlyList<PipelineJob> queued)
    {
        var top = queued.TakeWhile(j => j.Priority == queued[0].Priority).ToList();
        return top[Random.Shared.Next(top.Count)];
    }
}
